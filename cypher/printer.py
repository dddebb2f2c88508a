"""Writes Cypher projections from a selection and the rules in `model.py`.

A selection on a type becomes one map literal; related objects become pattern
comprehensions, lists become COLLECT subqueries, connections become a COUNT
subquery (totalCount) and a keyset-paginated COLLECT subquery (edges), so a
whole nested request is one expression and one statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.model import TYPES
from cypher.paging import check_first, decode_cursor
from cypher.rules import Expr, Many, One, Order, Page, Rule, Sort, SortKind
from cypher.selection import Field

_PLACEHOLDER = re.compile(r"@(\w+)")


@dataclass(frozen=True)
class Limits:
    """Server-side caps the compiler enforces; over-cap requests are refused, not clipped."""

    max_page_size: int = 200
    lineage_max_depth: int = 10
    lineage_max_nodes: int = 2000
    lineage_max_cluster_threshold: int = 1000
    max_cost: int = 2_500_000


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

    def fill(self, template: str, bound: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """Replace bound roles by their variables and every other `@name` by a fresh variable."""
        names = dict(bound)

        def substitute(match: re.Match[str]) -> str:
            role = match.group(1)
            if role not in names:
                names[role] = self.var(role)
            return names[role]

        return _PLACEHOLDER.sub(substitute, template), names

    def fill_with(self, template: str, names: Mapping[str, str]) -> str:
        """Substitute with an existing mapping (every placeholder must already be named)."""
        return _PLACEHOLDER.sub(lambda match: names[match.group(1)], template)


def response_key(field_: Field, rule: Rule) -> str:
    """Where a field's value sits in the projected map: fields with arguments by response key."""
    return field_.response_key if isinstance(rule, Page) else field_.python_name


def project(type_name: str, bound: Mapping[str, str], fields: Iterable[Field], scope: Scope) -> str:
    """A map literal with the selected fields of `type_name`, read through the bound variables."""
    rules = TYPES[type_name]
    entries = [f"__typename: '{type_name}'"]
    for key, merged in _merge(fields, rules).items():
        rule = rules[merged.name]
        entries.append(f"`{key}`: {render(rule, merged, bound, scope)}")
    return "{" + ", ".join(entries) + "}"


def render(rule: Rule, field_: Field, bound: Mapping[str, str], scope: Scope) -> str:
    if isinstance(rule, Expr):
        return scope.fill(rule.template, bound)[0]
    if isinstance(rule, One):
        return _render_one(rule, field_, bound, scope)
    if isinstance(rule, Many):
        pattern, names = scope.fill(rule.pattern, bound)
        target = {role: names[placeholder] for role, placeholder in rule.binds.items()}
        conditions = [scope.fill_with(rule.where, names)] if rule.where else []
        carried = ", ".join(sorted(set(names.values())))
        order = scope.fill_with(rule.order_by, names)
        body = project(rule.type, target, field_.fields(rule.type), scope)
        where = _where([*conditions, visible(rule.type, target)])
        return f"COLLECT {{ MATCH {pattern}{where} WITH {carried} ORDER BY {order} RETURN {body} }}"
    return render_page(rule, field_, bound, scope)


def _render_one(rule: One, field_: Field, bound: Mapping[str, str], scope: Scope) -> str:
    if rule.pattern is None:
        target = {role: bound[parent_role] for role, parent_role in rule.binds.items()}
        return project(rule.type, target, field_.fields(rule.type), scope)
    pattern, names = scope.fill(rule.pattern, bound)
    target = {role: names[placeholder] for role, placeholder in rule.binds.items()}
    body = project(rule.type, target, field_.fields(rule.type), scope)
    return f"head([{pattern} WHERE {visible(rule.type, target)} | {body}])"


def render_page(rule: Page, field_: Field, bound: Mapping[str, str], scope: Scope) -> str:
    """A connection: `total_count` by COUNT, `edges` (first + 1 rows, keyset after the cursor) by COLLECT."""
    pattern, names = scope.fill(rule.pattern, bound)
    target = {role: names[placeholder] for role, placeholder in rule.binds.items()}
    conditions = [scope.fill_with(rule.where, names)] if rule.where else []
    conditions.append(visible(rule.type, target))
    for argument, predicate in rule.filters.items():
        value = field_.args.get(argument)
        if value is not None:
            conditions.append(scope.fill_with(predicate.replace("@p", scope.param(value)), names))
    subfields = {sub.name: sub for sub in field_.only_type()}
    parts = []
    if "totalCount" in subfields:
        counted = (
            scope.fill_with(rule.count, names) if rule.count else f"COUNT {{ MATCH {pattern}{_where(conditions)} }}"
        )
        parts.append(f"`total_count`: {counted}")
    if "edges" in subfields or "pageInfo" in subfields:
        parts.append(f"`edges`: {_edges(rule, field_, subfields.get('edges'), pattern, names, conditions, scope)}")
    return "{" + ", ".join(parts) + "}"


def _edges(
    rule: Page,
    field_: Field,
    edges: Field | None,
    pattern: str,
    names: dict[str, str],
    conditions: list[str],
    scope: Scope,
) -> str:
    first = check_first(int(field_.args.get("first", 20)), scope.limits.max_page_size)
    after = field_.args.get("after")
    sort_exprs = [scope.fill_with(key.expr, names) for key in rule.sort]
    if after is not None:
        values = decode_cursor(str(after), rule.sort)
        conditions = [*conditions, _keyset(rule.sort, sort_exprs, [scope.param(v) for v in values])]
    target = {role: names[placeholder] for role, placeholder in rule.binds.items()}
    row = [f"cursor: [{', '.join(_cursor_value(key, expr) for key, expr in zip(rule.sort, sort_exprs, strict=True))}]"]
    for sub in edges.only_type() if edges else ():
        if sub.name == "node":
            row.append(f"node: {project(rule.type, target, sub.fields(rule.type), scope)}")
        elif sub.name in rule.edge:
            row.append(f"`{sub.python_name}`: {scope.fill_with(rule.edge[sub.name], names)}")
    carried = ", ".join(sorted(set(names.values())))
    order = ", ".join(f"{expr} {key.order.value}" for key, expr in zip(rule.sort, sort_exprs, strict=True))
    if rule.order_prefix:
        order = f"{scope.fill_with(rule.order_prefix, names)}, {order}"
    limit = scope.param(first + 1)
    return (
        f"COLLECT {{ MATCH {pattern}{_where(conditions)} WITH {carried} ORDER BY {order} LIMIT {limit} "
        f"RETURN {{{', '.join(row)}}} }}"
    )


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _cursor_value(key: Sort, expr: str) -> str:
    return f"toString({expr})" if key.kind is SortKind.DATETIME else expr


def _keyset(sort: tuple[Sort, ...], exprs: list[str], params: list[str]) -> str:
    """Rows strictly after the cursor in (k1, k2, ...) order: k1 beyond, or equal and k2 beyond, ..."""
    values = [f"datetime({p})" if key.kind is SortKind.DATETIME else p for key, p in zip(sort, params, strict=True)]
    alternatives = []
    for i, key in enumerate(sort):
        beyond = "<" if key.order is Order.DESC else ">"
        equal = [f"{exprs[j]} = {values[j]}" for j in range(i)]
        alternatives.append(" AND ".join([*equal, f"{exprs[i]} {beyond} {values[i]}"]))
    return "(" + " OR ".join(f"({alt})" for alt in alternatives) + ")"


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
        if key in merged:
            previous = merged[key]
            selections = {t: previous.fields(t) + field_.fields(t) for t in {*previous.selections, *field_.selections}}
            field_ = Field(field_.name, field_.alias, field_.args, selections, field_.many)
        merged[key] = field_
    return merged
