"""Suppliers of IT: many small vendors (baseline) and operating companies (管运分离)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from numba import njit

from ..contracts import claim_gaps
from ..institutions import Clients, MarketView, company_month, take_over
from ..numeric import pairwise_sum
from ..reforms.kernels import cells_built, vendor_deliveries
from ..state import NO_ONE
from .agency import can_register_in_bulk, register_in_bulk

if TYPE_CHECKING:
    from ..model import GovModel


class Vendor(mesa.Agent):
    """A small IT vendor serving agencies directly (fragmented supply, seed 001 §2). Where it
    has a warranty record it prices it as a company does (`price_vendor_warranty`)."""

    kind = "vendor"

    def __init__(self, model: GovModel, market: int, quality: float, markup: float) -> None:
        super().__init__(model)
        self.market = market
        self.quality = quality
        self.claim = float(min(max(quality + claim_gaps(model, 1)[0], 0.0), 1.0))  # what it tells agencies
        self.markup = markup
        self.vidx = len(model.vendors)
        self.node: int | None = None

    @classmethod
    def create_many(cls, model: GovModel, market: int, qualities: np.ndarray, markup: float) -> np.ndarray:
        """Vendors of one market, one per quality, added to `model.vendors` as making each with
        `Vendor(model, market, q, markup)` and appending it would (same claims, ids and
        registration), in bulk: their claim gaps in one draw of the same stream (`claim_gaps`
        draws them one by one in order). Returns their claims."""
        if not can_register_in_bulk(model, cls):
            for q in qualities:  # one by one: a vendor's index is the count made before it
                model.vendors.append(cls(model, market, float(q), markup))
            return np.array([v.claim for v in model.vendors[len(model.vendors) - len(qualities) :]], dtype=float)
        claims = np.minimum(np.maximum(qualities + claim_gaps(model, len(qualities)), 0.0), 1.0)
        first, vidx = model.agent_id_counter, len(model.vendors)
        out = []
        for i, (q, claim) in enumerate(zip(qualities.tolist(), claims.tolist(), strict=True)):
            v = cls.__new__(cls)
            d = v.__dict__  # the attributes `__init__` sets, in its order
            d["model"], d["unique_id"], d["pos"], d["market"], d["quality"] = model, first + i, None, market, q
            d["claim"], d["markup"], d["vidx"], d["node"] = claim, markup, vidx + i, None
            out.append(v)
        register_in_bulk(model, cls, out)
        model.vendors += out
        return claims

    @property
    def clients(self) -> int:
        st = self.model.state
        return int(((st.vendor == self.vidx) & (st.company < 0)).sum())


class OperatingCompany(mesa.Agent):
    """The operating company (运营公司) of one market, e.g. Digital Guangdong (数字广东).

    Takes agencies' operations over in batches (分批分步, seed 001 §3), at scale economies
    and its own price. Profit-seeking in proportion to its private ownership: its markup and
    its hold on public data drift toward what the government's dependence allows, unless
    oversight, competition or open data hold them back (seed 000 §2.4, seed 003). It prices
    what it expects to pay for rework and repairs of its own work, from its own record
    (`expected_warranty`)."""

    kind = "company"

    def __init__(self, model: GovModel, market: int, params) -> None:
        super().__init__(model)
        self.market = market
        self.p = params
        self.state_share = params.state_share
        self.quality = params.quality
        self.claim_gap = float(claim_gaps(model, 1)[0])  # its overstatement, drawn once (`claimed_quality`)
        self.markup = params.base_markup
        self.data_hold = 0.0
        self.staff = 0.0  # staff hired from abolished in-house units
        self.staff_skill = 0.0  # their mean skill
        self.cover = 0.0  # share of the systems it runs that its hired staff run
        self.cidx = len(model.companies)
        self.queue = np.zeros(0, np.int64)  # agencies still to take over, in order
        # its own record over the trailing `warranty_months`: 万元 paid to redo returned
        # deliverables and repair audited systems of its own building, and 万元 of its own
        # builds accepted (each at its price)
        self.warranty = Trailing(params.warranty_months)
        self.revenue = Trailing(params.warranty_months)
        self.node: int | None = None

    @property
    def claimed_quality(self) -> float:
        """What it tells agencies it delivers: its current quality plus its overstatement."""
        return float(min(max(self.quality + self.claim_gap, 0.0), 1.0))

    @property
    def profit_motive(self) -> float:
        return 1.0 - self.state_share * self.model.spec.agents.state_alignment

    @property
    def clients(self) -> int:
        return int((self.model.state.company == self.cidx).sum())

    def hire(self, staff: float, staff_x_skill: float) -> None:
        """Staff join the company (from abolished units), with their skill."""
        total = self.staff + staff
        if total > 0:
            self.staff_skill = (self.staff * self.staff_skill + staff_x_skill) / total
        self.staff = total

    def step(self) -> None:
        m = self.model
        for change in self.p.ownership_changes:
            if change.month == m.month:
                self.state_share = change.state_share
        self._take_over(m)
        view = company_month(m, self)  # its market after the take-over, read once (nothing below changes it)
        self._staffing(m, view)
        self._adjust(m, view)  # reads the record up to last month: this month's is not complete yet
        self._record_revenue(m, view)  # at the markup the month's rework and repairs are charged at

    def _take_over(self, m) -> None:
        k = min(self.p.migration_per_month, len(self.queue))
        if k == 0:
            return
        batch, self.queue = self.queue[:k], self.queue[k:]
        take_over(m, batch, self.cidx)

    def _staffing(self, m, view: MarketView) -> None:
        """Its hired staff run `systems_per_staff` systems each (at most all it runs), at
        their skill; its own team runs the rest at the company's quality: what it delivers and
        operates is the mix (`staff_cover`)."""
        self.cover = staff_cover(self.staff, view.systems, m.spec.agents.systems_per_staff)
        self.quality = (1 - self.cover) * self.p.quality + self.cover * self.staff_skill

    def _record_revenue(self, m, view: MarketView) -> None:
        """What its markup priced this month, at that price: the build value of its own work
        delivered (what it built for its clients through construction, projects proposed after
        it took the agency over: a predecessor's project delivered after the take-over is its
        builder's work, month-0 systems no one's; a deliverable the institution returns is
        taken off again, `uncount_returned`, so each counts once, at its accepted go-live) and
        the operations fees it charged (`operations.operating_costs`). One markup prices both,
        so the increment that recovers its warranty is the warranty over both (review 0.2.4:
        over builds alone it was recovered again on every fee)."""
        priced = view.builds * (1 + self.markup)
        priced += month_fees(m, "company", len(m.companies))[self.cidx]
        if priced > 0:
            self.revenue.add(m.month, priced)

    def expected_warranty(self, month: int) -> float:
        """What it expects to pay for rework and repairs per unit of what its markup prices:
        over the trailing window up to `month`, what it paid to redo and repair systems it
        built (each a share of their build price) over its own builds delivered and the fees
        it charged (both at its price: the (1 + markup) of payments and revenue cancel, so
        this is the rate at cost while the contracts' markups are its asking one); 0 before
        it priced anything."""
        revenue = self.revenue.total(month)
        return self.warranty.total(month) / revenue if revenue > 0 else 0.0

    def _adjust(self, m, view: MarketView) -> None:
        """Move markup and data hold toward what dependence and oversight allow, plus the
        rework and repairs it expects to pay (cost-plus: a supplier prices its expected
        warranty cost, Laffont & Tirole 1993)."""
        dep, oversight, hosted, rights = view.position
        target_markup = self.p.base_markup + self.p.markup_sensitivity * dep * self.profit_motive * (1 - oversight)
        target_markup += self.expected_warranty(m.month - 1)  # the last `warranty_months` complete months
        self.markup += self.p.markup_adjust * (target_markup - self.markup)
        # records others also serve (opened to developers, copied to a base library) are not held
        target_hold = hosted * self.profit_motive * (1 - rights)
        self.data_hold += self.p.markup_adjust * (target_hold - self.data_hold)


class Trailing:
    """Amounts booked by month, summed over the last `months` months (one slot a month); an
    amount may be a vector (one entry a supplier), which may grow (vendors enter)."""

    def __init__(self, months: int) -> None:
        self.amount: list = [0.0] * months
        self.month: list[int] = [-1] * months  # a list: read a slot at a time from Python

    def add(self, month: int, x) -> None:
        i = month % len(self.amount)
        if self.month[i] != month:  # the slot held a month now out of the window
            self.amount[i], self.month[i] = 0.0, month
        if np.ndim(x):
            held = np.zeros(max(len(x), np.size(self.amount[i])))
            held[: np.size(self.amount[i])] += self.amount[i]
            held[: len(x)] += x
            self.amount[i] = held
        else:
            self.amount[i] += x

    def total(self, month: int) -> float:
        """Sum over months month - months + 1 .. month."""
        start, out = month - len(self.amount), 0.0
        for a, m in zip(self.amount, self.month, strict=True):
            if m > start:
                out += a  # in slot order onto 0.0, as `sum` added them
        return float(out)

    def total_by(self, month: int, width: int) -> np.ndarray:
        """(width,) the vector sum over months month - months + 1 .. month."""
        out = np.zeros(width)
        for a, m in zip(self.amount, self.month, strict=True):
            if m > month - len(self.amount):
                out[: np.size(a)] += a
        return out


def own_work(model: GovModel, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(len(n),) the operating company whose own work systems (n, k) are: the agency's company
    where their project was proposed after it took the agency over (as `record_found_quality`),
    else NO_ONE (a predecessor built it, or the agency has no company)."""
    st = model.state
    return np.where(st.proposed[n, k] > st.operator_since[n], st.company[n], NO_ONE)


def vendor_own_work(model: GovModel, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(len(n),) the vendor whose own work systems (n, k) are: the agency's vendor where no
    company runs the agency and the project was proposed after the vendor took it over, else
    NO_ONE."""
    st = model.state
    return np.where((st.company[n] < 0) & (st.proposed[n, k] > st.operator_since[n]), st.vendor[n], NO_ONE)


def charge_warranty(
    model: GovModel, n: np.ndarray, k: np.ndarray, share: float, prices: np.ndarray | None = None
) -> None:
    """A supplier pays `share` of the build price of systems (n, k) it redoes or repairs;
    where they are its own work (`own_work`, `vendor_own_work`), the payment goes on its own
    record, which its asking markup prices. Repairs of legacy systems it only operates are a
    one-off cost of taking the agency over: paid, not priced into its recurring markup (assumed).
    `prices`: the systems' `build_prices`, where the caller has them already."""
    prices = build_prices(model, n, k) if prices is None else prices
    _book_own_work(model, n, k, prices * share, "warranty")


def build_prices(model: GovModel, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(len(n),) 万元: the build price of systems (n, k) at their agency's build factor
    (`build_factor_of`: its company's markup, else its vendor's)."""
    return model.base_build_cost[k] * build_factor_of(model, n)


def uncount_returned(model: GovModel, n: np.ndarray, k: np.ndarray) -> None:
    """Deliverables (n, k) returned this month did not go live: take the suppliers' own ones
    off this month's build value (`_record_revenue`, `price_vendor_warranty` counted them), so
    each counts at its accepted go-live."""
    _book_own_work(model, n, k, -(model.base_build_cost[k] * build_factor_of(model, n)), "revenue")


def build_factor_of(model: GovModel, n: np.ndarray) -> np.ndarray:
    """(len(n),) `planning.build_factor` of agencies `n` only: 1 + the markup of the agency's
    company, else of its vendor (the same numbers; every agency's took ~10 µs at 13,750)."""
    st = model.state
    markup = model.vendor_markup[st.vendor[n]]
    if model.companies:
        company = st.company[n]
        asking = np.array([c.markup for c in model.companies])
        markup = np.where(company >= 0, asking[np.maximum(company, 0)], markup)
    return 1.0 + markup


def _book_own_work(model: GovModel, n: np.ndarray, k: np.ndarray, amount: np.ndarray, ledger: str) -> None:
    """Add `amount` (per system (n, k)) this month to the `ledger` ("warranty" or "revenue") of
    the supplier whose own work each system is: its vendor's (`vendor_own_work`), its company's
    (`own_work`); systems that are neither's own work are on no record (`_own_work_totals`)."""
    st = model.state
    x = (st.company, st.vendor, st.proposed, st.operator_since)
    by_vendor, by_company, vendors, companies = _own_work_totals(
        n, k, amount, x, len(model.vendors), len(model.companies)
    )
    if vendors:
        getattr(vendor_books(model), ledger).add(model.month, by_vendor)
    if not companies:
        return
    for c in np.flatnonzero(by_company != 0):
        getattr(model.companies[c], ledger).add(model.month, float(by_company[c]))


@njit(cache=True)
def _own_work_totals(n, k, amount, suppliers, n_vendors, n_companies):
    """Per vendor and per company, the `amount`s of systems (n, k) that are its own work
    (`vendor_own_work`, `own_work`: proposed after the supplier took the agency over), added
    in the systems' order as `np.bincount` adds them; and whether any system was a vendor's,
    any a company's. `suppliers` = (company, vendor, proposed, operator_since)."""
    company, vendor, proposed, since = suppliers
    by_vendor, by_company = np.zeros(n_vendors), np.zeros(n_companies)
    vendors = companies = False
    for j in range(len(n)):
        a = n[j]
        if not proposed[a, k[j]] > since[a]:
            continue
        if company[a] < 0:
            if vendor[a] >= 0:
                by_vendor[vendor[a]] += amount[j]
                vendors = True
        else:
            by_company[company[a]] += amount[j]
            companies = True
    return by_vendor, by_company, vendors, companies


class VendorBooks:
    """Every vendor's warranty record, as a company's (`Trailing`, one column a vendor): what
    it paid to redo and repair its own work, and the build value of its own work delivered."""

    def __init__(self, months: int) -> None:
        self.warranty, self.revenue = TrailingTable(months), TrailingTable(months)
        self.month = -1  # the last month priced and recorded
        # the cells built that month (flat n * K + k, ascending): found once, read by the
        # vendors' pricing and the institution's check (`delivered_this_month`)
        self.delivered = np.zeros(0, np.int64)

    def expected(self, month: int, vendors: int) -> np.ndarray:
        """(vendors,) each vendor's warranty per unit of its build value up to `month` (0 without)."""
        w, r = self.warranty, self.revenue
        return _expected_rate(w.amount, w.month, r.amount, r.month, month, vendors)


class TrailingTable:
    """`Trailing` of vectors (one entry a vendor, more as vendors enter) held as a (months,
    vendors) table: `add` and `total_by` make the same numbers in the same order (a month's
    amounts add onto 0.0; the slots add in slot order, a slot shorter than the table reading
    0.0 past its end, and x + 0.0 is x), without a Python loop over the slots."""

    def __init__(self, months: int) -> None:
        self.amount = np.zeros((months, 0))
        self.month = np.full(months, -1, np.int64)

    def add(self, month: int, x: np.ndarray) -> None:
        months, width = self.amount.shape
        if len(x) > width:  # vendors entered: the older slots read 0.0 for them
            grown = np.zeros((months, len(x)))
            grown[:, :width] = self.amount
            self.amount = grown
        i = month % months
        if self.month[i] != month:  # the slot held a month now out of the window
            self.amount[i], self.month[i] = 0.0, month
        self.amount[i, : len(x)] += x

    def total_by(self, month: int, width: int) -> np.ndarray:
        """(width,) the vector sum over months month - months + 1 .. month."""
        return _trailing_total(self.amount, self.month, month, width)


@njit(cache=True)
def _trailing_total(amount, months_of, month, width):
    """`Trailing.total_by` over a table: the slots in the window added in slot order onto 0.0."""
    out = np.zeros(width)
    for i in range(len(months_of)):
        if months_of[i] > month - len(months_of):
            for v in range(min(amount.shape[1], width)):
                out[v] += amount[i, v]
    return out


@njit(cache=True)
def _expected_rate(paid, paid_month, revenue, revenue_month, month, width):
    """`VendorBooks.expected`: paid / revenue over the window where revenue > 0, else 0."""
    p = _trailing_total(paid, paid_month, month, width)
    r = _trailing_total(revenue, revenue_month, month, width)
    out = np.zeros(width)
    for v in range(width):
        if r[v] > 0:
            out[v] = p[v] / r[v]
    return out


def vendor_books(model: GovModel) -> VendorBooks:
    """The vendors' records, opened with the first reform that returns or repairs systems."""
    books = getattr(model, "vendor_warranty", None)
    if books is None:
        books = model.vendor_warranty = VendorBooks(model.spec.reforms.ops_separation.warranty_months)
    return books


def price_vendor_warranty(model: GovModel) -> None:
    """Once a month, where a reform returns or repairs systems: each vendor's markup is the
    base `vendor_markup` plus its expected warranty rate over the last `warranty_months`
    complete months (its own work, as a company's *W*: cost-plus, Laffont & Tirole 1993; 0
    without a record, so the base markup), and what its markup priced this month goes on its
    record: the build value of its own work delivered (vendors' clients, projects proposed
    after it took the agency over, through construction) and its operations fees."""
    books = vendor_books(model)
    if books.month == model.month:
        return
    books.month = model.month
    V = len(model.vendors)
    w = books.expected(model.month - 1, V)
    markup = np.where(w > 0, model.spec.agents.vendor_markup + w, model.spec.agents.vendor_markup)
    model.vendor_markup[:] = markup
    for v, x in zip(model.vendors, markup.tolist(), strict=True):  # Python floats, in one conversion
        v.markup = x
    st = model.state
    books.delivered = cells_built(st.built, model.month)  # a few hundred of ~70,000 cells at 13,750 agencies
    x = Clients(own=st.own, built=st.built, proposed=st.proposed, company=st.company, since=st.operator_since)
    rows, new = vendor_deliveries(tuple(x), books.delivered, model.month)  # the agencies with some (few a month)
    value = (new @ model.base_build_cost) * (1 + model.vendor_markup[st.vendor[rows]])
    priced = np.bincount(st.vendor[rows], value, V) + month_fees(model, "vendor", V)
    if priced.any():
        books.revenue.add(model.month, priced)


def delivered_this_month(model: GovModel) -> np.ndarray:
    """The cells built this month (flat n * K + k, ascending), as `price_vendor_warranty` found
    them: it runs first in the step of every reform that reads them, and nothing in the reforms'
    phase sets `built` (operations delivers before it), so one pass over the cells serves all."""
    price_vendor_warranty(model)  # once a month: a no-op where it has run this month
    return vendor_books(model).delivered


def month_fees(model: GovModel, who: str, size: int) -> np.ndarray:
    """(size,) operations fees each vendor or company charged this month (`who`: "vendor" or
    "company", `operations.operating_costs`); 0 for suppliers that entered since."""
    fees = np.zeros(size)
    charged = model.ops_revenue.get(who, fees)[:size]
    fees[: len(charged)] = charged
    return fees


def staff_cover(staff: float, systems: float, systems_per_staff: float) -> float:
    """Share of a company's running systems its hired staff can run (0 without systems)."""
    return min(1.0, staff * systems_per_staff / systems) if systems > 0 else 0.0


def lock_in_picks(rng: np.random.Generator, n: int, n_vendors: int, exponent: float) -> np.ndarray:
    """(n) the vendor each of a market's `n` agencies picks, in chunks of about 32 (in order):
    a chunk picks with probability ∝ (1 + clients so far)^exponent (Arthur 1989). The draws
    and arithmetic of `rng.choice(n_vendors, size=len(chunk), p=w / w.sum())` chunk by chunk
    (its inverse-CDF lookup on one uniform each; a test holds the two equal), with the
    uniforms in one draw and the weights read from a table of (1 + c)^exponent for every
    count c (numpy's power, once)."""
    weight = _lock_in_weights(n, exponent)
    if not np.isfinite(weight[-1] * n_vendors):  # totals could overflow: rng.choice's own checks
        return _lock_in_by_choice(rng, n, n_vendors, exponent)
    return lock_in_kernel(rng.random(n), weight, n_vendors)


_WEIGHTS_KEPT: dict[tuple, np.ndarray] = {}  # (agencies, exponent) -> the weight table (no draw: the same every run)


def _lock_in_weights(n: int, exponent: float) -> np.ndarray:
    """(1 + c)^exponent for c in 0..n, made once per market size and exponent (the kernel only reads it)."""
    kept = _WEIGHTS_KEPT.get((n, exponent))
    if kept is None:
        with np.errstate(over="ignore"):  # an overflow is handed to rng.choice, which says so
            kept = (1.0 + np.arange(n + 1)) ** exponent
        if len(_WEIGHTS_KEPT) >= 64:
            _WEIGHTS_KEPT.clear()
        _WEIGHTS_KEPT[n, exponent] = kept
    return kept


def _lock_in_by_choice(rng: np.random.Generator, n: int, n_vendors: int, exponent: float) -> np.ndarray:
    """`lock_in_picks` with rng.choice, chunk by chunk (what it replays)."""
    picks, clients = np.empty(n, np.int64), np.zeros(n_vendors)
    for chunk in np.array_split(np.arange(n), max(1, n // 32)):
        w = (1.0 + clients) ** exponent
        picks[chunk] = rng.choice(n_vendors, size=len(chunk), p=w / w.sum())
        clients += np.bincount(picks[chunk], minlength=n_vendors)
    return picks


@njit(cache=True)
def lock_in_kernel(u, weight, n_vendors):
    """`lock_in_picks`' chunks: w = weight[clients]; cdf = cumsum(w / w.sum()) / its last
    (np.sum's pairwise total; cumsum in order); picks = searchsorted(cdf, u, 'right')."""
    n = len(u)
    picks = np.empty(n, np.int64)
    clients = np.zeros(n_vendors, np.int64)
    k = max(1, n // 32)  # chunks as np.array_split(range(n), k) makes them
    size, extra = n // k, n % k
    start = 0
    for c in range(k):
        stop = start + size + (1 if c < extra else 0)
        w = weight[clients]
        cdf = np.cumsum(w / pairwise_sum(w))
        cdf /= cdf[-1]
        picks[start:stop] = np.searchsorted(cdf, u[start:stop], side="right")
        for i in range(start, stop):
            clients[picks[i]] += 1
        start = stop
    return picks
