"""The typed networkx graph of agents (DESIGN §1 "The network").

Node ids are integers (Mesa's renderer wants them): agency `i` is node `i`; bodies,
companies and vendors follow. Edge keys are the edge type: `vertical` (same line,
parent → child government), `horizontal` (agencies of one government that need each
other's data), `oversight` (body → agencies it coordinates), `contract` (supplier →
agencies it serves) and `share` (provider → requester, a link served this month).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

if TYPE_CHECKING:
    from .model import GovModel

EDGE_TYPES = ("vertical", "horizontal", "oversight", "contract", "share")


def build_network(model: GovModel) -> nx.MultiDiGraph:
    s, st = model.structure, model.state
    N, L = s.n_agencies, s.n_lines
    G = nx.MultiDiGraph()
    levels, lines = s.levels, s.lines
    G.add_nodes_from(
        (
            i,
            {
                "kind": "agency",
                "line": lines[s.agency_line[i]],
                "level": levels[s.agency_level[i]],
                "government": int(s.agency_gov[i]),
                "open": bool(st.open[i]),
            },
        )
        for i in range(N)
    )
    nid = N
    for b in model.bodies:
        b.node = nid
        G.add_node(nid, kind=b.kind, government=b.gov, mandate=b.mandate, level=levels[s.gov_level[b.gov]])
        nid += 1
    for c in model.companies:
        c.node = nid
        G.add_node(nid, kind="company", market=c.market, state_share=c.state_share)
        nid += 1
    for v in model.vendors:
        v.node = nid
        G.add_node(nid, kind="vendor", market=v.market)
        nid += 1

    child = np.flatnonzero(s.gov_parent[s.agency_gov] >= 0)
    parent = s.gov_parent[s.agency_gov[child]] * L + s.agency_line[child]
    G.add_edges_from((int(p), int(c), "vertical", {"kind": "vertical"}) for p, c in zip(parent, child, strict=True))

    prov = model.dyad_provider
    same = s.agency_gov[prov] == s.agency_gov[s.d_req]
    G.add_edges_from(
        (int(p), int(r), "horizontal", {"kind": "horizontal"})
        for p, r in zip(s.d_local[same], s.d_req[same], strict=True)
    )
    live = [b for b in model.bodies if not b.superseded]
    if live:
        reviewer = model.review.reviewer_of_gov[s.agency_gov]
        G.add_edges_from(
            (model.bodies[reviewer[i]].node, int(i), "oversight", {"kind": "oversight"})
            for i in range(N)
            if reviewer[i] >= 0
        )
    for i in range(N):
        sup = model.companies[st.company[i]].node if st.company[i] >= 0 else model.vendors[st.vendor[i]].node
        G.add_edge(sup, i, "contract", kind="contract")
    served = model.outcome.served
    G.add_edges_from(
        (int(p), int(r), "share", {"kind": "share"}) for p, r in zip(prov[served], s.d_req[served], strict=True)
    )
    return G
