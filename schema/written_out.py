"""An object's selected fields completed by one function written for them, when the object is a compiled map.

Completion (`schema.compiled`) reads each field through its getter and completes it by its plan: a loop over
the selected fields, and three to five calls per field. A 500-node lineage answer completes some 5,000 fields,
and that loop was over half of the server's CPU for it. So, for each object a document selects, one function is
written out, a few lines per field: a projected field read as `value[name]`, a resolver that reads only `self`
called on the map, a str, bool or null that completes to itself kept as it is, a leaf given to its serialiser
(an enum's name looked up first) and any other value to its plan, as the loop would.

Only errors take another way: the written function has no handler per field. When any field raises, the
errors recorded on the way are dropped and the loop completes the object again, recording each field's error,
or raising for a non-null one, exactly as before. The loop also completes what is not a map.

The text holds only names made here (`k0`, `p0`, `c0`, …): response keys, field names and plans are values in
the function's namespace, never text, so nothing a request says is compiled. A text depends only on the kinds
of the fields, so it is compiled once and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import CodeType
from typing import Any, Protocol

from graphql import Undefined, get_named_type, is_enum_type, is_scalar_type

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


_WRITTEN: dict[str, CodeType] = {}  # texts compiled, by text: one depends only on its fields' kinds, not names
MAX_WRITTEN = 1024
MOST_FIELDS = 48  # fields written out at most: writing costs about 50 µs a field, for a document maybe asked once


def written_out(type_name: str, entries: Sequence[Entry], one_by_one: Complete) -> Complete:
    """One function completing `entries` of a compiled map of `type_name`, falling back on `one_by_one` (the
    loop) for anything else and for any error; `one_by_one` itself when a field is read another way, or when
    the object selects more fields than are worth compiling for a document that may be asked once."""
    if len(entries) > MOST_FIELDS:
        return one_by_one
    namespace: dict[str, Any] = {"type_name": type_name, "one_by_one": one_by_one, "Undefined": Undefined}
    lines, answer = [], []
    for index, entry in enumerate(entries):
        namespace[f"k{index}"] = entry.key
        answer.append(f"k{index}: a{index}")
        if entry.definition is None:
            lines.append(f"a{index} = type_name")
            continue
        getter = entry.getter
        if isinstance(getter, Projected):
            namespace[f"p{index}"] = getter.name
            lines.append(f"r = value[p{index}]")
        elif isinstance(getter, ReadsSelf):
            namespace[f"f{index}"] = getter.function
            lines.append(f"r = f{index}(value)")
        else:
            return one_by_one
        namespace[f"t{index}"] = entry.passes
        kept = [f"r.__class__ is t{index}"] if entry.passes is not None else []
        kept += ["r is None"] if entry.nullable else []
        if kept:  # what completes to itself is kept as it is
            lines += [f"if {' or '.join(kept)}:", f"    a{index} = r", "else:"]
        lines += [f"    {line}" if kept else line for line in _completed(index, entry, namespace)]
    source = "\n".join(
        [
            "def complete(run, path, value):",
            "    if value.__class__ is dict:",
            "        recorded = len(run.errors)",
            "        try:",
            *(f"            {line}" for line in lines),
            f"            return {{{', '.join(answer)}}}",
            "        except Exception:",
            "            del run.errors[recorded:]",
            "    return one_by_one(run, path, value)",
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


def _completed(index: int, entry: Entry, namespace: dict[str, Any]) -> list[str]:
    """Lines completing the field's value `r` into `a{index}`: a leaf by its serialiser (an enum's name looked up
    first, as the loop's plan does), raising for what the plan would refuse; anything else by its plan."""
    named = get_named_type(getattr(entry.definition, "type", None))
    namespace[f"c{index}"] = entry.plan
    by_plan = f"c{index}(run, (path, k{index}), r)"
    if is_enum_type(named):
        namespace[f"n{index}"] = {v.value: name for name, v in named.values.items() if type(v.value) is str}
        return [f"a{index} = n{index}.get(r) or {by_plan}"]
    if is_scalar_type(named):
        namespace[f"s{index}"] = named.coerce_output_value
        return [f"a{index} = s{index}(r)", f"if a{index} is None or a{index} is Undefined:", "    raise TypeError"]
    return [f"a{index} = {by_plan}"]
