"""The config file of ``run``: what a CI gate needs, checked in beside the code, so the gate is
``scrip-conformance run`` with the key in the environment.

Where it comes from: ``--config PATH``; else ``scrip-conformance.toml`` in the working
directory; else the ``[tool.scrip-conformance]`` table of ``pyproject.toml`` there. When both
files configure the suite, ``scrip-conformance.toml`` wins (as ``ruff.toml`` or ``pytest.ini``
do over ``pyproject.toml``) and the run says the table is ignored.

The one table of options is ``config.schema.json``: each property's ``x-dest`` names the
argparse destination of the ``run`` flag it stands for, and the flag's own type converts the
file's value, so names and types are not restated here. A flag given on the command line wins
over the file (a list given as flags replaces the file's list); a relative path resolves against
the file's directory. The file never holds a key: it names the environment variables that do.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import jsonschema

from scrip_conformance import catalog, target

CONFIG_NAME = "scrip-conformance.toml"
PYPROJECT_NAME = "pyproject.toml"
TOOL_TABLE = "scrip-conformance"
SCHEMA_PATH = Path(__file__).with_name("config.schema.json")
KEY_ENV_FIELDS = {"api_key_env": "api_key", "second_org_key_env": "second_org_key"}
# Values the API's keys look like (the docs: keys start with sk_), and names of key fields.
_KEY_VALUE = re.compile(r"(?<![A-Za-z0-9])sk_[A-Za-z0-9_\-]{4,}")
_KEY_FIELD = re.compile(r"(^|_)(api_?key|key|keys|token|secret|password)$", re.IGNORECASE)
# Keys that select the same thing: a flag for one of them drops the file's value of all.
_COUPLED = (("profiles", "read_only"),)


class ConfigError(Exception):
    """A config file that cannot be used: one line per problem, each naming the file and key."""


@dataclass(frozen=True)
class NotGiven:
    """The default of a ``run`` option the command line did not give (wrapped, so that a flag
    given with the default's own value still wins over the file)."""

    default: Any


@dataclass(frozen=True)
class Setting:
    """One row of the table: a config key, the argparse destination of the ``run`` flag(s)
    standing for it, and the flag's type, which turns a file value into the flag's value."""

    key: str
    dest: str | None
    convert: Any
    schema: dict[str, Any]

    @property
    def default(self) -> Any:
        return self.schema.get("default")


@functools.cache
def config_schema() -> dict[str, Any]:
    """The schema, with the profiles and features of this version filled in (the file lists
    them too, for editors; a test keeps the two equal)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    props = schema["properties"]
    props["profiles"]["items"]["enum"] = list(catalog.PROFILES)
    props["unsupported"]["items"]["enum"] = list(target.FEATURES)
    return schema


def add_options(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--no-config``, and the table bound to ``parser``'s options (call it
    after every other option is added)."""
    group = parser.add_argument_group("configuration")
    group.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help=f"the config file (default: ./{CONFIG_NAME}, else the [tool.{TOOL_TABLE}] table "
        f"of ./{PYPROJECT_NAME}); flags override it",
    )
    group.add_argument(
        "--no-config", action="store_true", help="ignore any config file in the working directory"
    )
    actions = {a.dest: a for a in parser._actions}
    table = []
    for key, prop in config_schema()["properties"].items():
        dest = prop.get("x-dest")
        if dest is None:
            table.append(Setting(key, None, None, prop))
            continue
        if dest not in actions:
            raise AssertionError(f"{SCHEMA_PATH.name}: {key} names no run option {dest!r}")
        table.append(Setting(key, dest, actions[dest].type, prop))
        default = actions[dest].default
        if default is not None and not isinstance(default, NotGiven):
            parser.set_defaults(**{dest: NotGiven(default)})
    parser.set_defaults(_config_table=tuple(table))


# -- finding and loading ---------------------------------------------------------------------
@dataclass
class ConfigFile:
    """A config file as read: where it is, how errors name it, its (unchecked) top table."""

    path: Path
    label: str
    values: dict[str, Any]
    note: str = ""

    @property
    def base(self) -> Path:
        return self.path.parent


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{label}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read it: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: not valid TOML: {exc}") from None


def _tool_table(document: dict[str, Any]) -> Any:
    tool = document.get("tool")
    return tool.get(TOOL_TABLE) if isinstance(tool, dict) else None


def _pyproject(path: Path) -> ConfigFile | None:
    label = f"{path} [tool.{TOOL_TABLE}]"
    table = _tool_table(_read_toml(path, str(path)))
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: must be a table")
    return ConfigFile(path, label, table)


def find_config(explicit: Path | None, cwd: Path, skip: bool = False) -> ConfigFile | None:
    """The config file to use, read but not yet checked; None when there is none."""
    if explicit is not None:
        if explicit.name == PYPROJECT_NAME:
            found = _pyproject(explicit)
            if found is None:
                raise ConfigError(f"{explicit}: no [tool.{TOOL_TABLE}] table")
            return found
        return ConfigFile(explicit, str(explicit), _read_toml(explicit, str(explicit)))
    if skip:
        return None
    own, pyproject = cwd / CONFIG_NAME, cwd / PYPROJECT_NAME
    from_pyproject = _pyproject(pyproject) if pyproject.is_file() else None
    if own.is_file():
        found = ConfigFile(own, CONFIG_NAME, _read_toml(own, CONFIG_NAME))
        if from_pyproject is not None:
            found.note = (
                f"the [tool.{TOOL_TABLE}] table of {PYPROJECT_NAME} is ignored: {CONFIG_NAME} wins"
            )
        return found
    if from_pyproject is not None:
        from_pyproject.label = f"{PYPROJECT_NAME} [tool.{TOOL_TABLE}]"
    return from_pyproject


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key.replace("-", "_"), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _key_problems(values: Any, path: str = "") -> list[tuple[str, str]]:
    """(top-level key, problem) for key fields and values that look like keys, anywhere in the
    file; the value is never echoed."""
    top = path.split(".")[0]
    if isinstance(values, dict):
        problems: list[tuple[str, str]] = []
        for name, value in values.items():
            where = f"{path}.{name}" if path else str(name)
            if _KEY_FIELD.search(str(name)):
                problems.append((top or str(name), f"{where}: {_NO_KEY_FIELD}"))
            else:
                problems += _key_problems(value, where)
        return problems
    if isinstance(values, list):
        return [p for value in values for p in _key_problems(value, path)]
    looks_like_key = isinstance(values, str) and (
        _KEY_VALUE.search(values) or (path in KEY_ENV_FIELDS and values.lower().startswith("sk_"))
    )
    return [(top, f"{path}: {_NO_KEY_VALUE}")] if looks_like_key else []


_NO_KEY_FIELD = (
    "a key does not belong in a file that is checked in; put it in an environment variable "
    "and name that variable with api_key_env or second_org_key_env"
)
_NO_KEY_VALUE = (
    "this value looks like an API key (keys start with sk_); a key never goes in the file: put "
    "it in an environment variable and name that variable with api_key_env or second_org_key_env"
)


def _describe(error: jsonschema.ValidationError, prop: dict[str, Any]) -> str:
    """What is wrong with one value, in words, without echoing it (it could be a secret)."""
    kind, expected = error.validator, cast(Any, error.validator_value)
    if kind == "oneOf":  # the seed
        return 'must be a non-negative integer or "random"'
    if kind == "type":
        words = {
            "integer": "an integer", "number": "a number", "string": "a string",
            "boolean": "true or false", "array": "a list",
        }  # fmt: skip
        return f"must be {words.get(str(expected), expected)}, got {_toml_type(error.instance)}"
    if kind == "enum":
        choices = ", ".join(json.dumps(v) for v in expected)
        return f"must be one of {choices}"
    if kind == "pattern":
        if prop.get("pattern", "").startswith("^[A-Z_]"):
            return (
                "must be the NAME of an environment variable (upper-case letters, digits and _, "
                "e.g. SCRIP_API_KEY), not a key"
            )
        if prop.get("pattern") == "^https?://":
            return "must start with http:// or https://"
        return f"must match {error.validator_value}"
    if kind in ("minimum", "exclusiveMinimum"):
        above = "above" if kind == "exclusiveMinimum" else "at least"
        return f"must be {above} {error.validator_value}"
    if kind == "uniqueItems":
        return "lists a value twice"
    if kind == "minLength":
        return "must not be empty"
    return error.message


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def check(values: dict[str, Any], label: str) -> None:
    """Raise :class:`ConfigError` listing every problem of ``values`` (a file's top table)."""
    found = _key_problems(values)
    problems = [f"{label}: {problem}" for _, problem in found]
    flagged = {key for key, _ in found}
    schema = config_schema()
    props = schema["properties"]
    known = list(props)
    for name in values:
        if name not in props and name not in flagged:
            problems.append(f"{label}: unknown key {name!r}{_suggest(name, known)}")
    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.path))):
        if error.validator == "additionalProperties" or not error.absolute_path:
            continue  # reported above
        key = str(error.absolute_path[0])
        if key in flagged:
            continue
        where = key + "".join(f"[{p}]" for p in list(error.absolute_path)[1:])
        problems.append(f"{label}: {where}: {_describe(error, props[key])}")
    if problems:
        raise ConfigError("\n".join(dict.fromkeys(problems)))


def load(path: Path) -> dict[str, Any]:
    """A config file (or a pyproject.toml's table), checked; for tests and ``init``."""
    found = find_config(path, path.parent)
    assert found is not None
    check(found.values, found.label)
    return found.values


# -- applying it to the run's options --------------------------------------------------------
@dataclass
class Effective:
    """The configuration a run uses: each setting's value and where it came from."""

    file: ConfigFile | None
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """For summary.json: names of the key variables and whether they are set, never keys."""
        return {
            "file": str(self.file.path) if self.file else None,
            "note": self.file.note if self.file and self.file.note else None,
            "settings": {
                k: {"value": _jsonable(v), "source": self.sources[k]}
                for k, v in self.values.items()
            },
            "keys": self.keys,
        }

    def lines(self) -> list[str]:
        """The console echo: itself a valid config file, each line saying where it came from."""
        head = (
            f"configuration: {self.file.path} (command-line flags override it)"
            if self.file
            else "configuration: no config file (defaults and command-line flags)"
        )
        lines = [head]
        if self.file and self.file.note:
            lines.append(f"  note: {self.file.note}")
        for key, value in self.values.items():
            source = self.sources[key]
            if value is None:
                what = ": the embedded reference is judged" if key == "base_url" else ""
                lines.append(f"  # {key}: not set{what}  # {source}")
                continue
            extra = ""
            if key in KEY_ENV_FIELDS:
                info = self.keys[KEY_ENV_FIELDS[key]]
                extra = f" ({'set' if info['env_set'] else 'not set'}; key used: {info['used']})"
            lines.append(f"  {key} = {toml_value(value)}  # {source}{extra}")
        return lines


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def toml_value(value: Any) -> str:
    """``value`` as a TOML literal (strings, numbers, booleans and lists of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _from_file(setting: Setting, value: Any, found: ConfigFile) -> Any:
    """A checked file value as the flag's argparse value."""
    if setting.key == "seed":
        return None if value == "random" else value
    if isinstance(value, list | bool) or setting.convert is None:
        return list(value) if isinstance(value, list) else value
    if setting.convert is Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else found.base / path
    try:
        return setting.convert(str(value))
    except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
        raise ConfigError(f"{found.label}: {setting.key}: {exc}") from None


def apply(args: argparse.Namespace, cwd: Path | None = None) -> Effective:
    """Merge the config file into ``args`` (flags win) and return the effective configuration;
    raises :class:`ConfigError` for a file that cannot be used."""
    table: tuple[Setting, ...] = getattr(args, "_config_table", ())
    found = find_config(
        getattr(args, "config", None), cwd or Path.cwd(), getattr(args, "no_config", False)
    )
    file_values: dict[str, Any] = {}
    if found is not None:
        check(found.values, found.label)
        file_values = dict(found.values)
    given = {s.key for s in table if s.dest is not None and not _unset(getattr(args, s.dest, None))}
    for group in _COUPLED:
        if given & set(group):
            for key in group:
                file_values.pop(key, None)
    effective = Effective(found)
    for setting in table:
        if setting.dest is None:  # file-only: the names of the key variables
            value = file_values.get(setting.key, setting.default)
            setattr(args, setting.key, value)
            source = "file" if setting.key in file_values else "default"
        elif setting.key in given:
            value, source = getattr(args, setting.dest), "flag"
        elif setting.key in file_values:
            value = _from_file(setting, file_values[setting.key], found)  # type: ignore[arg-type]
            setattr(args, setting.dest, value)
            source = "file"
        else:
            current = getattr(args, setting.dest, None)
            value = current.default if isinstance(current, NotGiven) else current
            setattr(args, setting.dest, value)
            source = "default"
        shown = setting.default if value is None else value  # None: the built-in default
        effective.values[setting.key] = shown
        effective.sources[setting.key] = source
    effective.keys = _keys(args)
    args.configuration = effective
    return effective


def named_in_file(args: argparse.Namespace, key: str) -> str | None:
    """``KEY in FILE`` when the run's value of ``key`` came from the config file, else None."""
    effective = getattr(args, "configuration", None)
    if isinstance(effective, Effective) and effective.file is not None:
        if effective.sources.get(key) == "file":
            return f"{key} in {effective.file.label}"
    return None


def _unset(value: Any) -> bool:
    return value is None or isinstance(value, NotGiven)


def _keys(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Where each key of the run comes from: the names of the variables, never the keys."""
    keys = {}
    for env_field, key in KEY_ENV_FIELDS.items():
        env = getattr(args, env_field, None) or ""
        env_set = bool(os.environ.get(env))
        if not getattr(args, "base_url", None):
            used = "embedded"
        elif getattr(args, key, None):
            used = "flag"
        else:
            used = "environment" if env_set else "none"
        keys[key] = {"env": env, "env_set": env_set, "used": used}
    return keys
