"""Kernel views read straight off the model (state.py: kernel views).

`view(Ties, provider="dyad_provider", requester="structure.d_req", ...)` pairs each field of a
NamedTuple with the attribute path it is read from (dotted, from the model) and returns one
`operator.attrgetter`: called on the model, it gives the plain tuple of those values in the
fields' order, which is what a compiled kernel takes and names again (`Ties(*ties)`). The
fields are still named where the view is made, and checked there; but a month's call is one
C-level getter, not a keyword construction and a `tuple(x)` (about 0.6 against 2 µs for 11
fields, called a dozen times a month)."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any


def view(cls: type, computed: int = 0, **paths: str) -> Callable[[Any], tuple]:
    """A getter of `cls`'s fields, each read from `paths[field]`, in the fields' order; the last
    `computed` fields are left out (the caller works them out each call and appends them)."""
    fields = cls._fields[: len(cls._fields) - computed]  # type: ignore[attr-defined]
    if set(paths) != set(fields):
        raise TypeError(f"view of {cls.__name__}: paths for {sorted(paths)}, fields are {list(fields)}")
    if len(fields) < 2:  # attrgetter of one name gives the value, not a tuple
        raise TypeError(f"view of {cls.__name__}: a view needs two fields or more")
    return attrgetter(*(paths[f] for f in fields))
