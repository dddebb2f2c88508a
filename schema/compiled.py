"""Compiled execution: a query whose root fields each compile to one statement is answered from the
statements' maps, without a resolver per field.

The statement already returns each object as a map shaped by the selection (`cypher.printer`); what
graphql-core's executor would add on top is only this: response keys (aliases), `__typename`, leaf values
serialised by their scalar or enum, connections trimmed to a Relay page, stored JSON decoded, and null
propagation for non-null fields. `CompiledQueries` does exactly that, with graphql-core's own field
collection, argument coercion and value serialisation, so both paths give the same JSON; any request it
does not compile (mutations, introspection, root fields that are not one statement, a document that does
not parse or validate, variables that do not coerce) is left to Strawberry, which answers or refuses it as
it always did. `check_model` ties the Strawberry types to `cypher.model.TYPES`, their one compile rule each.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    BREAK,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    Visitor,
    is_abstract_type,
    is_enum_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
    located_error,
    parse,
    specified_rules,
    visit,
)
from graphql.execution.collect_fields import collect_fields
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionResult
from strawberry.types.field import StrawberryField

from cypher.cost import check_cost
from cypher.executor import Row, Statement
from cypher.model import TYPES
from cypher.paging import finish_page, page_request
from cypher.printer import page_key
from cypher.rules import Page
from cypher.selection import Field
from schema.asked import Asked, AskedRequests, caller_key, variables_key
from schema.build import DOCUMENT_CACHE, StemmaSchema, document_rules
from schema.context import Context, DocumentLimits, Reads
from schema.document import shape_error, surrogate_error
from schema.errors import client_errors
from schema.queries import ROOT_READS, root_answer
from schema.selection import RequestFields
from schema.written_out import Projected, ReadsSelf, enum_names, written_out

COMPILED_ROOTS = {*ROOT_READS, "__typename"}
Getter = Callable[[Any, "FieldRead | None"], Any]  # the FieldRead is made for a connection (`_page`) only
Path = tuple[Any, str | int]  # (the parent's Path or None, this key): built per field; a list only for an error


def _listed(path: Path) -> list[str | int]:
    keys: list[str | int] = []
    at: Path | None = path
    while at is not None:
        at, key = at
        keys.append(key)
    return keys[::-1]


@dataclass(slots=True)
class FieldRead:
    """What a field's value is read with: the field as selected, for its arguments and response key (made for
    every field answered, so a plain slotted class: a frozen dataclass costs several times as much to make)."""

    nodes: Sequence[FieldNode]
    definition: GraphQLField
    variables: VariableValues

    @property
    def key(self) -> str:
        node = self.nodes[0]
        return node.alias.value if node.alias else node.name.value

    def args(self) -> dict[str, Any]:
        return get_argument_values(self.definition, self.nodes[0], self.variables)


def _definition(field: GraphQLField) -> StrawberryField | None:
    found = (field.extensions or {}).get("strawberry-definition")
    return found if isinstance(found, StrawberryField) else None


def _getter(type_name: str, name: str, field: GraphQLField) -> Getter | None:
    """How the compiled map gives a field's value, as the field's Strawberry resolver would read it; None when
    only the resolver can (it needs more than the map)."""
    definition = _definition(field)
    rule = TYPES.get(type_name, {}).get(name)
    if isinstance(rule, Page):
        return _page
    if definition is None:
        return None
    resolver = definition.base_resolver
    if resolver is None:
        return Projected(definition.python_name)
    function = resolver.wrapped_func
    reads_self = not resolver.arguments and resolver.info_parameter is None and resolver.root_parameter is None
    if reads_self and callable(function):
        return ReadsSelf(function)  # reads only `self`: stored JSON decoded, a global id made
    return None


def _page(root: Any, read: FieldRead | None) -> Any:
    assert read is not None
    args = read.args()
    return finish_page(root[page_key(read.key)], page_request(args))


def getters(schema: GraphQLSchema) -> dict[tuple[str, str], Getter]:
    """Every field of every object type whose value the compiled map gives, by (type, field)."""
    found: dict[tuple[str, str], Getter] = {}
    for type_ in schema.type_map.values():
        if not is_object_type(type_) or type_.name.startswith("__") or type_ in _root_types(schema):
            continue
        for name, field in type_.fields.items():
            getter = _getter(type_.name, name, field)
            if getter is not None:
                found[type_.name, name] = getter
    return found


def _root_types(schema: GraphQLSchema) -> tuple[GraphQLObjectType | None, ...]:
    return schema.query_type, schema.mutation_type, schema.subscription_type


def check_model(schema: GraphQLSchema) -> None:
    """The Strawberry types and `cypher.model.TYPES` describe the same fields: each field of a compiled type
    has a compile rule and each rule a field; a field with arguments is a connection (a `Page` rule); and
    every such field's value can be read from the compiled map. Raised at start-up, so they cannot drift."""
    readable = getters(schema)
    problems = []
    for type_name, rules in TYPES.items():
        type_ = schema.get_type(type_name)
        if not is_object_type(type_):
            problems.append(f"{type_name}: in cypher.model.TYPES but not an object type of the schema")
            continue
        for name in sorted(set(type_.fields) ^ set(rules)):
            where = "the schema only" if name in type_.fields else "cypher.model.TYPES only"
            problems.append(f"{type_name}.{name}: in {where}")
        for name, field in type_.fields.items():
            if field.args and not isinstance(rules.get(name), Page):
                problems.append(f"{type_name}.{name}: takes arguments but is not a connection (Page) rule")
            if (type_name, name) not in readable:
                problems.append(f"{type_name}.{name}: its resolver needs more than the compiled map")
    query_type = schema.query_type
    for name in ROOT_READS:
        if query_type is None or name not in query_type.fields:
            problems.append(f"Query.{name}: in schema.queries.ROOT_READS but not a query field")
        elif is_non_null_type(query_type.fields[name].type) == ROOT_READS[name].nullable:
            problems.append(f"Query.{name}: non-null unless ROOT_READS says it may answer null")
    if problems:
        raise RuntimeError("the schema and its compile rules disagree:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class Prepared:
    """A document that parsed and validated, with its operations and fragments."""

    document: DocumentNode
    operations: Mapping[str | None, OperationDefinitionNode]
    fragments: Mapping[str, FragmentDefinitionNode]
    plans: _Plans | None  # the document's completion plans, when no request's variables can change them
    selections: dict[tuple[object, ...], Field | None] = dataclasses.field(default_factory=dict)  # RequestFields'

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        if name is None and len(self.operations) != 1:
            return None  # ambiguous: the HTTP layer refuses it before execution
        return self.operations.get(name) if name is not None else next(iter(self.operations.values()))


class CompiledQueries:
    """Answers compilable queries from their statements' maps; `None` leaves a request to Strawberry."""

    def __init__(self, schema: StemmaSchema, limits: DocumentLimits | None = None) -> None:
        self.schema: GraphQLSchema = schema._schema
        check_model(self.schema)
        self.getters = getters(self.schema)
        self.rules = (*specified_rules, *(document_rules(limits) if limits else ()))
        self.max_tokens = limits.max_tokens if limits else None
        self._prepared: OrderedDict[str, Prepared | None] = OrderedDict()
        self.asked = AskedRequests()

    def prepare(self, query: str) -> Prepared | None:
        """The parsed, validated document (cached, failures too), or None when it fails either."""
        if query in self._prepared:
            self._prepared.move_to_end(query)
            return self._prepared[query]
        prepared = self._prepare(query)
        self._prepared[query] = prepared
        if len(self._prepared) > DOCUMENT_CACHE:
            self.asked.forget(self._prepared.popitem(last=False)[1])
        return prepared

    def _prepare(self, query: str) -> Prepared | None:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return None
        if shape_error(document) is not None or validate_document(self.schema, document, self.rules):
            return None
        operations: dict[str | None, OperationDefinitionNode] = {}
        fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations[definition.name.value if definition.name else None] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
        plans = None if _directives_take_variables(document) else _Plans(self, write_out=True)
        return Prepared(document, operations, fragments, plans)

    async def execute(
        self, query: str | None, variables: dict[str, Any] | None, operation_name: str | None, context: Context
    ) -> ExecutionResult | None:
        """The answer to a compilable query, or None for anything else."""
        prepared = self.prepare(query) if query else None
        operation = prepared.operation(operation_name) if prepared else None
        if prepared is None or operation is None or operation.operation is not OperationType.QUERY:
            return None
        if surrogate_error(variables) is not None:
            return None  # every variable's, declared or not: Strawberry refuses the request
        sent = variables_key(variables, [each.variable.name.value for each in operation.variable_definitions or ()])
        asked = self.asked.get(prepared, operation_name, sent)
        if asked is None:
            asked = self._ask(prepared, operation, variables, (operation_name, sent))
        if asked is None:
            return None
        run = _Completion(self, asked.request, context, prepared.plans or _Plans(self, write_out=False))
        data = await run.roots(asked)
        errors = client_errors(run.errors, prepared.document, context.response) if run.errors else None
        return ExecutionResult(data, errors)

    def _ask(
        self,
        prepared: Prepared,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
        kept_by: tuple[str | None, bytes | None],
    ) -> Asked | None:
        """The operation's variables coerced and its root fields collected, to be kept by the operation name and
        variables' key the request gave (`kept_by`) once it compiles; None when it is not to be compiled."""
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables or {})
        if not isinstance(coerced, VariableValues):
            return None
        query_type = self.schema.query_type
        assert query_type is not None
        request = RequestFields(self.schema, dict(prepared.fragments), coerced, operation, prepared.selections)
        roots = collect_fields(self.schema, request.fragments, coerced, query_type, operation).grouped_field_set
        grouped = {key: [detail.node for detail in details] for key, details in roots.items()}
        if any(nodes[0].name.value not in COMPILED_ROOTS for nodes in grouped.values()):
            return None
        return Asked(prepared, *kept_by, request, grouped)


class _Completion:
    """One request's answer: each root field's statement run, its map completed as graphql-core completes
    values (`complete_value`): an error or a null in a non-null field goes up to the nearest nullable one."""

    def __init__(self, compiled: CompiledQueries, request: RequestFields, context: Context, plans: _Plans) -> None:
        self.compiled = compiled
        self.request = request
        self.context = context
        self.plans = plans
        self.errors: list[GraphQLError] = []

    async def roots(self, asked: Asked) -> Any:
        """The root fields in graphql-core's order of work: every root field's arguments are coerced first, then
        each field's resolver starts (its selection's arguments, the cost check and the compile, before any
        statement runs), then the statements run together. A non-null root field failing leaves `data` null;
        a nullable one (`node`) is null with its error, and the others answer. What compiled without error once
        is taken as it is for the same variables and caller (`schema.asked`)."""
        query_type = self.compiled.schema.query_type
        assert query_type is not None
        roots = {key: nodes for key, nodes in asked.roots.items() if nodes[0].name.value != "__typename"}
        context = self.context
        caller = context.caller.param()
        by_caller = caller_key(caller, context.limits)
        key = ""
        try:
            kept = self.kept(asked, by_caller)
            if kept is not None:
                selections, statements = kept
            else:
                for key, nodes in roots.items():  # noqa: B007 - `key` names the failing root below
                    get_argument_values(query_type.fields[nodes[0].name.value], nodes[0], self.request.variables)
                selections, statements = {}, {}
                started = context.cost_spent
                for key, nodes in roots.items():
                    selection = selections[key] = self.request.field(query_type, nodes)
                    try:
                        context.cost_spent += check_cost(selection, context.limits.max_cost, context.cost_spent)
                        statements[key] = ROOT_READS[selection.name].compile(selection, caller, context.limits)
                    except Exception as exc:
                        self.root_failed(exc, query_type, nodes, key)
                if len(statements) == len(roots) and by_caller is not None:
                    spent = context.cost_spent - started
                    self.compiled.asked.keep(asked, by_caller, selections, statements, spent)
            if len(statements) == 1:  # most requests: awaited as it is, not as a task of its own
                [(only, statement)] = statements.items()
                found = {only: await self.rows(statement)}
            else:
                found = dict(zip(statements, await asyncio.gather(*map(self.rows, statements.values())), strict=True))
            data: dict[str, Any] = {}
            for key, nodes in asked.roots.items():
                if key not in roots:
                    data[key] = query_type.name
                    continue
                data[key] = None
                if key not in found:
                    continue  # failed before its statement ran, recorded above
                try:
                    rows = found[key]
                    if isinstance(rows, Exception):
                        raise rows
                    root_type = query_type.fields[nodes[0].name.value].type
                    answer = root_answer(selections[key], rows)
                    data[key] = self.value(root_type, query_type, nodes, (None, key), answer)
                except Exception as exc:
                    self.root_failed(exc, query_type, nodes, key)
        except Exception as exc:
            self.errors.append(located_error(exc, roots[key], [key]))
            return None
        return data

    def kept(self, asked: Asked, by_caller: Hashable | None) -> tuple[dict[str, Field], dict[str, Statement]] | None:
        """The selections and statements the same request compiled to for the same caller, its cost counted;
        None unless they were kept and the cost still fits in what the request may spend."""
        compiled = asked.compiled
        if compiled is None or by_caller is None:
            return None
        statements = compiled.statements_for(by_caller)
        if statements is None or self.context.cost_spent + compiled.cost > self.context.limits.max_cost:
            return None
        self.context.cost_spent += compiled.cost
        return compiled.selections, statements

    def root_failed(self, exc: Exception, query_type: GraphQLObjectType, nodes: list[FieldNode], key: str) -> None:
        """A nullable root field's error is recorded (the field answers null); a non-null one's goes up."""
        if is_non_null_type(query_type.fields[nodes[0].name.value].type):
            raise exc
        self.errors.append(located_error(exc, nodes, [key]))

    async def rows(self, statement: Statement) -> list[Row] | Exception:
        try:
            return await self.context.reader.read(statement)
        except Exception as exc:
            return exc

    def failed(self, exc: Exception, type_: GraphQLOutputType, nodes: Sequence[FieldNode], path: Path) -> bool:
        """Record a field's error, or (True) leave it to go up when the field is non-null."""
        if is_non_null_type(type_):
            return True
        self.errors.append(located_error(exc, nodes, _listed(path)))
        return False

    def value(
        self, type_: GraphQLOutputType, parent: GraphQLObjectType, nodes: list[FieldNode], path: Path, value: Any
    ) -> Any:
        """`value`, of the field `nodes` select on `parent`, completed as graphql-core completes a value."""
        return self.plans.plan(type_, parent, nodes, self.request)(self, path, value)


Complete = Callable[[_Completion, Path, Any], Any]


class _Entry(NamedTuple):
    """A field an object selects: its response key and nodes, definition (None for `__typename`), getter and
    plan, the Python type its values complete to unchanged (`_passes`), and whether it may be null."""

    key: str
    nodes: list[FieldNode]
    definition: GraphQLField | None
    getter: Getter | None
    plan: Complete | None
    passes: type | None
    nullable: bool


def _passes(type_: GraphQLOutputType) -> type | None:
    """The Python type whose values a leaf of `type_` completes to as they are: graphql-core's String and ID
    serialise a str, and Boolean a bool, to itself. Completion skips the serialiser for them: a 500-node lineage
    answer has some 4,000 such values."""
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if named is GraphQLString or named is GraphQLID:
        return str
    if named is GraphQLBoolean:
        return bool
    return None


def _field(run: _Completion, path: Path, value: Any, entry: _Entry, type_name: str) -> Any:
    """One selected field of the object `value` of `type_name`, read by its getter and completed by its plan; its
    error recorded (null) or raised for a non-null field (`_settle`)."""
    key, grouped, definition, getter, plan, passes, nullable = entry
    if definition is None or getter is None or plan is None:
        return type_name
    try:
        raw = getter(value, FieldRead(grouped, definition, run.request.variables) if getter is _page else None)
        if raw.__class__ is passes or (raw is None and nullable):
            return raw  # what completing it would give: a String's str, a nullable field's null
        return plan(run, (path, key), raw)
    except Exception as exc:
        return _settle(run, path, entry, exc)


def _settle(run: _Completion, path: Path, entry: _Entry, exc: Exception) -> None:
    """A selected field failed with `exc`: recorded, the field null; or raised, located, for a non-null one."""
    at = (path, entry.key)
    assert entry.definition is not None
    if run.failed(exc, entry.definition.type, entry.nodes, at):
        raise located_error(exc, entry.nodes, _listed(at)) from None


class _Plans:
    """How to complete each field of a document: per (type, parent, field nodes) one function, made once with
    what graphql-core's `complete_value` would work out for every value anew (the field's definition, its
    getter, whether it is non-null, a list, a leaf and its serialiser, the sub-fields an object selects). A
    500-node lineage answer completes 5,000 fields; walking the types for each took most of its server CPU.

    Plans depend on the document and the schema only, so a document's are kept with it, unless a `@skip` or
    `@include` takes a variable (the fields an object selects then depend on the request's variables). Kept
    plans complete each object by a function written out for it (`schema.written_out`); plans made for one
    request only use the loop, which costs nothing to make."""

    def __init__(self, compiled: CompiledQueries, write_out: bool) -> None:
        self.compiled = compiled
        self.write_out = write_out
        self._made: dict[tuple[object, ...], Complete] = {}

    def plan(
        self, type_: GraphQLOutputType, parent: GraphQLObjectType, nodes: Sequence[FieldNode], request: RequestFields
    ) -> Complete:
        key = (type_, parent.name, *map(id, nodes))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(type_, parent, nodes, request)
        return made

    def _make(
        self, type_: GraphQLOutputType, parent: GraphQLObjectType, nodes: Sequence[FieldNode], request: RequestFields
    ) -> Complete:
        if isinstance(type_, GraphQLNonNull):
            return _non_null(self.plan(type_.of_type, parent, nodes, request), parent, nodes)
        if isinstance(type_, GraphQLList):
            return _list(self.plan(type_.of_type, parent, nodes, request), type_.of_type, parent, nodes)
        if is_leaf_type(type_):
            return _leaf(type_)
        if is_object_type(type_):
            return self._object(type_, nodes, request)
        assert is_abstract_type(type_)
        return self._abstract(type_, nodes)

    def _fields(self, runtime: GraphQLObjectType, nodes: Sequence[FieldNode], request: RequestFields) -> Complete:
        """An object of type `runtime`: each selected field read by its getter and completed by its plan (`_field`),
        in a loop or by a function written out for these fields."""
        name = runtime.name
        getters = self.compiled.getters
        entries: list[_Entry] = []
        for key, grouped in request.subfields(runtime, nodes).items():
            field_name = grouped[0].name.value
            if field_name == "__typename":
                entries.append(_Entry(key, grouped, None, None, None, None, False))
                continue
            definition = runtime.fields[field_name]
            plan = self.plan(definition.type, runtime, grouped, request)
            nullable = not is_non_null_type(definition.type)
            entries.append(
                _Entry(key, grouped, definition, getters[name, field_name], plan, _passes(definition.type), nullable)
            )

        def complete(run: _Completion, path: Path, value: Any) -> Any:
            return {entry.key: _field(run, path, value, entry, name) for entry in entries}

        return written_out(name, entries, complete, _field, _settle) if self.write_out else complete

    def _object(self, type_: GraphQLObjectType, nodes: Sequence[FieldNode], request: RequestFields) -> Complete:
        fields = self._fields(type_, nodes, request)
        is_type_of = type_.is_type_of

        def complete(run: _Completion, path: Path, value: Any) -> Any:
            if value is None:
                return None
            if is_type_of is not None and not is_type_of(value, None):  # type: ignore[arg-type]
                raise GraphQLError(f"Expected value of type '{type_.name}' but got: {value!r}.", nodes)
            return fields(run, path, value)

        return complete

    def _abstract(self, type_: GraphQLOutputType, nodes: Sequence[FieldNode]) -> Complete:
        """An interface or union: the object type its `__typename` names (the compiled maps are tagged)."""
        schema = self.compiled.schema
        by_type: dict[str, Complete] = {}

        def complete(run: _Completion, path: Path, value: Any) -> Any:
            if value is None:
                return None
            name = value.get("__typename") if isinstance(value, dict) else None
            fields = by_type.get(name) if isinstance(name, str) else None
            if fields is None:
                runtime = schema.get_type(name) if isinstance(name, str) else None
                if not is_object_type(runtime) or not schema.is_sub_type(type_, runtime):  # type: ignore[arg-type]
                    raise GraphQLError(f"Abstract type '{type_}' must resolve to an Object type at runtime.", nodes)
                fields = by_type[runtime.name] = self._fields(runtime, nodes, run.request)
            return fields(run, path, value)

        return complete


def _non_null(inner: Complete, parent: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Complete:
    message = f"Cannot return null for non-nullable field {parent.name}.{nodes[0].name.value}."

    def complete(run: _Completion, path: Path, value: Any) -> Any:
        completed = inner(run, path, value)
        if completed is None:
            raise TypeError(message)
        return completed

    return complete


def _list(
    item: Complete, item_type: GraphQLOutputType, parent: GraphQLObjectType, nodes: Sequence[FieldNode]
) -> Complete:
    passes, nullable = _passes(item_type), not is_non_null_type(item_type)

    def complete(run: _Completion, path: Path, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):
            raise GraphQLError(
                f"Expected Iterable, but did not find one for field '{parent.name}.{nodes[0].name.value}'."
            )
        completed = []
        for index, each in enumerate(value):
            if each.__class__ is passes or (each is None and nullable):
                completed.append(each)
                continue
            try:
                completed.append(item(run, (path, index), each))
            except Exception as exc:
                at = (path, index)
                if run.failed(exc, item_type, nodes, at):
                    raise located_error(exc, nodes, _listed(at)) from None
                completed.append(None)
        return completed

    return complete


def _leaf(type_: Any) -> Complete:
    serialise = type_.coerce_output_value
    names = enum_names(type_) if is_enum_type(type_) else {}

    def complete(run: _Completion, path: Path, value: Any) -> Any:
        if value is None:
            return None
        if names and value.__class__ is str:
            name = names.get(value)
            if name is not None:
                return name
        coerced = serialise(value)
        if coerced is None or coerced is Undefined:
            raise TypeError(f"{type_} cannot serialise {value!r}")
        return coerced

    return complete


def _directives_take_variables(document: DocumentNode) -> bool:
    """Whether a directive's argument is a variable anywhere in `document` (`@skip(if: $draft)`), so that the
    fields an object selects may differ from one request to the next."""
    found = False

    class Finder(Visitor):
        inside = 0  # directives entered and not left

        def enter_directive(self, *_: Any) -> None:
            self.inside += 1

        def leave_directive(self, *_: Any) -> None:
            self.inside -= 1

        def enter_variable(self, *_: Any) -> Any:
            nonlocal found
            if self.inside:
                found = True
                return BREAK
            return None

    visit(document, Finder())
    return found


def fresh_context(context: Context, **changes: Any) -> Context:
    """The same caller and limits, nothing spent yet (to run one request a second way)."""
    return dataclasses.replace(context, cost_spent=0, **changes)


class Recording:
    """Reads through `reads`, keeping each statement's rows, so that a second execution of the same request
    (the resolved one, when verifying) can be given the very same rows: the two are compared on one answer
    of the graph, not on two reads that concurrent writes may tell apart."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads
        self.rows: dict[str, list[Row]] = {}

    async def read(self, statement: Statement, kind: str = "read") -> list[Row]:
        rows = await self.reads.read(statement, kind)
        self.rows[_key(statement)] = copy.deepcopy(rows)
        return rows

    def replay(self) -> Replay:
        return Replay(self.rows, self.reads)


class Replay:
    """The rows a `Recording` kept, for the same statements. A statement the compiled execution never ran
    (it failed first, on another root field) is read for real, counted apart as `verify`, so that the resolved
    execution meets the same failure in the same order."""

    def __init__(self, rows: Mapping[str, list[Row]], reads: Reads) -> None:
        self.rows = rows
        self.reads = reads

    async def read(self, statement: Statement, kind: str = "read") -> list[Row]:
        key = _key(statement)
        if key not in self.rows:
            return await self.reads.read(statement, "verify")
        return copy.deepcopy(self.rows[key])


def _key(statement: Statement) -> str:
    return statement.text + "\n" + json.dumps(statement.params, sort_keys=True, default=str)


def shown(result: ExecutionResult) -> str:
    """An answer as the client reads it: data and formatted errors, in response order."""
    errors = [error.formatted for error in result.errors or ()]
    return json.dumps({"data": result.data, **({"errors": errors} if errors else {})}, default=str)
