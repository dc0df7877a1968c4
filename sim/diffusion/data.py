"""The provinces' data file (`provinces.csv`, shipped inside the package) and its checks.

A bad file raises `ScenarioError` (one line naming the file, row, column and value), so the
CLI prints it and exits with code 2 like any other bad input.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..scenario import ScenarioError

PROVINCES_CSV = Path(__file__).resolve().with_name("provinces.csv")
COLUMNS = (
    "name",
    "pinyin",
    "iso",
    "region",
    "population",
    "gdp_per_head",
    "digital_economy",
    "cities",
    "counties",
    "neighbours",
    "row",
    "col",
    "source",
)
REGIONS = ("east", "central", "west", "northeast")
N_PROVINCES = 31


@dataclass(frozen=True)
class Provinces:
    """Column arrays of the 31 provincial-level units, in file order."""

    name: tuple[str, ...]
    pinyin: tuple[str, ...]
    iso: tuple[str, ...]
    region: tuple[str, ...]
    population: np.ndarray  # 10,000 persons
    gdp_per_head: np.ndarray  # yuan
    digital_economy: np.ndarray  # ordinal 1-4 (published top-15 ranking, provinces.csv)
    cities: np.ndarray
    counties: np.ndarray
    adjacency: np.ndarray  # (n, n) bool, symmetric
    row: np.ndarray
    col: np.ndarray
    source: tuple[str, ...]
    column_notes: dict[str, str]

    @property
    def n(self) -> int:
        return len(self.pinyin)

    def index(self, pinyin: str) -> int:
        return self.pinyin.index(pinyin)


def _header_notes(lines: list[str]) -> dict[str, str]:
    """The `#   column[, column]  note` lines of the header (continued on more-indented
    lines): each column's documented source."""
    notes: dict[str, str] = {}
    current: list[str] = []
    for line in lines:
        body = line[1:]
        if re.match(r"^ {3}\S", body):
            m = re.match(r"^(\w+(?:,\s*\w+)*)\s+(.*)$", body.strip())
            names, note = m.groups() if m else ("", "")
            current = [c.strip() for c in names.split(",") if c.strip() in COLUMNS]
            for c in current:
                notes[c] = note.strip()
        elif current and re.match(r"^ {4,}\S", body):
            for c in current:
                notes[c] += " " + body.strip()
        else:
            current = []
    return notes


def _number(path: Path, r: int, row: dict, col: str, kind=float, lo: float = 0.0):
    try:
        v = kind(row[col])
    except (TypeError, ValueError):
        raise ScenarioError(f"{path}: row {r} ({row.get('pinyin')}), {col} = {row[col]!r}: expected a number") from None
    if not v > lo - 1e-12 or not np.isfinite(v):
        raise ScenarioError(f"{path}: row {r} ({row.get('pinyin')}), {col} = {v!r}: expected a value >= {lo}")
    return v


def load_provinces(path: Path = PROVINCES_CSV) -> Provinces:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror}") from None
    lines = text.splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    rows = list(csv.DictReader(ln for ln in lines if ln.strip() and not ln.startswith("#")))
    if not rows or tuple(rows[0].keys()) != COLUMNS:
        got = tuple(rows[0].keys()) if rows else ()
        raise ScenarioError(f"{path}: columns {got}: expected {COLUMNS}")
    if len(rows) != N_PROVINCES:
        raise ScenarioError(f"{path}: {len(rows)} rows: expected {N_PROVINCES} provincial-level units")
    notes = _header_notes(comments)
    for col in COLUMNS:
        if not notes.get(col):
            raise ScenarioError(f"{path}: column {col}: no source in the header comments; expected '#   {col}  source'")
    pinyin = tuple(r["pinyin"] for r in rows)
    if len(set(pinyin)) != len(pinyin):
        raise ScenarioError(f"{path}: pinyin: expected distinct names")
    for i, r in enumerate(rows, start=1):
        if not r["source"].strip():
            raise ScenarioError(f"{path}: row {i} ({r['pinyin']}), source: empty; expected the row's sources")
        if r["region"] not in REGIONS:
            raise ScenarioError(f"{path}: row {i} ({r['pinyin']}), region = {r['region']!r}: expected one of {REGIONS}")
    adjacency = _adjacency(path, rows, pinyin)
    num = {c: np.array([_number(path, i, r, c) for i, r in enumerate(rows, 1)]) for c in ("population", "gdp_per_head")}
    ints = {
        c: np.array([_number(path, i, r, c, int, lo) for i, r in enumerate(rows, 1)], dtype=np.int64)
        for c, lo in (("digital_economy", 1), ("cities", 1), ("counties", 1), ("row", 0), ("col", 0))
    }
    cells = set(zip(ints["row"].tolist(), ints["col"].tolist(), strict=True))
    if len(cells) != len(rows):
        raise ScenarioError(f"{path}: row, col: two provinces share a tile; expected one tile each")
    return Provinces(
        name=tuple(r["name"] for r in rows),
        pinyin=pinyin,
        iso=tuple(r["iso"] for r in rows),
        region=tuple(r["region"] for r in rows),
        population=num["population"],
        gdp_per_head=num["gdp_per_head"],
        digital_economy=ints["digital_economy"],
        cities=ints["cities"],
        counties=ints["counties"],
        adjacency=adjacency,
        row=ints["row"],
        col=ints["col"],
        source=tuple(r["source"] for r in rows),
        column_notes=notes,
    )


def _adjacency(path: Path, rows: list[dict], pinyin: tuple[str, ...]) -> np.ndarray:
    n = len(rows)
    adj = np.zeros((n, n), bool)
    for i, r in enumerate(rows):
        for nb in filter(None, (x.strip() for x in r["neighbours"].split(";"))):
            if nb not in pinyin or nb == r["pinyin"]:
                raise ScenarioError(
                    f"{path}: row {i + 1} ({r['pinyin']}), neighbours: {nb!r}: expected another province's pinyin"
                )
            adj[i, pinyin.index(nb)] = True
    asym = np.argwhere(adj != adj.T)
    if len(asym):
        a, b = asym[0]
        raise ScenarioError(
            f"{path}: neighbours: {pinyin[a]} and {pinyin[b]}: one lists the other but not back; expected symmetric"
        )
    lonely = np.flatnonzero(~adj.any(axis=1))
    if len(lonely):
        i = int(lonely[0])
        raise ScenarioError(f"{path}: row {i + 1} ({pinyin[i]}), neighbours: empty; expected at least one")
    return adj
