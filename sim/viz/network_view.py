"""The network view: node and edge tables of the model's typed network, and their plotly figure.

Two views keep a province of thousands of agencies readable:

- **aggregated** — one node per government on a radial tree (province at the centre, its
  cities around it, their counties outside), plus coordinating bodies, operating companies
  and one node per market for the small vendors; edges summed between governments;
- **drill-down** — one government (a city) and its children, every agency drawn: each
  government a ring of its lines around its coordinating body.

Either can be narrowed to one line (条线). Layouts are computed from the jurisdiction tree
(no force-directed layout, no randomness) and cached per tree, so a step only recolours.

Colour is the *sharing score*: of the needed data links touching the node (as requester
or provider), the demand-weighted share served this month — 0 is a silo, 1 shares all.
"""

from __future__ import annotations

import functools
import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..network import EDGE_TYPES

if TYPE_CHECKING:
    from ..model import GovModel

EDGE_STYLE: dict[str, dict] = {
    "vertical": {"color": "#7f7f7f", "width": 1.2, "dash": "solid", "label": "vertical (same line)"},
    "horizontal": {"color": "#9ecae1", "width": 0.6, "dash": "solid", "label": "horizontal (in a gov.)"},
    "oversight": {"color": "#9467bd", "width": 0.8, "dash": "dash", "label": "oversight"},
    "contract": {"color": "#ff7f0e", "width": 0.7, "dash": "dot", "label": "contract"},
    "share": {"color": "#2ca02c", "width": 2.2, "dash": "solid", "label": "active data sharing"},
}
NODE_STYLE: dict[str, dict] = {
    "bureau": {"symbol": "diamond", "color": "#6a3d9a", "size": 11, "label": "data bureau"},
    "office": {"symbol": "diamond-open", "color": "#6a3d9a", "size": 10, "label": "general office (no bureau)"},
    "company": {"symbol": "square", "color": "#111111", "size": 18, "label": "operating company"},
    "vendors": {"symbol": "triangle-up", "color": "#8c564b", "size": 13, "label": "small vendors"},
    "vendor": {"symbol": "triangle-up", "color": "#8c564b", "size": 9, "label": "small vendor"},
    "elsewhere": {"symbol": "x", "color": "#999999", "size": 12, "label": "other governments"},
}
SUPPLIERS = ("company", "vendors", "vendor")
SCORE_SCALE = "RdYlGn"
NO_LINKS = "#cccccc"
LABEL_ARC_DEG = 60
"""The labelled ring's side arcs reach this far above and below the horizontal; its top
and bottom labels, pointing inwards, stop short of each other."""
DRAWING_PX = 440
"""The drill-down's square drawing, in pixels across: NETWORK_HEIGHT less title, legend
and plotly's padding (a 1,344 px window's tile is wider). Node and label sizes assume it."""
LABEL_PX = 9
LABEL_ROW_PX = 11
"""Font size and row height of the labels on the city's ring."""
NETWORK_HEIGHT = 640
"""Pixels; the width follows the tile."""
AGGREGATED = "All governments (one node each)"
ALL_LINES = "All lines"


# ----------------------------------------------------------------------------- model reads
@dataclass(eq=False)
class Snapshot:
    """What one month of the model looks like to the view (read-only copies)."""

    edges: dict[str, tuple[np.ndarray, np.ndarray]]  # kind -> (source nodes, target nodes)
    n_agencies: int
    agency_gov: np.ndarray
    agency_line: np.ndarray
    gov_parent: np.ndarray
    gov_level: np.ndarray
    gov_market: np.ndarray
    levels: list[str]
    lines: list[str]
    open: np.ndarray
    # needed data links: requester, provider, demand weight, served this month
    link_req: np.ndarray
    link_prov: np.ndarray
    link_weight: np.ndarray
    link_served: np.ndarray
    bodies: pd.DataFrame  # node, kind, gov, mandate (live bodies only)
    companies: pd.DataFrame  # node, market, state_share, markup
    vendor_nodes: np.ndarray
    vendor_market: np.ndarray
    month: int


_SNAPSHOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def model_edges(model: GovModel) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The typed edges of `model.network` (sim/network.py), read straight from the model's
    arrays: building the networkx graph took 0.1-0.3 s a step at Guangdong size, most of
    a step's server time. Node ids as there: agencies, then bodies, companies, vendors."""
    s, st = model.structure, model.state
    N, L = s.n_agencies, s.n_lines
    body0 = N
    company0 = body0 + len(model.bodies)
    vendor0 = company0 + len(model.companies)
    child = np.flatnonzero(s.gov_parent[s.agency_gov] >= 0)
    parent = s.gov_parent[s.agency_gov[child]] * L + s.agency_line[child]
    prov = np.asarray(model.dyad_provider)
    same = s.agency_gov[prov] == s.agency_gov[s.d_req]
    reviewer = np.asarray(model.review.reviewer_of_gov[s.agency_gov])
    reviewed = np.flatnonzero(reviewer >= 0)
    if not any(not b.superseded for b in model.bodies):
        reviewed = reviewed[:0]
    company, vendor = np.asarray(st.company), np.asarray(st.vendor)
    supplier = np.where(company >= 0, company0 + company, vendor0 + vendor)
    served = np.asarray(model.outcome.served, bool)
    i64 = functools.partial(np.asarray, dtype=np.int64)
    return {
        "vertical": (i64(parent), i64(child)),
        "horizontal": (i64(s.d_local[same]), i64(s.d_req[same])),
        "oversight": (i64(body0 + reviewer[reviewed]), i64(reviewed)),
        "contract": (i64(supplier), np.arange(N, dtype=np.int64)),
        "share": (i64(prov[served]), i64(s.d_req[served])),
    }


def snapshot(model: GovModel) -> Snapshot:
    """Read the model once per step (cached until the next step)."""
    hit = _SNAPSHOTS.get(model)
    if hit is not None and hit[0] == model.steps:
        return hit[1]
    s = model.structure
    n = s.n_agencies
    body0, company0 = n, n + len(model.bodies)
    vendor0 = company0 + len(model.companies)
    bodies = pd.DataFrame(
        [
            {"node": body0 + j, "kind": b.kind, "gov": int(b.gov), "mandate": b.mandate}
            for j, b in enumerate(model.bodies)
            if not b.superseded
        ],
        columns=["node", "kind", "gov", "mandate"],
    )
    companies = pd.DataFrame(
        [
            {"node": company0 + j, "market": int(c.market), "state_share": c.state_share, "markup": c.markup}
            for j, c in enumerate(model.companies)
        ],
        columns=["node", "market", "state_share", "markup"],
    )
    snap = Snapshot(
        edges=model_edges(model),
        n_agencies=n,
        agency_gov=np.asarray(s.agency_gov),
        agency_line=np.asarray(s.agency_line),
        gov_parent=np.asarray(s.gov_parent),
        gov_level=np.asarray(s.gov_level),
        gov_market=np.asarray(s.gov_market),
        levels=list(s.levels),
        lines=list(s.lines),
        open=np.asarray(model.state.open, bool).copy(),
        link_req=np.asarray(s.d_req),
        link_prov=np.asarray(model.dyad_provider).copy(),
        link_weight=np.asarray(s.d_weight),
        link_served=np.asarray(model.outcome.served).copy(),
        bodies=bodies,
        companies=companies,
        vendor_nodes=vendor0 + np.arange(len(model.vendors), dtype=np.int64),
        vendor_market=np.array([v.market for v in model.vendors], np.int64),
        month=int(model.steps),
    )
    _SNAPSHOTS[model] = (model.steps, snap)
    return snap


def gov_names(snap: Snapshot) -> list[str]:
    """'city 3': level name and index within the level (governments have no names)."""
    first: dict[int, int] = {}
    out = []
    for g, k in enumerate(snap.gov_level):
        first.setdefault(int(k), g)
        out.append(f"{snap.levels[k]} {g - first[int(k)]}")
    return out


def full_names(snap: Snapshot) -> list[str]:
    """Hover names: 'county 38 of city 6' (a county's index alone does not say where it is)."""
    names = gov_names(snap)
    return [
        f"{names[g]} of {names[p]}" if p >= 0 and snap.gov_parent[p] >= 0 else names[g]
        for g, p in enumerate(snap.gov_parent.tolist())
    ]


def children(snap: Snapshot) -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in range(len(snap.gov_parent))]
    for g, p in enumerate(snap.gov_parent):
        if p >= 0:
            kids[p].append(g)
    return kids


def drill_options(snap: Snapshot) -> dict[str, int | None]:
    """Menu label -> government to drill into (None: the aggregated view). Offered: the
    governments one level below the top (cities), or the top if the tree has one level."""
    level = 1 if len(snap.levels) > 1 else 0
    names, kids = gov_names(snap), children(snap)
    out: dict[str, int | None] = {AGGREGATED: None}
    for g in np.flatnonzero(snap.gov_level == level):
        n = len(kids[g])
        below = f" and {n} {plural(snap.levels[level + 1], n)}" if level + 1 < len(snap.levels) else ""
        out[f"{names[g]}{below}"] = int(g)
    return out


def drill_label(options: dict[str, int | None], snap: Snapshot, gov: int) -> str | None:
    """The drill-down menu entry holding government `gov` (itself or its nearest ancestor
    in the menu): what a click on a government opens. None for the top government."""
    by_gov = {g: label for label, g in options.items() if g is not None}
    while gov >= 0:
        if gov in by_gov:
            return by_gov[gov]
        gov = int(snap.gov_parent[gov])
    return None


def sharing_scores(snap: Snapshot, line: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(per agency, per government) demand-weighted share of the needed links touching it
    that are served; NaN where no needed link touches it. `line` keeps links with an end
    on that line."""
    req, prov, w, served = snap.link_req, snap.link_prov, snap.link_weight, snap.link_served
    if line is not None:
        keep = (snap.agency_line[req] == line) | (snap.agency_line[prov] == line)
        req, prov, w, served = req[keep], prov[keep], w[keep], served[keep]
    n, n_gov = snap.n_agencies, len(snap.gov_level)
    ws = w * served
    need = np.bincount(req, w, n) + np.bincount(prov, w, n)
    got = np.bincount(req, ws, n) + np.bincount(prov, ws, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        agency = np.where(need > 0, got / need, np.nan)
    greq, gprov = snap.agency_gov[req], snap.agency_gov[prov]
    other = gprov != greq  # a link inside one government counts once for it
    need_g = np.bincount(greq, w, n_gov) + np.bincount(gprov[other], w[other], n_gov)
    got_g = np.bincount(greq, ws, n_gov) + np.bincount(gprov[other], ws[other], n_gov)
    with np.errstate(invalid="ignore", divide="ignore"):
        gov = np.where(need_g > 0, got_g / need_g, np.nan)
    return agency, gov


# ----------------------------------------------------------------------------- layouts
@functools.lru_cache(maxsize=32)
def _radial(parent_bytes: bytes, level_bytes: bytes) -> np.ndarray:
    parent = np.frombuffer(parent_bytes, np.int64)
    level = np.frombuffer(level_bytes, np.int16)
    n = len(parent)
    kids: list[list[int]] = [[] for _ in range(n)]
    for g, p in enumerate(parent):
        if p >= 0:
            kids[p].append(g)
    leaves = np.ones(n)
    for g in range(n - 1, -1, -1):  # breadth-first order: children after parents
        if kids[g]:
            leaves[g] = sum(leaves[c] for c in kids[g])
    roots = [g for g in range(n) if parent[g] < 0]
    start, span = np.zeros(n), np.zeros(n)
    total = sum(leaves[r] for r in roots)
    a = 0.0
    for r in roots:
        start[r], span[r] = a, 2 * math.pi * leaves[r] / total
        a += span[r]
    for g in range(n):
        a = start[g]
        for c in kids[g]:
            start[c], span[c] = a, span[g] * leaves[c] / leaves[g]
            a += span[c]
    radius = level.astype(float) + (0.0 if len(roots) == 1 else 1.0)
    angle = start + span / 2 + math.pi / 2
    xy = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    xy.setflags(write=False)
    return xy


def gov_layout(snap: Snapshot) -> np.ndarray:
    """(G, 2) radial tree positions: level k on the circle of radius k (cached per tree)."""
    return _radial(snap.gov_parent.astype(np.int64).tobytes(), snap.gov_level.astype(np.int16).tobytes())


@functools.lru_cache(maxsize=64)
def _ring(n_lines: int, labelled: bool) -> np.ndarray:
    """Unit-circle positions of a government's lines: clockwise from the top on two side
    arcs, so each line has the same side and order on every ring. The labelled (city's)
    ring: arcs of ±LABEL_ARC_DEG with the lines evenly spaced in height, so the horizontal
    labels are one row each; unlabelled rings: arcs of ±84°, evenly spaced in angle, so
    40 nodes on a small ring do not overlap."""
    half = math.ceil(n_lines / 2)
    if labelled:
        top = math.sin(math.radians(LABEL_ARC_DEG))
        right_y = np.linspace(top, -top, half) if half > 1 else np.zeros(half)
        left_y = np.linspace(-top, top, n_lines - half) if n_lines - half > 1 else np.zeros(n_lines - half)
        right = np.column_stack([np.sqrt(1 - right_y**2), right_y])
        left = np.column_stack([-np.sqrt(1 - left_y**2), left_y])
        return np.concatenate([right, left])
    arc, rest = math.radians(84), n_lines - half
    right_a = np.linspace(arc, -arc, half) if half > 1 else np.zeros(half)
    left_a = np.linspace(math.pi + arc, math.pi - arc, rest) if rest > 1 else np.full(rest, math.pi)
    a = np.concatenate([right_a, left_a])
    return np.column_stack([np.cos(a), np.sin(a)])


@dataclass(frozen=True)
class RingLayout:
    """Drill-down geometry in data units (a child's ring has radius 1)."""

    city: float  # the labelled ring's radius
    centre: float  # distance of the children's rings from the centre
    extent: float  # half the drawing's width
    node_px: float  # marker size of a child's agencies, for a drawing of DRAWING_PX


def ring_layout(n_kids: int, n_lines: int) -> RingLayout:
    """Children's rings around the city's, touching neither it nor each other; the city's
    ring fills the space inside, and is at least large enough for one label row a line."""
    gap = 0.3
    # the labelled ring: rows LABEL_ROW_PX apart on a drawing of DRAWING_PX across
    rows = max(math.ceil(n_lines / 2) - 1, 1)
    height = 2 * math.sin(math.radians(LABEL_ARC_DEG))
    # ring * (DRAWING_PX / 2) / extent * height / rows >= LABEL_ROW_PX, extent = ring + 2 + gap
    k = LABEL_ROW_PX * rows / (height * DRAWING_PX / 2)
    city = max(1.5, k * (2 + gap) / (1 - k)) if k < 0.9 else 6.0
    centre = 0.0
    if n_kids:
        centre = max(city + 1 + gap, (2 + gap) / (2 * math.sin(math.pi / max(n_kids, 2))))
        city = centre - 1 - gap
    extent = centre + 1 if n_kids else city
    # a child's nodes: evenly spaced on ±84° arcs, a bit smaller than the spacing
    spacing = (DRAWING_PX / 2) / extent * math.radians(168) / max(math.ceil(n_lines / 2) - 1, 1)
    return RingLayout(city, centre, extent, float(np.clip(spacing - 2, 3.0, 7.0)))


# ----------------------------------------------------------------------------- views
@dataclass(eq=False)
class NetView:
    """Nodes (id, kind, x, y, score, size, label, gov) and edges (kind, source, target,
    weight) ready to draw; ids are strings: g12 government, a345 agency, n700 other node."""

    title: str
    nodes: pd.DataFrame
    edges: pd.DataFrame
    key: str  # identifies the view for plotly's uirevision (zoom survives steps)
    hidden: tuple[str, ...] = ()  # edge types listed in the legend but not drawn until clicked
    # (a hidden "contract" layer hides the suppliers with it: one legend group)


def _edges_frame(rows: list[pd.DataFrame]) -> pd.DataFrame:
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame(columns=["kind", "source", "target", "weight"])
    return pd.concat(rows, ignore_index=True)


def _grouped(kind: str, src: np.ndarray, dst: np.ndarray) -> pd.DataFrame:
    if len(src) == 0:
        return pd.DataFrame(columns=["kind", "source", "target", "weight"])
    df = pd.DataFrame({"source": src, "target": dst})
    df = df.groupby(["source", "target"], sort=True).size().reset_index(name="weight")
    df.insert(0, "kind", kind)
    return df


def _line_index(snap: Snapshot, line: str | None) -> int | None:
    if line in (None, "", ALL_LINES):
        return None
    return snap.lines.index(line)


def _agency_keep(snap: Snapshot, ids: np.ndarray, li: int | None) -> np.ndarray:
    """Agency endpoints on the chosen line (non-agency endpoints are always kept)."""
    is_agency = ids < snap.n_agencies
    if li is None:
        return np.ones(len(ids), bool)
    ok = np.ones(len(ids), bool)
    ok[is_agency] = snap.agency_line[ids[is_agency]] == li
    return ok


def aggregated_view(model: GovModel, line: str | None = None) -> NetView:
    """One node per government; bodies, companies and vendors (per market) beside them."""
    snap = snapshot(model)
    li = _line_index(snap, line)
    xy = gov_layout(snap)
    names = full_names(snap)
    n_gov, n = len(snap.gov_level), snap.n_agencies
    depth = max(1, len(snap.levels) - 1)
    scale = 1.0 / (1 + 0.15 * n_gov / 50)  # smaller offsets when governments are dense
    sv, dv = snap.edges["share"]
    inside = snap.agency_gov[sv] == snap.agency_gov[dv]
    keep_s = _agency_keep(snap, sv, li) | _agency_keep(snap, dv, li)
    nodes = [_government_nodes(snap, li, xy, names, dv[inside & keep_s])]
    node_id: dict = {}  # non-agency graph node -> view id
    outward = _outward(xy)
    nodes += _body_nodes(snap, xy, names, 0.07 * scale * outward * (1 + depth), node_id)
    nodes += _supplier_nodes(snap, xy, names, outward, depth, node_id)

    def gov_of(ids: np.ndarray) -> np.ndarray:
        return np.array([f"g{g}" for g in snap.agency_gov[ids]], dtype=object)

    def other(ids: np.ndarray) -> np.ndarray:
        return np.array([node_id.get(int(i), "") for i in ids], dtype=object)

    rows = []
    src, dst = snap.edges["vertical"]
    k = _agency_keep(snap, dst, li)
    rows.append(_grouped("vertical", gov_of(src[k]), gov_of(dst[k])))
    k = keep_s & ~inside
    rows.append(_grouped("share", gov_of(sv[k]), gov_of(dv[k])))
    for kind in ("oversight", "contract"):
        src, dst = snap.edges[kind]
        k = (dst < n) & _agency_keep(snap, dst, li)
        s_ids, d_ids = other(src[k]), gov_of(dst[k])
        ok = s_ids != ""
        rows.append(_grouped(kind, s_ids[ok], d_ids[ok]))
    title = f"{n_gov} governments, {n:,} agencies (one node per government)"
    if li is not None:
        title += f" · line: {snap.lines[li]}"
    return NetView(
        title=title,
        nodes=pd.concat(nodes, ignore_index=True),
        edges=_edges_frame(rows),
        key=f"agg-{line}",
        hidden=("oversight",),
    )


def _government_nodes(snap, li, xy: np.ndarray, names, served_to: np.ndarray) -> pd.DataFrame:
    """One node per government, sized by level, scored by sharing; `served_to`: the
    requesting agencies of the links served inside a government."""
    n_gov = len(snap.gov_level)
    _, gscore = sharing_scores(snap, li)
    depth = max(1, len(snap.levels) - 1)
    per_gov_agencies = np.bincount(snap.agency_gov, minlength=n_gov)
    open_share = np.bincount(snap.agency_gov, snap.open.astype(float), n_gov) / np.maximum(per_gov_agencies, 1)
    served_inside = np.bincount(snap.agency_gov[served_to], minlength=n_gov)
    hover = [
        f"<b>{names[g]}</b><br>sharing score {_pct(gscore[g])}<br>{per_gov_agencies[g]} agencies, "
        f"{open_share[g]:.0%} open to sharing<br>{served_inside[g]} links served inside"
        for g in range(n_gov)
    ]
    return pd.DataFrame(
        {
            "id": [f"g{g}" for g in range(n_gov)],
            "kind": "government",
            "x": xy[:, 0],
            "y": xy[:, 1],
            "score": gscore,
            "size": 24 - 14 * snap.gov_level / depth,
            "label": hover,
            "gov": np.arange(n_gov),
        }
    )


def _body_nodes(snap, xy: np.ndarray, names, offset: np.ndarray, node_id: dict) -> list[pd.DataFrame]:
    """Coordinating bodies, just outside their government (`offset` per government)."""
    b = snap.bodies
    if not len(b):
        return []
    depth = max(1, len(snap.levels) - 1)
    gov = b["gov"].to_numpy()
    pos = xy[gov] + offset[gov]
    ids = [f"n{v}" for v in b["node"]]
    node_id.update(dict(zip(b["node"], ids, strict=True)))
    return [
        pd.DataFrame(
            {
                "id": ids,
                "kind": b["kind"].to_numpy(),
                "x": pos[:, 0],
                "y": pos[:, 1],
                "score": np.nan,
                "size": 11 - 5 * snap.gov_level[gov] / depth,
                "label": [
                    f"<b>{k}</b> of {names[g]}<br>mandate: {m}"
                    for k, g, m in zip(b["kind"], b["gov"], b["mandate"], strict=True)
                ],
                "gov": gov,
            }
        )
    ]


def _supplier_nodes(snap, xy: np.ndarray, names, outward: np.ndarray, depth: int, node_id: dict) -> list:
    """Operating companies, and one node per market for its small vendors."""
    rows = []
    for mkt in np.unique(snap.gov_market):
        centre = xy[mkt]
        corner = depth + 0.5  # the whole tree's market: suppliers in the lower corners
        off = np.array([corner, -corner]) if np.allclose(centre, 0) else 0.45 * outward[mkt]
        comp = snap.companies[snap.companies["market"] == mkt]
        for j, c in enumerate(comp.itertuples()):
            p = centre + off + np.array([0.25 * j, 0.0])
            node_id[c.node] = f"n{c.node}"
            rows.append(
                {
                    "id": f"n{c.node}",
                    "kind": "company",
                    "x": p[0],
                    "y": p[1],
                    "label": f"<b>operating company</b> of {names[mkt]}<br>state share {c.state_share:.0%}, "
                    f"markup {c.markup:.1%}",
                    "gov": mkt,
                }
            )
        vend = snap.vendor_nodes[snap.vendor_market == mkt]
        if len(vend):
            p = centre + np.array([-off[0], off[1]]) if np.allclose(centre, 0) else centre + 0.45 * outward[mkt] * 1.4
            vid = f"vendors{mkt}"
            node_id.update(dict.fromkeys(vend.tolist(), vid))
            rows.append(
                {
                    "id": vid,
                    "kind": "vendors",
                    "x": p[0],
                    "y": p[1],
                    "label": f"<b>{len(vend)} small vendors</b> of {names[mkt]}'s market",
                    "gov": mkt,
                }
            )
    if not rows:
        return []
    sup = pd.DataFrame(rows)
    sup["score"], sup["size"] = np.nan, np.nan
    return [sup]


def _outward(xy: np.ndarray) -> np.ndarray:
    r = np.linalg.norm(xy, axis=1, keepdims=True)
    out = np.where(r > 1e-9, xy / np.maximum(r, 1e-9), np.array([[0.0, 1.0]]))
    return out


def short_line(name: str, width: int = 12) -> str:
    """A line's name as labelled on the city's ring: 'housing fund', and when longer than
    `width` the first word and initials, 'public s.' (hover gives the full name)."""
    words = name.split("_")
    text = " ".join(words)
    if len(text) <= width:
        return text
    if len(words) == 1:
        return text[: width - 1] + "."
    return f"{words[0]} {'.'.join(w[0] for w in words[1:])}."


def drilldown_view(model: GovModel, gov: int, line: str | None = None) -> NetView:
    """Every agency of `gov` and of its children, each government a ring of its lines
    (same position on every ring = same line; the city's ring is labelled)."""
    snap = snapshot(model)
    li = _line_index(snap, line)
    names, full = gov_names(snap), full_names(snap)
    kids = children(snap)[gov]
    govs = [gov, *kids]
    n = snap.n_agencies
    geo = ring_layout(len(kids), len(snap.lines))
    centres = {gov: np.zeros(2)}
    for j, c in enumerate(kids):
        a = 2 * math.pi * j / len(kids) + math.pi / 2
        centres[c] = geo.centre * np.array([math.cos(a), math.sin(a)])
    agency_score, gscore = sharing_scores(snap, li)

    ids = np.flatnonzero(np.isin(snap.agency_gov, govs))
    if li is not None:
        ids = ids[snap.agency_line[ids] == li]
    agencies = _ring_agencies(snap, ids, gov, li, geo, centres, agency_score, full)
    # graph node -> view id, as a lookup array (graph nodes are 0..n_nodes-1)
    n_nodes = 1 + max(
        [n - 1, *(int(a.max()) for pair in snap.edges.values() for a in pair if len(a)), *snap.vendor_nodes.tolist()]
    )
    view_id = np.full(n_nodes, "", dtype=object)
    view_id[ids] = agencies["id"].to_numpy()
    nodes = [agencies, *_centre_bodies(snap, govs, centres, full, view_id)]
    nodes.append(_drill_suppliers(snap, ids, geo.extent, view_id))

    rows = []
    for kind in EDGE_TYPES:
        src, dst = snap.edges[kind]
        s_ids, d_ids = view_id[src], view_id[dst]
        k = (d_ids != "") if kind in ("oversight", "contract") else (s_ids != "") | (d_ids != "")
        if not k.any():
            continue  # oversight and contract: only edges into shown agencies
        s_ids, d_ids = s_ids[k], d_ids[k]
        s_ids[s_ids == ""] = "elsewhere"
        d_ids[d_ids == ""] = "elsewhere"
        rows.append(_grouped(kind, s_ids, d_ids))
    edges = _edges_frame(rows)
    used = set(edges["source"]) | set(edges["target"])
    all_nodes = pd.concat(nodes, ignore_index=True)
    all_nodes = all_nodes[(all_nodes["kind"] != "elsewhere") | all_nodes["id"].isin(used)]
    kid_level = snap.levels[snap.gov_level[kids[0]]] if kids else ""
    title = f"{names[gov]} and its {len(kids)} {plural(kid_level, len(kids))}: {len(ids)} agencies"
    if li is not None:
        title += f" · line: {snap.lines[li]}"
    title += f" · sharing score {_pct(gscore[gov])}"
    # contracts (and their suppliers) start hidden: 240 lines across the rings hid the rings
    return NetView(
        title=title,
        nodes=all_nodes.reset_index(drop=True),
        edges=edges,
        key=f"drill-{gov}-{line}",
        hidden=("contract",),
    )


def _ring_agencies(snap, ids, gov: int, li, geo, centres: dict, agency_score, full) -> pd.DataFrame:
    """The shown agencies on their government's ring (one place per line), the city's
    ring labelled with the lines' names."""
    L = len(snap.lines)
    g_of = snap.agency_gov[ids]
    centre_xy = np.array([centres[int(g)] for g in g_of]).reshape(-1, 2)
    if li is not None:
        pos = centre_xy + np.array([0.0, -0.35])
    else:
        at = snap.agency_line[ids]
        own = (g_of == gov)[:, None]
        pos = centre_xy + np.where(own, geo.city * _ring(L, True)[at], _ring(L, False)[at])
    lines_of = [snap.lines[k] for k in snap.agency_line[ids]]
    return pd.DataFrame(
        {
            "id": [f"a{i}" for i in ids],
            "kind": "agency",
            "x": pos[:, 0],
            "y": pos[:, 1],
            "score": agency_score[ids],
            "size": np.where(g_of == gov, 8.0, geo.node_px),
            "open": snap.open[ids],
            "label": [
                f"<b>{ln}</b> of {full[g]}<br>sharing score {_pct(sc)}<br>{'open' if o else 'closed'} to sharing"
                for ln, g, sc, o in zip(lines_of, g_of, agency_score[ids], snap.open[ids], strict=True)
            ],
            "gov": g_of,
            # the city's ring carries the line names (each ring has the lines in the same places)
            "text": [short_line(ln) if g == gov and li is None else "" for ln, g in zip(lines_of, g_of, strict=True)],
            # inward, towards the ring's centre: the outside belongs to the children's rings
            "textpos": np.where(pos[:, 0] > centre_xy[:, 0], "middle left", "middle right"),
        }
    )


def _centre_bodies(snap, govs: list[int], centres: dict, full, view_id: np.ndarray) -> list[pd.DataFrame]:
    """The shown governments' coordinating bodies, at their rings' centres."""
    b = snap.bodies[snap.bodies["gov"].isin(govs)]
    if not len(b):
        return []
    pos = np.array([centres[g] for g in b["gov"]])
    view_id[b["node"].to_numpy()] = [f"n{v}" for v in b["node"]]
    return [
        pd.DataFrame(
            {
                "id": [f"n{v}" for v in b["node"]],
                "kind": b["kind"].to_numpy(),
                "x": pos[:, 0],
                "y": pos[:, 1],
                "score": np.nan,
                "size": np.nan,
                "label": [
                    f"<b>{k}</b> of {full[g]}<br>mandate: {m}"
                    for k, g, m in zip(b["kind"], b["gov"], b["mandate"], strict=True)
                ],
                "gov": b["gov"].to_numpy(),
            }
        )
    ]


def _drill_suppliers(snap, ids: np.ndarray, extent: float, view_id: np.ndarray) -> pd.DataFrame:
    """Suppliers of the shown agencies (companies right, vendors left) and one node for
    anything outside the drill-down."""
    cs, cd = snap.edges["contract"]
    serving = np.isin(cd, ids)
    sup_nodes, n_clients = np.unique(cs[serving], return_counts=True)
    comp_nodes = set(snap.companies["node"].tolist())
    edge_x = extent + 0.8
    rows = []
    for col, kind in ((edge_x, "company"), (-edge_x, "vendor")):
        mine = [
            (v, c)
            for v, c in zip(sup_nodes.tolist(), n_clients.tolist(), strict=True)
            if (v in comp_nodes) == (kind == "company")
        ]
        span = max(1, len(mine) - 1)
        height = min(2 * extent, 0.4 * len(mine))
        for j, (v, clients) in enumerate(mine):
            y = height / 2 - height * j / span if len(mine) > 1 else 0.0
            view_id[v] = f"n{v}"
            rows.append(
                {
                    "id": f"n{v}",
                    "kind": kind,
                    "x": col,
                    "y": y,
                    "label": f"<b>{NODE_STYLE[kind]['label']}</b><br>{clients} client agencies shown",
                    "gov": -1,
                }
            )
    rows.append(
        {
            "id": "elsewhere",
            "kind": "elsewhere",
            # the upper left corner: outside every ring, inside the drawing's square
            "x": -0.92 * extent,
            "y": 0.92 * extent,
            "label": "<b>other governments</b> (parent, province, other cities)",
            "gov": -1,
        }
    )
    sup = pd.DataFrame(rows)
    sup["score"], sup["size"] = np.nan, np.nan
    return sup


def plural(word: str, n: int) -> str:
    if n == 1 or not word:
        return word
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def _pct(x: float) -> str:
    return "n/a (no needed links)" if not np.isfinite(x) else f"{x:.0%}"


# ----------------------------------------------------------------------------- figure
def network_figure(view: NetView, month: int | None = None, height: int = NETWORK_HEIGHT) -> go.Figure:
    """Plotly figure of a view (see `network_spec`)."""
    return go.Figure(network_spec(view, month, height))


def network_spec(view: NetView, month: int | None = None, height: int = NETWORK_HEIGHT) -> dict:
    """The figure of a view as a plain plotly dict: one trace per edge type, scored nodes
    on a red (silo) to green (sharing) scale, bodies and suppliers with their own symbols.
    Every trace has a stable `uid` (its layer), so a step can update the drawn figure in
    place. Plain dicts: the page validates only what changed (building a go.Figure took
    30-140 ms a step)."""
    meta = None if month is None else f"month {month}"  # lets a browser tell when this month is drawn
    data = _edge_traces(view) + _scored_traces(view) + _symbol_traces(view)
    if meta:
        for trace in data:
            trace["meta"] = meta
    title = view.title if month is None else f"{view.title} · month {month}"
    layout = {
        "template": "plotly_white",
        # the title sits below the modebar's strip (top 30 px), so a long title is not covered
        "title": {"text": title, "font": {"size": 13}, "y": 1 - 34 / height, "yanchor": "top", "x": 0.02},
        "height": height,
        "autosize": True,  # no width: the figure takes its tile's width (and follows a resize)
        "margin": {"t": 58, "l": 10, "r": 10, "b": 10},
        "xaxis": {"visible": False},
        "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1},
        "legend": {
            "orientation": "h",
            "traceorder": "normal",  # a legend group (contract and suppliers) is not set apart
            "y": -0.01,
            "yanchor": "top",
            "font": {"size": 10},
            "entrywidth": 0.33,  # three columns: a shorter legend leaves the network more height
            "entrywidthmode": "fraction",
        },
        "hovermode": "closest",
        "uirevision": view.key,
    }
    return {"data": data, "layout": layout}


def _edge_traces(view: NetView) -> list[dict]:
    """One line trace per edge type. Every layer is always there (empty ones out of the
    legend): a step that adds one, e.g. the operating company taking over a city, still
    updates the drawn figure in place."""
    data: list[dict] = []
    pos = view.nodes.set_index("id")[["x", "y"]]
    drilled = (view.nodes["kind"] == "agency").any()
    for kind in EDGE_TYPES:
        e = view.edges[view.edges["kind"] == kind]
        st = EDGE_STYLE[kind]
        a = pos.loc[e["source"]].to_numpy()
        b = pos.loc[e["target"]].to_numpy()
        xs = np.column_stack([a[:, 0], b[:, 0], np.full(len(e), np.nan)]).ravel()
        ys = np.column_stack([a[:, 1], b[:, 1], np.full(len(e), np.nan)]).ravel()
        opacity = 0.55 if kind in ("horizontal", "contract", "oversight") else 0.85
        width_ = st["width"]
        if drilled and kind == "vertical":  # a bundle from the city's ring to each child's: keep it faint
            opacity, width_ = 0.25, 0.6
        data.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "line": {"color": st["color"], "width": width_, "dash": st["dash"]},
                "opacity": opacity,
                "name": f"{st['label']} ({int(e['weight'].sum()):,})",
                "showlegend": not e.empty,
                "hoverinfo": "skip",
                "visible": "legendonly" if kind in view.hidden else True,
                "uid": f"edge-{kind}",
            }
        )
        if kind == "contract" and kind in view.hidden:
            data[-1]["legendgroup"] = "contract"
    return data


def _score_colorbar() -> dict:
    """Inside the upper right corner (empty in both views), not in a margin of its own."""
    return {
        "title": {"text": "sharing<br>score", "font": {"size": 10}},
        "thickness": 10,
        "len": 0.3,
        "x": 1.0,
        "xanchor": "right",
        "y": 1.0,
        "yanchor": "top",
        "tickfont": {"size": 9},
    }


def _scored_traces(view: NetView) -> list[dict]:
    """Governments or agencies: grey where they need no links, coloured by sharing score on
    top (a node is in exactly one of the two traces)."""
    scored = view.nodes[view.nodes["kind"].isin(["government", "agency"])]
    if not len(scored):
        return []
    score = scored["score"].to_numpy(float)
    has = np.isfinite(score)
    opened = scored["open"].fillna(False).to_numpy(bool) if "open" in scored else np.zeros(len(scored), bool)
    text = scored["text"].fillna("").to_numpy(object) if "text" in scored else None
    name = "governments" if (scored["kind"] == "government").all() else "agencies"
    data = []
    for part, layer in ((~has, "none"), (has, "scored")):
        d = scored[part]
        labelled = text is not None and any(text[part])
        marker = {
            "size": d["size"].to_numpy(float),
            # a thinner outline on small nodes, which sit close together on a child's ring
            "line": {
                "color": np.where(opened[part], "#000000", "#ffffff"),
                "width": np.where(d["size"].to_numpy(float) < 6, 0.8, 1.2),
            },
        }
        if layer == "scored":
            marker |= {"color": score[part], "colorscale": SCORE_SCALE, "cmin": 0, "cmax": 1}
            marker["colorbar"] = _score_colorbar()
        else:
            marker["color"] = NO_LINKS
        trace = {
            "type": "scatter",
            "x": d["x"].to_numpy(float),
            "y": d["y"].to_numpy(float),
            "mode": "markers+text" if labelled else "markers",
            "name": f"{name} (sharing score)" if layer == "scored" else "no needed links",
            "showlegend": bool(part.any()),
            "marker": marker,
            "textfont": {"size": LABEL_PX, "color": "#333333"},
            "hovertext": d["label"].to_numpy(object),
            "hovertemplate": "%{hovertext}<extra></extra>",
            "customdata": d["gov"].to_numpy(),
            "uid": f"nodes-{layer}",
        }
        if labelled:
            trace |= {"text": text[part], "textposition": d["textpos"].to_numpy(object)}
        data.append(trace)
    return data


def _symbol_traces(view: NetView) -> list[dict]:
    """Bodies, suppliers and the rest, one trace per kind with its own symbol."""
    data = []
    for kind, st in NODE_STYLE.items():
        d = view.nodes[view.nodes["kind"] == kind]
        data.append(
            {
                "type": "scatter",
                "x": d["x"].to_numpy(float),
                "y": d["y"].to_numpy(float),
                "mode": "markers",
                "name": f"{st['label']} ({len(d)})" if kind not in ("elsewhere",) else st["label"],
                "showlegend": not d.empty,
                "marker": {
                    "symbol": st["symbol"],
                    "color": st["color"],
                    "size": d["size"].fillna(st["size"]).to_numpy(float),
                    "line": {"width": 1},
                },
                "hovertext": d["label"].to_numpy(object),
                "hovertemplate": "%{hovertext}<extra></extra>",
                "uid": f"node-{kind}",
            }
        )
        if kind in SUPPLIERS and "contract" in view.hidden:  # shown and hidden with their contracts
            data[-1] |= {"legendgroup": "contract", "visible": "legendonly"}
    return data
