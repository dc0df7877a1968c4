"""Reforms (DESIGN §3), one module each.

`REGISTRY` lists them in activation order within a month — the data bureau first, so the
bodies it creates run the reforms that need one. The order is explicit, not import order.
"""

from . import (  # noqa: F401  (importing a module registers its reform)
    app_consolidation,
    base_data,
    data_bureau,
    data_reflux,
    leadership,
    one_window,
    open_data,
    ops_separation,
    shared_platform,
    sharing_incentives,
    skills_training,
    standards,
    tech_support_institution,
    third_party_evaluation,
    traceable_sharing,
    unified_approval,
)
from .base import REGISTRY as _REGISTERED
from .base import Reform

ORDER = (
    "data_bureau",
    "leadership",
    "unified_approval",
    "ops_separation",
    "shared_platform",
    "standards",
    "sharing_incentives",
    "traceable_sharing",
    "data_reflux",
    "base_data",
    "open_data",
    "third_party_evaluation",
    "tech_support_institution",
    "skills_training",
    "app_consolidation",
    "one_window",
)
assert set(ORDER) == set(_REGISTERED), "every registered reform needs a place in ORDER"
REGISTRY: dict[str, type[Reform]] = {k: _REGISTERED[k] for k in ORDER}

__all__ = ["ORDER", "REGISTRY", "Reform"]
