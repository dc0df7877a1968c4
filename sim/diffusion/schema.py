"""The `[diffusion]` table of a scenario: the provincial layer's switches and strengths.

Types and ranges only; every value lives in `scenarios/china.toml` with its source or
`assumed`. `sim/schema.py` adds this as an optional `diffusion` field, so an ordinary
scenario is unchanged and `govsim validate` checks a china scenario like any other.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..schema import Fraction, Name, NonNeg, Section

YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
ITEMS = ("body", "unified", "ops_separation", "shared_platform", "one_window", "app_consolidation")
"""What a province decides: its IT body (2018-style), the 2023-style unified department, and reforms."""
BODY_TYPES = ("office", "drc", "centre", "industry", "services")
"""Who oversees IT: general office, development and reform commission (both: no dedicated
body), or a dedicated body with one of the 2018 mandates (seed 000 §1.2.1)."""
COUNTS = (
    "provinces_with_body",
    *(f"provinces_body_{b}" for b in BODY_TYPES),
    "provinces_unified_digital",
    "provinces_unified_services",
    "provinces_operating_company",
    "provinces_shared_platform",
    "provinces_one_window",
    "provinces_app_consolidation",
)
"""The province counts of a china run's national row (`ChinaModel.counts`), beside the measures:
what a sweep or a screen of a `[diffusion]` scenario can read (`COLUMN` or `COLUMN@YYYY-MM`)."""
Item = Literal["body", "unified", "ops_separation", "shared_platform", "one_window", "app_consolidation"]
Body = Literal["office", "drc", "centre", "industry", "services"]
Logit = Annotated[float, Field(ge=-50.0, le=50.0)]


def month_index(start: str, date: str) -> int:
    """Months from `start` (YYYY-MM) to `date` (YYYY-MM); negative before the start."""
    y0, m0 = map(int, start.split("-"))
    y1, m1 = map(int, date.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, t: int) -> str:
    y0, m0 = map(int, start.split("-"))
    y, m = divmod(y0 * 12 + m0 - 1 + t, 12)
    return f"{y:04d}-{m + 1:02d}"


def _known_measure(name: str) -> str:
    from ..catalogue import MEASURES

    if name not in MEASURES:
        # reported by the scenario loader as "expected one of ..." at the key's own path
        raise PydanticCustomError(
            "literal_error", "unknown measure", {"expected": "the measures `govsim measures` lists"}
        )
    return name


MeasureName = Annotated[str, AfterValidator(_known_measure)]


class Strength(Section):
    """Log-odds of a month's adoption per unit of each mechanism's term."""

    central_mandates: NonNeg
    learning: NonNeg
    competition: NonNeg
    emulation: NonNeg
    capacity: NonNeg


class PerItem(Section):
    body: Logit
    unified: Logit
    ops_separation: Logit
    shared_platform: Logit
    one_window: Logit
    app_consolidation: Logit


class LearningOutcome(Section):
    """The within-province measure (lower is better) peers watch for each item."""

    body: MeasureName
    unified: MeasureName
    ops_separation: MeasureName
    shared_platform: MeasureName
    one_window: MeasureName
    app_consolidation: MeasureName


class Choice(Section):
    """Utilities of the body types when a province reorganises (the general office is 0)."""

    drc: Logit
    centre: Logit
    industry: Logit
    services: Logit
    digital_economy: float  # industry bureau's utility per s.d. of digital-economy strength
    services_pressure: float  # services bureau's utility per s.d. of the model's trips per service
    unified_services: Logit  # log-odds that a unified department takes government services too
    unified_services_if_services_body: float  # added when its old body already had the services mandate
    unify: Logit  # log-odds that a province taking up the 2023-style question unifies rather than keeps the split
    unify_without_body: float  # added when it has no dedicated body (a department built from nothing)
    unify_capacity: float  # added per s.d. of capacity (GDP per head and digital economy)
    unify_learning: float  # added per unit of its own relative improvement in learning_outcome.unified since its body


class MandateAttention(Section):
    """Share of a dedicated body's effort its mandate leaves for IT coordination (the rest
    serves the mandate: the services hall, the digital industry). A body's mandate, chosen or
    relabelled by the province, brings this split into the province model's bureaus."""

    centre: Fraction
    industry: Fraction
    services: Fraction


class Window(Section):
    """A central mandate or window: while open, it adds `weight` x strength to the log-odds
    of adopting each of its targets."""

    name: Name
    start: YearMonth
    months: Annotated[int, Field(ge=1)]
    targets: Annotated[list[Item], Field(min_length=1)]
    weight: NonNeg = 1.0
    source: Name


class Pilot(Section):
    """An observed early adoption, imposed as an initial condition (not fitted)."""

    province: Name
    item: Item
    date: YearMonth
    body: Annotated[Body | Literal[""], Field(validate_default=True)] = ""  # the body type, for a body pilot
    source: Name

    @field_validator("body")
    @classmethod
    def _body_named(cls, body: str, info: ValidationInfo) -> str:
        if info.data.get("item") == "body" and not body:
            raise PydanticCustomError("missing", "a body pilot needs body", {})
        return body


class Diffusion(Section):
    start: YearMonth
    end: YearMonth
    province_scale: Annotated[float, Field(gt=0.0, le=1.0)]
    budget_gdp_elasticity: NonNeg
    reforms: Annotated[list[Item], Field(min_length=1)]
    central_mandates: bool
    learning: bool
    competition: bool
    emulation: bool
    capacity: bool
    strength: Strength
    base: PerItem
    learning_outcome: LearningOutcome
    learning_lag: Annotated[int, Field(ge=1)]
    evaluation_measure: MeasureName
    attention_spread: NonNeg
    reorganise_cooldown: Annotated[int, Field(ge=0)]
    unify_after: YearMonth
    choice: Choice
    mandate_attention: MandateAttention
    windows: list[Window]
    pilots: list[Pilot]

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and month_index(start, end) < 0:
            raise PydanticCustomError("greater_than_equal", "before start", {"ge": f"start ({start})"})
        return end

    @property
    def months(self) -> int:
        return month_index(self.start, self.end) + 1
