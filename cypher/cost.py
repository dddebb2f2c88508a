"""What a request may cost, estimated from its selection before anything runs.

The cost is the number of objects (rows, map literals) the statement may
build. A list multiplies what is built under each item by how many items it
may hold: `first` or `last` for a connection (its default page size when
neither is given), `maxNodes` for a lineage answer, `ids` for nodes, and for a
list without a size argument the most it can hold where the write path caps it
(`files`: a manifest's files, up to 100,000 but estimated at 1,000; aliases: 100
per collection) or 100. Scalars are free. Four nested connections of
`first: 200` cost about 200^4 and are refused; a page of 20 versions with 20
users each costs about 1,000.
"""

from __future__ import annotations

from cypher.errors import InvalidInput
from cypher.paging import DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZES
from cypher.selection import Field

SIZE_ARGUMENTS = ("first", "last", "maxNodes")
LIST_ESTIMATES = {"files": 1000}
UNSIZED_LIST = 100
# JSON objects of up to 64 KiB: about 1,000 small objects; a page of history rows holds up to 4 MiB.
HEAVY_SCALARS = {"config": 1000, "metadata": 1000, "summary": 1000, "rows": 64 * 1000}


def estimated_cost(selection: Field, sized_by_parent: bool = False) -> int:
    """The number of objects `selection` may build, an upper bound where lists are capped.

    A list directly under a field with a size argument (a connection's `edges`, a lineage's `nodes`) is the
    list that size counts, so it is not multiplied again."""
    if not selection.selections:
        return HEAVY_SCALARS.get(selection.name, 0)
    sized = page_size(selection) is not None
    below = sum(estimated_cost(sub, sized) for subs in selection.selections.values() for sub in subs)
    size = 1 if sized_by_parent and not sized else list_size(selection)
    return max(size, 1) * (1 + below)


def list_size(selection: Field) -> int:
    """How many items the field's value may hold: 1 for a single object."""
    sized = page_size(selection)
    if sized is not None:
        return sized
    if isinstance(selection.args.get("ids"), list):
        return len(selection.args["ids"])  # nodes(ids:)
    return LIST_ESTIMATES.get(selection.name, UNSIZED_LIST) if selection.many else 1


def page_size(selection: Field) -> int | None:
    """The size argument's value; for a connection given neither first nor last, its default page size."""
    for name in SIZE_ARGUMENTS:
        value = selection.args.get(name)
        if isinstance(value, int):
            return value
    if "first" in selection.args:
        return DEFAULT_PAGE_SIZES.get(selection.name, DEFAULT_PAGE_SIZE)
    return None


def check_cost(selection: Field, limit: int, spent: int = 0) -> int:
    """Refuse, before it runs, a root field whose estimated cost would take the request (which has `spent`
    that much on its other root fields) over `limit`; its cost otherwise."""
    cost = estimated_cost(selection)
    total = spent + cost
    if total > limit:
        raise InvalidInput(
            f"{selection.response_key}: the request may build about {total:,} objects, over the limit of "
            f"{limit:,}; ask for smaller pages (first), fewer nested lists or fewer fields",
            field=selection.response_key,
            cost=total,
            limit=limit,
        )
    return cost
