"""Scenario files: locate, inherit (`extends`), override, validate, write back.

Errors are one readable line naming the file, the key path, the value and what was
expected — `ScenarioError` — never a raw traceback; the CLI exits with code 2 on them.
"""

from __future__ import annotations

import copy
import difflib
import numbers
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from mesa.experimental.scenarios import Scenario
from pydantic import BaseModel, ValidationError

from .reforms import REGISTRY
from .schema import scenario_model

ScenarioSpec = scenario_model(REGISTRY)
OVERRIDE_SOURCE = "--set"


class ScenarioError(ValueError):
    """A scenario cannot be used; the message is one line meant for the user."""


def scenarios_dir() -> Path:
    """Presets: `scenarios/` next to the package (editable install or a source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "scenarios", here / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise ScenarioError(f"cannot find the scenarios folder next to {here}")


def preset_names() -> list[str]:
    return sorted(p.stem for p in scenarios_dir().glob("*.toml"))


def list_presets() -> list[tuple[str, str]]:
    """(name, one-line description) of every preset."""
    out = []
    for name in preset_names():
        raw = _read_toml(scenarios_dir() / f"{name}.toml")
        out.append((name, str(raw.get("meta", {}).get("description", ""))))
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: byte {e.start} is not UTF-8 (save the file as UTF-8)") from None
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror}") from None


def resolve_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """A path to a scenario file, or the preset of that name."""
    ref_s = str(ref)
    candidates = []
    if relative_to is not None:
        candidates.append(relative_to / ref_s)
    candidates.append(Path(ref_s))
    for c in candidates:
        if c.is_file():
            return c
        if c.suffix != ".toml" and c.with_suffix(".toml").is_file() and ("/" in ref_s or relative_to):
            return c.with_suffix(".toml")
    preset = scenarios_dir() / f"{ref_s}.toml"
    if "/" not in ref_s and preset.is_file():
        return preset
    names = preset_names()
    hint = difflib.get_close_matches(Path(ref_s).stem, names, n=1)
    dym = f" (did you mean '{hint[0]}'?)" if hint else ""
    raise ScenarioError(
        f"unknown scenario '{ref_s}': no such file and no preset of that name{dym}; presets: {', '.join(names)}"
    )


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
    """The merged raw dict of a scenario and its `extends` chain, with key origins."""
    path = resolve_path(ref)
    if path.resolve() in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path.resolve()))
        raise ScenarioError(f"{path}: extends: circular inheritance ({chain})")
    raw = _read_toml(path)
    parent = raw.pop("extends", None)
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
    _merge(merged, raw, origin, str(path))
    return merged, origin, path


def parse_override(item: str) -> tuple[str, Any]:
    """`KEY=VALUE` with VALUE read as a TOML value (a bare word is a string)."""
    if "=" not in item:
        raise ScenarioError(f"{OVERRIDE_SOURCE} {item!r}: expected KEY=VALUE, e.g. reforms.unified_approval.capacity=2")
    key, value = item.split("=", 1)
    key, value = key.strip(), value.strip()
    try:
        return key, tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value


def apply_overrides(
    raw: dict, origin: dict, overrides: Mapping[str, Any], sources: Mapping[str, str] | None = None
) -> None:
    """Set each dotted KEY to its value; `sources` names where a key came from (default
    `--set`), so an error blames the flag or argument the user actually wrote."""
    sources = sources or {}
    for key, value in overrides.items():
        source = sources.get(key, OVERRIDE_SOURCE)
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


def _expected(err: dict) -> str:
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
    return "expected " + err["msg"][0].lower() + err["msg"][1:]


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
    return f"{src}: {path} = {err['input']!r}: {_expected(err)}"


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


def load_spec(ref: str | Path, overrides: Mapping[str, Any] | None = None, sources: Mapping[str, str] | None = None):
    raw, origin, path = load_raw(ref)
    if overrides:
        apply_overrides(raw, origin, overrides, sources)
    return validate(raw, origin, str(path)), path


def spec_to_toml(spec) -> str:
    data = spec.model_dump(mode="json")
    return tomli_w.dumps(data)


def spec_from_toml_text(text: str, source: str = "<text>"):
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{source}: not valid TOML: {e}") from None
    return validate(raw, {}, source)


class GovScenario(Scenario):
    """A loaded scenario as a Mesa `Scenario`: `preset` names it, `spec` holds every
    validated parameter, `overrides` what was changed on top. Constructible with no
    arguments (the baseline), as SolaraViz does on Reset."""

    preset: str = "baseline"

    def __init__(
        self,
        *,
        rng=None,
        preset: str | Path = "baseline",
        overrides: Mapping[str, Any] | None = None,
        spec=None,
        sources: Mapping[str, str] | None = None,
        **kwargs,
    ) -> None:
        overrides = dict(overrides or {})
        source = str(preset)
        if isinstance(rng, str):  # a seed typed into a text box arrives as a string
            try:
                rng = int(rng)
            except ValueError:
                raise ScenarioError(f"seed = {rng!r}: expected a non-negative integer") from None
        # an integer seed is a scenario key like any other: validated, and written to the
        # resolved scenario so that file reproduces the run
        given = dict(overrides)
        sources = dict(sources or {})
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
            rng = int(rng)
            given["simulation.seed"] = rng
            sources.setdefault("simulation.seed", "rng")
        if spec is None:
            spec, path = load_spec(preset, given, sources)
            source = str(path)
        elif given:
            raw = spec.model_dump(mode="python")
            origin: dict = {}
            apply_overrides(raw, origin, given, sources)
            spec = validate(raw, origin, source)
        if rng is None:
            rng = spec.simulation.seed
        super().__init__(rng=rng, preset=str(preset), **kwargs)
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "overrides", overrides)
        object.__setattr__(self, "source", source)

    @classmethod
    def coerce(cls, scenario, *, rng=None, overrides=None, steps=None, sources=None) -> GovScenario:
        """A GovScenario from a preset name, path, spec or GovScenario; `sources` labels where
        keys came from in errors (e.g. {"simulation.seed": "--seed"} for a CLI flag)."""
        overrides = dict(overrides or {})
        sources = {"simulation.seed": "rng", "simulation.steps": "steps", **(sources or {})}
        if steps is not None:
            overrides["simulation.steps"] = steps
        if isinstance(scenario, GovScenario):
            if not overrides and (rng is None or rng == scenario.rng):
                return scenario
            new = cls(
                rng=rng if rng is not None else scenario.rng,
                preset=scenario.preset,
                spec=scenario.spec,
                overrides=overrides,
                sources=sources,
            )
            object.__setattr__(new, "overrides", {**scenario.overrides, **overrides})
            return new
        if isinstance(scenario, BaseModel):
            return cls(rng=rng, spec=scenario, overrides=overrides, preset=scenario.meta.name, sources=sources)
        return cls(rng=rng, preset=scenario, overrides=overrides, sources=sources)

    @property
    def name(self) -> str:
        return self.spec.meta.name
