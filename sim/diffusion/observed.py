"""Observed counts of provinces (out of 31), with their sources: what the fit may use and
what it must not (the hold-out). Data, not parameters: nothing in the model reads them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    date: str  # YYYY-MM the count refers to
    column: str  # time-series column it is compared with
    value: float  # provinces
    relation: str  # "=" (a count) or ">=" (at least)
    source: str
    role: str  # "fit", "holdout", or "check" (a loose match of a reform, neither fitted nor predicted on purpose)


POINTS: tuple[Point, ...] = (
    Point("2018-12", "provinces_with_body", 12, "=", "seed 003 (12 provincial big-data agencies in 2018)", "fit"),
    Point("2019-03", "provinces_body_centre", 8, "=", "seed 000 §1.2.1 (2018 round: 8 centres)", "fit"),
    Point("2019-03", "provinces_body_industry", 7, "=", "seed 000 §1.2.1 (2018 round: 7 bureaus with industry)", "fit"),
    Point("2019-03", "provinces_body_services", 10, "=", "seed 000 §1.2.1 (2018 round: 10 with services)", "fit"),
    Point("2020-12", "provinces_with_body", 19, ">=", "seed 004 §1.2 (at least 19 by the end of 2020)", "fit"),
    Point(
        "2018-12",
        "provinces_shared_platform",
        31,
        ">=",
        "seed 003 (31 provinces with an online government-service platform by end-2018; not necessarily shared layers)",
        "check",
    ),
    Point(
        "2019-06",
        "provinces_app_consolidation",
        29,
        ">=",
        "seed 003 (29 provincial governments had a government-service mobile app by mid-2019)",
        "check",
    ),
    Point("2024-04", "provinces_unified_digital", 0.9 * 31, "=", "seed 000 §1.2.2 (近九成, April 2024)", "holdout"),
    Point("2024-04", "provinces_unified_services", 0.8 * 31, "=", "seed 000 §1.2.2 (近八成, April 2024)", "holdout"),
)
"""2019-03 stands for the close of the 2018 provincial round (provincial reforms were to be
completed by the end of March 2019; the date is an assumption, seed 000 gives only '2018')."""


def fit_points() -> list[Point]:
    return [p for p in POINTS if p.role == "fit"]


def holdout_points() -> list[Point]:
    return [p for p in POINTS if p.role == "holdout"]
