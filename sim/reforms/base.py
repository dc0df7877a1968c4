"""The hook every reform implements.

A reform is switched on at its `start_month` (`activate`, once) and may act every month
after that (`step`, in the "bureau and company behaviour" phase). It changes the model's
rules, powers, costs or information — entries of `model.rules`, the institutions it owns
(typed structures in `sim/state.py`), agents it creates, or state on the reform object —
and never writes a measure. Adding a reform is one module with a `Params` model and a
subclass registered with `@register`, plus its scenario section, preset and unit test:
docs/adding-a-reform.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..schema import ReformParams

if TYPE_CHECKING:
    from ..model import GovModel

REGISTRY: dict[str, type[Reform]] = {}


def register(cls: type[Reform]) -> type[Reform]:
    REGISTRY[cls.key] = cls
    return cls


class Reform:
    key: ClassVar[str]
    title: ClassVar[str]
    seeds: ClassVar[str]
    Params: ClassVar[type[ReformParams]] = ReformParams
    needs_coordinator: ClassVar[bool] = False
    """True when some government body must run the reform (a bureau, else the general office)."""

    def __init__(self, params: ReformParams) -> None:
        self.p = params
        self.active = False

    def prepare(self, model: GovModel) -> None:
        """Called once when the model is built, for every enabled reform, before month 0:
        declare what the reform will build (e.g. a platform others may wait for). No
        random draws, no change of rules: the world before `start_month` is the baseline's."""

    def activate(self, model: GovModel) -> None:
        """Called once, at the start of the month `start_month`."""

    def step(self, model: GovModel) -> None:
        """Called every month once active, in the institutions phase."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} start={self.p.start_month} active={self.active}>"
