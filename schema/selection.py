"""Turns the GraphQL request under a root field into `cypher.selection.Field` trees.

graphql-core's own field collection flattens fragments and applies `@skip` /
`@include` and type conditions, and its argument coercion fills in defaults, so
the compiler sees exactly what the executor will resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from graphql import (
    BREAK,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_list_type,
    is_object_type,
    parse,
    validate,
    visit,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_fields, collect_subfields
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.types import Info

from cypher.cost import check_cost
from cypher.selection import Field


def selection_of(info: Info[Any, Any]) -> Field:
    """The selection of the field being resolved, with arguments and nested selections; refused before
    anything runs when its estimated cost is over the server's limit."""
    raw = info._raw_info
    # Strawberry hands resolvers the coerced variables only; graphql-core's helpers want its container.
    coerced: dict[str, Any] = raw.variable_values  # type: ignore[assignment]
    variables = VariableValues(sources={}, coerced=coerced)
    request = RequestFields(raw.schema, raw.fragments, variables, raw.operation)
    selection = request.field(raw.parent_type, raw.field_nodes)
    context = info.context
    context.cost_spent += check_cost(selection, context.limits.max_cost, context.cost_spent)
    return selection


def root_selections(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None) -> list[Field]:
    """The root fields of a request, as the compiler will see them (for golden tests and tools)."""
    document = parse(query)
    errors = validate(schema, document)
    if errors:
        raise errors[0]
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if not isinstance(coerced, VariableValues):
        raise coerced[0]
    root_type = schema.mutation_type if operation.operation is OperationType.MUTATION else schema.query_type
    assert root_type is not None
    request = RequestFields(schema, fragments, coerced, operation)
    collected = collect_fields(schema, request.fragments, coerced, root_type, operation)
    return [
        request.field(root_type, [detail.node for detail in details])
        for details in collected.grouped_field_set.values()
    ]


class RequestFields:
    """One request's fields: selections for the compiler, and sub-fields collected once per type and place."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, Any],
        variables: VariableValues,
        operation: OperationDefinitionNode,
        shared: dict[tuple[object, ...], Field | None] | None = None,
    ) -> None:
        self.schema = schema
        self.definitions = fragments
        self.fragments = {name: FragmentDetails(node) for name, node in fragments.items()}
        self.variables = variables
        self.operation = operation
        self._collected: dict[tuple[object, ...], dict[str, list[FieldNode]]] = {}
        # The document's selections that no variable reaches, the same in every request (None: one does),
        # kept with the document by compiled execution.
        self._shared = shared

    def subfields(self, runtime_type: GraphQLObjectType, nodes: Sequence[FieldNode]) -> dict[str, list[FieldNode]]:
        """The fields selected under `nodes` on `runtime_type`, by response key (fragments, @skip and @include
        applied), as graphql-core's executor collects them."""
        key = (runtime_type.name, *map(id, nodes))
        found = self._collected.get(key)
        if found is None:
            collected = collect_subfields(
                self.schema,
                self.fragments,
                self.variables,
                self.operation,
                runtime_type,
                [FieldDetails(node, None) for node in nodes],
            )
            found = {name: [d.node for d in details] for name, details in collected.grouped_field_set.items()}
            self._collected[key] = found
        return found

    def field(self, parent: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Field:
        if self._shared is None:
            return self._field(parent, nodes)
        key = (parent.name, *map(id, nodes))
        if key in self._shared:
            return self._shared[key] or self._field(parent, nodes)
        made = self._field(parent, nodes)
        self._shared[key] = None if self._reached_by_variables(nodes) else made
        return made

    def _reached_by_variables(self, nodes: Sequence[FieldNode]) -> bool:
        """Whether a variable stands anywhere under `nodes`: in an argument or a directive, theirs or their
        sub-fields', fragments included."""
        pending: list[Node] = list(nodes)
        spread: set[str] = set()
        found = False

        class Finder(Visitor):
            def enter_variable(self, *_: Any) -> Any:
                nonlocal found
                found = True
                return BREAK

            def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
                spread.add(node.name.value)

        visited: set[str] = set()
        while pending and not found:
            visit(pending.pop(), Finder())
            pending.extend(self.definitions[name] for name in spread - visited if name in self.definitions)
            visited |= spread
        return found

    def _field(self, parent: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Field:
        node = nodes[0]
        definition = parent.fields[node.name.value]
        args = {name: _plain(value) for name, value in get_argument_values(definition, node, self.variables).items()}
        named = get_named_type(definition.type)
        selections: dict[str, tuple[Field, ...]] = {}
        if is_abstract_type(named):
            possible: Sequence[GraphQLObjectType] = self.schema.get_possible_types(named)
        else:
            possible = [named] if is_object_type(named) else []
        for runtime_type in possible:
            selections[runtime_type.name] = tuple(
                self.field(runtime_type, grouped)
                for grouped in self.subfields(runtime_type, nodes).values()
                if grouped[0].name.value != "__typename"
            )
        many = is_list_type(get_nullable_type(definition.type)) and bool(possible)
        return Field(node.name.value, node.alias.value if node.alias else None, args, selections, many)


def _plain(value: Any) -> Any:
    """Enum members become their stored values; lists and input objects are walked."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
