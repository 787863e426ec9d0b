"""Locate the files the package ships: the OpenAPI spec and the contract catalogue.

A wheel carries them under ``scrip_conformance/_data``; a checkout (editable install) reads them
from the repository root, so there is exactly one copy of each in the source tree.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import yaml

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent.parent


def _locate(relative: str) -> Path:
    for base in (_PACKAGE_DIR / "_data", _REPO_ROOT):
        candidate = base / relative
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"scrip-conformance data file not found: {relative}")


def spec_path() -> Path:
    """Path of ``openapi/scrip.yaml``, the single source of truth for the wire format."""
    return _locate("openapi/scrip.yaml")


def contracts_dir() -> Path:
    """Directory of the contract suite (``contracts/``) and its ``catalog.yaml``."""
    return _locate("contracts")


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (cached; callers must not mutate it)."""
    with spec_path().open(encoding="utf-8") as fh:
        # libyaml's loader where PyYAML has it (the same documents, several times faster)
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def spec_sha256() -> str:
    """SHA-256 of the spec file's bytes, reported so a verdict names the exact spec it used."""
    return hashlib.sha256(spec_path().read_bytes()).hexdigest()
