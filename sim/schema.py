"""Scenario schema: the typed shape of a scenario file.

Every number lives in `scenarios/baseline.toml` (with its unit and source), never here:
fields carry types and ranges only, so a scenario without `extends = "baseline"` must
name every key. Reform sections are assembled from the reform registry, so a new reform
adds its own `Params` class and nothing here changes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_serializer

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Count = Annotated[int, Field(ge=1)]
Month = Annotated[int, Field(ge=0)]
Name = Annotated[str, Field(min_length=1)]
FolderName = Annotated[str, Field(pattern=r"^\w[\w .@-]{0,99}$")]
"""A name that becomes an output folder (runs/NAME-seedN, results/NAME): letters (any
script), digits, spaces, '-', '_', '.', '@' (a package on another government is named
PACKAGE@STRUCTURE); no path separators, not starting with '.' or '-'."""

# Upper bounds on the sizes that set a run's time and memory, checked before any work
# starts (docs/ODD.md §7, README "Limits"). A national run (128,360 agencies, 60 months)
# peaks at 382 MiB (docs/benchmarks.md) and memory grows about linearly with agencies.
MAX_STEPS = 1200  # months: a century, far past any horizon the seeds discuss (they plan in 5-year terms)
MAX_AGENCIES = 500_000  # about four times the national preset: roughly 1.5 GiB per run (assumed linear)
MAX_SEED = 2**63 - 1  # a TOML integer (signed 64-bit)

KINDS = ("infrastructure", "support", "data", "application", "mobile")
"""Capability kinds an agency needs (DESIGN §2.3). The first three can be shared."""

LAYERS = ("infrastructure", "data", "application_support")
"""Shared platform layers (seed 001 §3); each stands in for one shareable kind."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class PerKind(Section):
    """One value per capability kind."""

    infrastructure: NonNeg
    support: NonNeg
    data: NonNeg
    application: NonNeg
    mobile: NonNeg

    def as_tuple(self) -> tuple[float, ...]:
        fields = self.__dict__  # the validated values (plain reads: a set-up reads these once)
        return tuple(float(fields[k]) for k in KINDS)


class PerShareable(Section):
    """One value per shareable capability kind."""

    infrastructure: Fraction
    support: Fraction
    data: Fraction

    def per_kind(self) -> tuple[float, ...]:
        """One value per kind of `KINDS` (0 for the kinds that are not shareable: not fields, read from the
        values without pydantic's failed attribute look-up)."""
        fields = self.__dict__
        return tuple(float(fields.get(k, 0.0)) for k in KINDS)


class Meta(Section):
    name: FolderName
    description: Name
    sources: list[str]


class Simulation(Section):
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    start: Annotated[str, Field(pattern=r"^[12][0-9]{3}-(0[1-9]|1[0-2])$")]  # month 0's date, "YYYY-MM"


class Government(Section):
    levels: Annotated[list[Name], Field(min_length=1)]
    sizes: Annotated[list[Count], Field(min_length=1)]
    market_level: Name
    lines: Annotated[list[Name], Field(min_length=2)]
    vertical_lines: list[Name]
    wealth_disparity: NonNeg
    service_types: Annotated[int, Field(ge=1, le=10_000)]  # bounded: tables grow with it
    needs_per_service: Annotated[list[Count], Field(min_length=2, max_length=2)]
    service_level_share: Annotated[list[NonNeg], Field(min_length=1)]
    requests_per_month: Positive
    population_disparity: NonNeg
    service_frequency_spread: Annotated[float, Field(ge=0.0, lt=1.0)]


class Agents(Section):
    # sharing game (DESIGN §2.2)
    data_value: NonNeg
    reciprocity: Fraction
    sharing_cost: NonNeg
    vertical_cost_factor: Annotated[float, Field(ge=1.0)]
    liability_risk: NonNeg
    exposure_cost: NonNeg
    trust_initial: Fraction
    trust_gain: Fraction
    trust_decay: Fraction
    initial_open_share: Fraction
    revision_rate: Fraction
    choice_noise: Positive
    voluntary_reuse: Fraction
    compatibility: Fraction
    substitutability: PerShareable
    host_capacity: Annotated[int, Field(ge=0)]
    tie_value_spread: NonNeg
    tie_cost_spread: NonNeg
    # services and channels (seed 003, seed 004 §2.2; Bass 1969)
    web_channel: Fraction
    app_innovation: Positive
    app_imitation: NonNeg
    app_potential: Fraction
    fetch_effort: NonNeg
    # IT planning and operation (DESIGN §2.3-2.4)
    system_lifetime: Annotated[int, Field(ge=2)]
    lifetime_spread: Annotated[float, Field(ge=0.0, lt=1.0)]
    build_months: Count
    build_cost: PerKind
    quality_spread: NonNeg
    run_cost: PerKind
    initial_coverage: Fraction
    app_propensity: Fraction
    budget_per_month: Annotated[list[NonNeg], Field(min_length=1)]
    budget_horizon: Count
    equalisation_rate: Fraction
    # in-house IT units and staff (seed 001, seed 000 §2.4)
    inhouse_unit_share: Annotated[list[Fraction], Field(min_length=1)]
    inhouse_staff: Annotated[list[NonNeg], Field(min_length=1)]
    inhouse_skill: Fraction
    skill_spread: NonNeg
    staff_wage: NonNeg
    systems_per_staff: Positive
    talent_drain: Fraction
    digital_skill: Annotated[list[Fraction], Field(min_length=1)]
    digital_skill_spread: NonNeg
    # suppliers (seed 001 §2, Arthur 1989)
    vendors: Annotated[int, Field(ge=1, le=10_000)]  # per market; bounded: every vendor is an agent
    vendor_quality: Annotated[list[Fraction], Field(min_length=2, max_length=2)]
    vendor_markup: NonNeg
    claim_gap: Annotated[float, Field(ge=-1.0, le=1.0)]
    claim_gap_spread: NonNeg
    lock_in_exponent: NonNeg
    state_alignment: Fraction
    migration_months: NonNeg
    vendor_contract_months: Count
    # coordination without a data bureau (seed 000 §1.2.1)
    office_attention: Fraction


class ReformParams(Section):
    """Fields every reform has: a switch and the month it starts."""

    enabled: bool
    start_month: Month


def reforms_model(registry: dict[str, type]) -> type[BaseModel]:
    """Build the `[reforms]` section model from the reform registry."""
    fields = {name: (cls.Params, ...) for name, cls in registry.items()}
    return create_model("Reforms", __base__=Section, **fields)


class _Spec(Section):
    @model_serializer(mode="wrap")
    def _omit_absent_diffusion(self, handler):
        # a scenario without [diffusion] dumps (and hashes) exactly as before the field existed
        out = handler(self)
        if isinstance(out, dict) and out.get("diffusion", 0) is None:
            del out["diffusion"]
        return out


def scenario_model(registry: dict[str, type]) -> type[BaseModel]:
    """The whole scenario: `[meta]`, `[simulation]`, `[government]`, `[agents]`, `[reforms]`,
    and the optional `[diffusion]` of the provincial layer (sim/diffusion)."""
    from .diffusion.schema import Diffusion

    return create_model(
        "ScenarioSpec",
        __base__=_Spec,
        meta=(Meta, ...),
        simulation=(Simulation, ...),
        government=(Government, ...),
        agents=(Agents, ...),
        reforms=(reforms_model(registry), ...),
        diffusion=(Diffusion | None, None),
    )


Mandate = Literal["centre", "industry", "services"]
