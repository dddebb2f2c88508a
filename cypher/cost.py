"""What a request may cost, estimated from its selection before anything runs.

The cost is the number of objects (rows, map literals) the statement may
build. A list multiplies what is built under each item by how many items it
may hold: `first` for a connection, `maxNodes` for a lineage answer; scalars
are free. Four nested connections of `first: 200` cost about 200^4 and are
refused; a page of 20 versions with 20 users each costs about 1,000.
"""

from __future__ import annotations

from cypher.errors import InvalidInput
from cypher.selection import Field

SIZE_ARGUMENTS = ("first", "maxNodes")


def estimated_cost(selection: Field) -> int:
    """The number of objects `selection` may build, an upper bound for lists of known size."""
    if not selection.selections:
        return 0
    below = sum(estimated_cost(sub) for subs in selection.selections.values() for sub in subs)
    size = next((selection.args[name] for name in SIZE_ARGUMENTS if isinstance(selection.args.get(name), int)), 1)
    return max(size, 1) * (1 + below)


def check_cost(selection: Field, limit: int) -> int:
    """Refuse, before it runs, a request whose estimated cost is over `limit`; its cost otherwise."""
    cost = estimated_cost(selection)
    if cost > limit:
        raise InvalidInput(
            f"{selection.response_key}: the request may build about {cost:,} objects, over the limit of "
            f"{limit:,}; ask for smaller pages (first) or fewer nested lists",
            field=selection.response_key,
            cost=cost,
            limit=limit,
        )
    return cost
