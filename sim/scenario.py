"""Scenario files: locate, inherit (`extends`), override, validate, write back.

Errors are one readable line naming the file, the key path, the value and what was
expected — `ScenarioError` — never a raw traceback; the CLI exits with code 2 on them.

This module loads neither numba nor Mesa: `GovScenario` (a Mesa `Scenario`) lives in
`sim.gov_scenario` and is imported from here on first use.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import stat
import time
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from .reforms import REGISTRY
from .schema import MAX_AGENCIES, MAX_SEED, scenario_model

ScenarioSpec = scenario_model(REGISTRY)
OVERRIDE_SOURCE = "--set"
PYTHON_SOURCE = "keyword argument"  # overrides given to GovModel / GovScenario / run_scenario in code
PRESETS_PACKAGE_DIR = "presets"  # where a built wheel carries `scenarios/*.toml` (pyproject.toml, setup.py)


class ScenarioError(ValueError):
    """A scenario cannot be used; the message is one line meant for the user (line breaks
    in what it quotes, e.g. a key named with a newline, are shown escaped)."""

    def __init__(self, message: object = "") -> None:
        text = str(message)
        for raw, shown in (("\r", "\\r"), ("\n", "\\n"), ("\x00", "\\x00")):
            text = text.replace(raw, shown)
        super().__init__(text)


def __getattr__(name: str):
    if name == "GovScenario":  # a Mesa Scenario: imported on first use (loads Mesa)
        from .gov_scenario import GovScenario

        return GovScenario
    raise AttributeError(f"module 'sim.scenario' has no attribute {name!r}")


_HERE = Path(__file__).resolve().parent  # this package's folder (resolved once: a sweep asks for it per run)


_PLAIN: dict[str, bool] = {}  # _plain_name's answers (a sweep asks for the same few names per run)


def _plain_name(ref_s: str) -> bool:
    """A name without separators that pathlib takes as it is (e.g. `baseline`)."""
    plain = _PLAIN.get(ref_s)
    if plain is None:
        plain = "/" not in ref_s and "\\" not in ref_s and ref_s not in (".", "..") and str(Path(ref_s)) == ref_s
        _remember(_PLAIN, ref_s, plain)
    return plain


_FOUND_DIR: list[Path] = []  # the presets folder once found (checked to still be a folder on use)


def scenarios_dir() -> Path:
    """Presets: `scenarios/` of the source checkout the package runs from (a clone, or an
    editable install: the files people edit), else the copy an installed wheel carries as
    package data (`sim/presets/`)."""
    if _FOUND_DIR and os.path.isdir(_FOUND_DIR[0]):
        return _FOUND_DIR[0]
    _FOUND_DIR[:] = [_find_scenarios_dir()]
    return _FOUND_DIR[0]


def _find_scenarios_dir() -> Path:
    here = _HERE
    checkout = here.parent / "scenarios"
    if checkout.is_dir() and (here.parent / "pyproject.toml").is_file():
        return checkout
    shipped = Path(str(resources.files("sim") / PRESETS_PACKAGE_DIR))
    if shipped.is_dir():
        return shipped
    raise ScenarioError(f"cannot find the presets: neither {checkout} nor {shipped} is a folder (a broken install?)")


def preset_names() -> list[str]:
    return sorted(p.stem for p in scenarios_dir().glob("*.toml"))


def list_presets() -> list[tuple[str, str]]:
    """(name, one-line description) of every preset."""
    out = []
    for name in preset_names():
        raw = _read_toml(scenarios_dir() / f"{name}.toml")
        out.append((name, str(raw.get("meta", {}).get("description", ""))))
    return out


def read_text(path: Path, what: str = "file") -> str:
    """A UTF-8 text file (a leading byte-order mark, as some Windows editors write, is
    accepted); any failure is one ScenarioError line naming the file."""
    return _decode(_read_bytes(path, what), path)


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder; expected a {what} (TOML)") from None
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror or e}") from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError(
            f"{path}: not valid TOML: byte {e.start} (0x{data[e.start]:02x}) is not UTF-8; save the file as UTF-8"
        ) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{source}: not valid TOML: {e}") from None


# A sweep builds thousands of models from the same few files, and parsing and merging them
# was half of a baseline model's set-up. A file's parse is kept per content, a scenario's
# merged chain (extends, reforms_from) while every file it read has the same bytes and every
# reference in it resolves to the same file; each caller gets its own copy.
_CACHE_LIMIT = 512  # entries; beyond it a cache starts again (assumed: far above a sweep's files)
_PARSED: dict[tuple[str, bytes], dict[str, Any]] = {}  # (file, its bytes) -> parsed file
_MERGED: dict[str, tuple[list, dict, dict, Path]] = {}  # file -> (what it read, merged, origin, path)
_RECORDING: list[list] = []  # the chains of the merges under way: each file read and reference resolved


def _note(entry: tuple) -> None:
    for chain in _RECORDING:
        chain.append(entry)


def _copy_tree(v: Any) -> Any:
    """A deep copy of parsed TOML (tables, arrays, scalars), several times faster than
    copy.deepcopy."""
    if isinstance(v, dict):
        return {k: _copy_tree(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy_tree(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_copy_tree(x) for x in v)
    return v


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed file, a fresh copy each call."""
    data = _read_bytes(path, "scenario file")
    key = (str(path.resolve()), data)
    _note(("file", *key))
    tree = _PARSED.get(key)
    if tree is None:
        tree = parse_toml(_decode(data, path), str(path))
        if len(_PARSED) >= _CACHE_LIMIT:
            _PARSED.clear()
        _PARSED[key] = tree
    return _copy_tree(tree)


# A file's bytes are read again only when its status may have changed: the status (device,
# inode, size, modification and change times) seen when those bytes were read is kept, and
# trusted only once its times are RACY_S older than that reading (a write in the same clock
# tick as the reading could leave the times as they were; git's "racy" rule). Any write moves
# the change time, which no program can set back.
RACY_S = 2.0  # seconds (assumed: far above file systems' timestamp granularity)
# The times are compared with this machine's clock: on a network file system whose server's
# clock runs more than RACY_S behind, a same-size rewrite within one timestamp tick of an
# earlier reading could be missed (the ctime still moves, so only within that tick).
_STATUS: dict[str, tuple[tuple, bytes]] = {}  # file -> (its status, the bytes read with it)
_REAL: dict[str, tuple[tuple, str]] = {}  # path as given -> (its file's status, its real path)


def _status(path: str) -> tuple | None:
    """The file's (device, inode, size, mtime, ctime), or None while a write may still be hidden."""
    st = os.stat(path)
    if max(st.st_mtime_ns, st.st_ctime_ns) > time.time_ns() - RACY_S * 1e9:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _same_bytes(path: str, seen: bytes) -> bool:
    """`path` still holds `seen` (its status unchanged since they were read, or read again)."""
    status = _status(path)
    kept = _STATUS.get(path)
    if status is not None and kept is not None and kept[0] == status and kept[1] is seen:
        return True
    if Path(path).read_bytes() != seen:
        return False
    if status is not None:  # taken before this reading: a later write changes it
        _remember(_STATUS, path, (status, seen))
    return True


def _remember(cache: dict, key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _real_path(path: Path) -> str:
    """os.path.realpath(path), kept while the file it names has the same status."""
    given = os.fspath(path)
    try:
        status = _status(given)
    except OSError:
        return os.path.realpath(given)
    kept = _REAL.get(given)
    if status is not None and kept is not None and kept[0] == status:
        return kept[1]
    real = os.path.realpath(given)
    if status is not None:
        _remember(_REAL, given, (status, real))
    return real


def _unchanged(chain: list) -> bool:
    """Every file a cached merge read still holds the same bytes, every reference it
    resolved still names the same file."""
    for kind, what, seen in chain:
        try:
            if kind == "file" and not _same_bytes(what, seen):
                return False
            if kind == "ref" and str(_resolve(*what).resolve()) != seen:
                return False
        except (ScenarioError, ValueError, OSError):
            return False
    return True


def resolve_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """A path to a scenario file, or the preset of that name."""
    ref_s = str(ref)
    if not ref_s.strip() or "\0" in ref_s:
        raise ScenarioError(f"scenario {show(ref_s)}: expected a preset name or the path of a scenario file")
    try:
        path = _resolve(ref_s, relative_to)
        if _RECORDING:  # a merge under way depends on where the reference leads
            _note(("ref", (ref_s, relative_to), str(path.resolve())))
        return path
    except ScenarioError:
        raise
    except (ValueError, OSError) as e:  # a path the OS cannot take (too long, no permission)
        why = getattr(e, "strerror", None) or str(e)
        raise ScenarioError(f"scenario {show(ref_s)}: cannot use this path ({why})") from None


def _resolve(ref_s: str, relative_to: Path | None) -> Path:
    if relative_to is None and _plain_name(ref_s):
        # a file of that name in the working folder, else the preset: what the general path
        # below finds for such a name, with plain os.path calls (it runs for every model)
        try:
            mode = os.stat(ref_s).st_mode
        except (OSError, ValueError):
            mode = 0
        if stat.S_ISREG(mode):
            return Path(ref_s)
        # the presets folder as last found: a preset file in it shows it is still a folder
        preset = _preset_path(_FOUND_DIR[0] if _FOUND_DIR else scenarios_dir(), ref_s)
        if not stat.S_ISDIR(mode) and os.path.isfile(preset):
            return preset
    candidates = []
    if relative_to is not None:
        candidates.append(relative_to / ref_s)
    candidates.append(Path(ref_s))
    for c in candidates:
        if c.is_file():
            return c
        if c.is_dir() and ("/" in ref_s or c.suffix == ".toml" or ref_s in (".", "..")):
            raise ScenarioError(f"{c}: is a folder; expected a scenario file (TOML) or a preset name")
        if c.suffix != ".toml" and c.with_suffix(".toml").is_file() and ("/" in ref_s or relative_to):
            return c.with_suffix(".toml")
    if "/" not in ref_s and "\\" not in ref_s:
        # `ref_s in preset_names()` without listing the folder (a glob was most of a cached load)
        preset = scenarios_dir() / f"{ref_s}.toml"
        if Path(ref_s).name == ref_s and preset.is_file():
            return preset
    names = preset_names()
    if "/" not in ref_s and "\\" not in ref_s and ref_s in names:
        return scenarios_dir() / f"{ref_s}.toml"
    hint = difflib.get_close_matches(Path(ref_s).stem, names, n=1)
    dym = f" (did you mean '{hint[0]}'?)" if hint else ""
    raise ScenarioError(
        f"unknown scenario '{ref_s}': no such file and no preset of that name{dym}; presets: {', '.join(names)}"
    )


_PRESET_PATHS: dict[tuple[Path, str], Path] = {}  # (presets folder, name) -> the preset file's path


def _preset_path(folder: Path, name: str) -> Path:
    """`folder / f"{name}.toml"`, one Path object per preset: a Path made anew parses its text again when
    read as a string (`os.fspath`), a tenth of a set-up's scenario look-up (the file is still checked)."""
    path = _PRESET_PATHS.get((folder, name))
    if path is None:
        path = Path(os.path.join(folder, f"{name}.toml"))
        _remember(_PRESET_PATHS, (folder, name), path)
    return path


def _merge(base: dict, top: dict, origin: dict, source: str, prefix: tuple = ()) -> None:
    """Deep-merge `top` into `base` (tables merge, everything else replaces), recording
    which file set each key path."""
    for k, v in top.items():
        path = (*prefix, k)
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v, origin, source, path)
        else:
            base[k] = copy.deepcopy(v)
            origin[path] = source
            if isinstance(v, dict):
                _mark(v, origin, source, path)


def _mark(tree: dict, origin: dict, source: str, prefix: tuple) -> None:
    for k, v in tree.items():
        origin[(*prefix, k)] = source
        if isinstance(v, dict):
            _mark(v, origin, source, (*prefix, k))


def load_raw(ref: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict, dict, Path]:
    """The merged raw dict of a scenario and its `extends` chain, with key origins
    (`PACKAGE@STRUCTURE`: a government with another scenario's reforms, see `load_package_on`);
    a fresh copy: callers apply overrides to it."""
    if (pair := split_package_ref(ref)) is not None:
        return load_package_on(*pair, _seen)
    path = resolve_path(ref)
    if _seen:  # inside another file's chain: that file's merge is what is kept
        return _load_file(path, _seen)
    hit = _merged_entry(path)
    return _copy_tree(hit[1]), dict(hit[2]), hit[3]


def _merged_entry(path: Path) -> tuple[list, dict, dict, Path]:
    """The cached merge of the resolved scenario file `path` (made again when any file it
    read changed): (what it read, merged tree, key origins, path). Callers copy the tree."""
    key = _real_path(path)  # str(path.resolve()), without pathlib's overhead
    hit = _MERGED.get(key)
    if hit is not None and _unchanged(hit[0]):
        for chain in _RECORDING:  # a merge under way depends on what this one read
            chain.extend(hit[0])
    else:
        chain: list = []
        _RECORDING.append(chain)
        try:
            merged, origin, path = _load_file(path, ())
        finally:
            _RECORDING.pop()
        if len(_MERGED) >= _CACHE_LIMIT:
            _MERGED.clear()
        hit = _MERGED[key] = (chain, merged, origin, path)
    return hit


def _load_file(path: Path, _seen: tuple[Path, ...]) -> tuple[dict, dict, Path]:
    """`load_raw` of one resolved file, without the cache."""
    if path.resolve() in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path.resolve()))
        raise ScenarioError(f"{path}: extends: circular inheritance ({chain})")
    raw = _read_toml(path)
    parent = raw.pop("extends", None)
    package = raw.pop(REFORMS_FROM, None)
    merged: dict = {}
    origin: dict = {}
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{path}: extends = {parent!r}: expected a preset name or a path")
        try:
            parent_path = resolve_path(parent, relative_to=path.parent)
        except ScenarioError as e:
            raise ScenarioError(f"{path}: extends = {parent!r}: {e}") from None
        merged, origin, _ = load_raw(parent_path, (*_seen, path.resolve()))
    if package is not None:
        adopt_package(merged, origin, package, f"{path}: {REFORMS_FROM}", path.parent, (*_seen, path.resolve()))
    _merge(merged, raw, origin, str(path))
    return merged, origin, path


# ------------------------------------------------- reform package on another government
# A preset mixes a reform package ([reforms]) with the government it runs on (tree, wealth,
# calendar). `reforms_from = "zhejiang"` in a file, `PACKAGE@STRUCTURE` as a scenario name
# and `govsim run STRUCTURE --reforms PACKAGE` all put one package on another government.
REFORMS_FROM = "reforms_from"
PACKAGE_SEP = "@"


def split_package_ref(ref: str | Path) -> tuple[str, str] | None:
    """`PACKAGE@STRUCTURE` -> (PACKAGE, STRUCTURE); None for a plain name or an existing file."""
    text = str(ref)
    if PACKAGE_SEP not in text or Path(text).is_file():
        return None
    package, structure = text.split(PACKAGE_SEP, 1)
    return package, structure


def package_ref(package: str | Path, structure: str | Path) -> str:
    return f"{package}{PACKAGE_SEP}{structure}"


def package_reforms(package: Any, where: str, relative_to: Path | None, seen: tuple[Path, ...]) -> tuple[dict, str]:
    """The resolved `[reforms]` table of scenario `package` (every reform, with the defaults it
    inherits and its own start months), and the file it came from. `where` names the key
    that asked for it in errors."""
    if not isinstance(package, str) or not package:
        raise ScenarioError(f"{where} = {package!r}: expected a preset name or a path to a scenario file")
    try:
        path = resolve_path(package, relative_to=relative_to)
        raw, origin, path = load_raw(path, seen)
        spec = validate(raw, origin, str(path))
    except ScenarioError as e:
        raise ScenarioError(f"{where} = {package!r}: {e}") from None
    return spec.reforms.model_dump(mode="python"), str(path)


def adopt_package(
    merged: dict, origin: dict, package: Any, where: str, relative_to: Path | None, seen: tuple[Path, ...]
) -> None:
    """Replace the `[reforms]` of `merged` by those of scenario `package`; keys the caller's
    own file sets are merged on top afterwards (they override the package)."""
    reforms, source = package_reforms(package, where, relative_to, seen)
    for key in [k for k in origin if k and k[0] == "reforms"]:
        del origin[key]
    merged["reforms"] = reforms
    origin[("reforms",)] = source
    _mark(reforms, origin, source, ("reforms",))


def load_package_on(package: str, structure: str, _seen: tuple[Path, ...] = ()) -> tuple[dict, dict, Path]:
    """Scenario `structure` (its government, agents, calendar) with the reforms of `package`;
    named `PACKAGE@STRUCTURE`."""
    ref = package_ref(package, structure)
    try:
        merged, origin, path = load_raw(structure, _seen)
    except ScenarioError as e:
        raise ScenarioError(f"{ref}: structure '{structure}': {e}") from None
    adopt_package(merged, origin, package, f"{ref}: package", None, _seen)
    meta = merged.setdefault("meta", {})
    own = str(meta.get("name", Path(structure).stem))
    reforms_name = Path(package).stem
    meta["name"] = package_ref(reforms_name, own)
    meta["description"] = f"the reforms of {reforms_name} on the government of {own}"
    origin[("meta", "name")] = origin[("meta", "description")] = ref
    return merged, origin, path


def parse_override(item: str) -> tuple[str, Any]:
    """`KEY=VALUE` with VALUE read as a TOML value (a bare word is a string)."""
    if "=" not in item:
        raise ScenarioError(f"{OVERRIDE_SOURCE} {item!r}: expected KEY=VALUE, e.g. reforms.unified_approval.capacity=2")
    key, value = item.split("=", 1)
    key, value = key.strip(), value.strip()
    check_key(key, f"{OVERRIDE_SOURCE} {item!r}")
    try:
        return key, tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value


_KEY_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_key(key: Any, source: str) -> None:
    """A scenario key path: dotted names (or `__` for a dot), e.g. agents.sharing_cost."""
    parts = key.replace("__", ".").split(".") if isinstance(key, str) else []
    if not parts or not all(_KEY_PART.match(p) for p in parts):
        raise ScenarioError(
            f"{source}: key {key!r}: expected a scenario key path of dotted names, e.g. agents.sharing_cost"
        )


def apply_overrides(
    raw: dict,
    origin: dict,
    overrides: Mapping[str, Any],
    sources: Mapping[str, str] | None = None,
    default: str = OVERRIDE_SOURCE,
) -> None:
    """Set each dotted KEY to its value; `sources` names where a key came from (else
    `default`: `--set` on the command line, "keyword argument" in code), so an error
    blames the flag or argument the user actually wrote."""
    sources = sources or {}
    for key, value in overrides.items():
        source = sources.get(key, default)
        check_key(key, source)
        parts = tuple(key.replace("__", ".").split("."))
        node = raw
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                if nxt is None:
                    nxt = node[part] = {}
                else:
                    where = ".".join(parts[: i + 1])
                    raise ScenarioError(f"{source} {key}: {where} is a value, not a table")
            node = nxt
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            # a table merges key by key, as the same table in a file merges with its parent's
            _merge(node[parts[-1]], value, origin, source, parts)
            continue
        node[parts[-1]] = value
        origin[parts] = source
        # a table set here (e.g. a whole new reform section) is this source's, not the file's
        if isinstance(value, dict):
            _mark(value, origin, source, parts)
        for n in range(1, len(parts)):
            origin.setdefault(parts[:n], source)


# ---------------------------------------------------------------- validation messages
def _fields_at(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """Field names of the (sub)model reached by following `loc` from `model`."""
    cur: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(cur, type) and issubclass(cur, BaseModel)):
            return None
        field = cur.model_fields.get(part)
        if field is None:
            return None
        cur = field.annotation
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return list(cur.model_fields)
    return None


_EXPECT = {
    "int_type": "expected an integer",
    "int_from_float": "expected an integer",
    "float_type": "expected a number",
    "bool_type": "expected true or false",
    "string_type": "expected a string",
    "list_type": "expected a list",
    "model_type": "expected a table",
    "dict_type": "expected a table",
    "finite_number": "expected a finite number",
}


def expected_phrase(err: dict) -> str:
    """What a pydantic error says was expected, in the words of a scenario file."""
    t, ctx = err["type"], err.get("ctx", {})
    if t in _EXPECT:
        return _EXPECT[t]
    if t == "greater_than_equal":
        return f"expected a value >= {ctx['ge']}"
    if t == "greater_than":
        return f"expected a value > {ctx['gt']}"
    if t == "less_than_equal":
        return f"expected a value <= {ctx['le']}"
    if t == "less_than":
        return f"expected a value < {ctx['lt']}"
    if t == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s)"
    if t == "too_long":
        return f"expected at most {ctx.get('max_length')} item(s)"
    if t == "literal_error":
        return f"expected one of {ctx.get('expected')}"
    if t == "string_pattern_mismatch" and err["loc"][-1:] == ("start",):
        return "expected a month as YYYY-MM (e.g. 2018-01)"
    if t == "string_pattern_mismatch":
        return "expected a name of letters, digits, spaces, '-', '_', '.' or '@' (it names an output folder)"
    msg = re.sub(r"^Input should be ", "", err["msg"])
    return "expected " + msg[0].lower() + msg[1:]


def show(value: Any, limit: int = 80) -> str:
    """A value as the user wrote it, shortened so the error stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _origin_of(origin: dict, loc: tuple, default: str) -> str:
    keys = tuple(p for p in loc if not isinstance(p, int))
    for n in range(len(keys), 0, -1):
        if keys[:n] in origin:
            return origin[keys[:n]]
    return default


def _format(err: dict, origin: dict, default: str) -> str:
    loc = tuple(err["loc"])
    path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
    src = _origin_of(origin, loc, default)
    if err["type"] == "extra_forbidden":
        allowed = _fields_at(ScenarioSpec, loc[:-1]) or []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        dym = f"; did you mean '{'.'.join([*map(str, loc[:-1]), hint[0]])}'?" if hint else ""
        return f"{src}: {path}: unknown key{dym} (allowed here: {', '.join(allowed)})"
    if err["type"] == "missing" and any(isinstance(p, int) for p in loc):
        return f"{src}: {path}: missing; every item of this list needs `{loc[-1]}`"
    if err["type"] == "missing":
        return (
            f"{src}: {path}: missing (a scenario without `extends` must set every key; "
            'add extends = "baseline" to inherit the rest)'
        )
    return f"{src}: {path} = {show(err['input'])}: {expected_phrase(err)}"


def validate(raw: dict, origin: dict, source: str):
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as e:
        errs = e.errors(include_url=False)
        first = _format(errs[0], origin, source)
        more = f" (and {len(errs) - 1} more problem(s))" if len(errs) > 1 else ""
        raise ScenarioError(first + more) from None
    check_references(spec, origin, source)
    return spec


def check_references(spec, origin: dict, source: str) -> None:
    """Cross-key rules pydantic cannot see: names that must exist, lengths that must match."""
    g = spec.government
    levels, lines = g.levels, g.lines

    def fail(path: str, value: Any, expected: str, ref: str | None = None) -> None:
        """`ref`: the key the value must agree with; named when another file set it."""
        src = _origin_of(origin, tuple(path.split(".")), source)
        if ref is not None and (ref_src := _origin_of(origin, tuple(ref.split(".")), source)) != src:
            expected += f" ({ref} set in {ref_src})"
        raise ScenarioError(f"{src}: {path} = {value!r}: {expected}")

    if len(set(levels)) != len(levels):
        fail("government.levels", levels, "expected distinct level names")
    if len(g.sizes) != len(levels):
        fail("government.sizes", g.sizes, f"expected {len(levels)} counts, one per level {levels}", "government.levels")
    if len(set(lines)) != len(lines):
        fail("government.lines", lines, "expected distinct line names")
    agencies = sum(g.sizes) * len(lines)  # one agency per line and government
    if agencies > MAX_AGENCIES:
        fail(
            "government.sizes",
            g.sizes,
            f"{sum(g.sizes):,} governments x {len(lines)} lines = {agencies:,} agencies; expected at most "
            f"{MAX_AGENCIES:,} (the memory of one run grows with them)",
            "government.lines",
        )
    for v in g.vertical_lines:
        if v not in lines:
            fail("government.vertical_lines", v, f"expected one of government.lines {lines}", "government.lines")
    if g.market_level not in levels:
        fail("government.market_level", g.market_level, f"expected one of {levels}", "government.levels")
    if g.needs_per_service[0] > g.needs_per_service[1]:
        fail("government.needs_per_service", g.needs_per_service, "expected [min, max] with min <= max")
    if len(g.service_level_share) != len(levels):
        fail(
            "government.service_level_share",
            g.service_level_share,
            f"expected {len(levels)} values, one per level",
            "government.levels",
        )
    if sum(g.service_level_share) <= 0:
        fail("government.service_level_share", g.service_level_share, "expected a positive total")
    a = spec.agents
    for key in ("budget_per_month", "inhouse_unit_share", "inhouse_staff", "digital_skill"):
        v = getattr(a, key)
        if len(v) != len(levels):
            fail(f"agents.{key}", v, f"expected {len(levels)} values, one per level {levels}", "government.levels")
    lo, hi = a.vendor_quality
    if lo > hi:
        fail("agents.vendor_quality", a.vendor_quality, "expected [low, high] with low <= high")
    ops = spec.reforms.ops_separation
    if ops.enabled and ops.staff_to_company + ops.staff_to_bureau > 1:
        room = 1 - ops.staff_to_company
        fail(
            "reforms.ops_separation.staff_to_bureau",
            ops.staff_to_bureau,
            f"expected at most {room:g} (1 - staff_to_company)",
        )
    # a switched-off reform's names are not checked: a file may change the tree or the
    # lines without restating every reform it does not use
    for name in REGISTRY:
        p = getattr(spec.reforms, name)
        if not p.enabled:
            continue
        for field, value in p:
            path = f"reforms.{name}.{field}"
            if field in ("levels",):
                for lv in value:
                    if lv not in levels:
                        fail(path, lv, f"expected one of government.levels {levels}", "government.levels")
            if field in ("level",) and value not in levels:
                fail(path, value, f"expected one of government.levels {levels}", "government.levels")
            if field == "lines":
                for ln in value:
                    if ln not in lines:
                        fail(path, ln, f"expected one of government.lines {lines}", "government.lines")


def load_spec(
    ref: str | Path,
    overrides: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
    default: str = OVERRIDE_SOURCE,
):
    """The validated spec of a scenario (preset name or path) with `overrides` applied,
    and the file it came from; `default` labels overrides `sources` does not name."""
    raw, origin, path = load_raw(ref)
    if overrides:
        apply_overrides(raw, origin, overrides, sources, default)
    return validate(raw, origin, str(path)), path


# ------------------------------------------------------- validated specs, kept per process
# The models of a sweep validate the same scenario with the same overrides, each with its own
# seed (validation was most of what a sweep's worker did per run besides the model). A
# validated spec is kept per (merged scenario or given spec, overrides other than the seed);
# an in-range integer seed is then set on a copy (the spec is frozen: its sections are
# shared, as the runs of a design already share theirs). Any other seed, and every error,
# takes the full path, so results and messages are those of `load_spec` and `validate`.
_VALIDATED: dict[tuple, tuple[Any, Any]] = {}  # (id of its source, overrides) -> (that source, spec)
SEED_KEY = "simulation.seed"


def _frozen(value: Any) -> Any:
    """A hashable key of an override value that tells apart what validation tells apart
    (1, 1.0, True, -0.0 and 0.0 differ); None for a value of another type (not kept)."""
    t = type(value)
    if t is float:
        return ("float", repr(value))
    if value is None or t in (str, int, bool):
        return (t.__name__, value)
    if t in (list, tuple):
        items = tuple(_frozen(x) for x in value)
        return None if any(x is None for x in items) else (t.__name__, items)
    if t is dict and all(type(k) is str for k in value):
        items = tuple((k, _frozen(x)) for k, x in value.items())
        return None if any(x is None for _, x in items) else ("dict", items)
    return None


def _overrides_key(overrides: Mapping[str, Any]) -> tuple | None:
    key = tuple((k, _frozen(v)) for k, v in overrides.items())
    return None if any(type(k) is not str or f is None for k, f in key) else key


def _split_seed(overrides: Mapping[str, Any]) -> tuple[Mapping[str, Any], int | None]:
    """(the overrides but the seed, the seed) when the seed is an in-range integer that only
    its own key sets; else (the overrides, None)."""
    norm = {k: k.replace("__", ".") for k in overrides if isinstance(k, str)}
    seeds = [k for k, n in norm.items() if n == SEED_KEY]
    if len(seeds) != 1 or any(n == "simulation" for n in norm.values()):
        return overrides, None
    seed = overrides[seeds[0]]
    if type(seed) is not int or not 0 <= seed <= MAX_SEED:
        return overrides, None
    return {k: v for k, v in overrides.items() if k != seeds[0]}, seed


def _with_seed(spec, seed: int | None):
    if seed is None or spec.simulation.seed == seed:
        return spec
    return spec.model_copy(update={"simulation": spec.simulation.model_copy(update={"seed": seed})})


def _kept(source: Any, overrides: Mapping[str, Any], make) -> Any:
    """The spec `make()` validates from `source` with `overrides` (without the seed), made once
    per source and overrides; None when it cannot be kept or fails (the caller takes the full path)."""
    key = _overrides_key(overrides)
    if key is None:
        return None
    hit = _VALIDATED.get((id(source), key))
    if hit is not None and hit[0] is source:  # the source is held with it: its id is not reused
        return hit[1]
    try:
        spec = make()
    except ScenarioError:
        return None
    if len(_VALIDATED) >= _CACHE_LIMIT:
        _VALIDATED.clear()
    _VALIDATED[(id(source), key)] = (source, spec)
    return spec


def shared_spec(ref: str | Path, overrides: Mapping[str, Any], sources: Mapping[str, str], default: str):
    """`load_spec(ref, overrides, sources, default)`, validated once per scenario content and
    overrides other than the seed; the spec may be shared with other callers (it is frozen)."""
    if split_package_ref(ref) is None:
        rest, seed = _split_seed(overrides)
        try:
            entry = _merged_entry(resolve_path(ref))
        except ScenarioError:
            entry = None
        if entry is not None:

            def make():
                raw, origin = _copy_tree(entry[1]), dict(entry[2])
                apply_overrides(raw, origin, rest, sources, default)
                return validate(raw, origin, str(entry[3]))

            spec = _kept(entry, rest, make)
            if spec is not None:
                return _with_seed(spec, seed), entry[3]
    return load_spec(ref, overrides, sources, default)


def spec_with(spec, overrides: Mapping[str, Any], sources: Mapping[str, str], default: str, source: str):
    """`spec` with `overrides` applied and validated again (errors name `source`), validated
    once per spec and overrides other than the seed; may be shared (it is frozen)."""

    def overridden(given: Mapping[str, Any]):
        raw, origin = spec.model_dump(mode="python"), {}
        apply_overrides(raw, origin, given, sources, default=default)
        return validate(raw, origin, source)

    rest, seed = _split_seed(overrides)
    kept = _kept(spec, rest, lambda: overridden(rest))
    return _with_seed(kept, seed) if kept is not None else overridden(overrides)


def spec_to_toml(spec) -> str:
    data = spec.model_dump(mode="json")
    return tomli_w.dumps(data)


def spec_from_toml_text(text: str, source: str = "<text>"):
    return validate(parse_toml(text, source), {}, source)
