"""Writes Cypher projections from a selection and the rules in `model.py`.

A selection on a type becomes one map literal; related objects become pattern
comprehensions, lists become COLLECT subqueries, connections become a COUNT
subquery (totalCount) and a keyset-paginated COLLECT subquery (edges, written
by `paging.page_rows`), so a whole nested request is one expression and one
statement. Where a request's Cypher comes from: `reads.py` (root fields) or
`lineage.py` / `clusters.py` (lineage questions) find the root object, and
`project` below writes its selection, field by field, from `model.TYPES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.model import TYPES
from cypher.paging import (
    Listing,
    PageRequest,
    cursor_entry,
    decode_cursor,
    keyset,
    order_by,
    page_request,
    page_rows,
    where,
)
from cypher.rules import Expr, Found, Many, One, Page, Rule, Vars, View
from cypher.selection import Field, by_name

# A list a connection is filtered by (runs' `tags`) holds at most this many values, as a run holds tags.
MAX_FILTER_VALUES = 100


@dataclass(frozen=True)
class Limits:
    """Server-side caps the compiler enforces; over-cap requests are refused, not clipped."""

    max_page_size: int = 200
    lineage_max_depth: int = 10
    lineage_max_nodes: int = 2000
    lineage_max_cluster_threshold: int = 1000
    max_cost: int = 2_500_000
    max_node_ids: int = 100


@dataclass
class Scope:
    """Parameters and variable names of one statement; `$caller` is always present."""

    caller: Mapping[str, Any]
    limits: Limits = field(default_factory=Limits)
    params: dict[str, Any] = field(default_factory=dict)
    _names: int = 0

    def __post_init__(self) -> None:
        self.params["caller"] = dict(self.caller)

    def param(self, value: Any) -> str:
        name = f"p{len(self.params) - 1}"
        self.params[name] = value
        return f"${name}"

    def var(self, stem: str) -> str:
        self._names += 1
        return f"{stem}{self._names}"


def page_key(response_key: str) -> str:
    """Where a connection sits in the projected map: by response key (two aliases may ask for different
    pages), behind a prefix no field name or alias can hold (`:`), so an alias named like another field
    (`name: versions(...)`, `__typename: ...`) never lands on that field's key."""
    return "page:" + response_key


def response_key(field_: Field, rule: Rule) -> str:
    """Where a field's value sits in the projected map: fields with arguments by `page_key`."""
    return page_key(field_.response_key) if isinstance(rule, Page) else field_.python_name


def project(type_name: str, on: Vars, fields: Iterable[Field], scope: Scope) -> str:
    """A map literal with the selected fields of `type_name`, read through the variables `on`."""
    rules = TYPES[type_name]
    entries = [f"__typename: '{type_name}'"]
    for key, merged in _merge(fields, rules).items():
        rule = rules[merged.name]
        entries.append(f"`{key}`: {render(rule, merged, on, scope)}")
    return "{" + ", ".join(entries) + "}"


def render(rule: Rule, field_: Field, on: Vars, scope: Scope) -> str:
    """One field of the object read through `on`, as a Cypher expression."""
    if isinstance(rule, Expr):
        return rule.read(on, scope.var)
    if isinstance(rule, View):
        return project(rule.type, rule.vars(on), field_.fields(rule.type), scope)
    if isinstance(rule, One):
        found = rule.find(on, scope.var)
        body = project(rule.type, found.item, field_.fields(rule.type), scope)
        return f"head([{found.pattern} WHERE {visible(rule.type, found.item)} | {body}])"
    if isinstance(rule, Many):
        found = rule.find(on, scope.var)
        conditions = [found.where] if found.where else []
        body = project(rule.type, found.item, field_.fields(rule.type), scope)
        return (
            f"COLLECT {{ MATCH {found.pattern}{where([*conditions, visible(rule.type, found.item)])} "
            f"WITH {', '.join(_carried(on, found.item))} ORDER BY {rule.order_by(found.item)} RETURN {body} }}"
        )
    return render_page(rule, field_, on, scope)


def render_page(rule: Page, field_: Field, parent: Vars, scope: Scope) -> str:
    """A connection: `total_count` by COUNT, `edges` (first + 1 rows, keyset after the cursor) by COLLECT."""
    request = page_request(field_.args, scope.limits.max_page_size)  # refused even when only counting
    cursor = decode_cursor(request.cursor, rule.sort, request.cursor_field) if request.cursor is not None else None
    found = rule.find(parent, scope.var)
    conditions = [found.where] if found.where else []
    conditions.append(visible(rule.type, found.item))
    for argument, predicate in rule.filters.items():
        value = field_.args.get(argument)
        if isinstance(value, list) and len(value) > MAX_FILTER_VALUES:
            raise InvalidInput(
                f"{argument}: at most {MAX_FILTER_VALUES} values; got {len(value)}",
                field=argument,
                limit=MAX_FILTER_VALUES,
            )
        if value is not None:
            conditions.append(predicate(found.item, scope.param(value)))
    subfields = by_name(field_.only_type())
    parts = []
    if "totalCount" in subfields:
        counted = rule.count(parent) if rule.count else f"COUNT {{ MATCH {found.pattern}{where(conditions)} }}"
        parts.append(f"`total_count`: {counted}")
    if "edges" in subfields or "pageInfo" in subfields:
        listing = _listing(rule, request, cursor, subfields.get("edges"), parent, found, conditions, scope)
        parts.append(f"`edges`: {page_rows(listing)}")
    return "{" + ", ".join(parts) + "}"


def _listing(
    rule: Page,
    request: PageRequest,
    cursor: list[Any] | None,
    edges: Field | None,
    parent: Vars,
    found: Found,
    conditions: list[str],
    scope: Scope,
) -> Listing:
    """The page of a connection: its rows after (or, paging backward, before) the cursor, in reading order, each
    with its cursor, node and edge fields."""
    item = found.item
    sort = request.sort(rule.sort)
    if cursor is not None:
        params = [scope.param(value) for value in cursor]
        conditions = [*conditions, keyset(sort, item, params)]
    row = [cursor_entry(rule.sort, item)]
    for sub in by_name(edges.only_type()).values() if edges else ():
        if sub.name == "node":
            row.append(f"node: {project(rule.type, item, sub.fields(rule.type), scope)}")
        elif sub.name in rule.edge:
            row.append(f"`{sub.python_name}`: {rule.edge[sub.name](item)}")
    order = order_by(sort, item)
    if rule.order_prefix:
        order = [f"{rule.order_prefix(item)} {sort[0].order.value}", *order]
    return Listing(found.pattern, conditions, _carried(parent, item), order, scope.param(request.size + 1), row)


def _carried(parent: Vars, item: Vars) -> list[str]:
    """The variables a subquery keeps past its ORDER BY: the parent's and the item's."""
    return sorted(parent.names() | item.names())


def _merge(fields: Iterable[Field], rules: Mapping[str, Rule]) -> dict[str, Field]:
    """Group fields by where they land; repeated fields merge their sub-selections."""
    merged: dict[str, Field] = {}
    for field_ in fields:
        if field_.name == "__typename":
            continue
        rule = rules.get(field_.name)
        if rule is None:
            raise InvalidInput(f"{field_.name}: no such field", field=field_.name)
        key = response_key(field_, rule)
        merged[key] = merged[key].merged(field_) if key in merged else field_
    return merged
