"""Print `name==lower_bound` for every direct dependency in pyproject.toml (the runtime ones and the
given extras), so that tox's `lowest` env can install the oldest versions the project declares.

Usage: python .ci/lowest_requirements.py [--output FILE] [EXTRA ...]   (stdout without --output)
A dependency without a `>=` or `==` lower bound is an error: every bound must be tested."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
LOWER = re.compile(r"(?:>=|==)\s*([^,;\s]+)")


def lowest(requirement: str) -> str:
    """`pkg>=1.2,<2` -> `pkg==1.2`; raises ValueError when the requirement has no lower bound."""
    match = REQUIREMENT.match(requirement)
    bound = LOWER.search(match.group(3)) if match else None
    if not match or not bound:
        raise ValueError(f"no lower bound in {requirement!r}")
    return f"{match.group(1)}{match.group(2) or ''}=={bound.group(1)}"


def main(args: list[str]) -> int:
    output = None
    if args[:1] == ["--output"] and len(args) > 1:
        output, args = Path(args[1]), args[2:]
    extras = args
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    try:
        text = "".join(f"{lowest(r)}\n" for r in requirements)
    except ValueError as error:
        print(f"lowest_requirements: {error}", file=sys.stderr)
        return 2
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
