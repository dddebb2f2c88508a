"""An object's selected fields completed by one function written for them, when the object is a compiled map.

Completion (`schema.compiled`) reads each field through its getter and completes it by its plan: a loop over
the selected fields, and three to five calls per field. A 500-node lineage answer completes some 5,000 fields,
and that loop was over half of the server's CPU for it. So, for each object a kept document selects, one
function is written out, a few lines per field: a projected field read as `value[name]`, a resolver that reads
only `self` called on the map, a str, bool or null that completes to itself kept as it is, a leaf given to its
serialiser (an enum's name looked up first) and any other value to its plan, as the loop would.

Each field fails as in the loop: its own `try`, whose handler is the loop's (`settle`: the error recorded and
the field null, or raised for a non-null field). A leaf that its serialiser refuses (or a null for a non-null
leaf) is done again as the loop does it, for the loop's own answer or message; nothing below a leaf is done
twice.

The text holds only names made here (`k0`, `p0`, `c0`, …): response keys, field names and plans are values in
the function's namespace, never text, so nothing a request says is compiled. A text depends only on the kinds
of the fields, so it is compiled once and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import CodeType
from typing import Any, Protocol

from graphql import GraphQLEnumType, GraphQLNonNull, Undefined, is_enum_type, is_scalar_type

Complete = Callable[[Any, Any, Any], Any]


class Entry(Protocol):
    """What `schema.compiled` knows of a selected field (its `_Entry`)."""

    @property
    def key(self) -> str: ...
    @property
    def definition(self) -> object | None: ...
    @property
    def getter(self) -> object | None: ...
    @property
    def plan(self) -> Complete | None: ...
    @property
    def passes(self) -> type | None: ...
    @property
    def nullable(self) -> bool: ...


class Projected:
    """A getter for a field the compiled map holds under its Python name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, root: Any, _: Any) -> Any:
        return root[self.name] if type(root) is dict else getattr(root, self.name)


class ReadsSelf:
    """A getter for a field whose resolver reads only `self` (stored JSON decoded, a global id made)."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __call__(self, root: Any, _: Any) -> Any:
        return self.function(root)


def enum_names(type_: GraphQLEnumType) -> dict[str, str]:
    """An enum's names by their string values, as graphql-core looks them up (`_value_lookup`), without the calls
    around the lookup: Strawberry's enum type checks for a Python enum member first."""
    return {value.value: name for name, value in type_.values.items() if type(value.value) is str}


_WRITTEN: dict[str, CodeType] = {}  # texts compiled, by text: one depends only on its fields' kinds, not names
MAX_WRITTEN = 1024
MOST_FIELDS = 48  # fields written out at most: writing costs about 50 µs a field, once for each document

_AGAIN = object()  # a leaf's value when its serialiser gave none: the loop is to do the field

Field = Callable[[Any, Any, Any, Any, str], Any]  # (run, path, value, entry, type name): one field as the loop does it
Settle = Callable[[Any, Any, Any, Exception], Any]  # (run, path, entry, error): the loop's handling of a field's error


def written_out(type_name: str, entries: Sequence[Entry], loop: Complete, field: Field, settle: Settle) -> Complete:
    """One function completing `entries` of a compiled map of `type_name`, each field as `field` does in `loop`,
    and giving `loop` any value that is not a map; `loop` itself when a field is read another way (a connection)
    or the object selects more fields than are worth writing out."""
    if len(entries) > MOST_FIELDS:
        return loop
    namespace: dict[str, Any] = {
        "type_name": type_name,
        "loop": loop,
        "field": field,
        "settle": settle,
        "Undefined": Undefined,
        "again": _AGAIN,
    }
    lines, answer = [], []
    for index, entry in enumerate(entries):
        namespace[f"k{index}"], namespace[f"e{index}"] = entry.key, entry
        answer.append(f"k{index}: a{index}")
        if entry.definition is None:
            lines.append(f"a{index} = type_name")
            continue
        getter = entry.getter
        if isinstance(getter, Projected):
            namespace[f"p{index}"] = getter.name
            read = f"r = value[p{index}]"
        elif isinstance(getter, ReadsSelf):
            namespace[f"f{index}"] = getter.function
            read = f"r = f{index}(value)"
        else:
            return loop
        namespace[f"t{index}"] = entry.passes
        kept = [f"r.__class__ is t{index}"] if entry.passes is not None else []
        kept += ["r is None"] if entry.nullable else []
        completed, leaf = _completed(index, entry, namespace)
        if kept:  # what completes to itself is kept as it is
            completed = [f"if {' or '.join(kept)}:", f"    a{index} = r", "else:", *(f"    {c}" for c in completed)]
        lines += ["try:", f"    {read}", *(f"    {c}" for c in completed)]
        if leaf:  # done again after the handler, so that the loop's error is not raised while handling this one
            lines += ["except Exception:", f"    a{index} = again", f"if a{index} is again:"]
            lines += [f"    a{index} = field(run, path, value, e{index}, type_name)"]
        else:
            lines += ["except Exception as exc:", f"    a{index} = settle(run, path, e{index}, exc)"]
    source = "\n".join(
        [
            "def complete(run, path, value):",
            "    if value.__class__ is not dict:",
            "        return loop(run, path, value)",
            *(f"    {line}" for line in lines),
            f"    return {{{', '.join(answer)}}}",
        ]
    )
    code = _WRITTEN.get(source)
    if code is None:
        if len(_WRITTEN) >= MAX_WRITTEN:
            _WRITTEN.clear()
        code = _WRITTEN[source] = compile(source, "<schema.written_out>", "exec")
    exec(code, namespace)  # the text holds only names made above: see the module docstring
    complete: Complete = namespace["complete"]
    return complete


def _completed(index: int, entry: Entry, namespace: dict[str, Any]) -> tuple[list[str], bool]:
    """Lines completing the field's value `r` into `a{index}`, and whether the field is a leaf.

    A leaf (not a list of leaves) is given to its serialiser, an enum's name looked up first as its plan does.
    What that refuses, or does not give (`again`), is done again as the loop does it (`field`), for the loop's
    own answer or error; a leaf has nothing below it to do twice. Any other value is completed by its plan, whose
    error is the loop's already (`settle`)."""
    type_ = getattr(entry.definition, "type", None)
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    namespace[f"c{index}"] = entry.plan
    if is_enum_type(named):
        namespace[f"n{index}"] = enum_names(named)
        return [f"a{index} = n{index}.get(r, again)"], True
    if is_scalar_type(named):
        namespace[f"s{index}"] = named.coerce_output_value
        return [
            f"a{index} = again if r is None else s{index}(r)",
            f"if a{index} is None or a{index} is Undefined:",
            f"    a{index} = again",
        ], True
    return [f"a{index} = c{index}(run, (path, k{index}), r)"], False
