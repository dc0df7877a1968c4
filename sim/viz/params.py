"""Page inputs (Mesa `model_params`) and the thin model class they build.

SolaraViz re-creates the model on Reset by calling its class with the inputs as keywords,
so every key must be a Python identifier. `VizModel` maps them onto `GovModel`'s scenario
overrides: `unified_approval` -> `reforms.unified_approval.enabled`,
`unified_approval_capacity` -> `reforms.unified_approval.capacity`, and so on. GovModel
itself is untouched.

Semantics (what Reset runs): the preset picked in the menu, as its file says, except the
controls the user changed on the page. The sidebar shows just that (`shown_params`:
after picking zhejiang its switches and sliders read Zhejiang's values, except those the
user set), a line under the menu names the preset and reforms Reset will run
(`plan_text`), and Reset receives `touched`, the controls the user changed (app.py).
"Run the preset as its file says" ignores even those changes. The summary lists what
differs from the picked preset.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import GovModel
from ..reforms import REGISTRY
from ..scenario import GovScenario, load_spec, preset_names

ENV_SCENARIO = "GOVSIM_VIZ_SCENARIO"
"""Environment variable naming the scenario the page starts with (preset or TOML path)."""


@dataclass(frozen=True)
class Strength:
    """The one parameter of a reform shown as a slider: its main strength."""

    field: str
    label: str
    min: float
    max: float
    step: float


# Short labels: the sidebar is ~300 px wide and each label takes its own line above its slider.
STRENGTH: dict[str, Strength] = {
    "data_bureau": Strength("it_attention", "IT attention (share of effort)", 0.0, 1.0, 0.05),
    "leadership": Strength("pressure", "pressure (万元/refused link)", 0.0, 2.0, 0.05),
    "unified_approval": Strength("capacity", "reviews per month", 0.0, 30.0, 1.0),
    "ops_separation": Strength("state_share", "state ownership share", 0.0, 1.0, 0.01),
    "shared_platform": Strength("rollout_per_month", "governments connected/month", 1, 40, 1),
    "standards": Strength("cost_reduction", "integration cost removed (share)", 0.0, 1.0, 0.05),
    "sharing_incentives": Strength("reward", "reward (万元/shared link)", 0.0, 2.0, 0.05),
    "traceable_sharing": Strength("liability_reduction", "liability risk removed (share)", 0.0, 1.0, 0.05),
    "data_reflux": Strength("share_per_month", "returns done/month (share)", 0.0, 0.5, 0.01),
    "base_data": Strength("build_months", "months to build base libraries", 1, 36, 1),
    "open_data": Strength("open_per_month", "agencies asked to publish/month (share)", 0.0, 0.2, 0.005),
    "third_party_evaluation": Strength("audit_rate", "systems audited/month (share)", 0.0, 0.2, 0.005),
    "tech_support_institution": Strength("staff", "staff per institution", 0.0, 60.0, 1.0),
    "skills_training": Strength("skill_gain", "skill gap closed/month (share)", 0.0, 0.2, 0.005),
    "app_consolidation": Strength("merge_per_month", "apps reconsidering a merge/month (share)", 0.0, 0.5, 0.01),
    "one_window": Strength("services_share", "services re-engineered (share)", 0.0, 1.0, 0.05),
}


def launch_scenario() -> str:
    """The scenario the page starts with: $GOVSIM_VIZ_SCENARIO, else the baseline."""
    return os.environ.get(ENV_SCENARIO) or "baseline"


def strength_key(reform: str) -> str:
    return f"{reform}_{STRENGTH[reform].field}"


def param_paths() -> dict[str, str]:
    """Page input name -> scenario key path, for every reform switch and strength."""
    out: dict[str, str] = {}
    for key in REGISTRY:
        out[key] = f"reforms.{key}.enabled"
        if key in STRENGTH:
            out[strength_key(key)] = f"reforms.{key}.{STRENGTH[key].field}"
    return out


def parse_seed(value: Any) -> int | None:
    """A seed from the page: an int, or text typed into the box ('' or junk: the preset's seed)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def switch_overrides(switches: dict[str, Any], spec) -> dict[str, Any]:
    """Scenario overrides for page inputs; values are cast to the type the scenario holds."""
    paths = param_paths()
    unknown = sorted(set(switches) - set(paths))
    if unknown:
        raise ValueError(f"unknown viz inputs {unknown}; expected some of {sorted(paths)}")
    out: dict[str, Any] = {}
    for name, value in switches.items():
        path = paths[name]
        _, reform, field = path.split(".")
        current = getattr(getattr(spec.reforms, reform), field)
        if isinstance(current, bool):
            value = bool(value)
        elif isinstance(current, int):
            value = round(float(value))
        else:
            value = float(value)
        out[path] = value
    return out


def same_input(a: Any, b: Any) -> bool:
    """Equal as page inputs: sliders send floats that may be off in the last digits."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


@functools.lru_cache(maxsize=8)
def launched_defaults(scenario: str) -> dict[str, Any]:
    """The value each page input starts with when `scenario` is launched."""
    return {k: v["value"] for k, v in model_params(scenario).items()}


def fmt_value(v: float) -> str:
    return f"{v:g}" if isinstance(v, int) else f"{v:.3g}"


@dataclass(frozen=True)
class ReformRow:
    """One reform as it runs, for the summary."""

    key: str
    start_month: int
    strength_label: str
    strength_value: str
    change: str  # "" (as in the preset), "added", or "field a → b"


@dataclass(frozen=True)
class ResetPlan:
    """What Reset builds from the page's inputs."""

    ref: str | Path | GovScenario  # the picked preset (or the scenario Mesa passes)
    spec: Any  # the picked preset's validated spec, before the user's changes
    overrides: dict[str, Any]  # scenario key path -> value, from the controls the user changed
    seed: int | None  # None: the preset's own seed
    typed_seed: str  # what the seed box held when it did not parse ("" otherwise)

    @property
    def preset(self) -> str:
        return str(self.ref.preset if isinstance(self.ref, GovScenario) else self.ref)

    def reforms_on(self) -> list[str]:
        on = {k for k in REGISTRY if getattr(self.spec.reforms, k).enabled}
        for path, value in self.overrides.items():
            _, reform, field = path.split(".")
            if field == "enabled":
                (on.add if value else on.discard)(reform)
        return [k for k in REGISTRY if k in on]


def plan_reset(
    preset: str | None = None,
    rng: int | str | None = None,
    follow_preset: bool = False,
    scenario: GovScenario | str | Path | None = None,
    touched: tuple[str, ...] | None = None,
    **switches: Any,
) -> ResetPlan:
    """The picked preset as its file says, except the controls the user changed.

    `touched` names the controls the user changed on the page (the sidebar sends it, see
    app.py). Without it (a model built in code), a control counts as changed when it
    differs from the launched scenario's value, the value the sidebar starts with.
    "Run the preset as its file says" (`follow_preset`) ignores the reform controls."""
    # SolaraViz's Reset also passes `scenario=<default GovScenario>`: the preset wins.
    ref: str | Path | GovScenario = preset or scenario or launch_scenario()
    spec = ref.spec if isinstance(ref, GovScenario) else load_spec(ref)[0]
    switch_overrides(switches, spec)  # rejects unknown input names
    if touched is None:
        defaults = launched_defaults(launch_scenario())
        touched = tuple(k for k, v in {**switches, "rng": rng}.items() if not same_input(v, defaults.get(k)))
    changed = {k: v for k, v in switches.items() if k in touched}
    overrides = {} if follow_preset else switch_overrides(changed, spec)
    typed = "" if rng is None or "rng" not in touched else str(rng).strip()
    seed = parse_seed(typed) if typed else None
    return ResetPlan(ref, spec, overrides, seed, typed if seed is None else "")


class VizModel(GovModel):
    """GovModel built from the page's inputs (see the module docstring and `plan_reset`)."""

    def __init__(
        self,
        preset: str | None = None,
        rng: int | str | None = None,
        follow_preset: bool = False,
        scenario: GovScenario | str | Path | None = None,
        touched: tuple[str, ...] | None = None,
        **switches: Any,
    ) -> None:
        plan = plan_reset(preset, rng, follow_preset, scenario, touched, **switches)
        seed = plan.seed if plan.seed is not None else plan.spec.simulation.seed  # the preset's, not fresh entropy
        super().__init__(plan.ref, rng=seed, **plan.overrides)
        # a typed seed that is not a whole number is not silently dropped: the page says so
        self.viz_seed_note = (
            f"seed {plan.typed_seed!r} is not a whole number ≥ 0: the preset's seed {self.spec.simulation.seed} is used"
            if plan.typed_seed
            else ""
        )
        self.viz_preset = plan.preset
        self.viz_overrides = plan.overrides
        self.viz_preset_spec = plan.spec

    @property
    def reforms_on(self) -> list[str]:
        return [k for k in REGISTRY if getattr(self.spec.reforms, k).enabled]

    @property
    def reforms_removed(self) -> list[str]:
        """Reforms the picked preset runs but the user switched off."""
        return [k for k in REGISTRY if getattr(self.viz_preset_spec.reforms, k).enabled and k not in self.reforms_on]

    def reform_rows(self) -> list[ReformRow]:
        """The reforms on, with start month, strength and what differs from the preset."""
        rows = []
        for k in self.reforms_on:
            p, base = getattr(self.spec.reforms, k), getattr(self.viz_preset_spec.reforms, k)
            s = STRENGTH[k]
            v, v0 = getattr(p, s.field), getattr(base, s.field)
            if not base.enabled:
                change = "added"
            elif not same_input(v, v0):
                change = f"{s.field} {fmt_value(v0)} → {fmt_value(v)}"
            else:
                change = ""
            rows.append(ReformRow(k, int(p.start_month), s.label, fmt_value(v), change))
        return rows

    def start_months(self) -> dict[int, list[str]]:
        """Month -> reforms that start then (month 0 excluded: on from the start)."""
        out: dict[int, list[str]] = {}
        for k in self.reforms_on:
            m = int(getattr(self.spec.reforms, k).start_month)
            if 0 < m <= self.horizon:
                out.setdefault(m, []).append(k)
        return dict(sorted(out.items()))

    def changes_from_preset(self) -> list[str]:
        """'+added', '−removed' and 'reform: field a → b' against the picked preset's file."""
        out = [f"+{r.key}" for r in self.reform_rows() if r.change == "added"]
        out += [f"−{k}" for k in self.reforms_removed]
        out += [f"{r.key}: {r.change}" for r in self.reform_rows() if r.change not in ("", "added")]
        return out


def plan_text(plan: ResetPlan) -> str:
    """One line for the sidebar, under the preset menu: what Reset will build."""
    seed = plan.seed if plan.seed is not None else plan.spec.simulation.seed
    on = plan.reforms_on()
    return f"Reset runs {plan.preset} (seed {seed}), reforms on: {', '.join(on) if on else 'none'}"


@functools.lru_cache(maxsize=32)
def _preset_params(scenario: str) -> dict[str, Any]:
    return model_params(scenario)


def shown_params(params: dict[str, Any], touched: Mapping[str, Any]) -> dict[str, Any]:
    """The sidebar's inputs as they should read: the preset picked in the menu with its
    own seed, switches and strengths, except the controls the user changed (`touched`,
    name -> value). Labels, types and menus stay those of `params` (the launched ones)."""
    picked = str(touched.get("preset", params["preset"]["value"]))
    own = _preset_params(picked)
    out: dict[str, Any] = {}
    for name, p in params.items():
        q = {**p}
        if name != "preset" and name in own:
            q |= {k: own[name][k] for k in ("value", "min", "max") if k in own[name]}
        if name in touched:
            q["value"] = touched[name]
            if "min" in q:  # a value the user set stays on its slider
                q["min"], q["max"] = min(q["min"], touched[name]), max(q["max"], touched[name])
        out[name] = q
    return out


def _slider(label: str, value: float, s: Strength) -> dict[str, Any]:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    lo, hi = min(s.min, value), max(s.max, value)
    if is_int:
        return {
            "type": "SliderInt",
            "value": int(value),
            "min": int(lo),
            "max": int(hi),
            "step": int(s.step),
            "label": label,
        }
    return {"type": "SliderFloat", "value": float(value), "min": lo, "max": hi, "step": s.step, "label": label}


def model_params(scenario: str | Path | None = None) -> dict[str, Any]:
    """Mesa `model_params`: preset, seed, then each reform's switch and main strength,
    with defaults from the launched scenario."""
    ref = str(scenario or launch_scenario())
    spec, _ = load_spec(ref)
    presets = preset_names()
    if ref not in presets:
        presets = [ref, *presets]
    params: dict[str, Any] = {
        "preset": {"type": "Select", "value": ref, "values": presets, "label": "Preset (government, parameters)"},
        "rng": {"type": "InputText", "value": str(spec.simulation.seed), "label": "Random seed"},
        "follow_preset": {
            "type": "Checkbox",
            "value": False,
            "label": "Run the preset as its file says (ignore my changes below)",
        },
    }
    for key, cls in REGISTRY.items():
        p = getattr(spec.reforms, key)
        params[key] = {"type": "Checkbox", "value": bool(p.enabled), "label": cls.title}
        if key in STRENGTH:
            s = STRENGTH[key]
            params[strength_key(key)] = _slider(f"↳ {s.label}", getattr(p, s.field), s)
    return params
