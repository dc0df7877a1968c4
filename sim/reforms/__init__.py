"""Reforms (DESIGN §3). Import order is activation order within a month: the data bureau
comes first so the bodies it creates run the reforms that need one."""

from . import (  # noqa: F401  (imports register the reforms)
    data_bureau,
    leadership,
    unified_approval,
    ops_separation,
    shared_platform,
    standards,
    sharing_incentives,
    traceable_sharing,
    data_reflux,
    base_data,
    open_data,
    third_party_evaluation,
    tech_support_institution,
    skills_training,
    app_consolidation,
    one_window,
)
from .base import REGISTRY, Reform

__all__ = ["REGISTRY", "Reform"]
