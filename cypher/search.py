"""Search: collections, versions, runs and registries whose names start with or hold what the user typed.

Candidates come from the full-text indexes of migration 0009 (a query built from the user's words, each
escaped, so nothing the user types is read as Lucene syntax, and kept to the caller's entities), an exact run
id (`ENTITY/PROJECT/RUN_ID`), a version's full reference (`ENTITY/PROJECT/NAME:vN|ALIAS`, registry references
too), and a digest prefix (a range index). Each candidate is kept only when the caller may see it
(`access.visible`), and each way of finding keeps at most `MAX_CANDIDATES` of those it may see, the index's
best by its own score (a whole word before a word's start before a part of one), so that a query matching
half the graph collects no more than a thousand rows; the cap counts only visible hits, so another tenant's
objects never change what the caller gets. The hits are ranked by how well their matched text fits the
query: 3 the whole text, 2 its start, 1 a word or part of it. The order — rank, matched text, the object's
type and key — is total and depends on nothing but the objects, so keyset cursors page it stably
(`totalCount` counts the hits among the candidates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.executor import Statement
from cypher.model import version_ref
from cypher.paging import cursor_entry, decode_cursor, keyset, order_by, page_request, where
from cypher.printer import Limits, Scope, project
from cypher.reads import match_version
from cypher.refs import parse_artifact_ref
from cypher.rules import Order, Sort, SortKind, Vars
from cypher.selection import Field

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_ENTITY_FILTER = 100
MAX_CANDIDATES = 1000  # per way of finding: the index's best matches, so a one-letter query stays small
INFIX_MIN_LENGTH = 3  # shorter words match whole words and word starts only: `*a*` would match nearly all
DIGEST_PREFIX = re.compile(r"[0-9a-f]{6,64}")
KINDS = ("COLLECTION", "VERSION", "RUN", "REGISTRY")
_WORD = re.compile(r"[^\W_]+")
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')

INDEX_FIELDS = {
    "search_collections": (("name",), True),
    "search_runs": (("name", "run_id"), True),
    "search_registries": (("name",), True),
    "search_aliases": (("name",), False),
}
"""Each full-text index of migration 0009: the fields words are matched in, and whether it holds `entity`."""

HIT = Vars("m")
"""A ranked hit read as a map: `m.rank`, `m.text` (the matched text, lower case) and `m.key`."""
SORT = (
    Sort("rank", Order.DESC, SortKind.INT),
    Sort("text", Order.ASC, SortKind.STRING),
    Sort("key", Order.ASC, SortKind.STRING),
)
FOUND = Vars("x")
REGISTRY_ENTRY = Vars("x", link="r", collection="c")
VARS = {"RegistryVersion": REGISTRY_ENTRY}
KIND_TYPES = {
    "COLLECTION": ("ArtifactCollection", "RegistryCollection"),
    "VERSION": ("ArtifactVersion", "RegistryVersion"),
    "RUN": ("Run",),
    "REGISTRY": ("Registry",),
}
"""The types each kind finds (members of the `SearchResult` union)."""


@dataclass(frozen=True)
class SearchText:
    """What was typed, checked: as typed (trimmed), in lower case, and its words (at most `MAX_WORDS`)."""

    typed: str
    text: str
    words: tuple[str, ...]


def escape_lucene(word: str) -> str:
    """A word with every character of Lucene's query syntax escaped."""
    return _LUCENE_SPECIAL.sub(r"\\\1", word)


def search_text(query: Any) -> SearchText:
    """The query, refused naming `query` when empty or too long."""
    typed = str(query).strip()
    text = typed.lower()
    if not text:
        raise InvalidInput("query: type at least one character", field="query")
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"query: at most {MAX_QUERY_LENGTH} characters; got {len(text)}", field="query", limit=MAX_QUERY_LENGTH
        )
    return SearchText(typed, text, tuple(_WORD.findall(text)[:MAX_WORDS]))


def lucene_query(words: Sequence[str], fields: Sequence[str], entities: Sequence[str] | None = None) -> str:
    """Every word must match one of `fields` as a whole word, the start of one, or (three characters and more)
    inside one; with `entities`, only objects of those entities (matched as phrases of the entity field)."""
    clauses = []
    for word in words:
        term = escape_lucene(word)
        forms = [f"{term}^3", f"{term}*^2", *([f"*{term}*"] if len(word) >= INFIX_MIN_LENGTH else [])]
        clauses.append("+(" + " OR ".join(f"{field}:({' OR '.join(forms)})" for field in fields) + ")")
    if entities is not None:
        clauses.append("+entity:(" + " OR ".join(f'"{escape_lucene(entity)}"' for entity in entities) + ")")
    return " ".join(clauses)


def entity_filter(caller: Mapping[str, Any]) -> list[str] | None:
    """The entities whose objects the index may return to the caller; None: any (a superuser, or too many
    entities to name in one query, or a name with no word to match: the visibility rule alone decides)."""
    entities = list(caller.get("read") or ())
    if caller.get("superuser") or len(entities) > MAX_ENTITY_FILTER or not all(map(_WORD.search, entities)):
        return None
    return entities


def search_kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return KINDS
    if not kinds:
        raise InvalidInput("kinds: name at least one kind, or leave kinds out to search every kind", field="kinds")
    return tuple(kind for kind in KINDS if kind in kinds)


def _rank(texts: Sequence[str], q: str) -> str:
    """3 when a matched text is the query, 2 when one starts with it, else 1."""
    lowered = [f"toLower(coalesce({text}, ''))" for text in texts]
    whole = " OR ".join(f"{t} = {q}" for t in lowered)
    start = " OR ".join(f"{t} STARTS WITH {q}" for t in lowered)
    return f"CASE WHEN {whole} THEN 3 WHEN {start} THEN 2 ELSE 1 END"


def _hit(kind: str, rank: str, text: str, key: str, cap: str | None = None, entry: Vars = FOUND) -> str:
    """A branch's hits; with `cap`, at most that many, counted after the visibility check (so what the caller
    may not see never takes a place)."""
    r = entry.link or "null"
    c = entry.collection or "null"
    limit = f" LIMIT {cap}" if cap is not None else ""
    return f"RETURN '{kind}' AS kind, x, {r} AS r, {c} AS c, {rank} AS rank, {text} AS text, {key} AS key{limit}"


LIVE = "x.version >= 0 AND x.state <> 'deleted'"


def _branches(kinds: tuple[str, ...], typed: SearchText, scope: Scope) -> list[str]:
    """One subquery per way of finding a candidate, each keeping to what the caller may see."""
    q = scope.param(typed.text)
    branches = []
    entities = entity_filter(scope.caller)
    cap = scope.param(MAX_CANDIDATES)
    if typed.words and entities != []:
        queries: dict[str, str] = {}

        def fulltext(index: str, var: str = "x") -> str:
            if index not in queries:
                fields, by_entity = INDEX_FIELDS[index]
                queries[index] = scope.param(lucene_query(typed.words, fields, entities if by_entity else None))
            return f"CALL db.index.fulltext.queryNodes('{index}', {queries[index]}) YIELD node AS {var}"

        if "COLLECTION" in kinds:
            for label in ("ArtifactCollection", "RegistryCollection"):
                branches.append(
                    f"{fulltext('search_collections')} WITH x WHERE x:{label} AND {visible(label, FOUND)} "
                    + _hit(label, _rank(["x.name"], q), "x.name", "x.id", cap)
                )
        if "VERSION" in kinds:
            alias_rank = _rank(["a.name"], q)
            branches.append(
                f"{fulltext('search_aliases', 'a')} MATCH (a)-[:POINTS_TO]->(x:ArtifactVersion) "
                f"WHERE x.collection_id = a.collection_id AND {LIVE} AND {visible('ArtifactVersion', FOUND)} "
                + _hit("ArtifactVersion", alias_rank, "a.name", "x.id", cap)
            )
            branches.append(
                f"{fulltext('search_aliases', 'a')} MATCH (a)-[:POINTS_TO]->(x:ArtifactVersion)"
                "<-[r:LINKS]-(c:RegistryCollection) "
                f"WHERE c.id = a.collection_id AND {visible('RegistryVersion', REGISTRY_ENTRY)} "
                + _hit("RegistryVersion", alias_rank, "a.name", "c.id + '/' + x.id", cap, REGISTRY_ENTRY)
            )
        if "RUN" in kinds:
            branches.append(
                f"{fulltext('search_runs')} WITH x WHERE {visible('Run', FOUND)} "
                + _hit("Run", _rank(["x.name", "x.run_id"], q), "coalesce(x.name, x.run_id)", "x.id", cap)
            )
        if "REGISTRY" in kinds:
            branches.append(
                f"{fulltext('search_registries')} WITH x WHERE {visible('Registry', FOUND)} "
                + _hit("Registry", _rank(["x.name"], q), "x.name", "x.id", cap)
            )
    if "RUN" in kinds and "/" in typed.text:
        branches.append(
            f"MATCH (x:Run {{id: {scope.param(typed.typed)}}}) WHERE {visible('Run', FOUND)} "
            + _hit("Run", "3", "x.id", "x.id")
        )
    if "VERSION" in kinds and ":" in typed.typed and "/" in typed.typed:
        try:
            ref = parse_artifact_ref(typed.typed, "query")
        except InvalidInput:
            ref = None  # not a reference: the words above are what was meant
        if ref is not None:
            branches.append(f"{match_version(ref, scope)} " + _hit("ArtifactVersion", "3", version_ref(FOUND), "x.id"))
    if "VERSION" in kinds and DIGEST_PREFIX.fullmatch(typed.text):
        branches.append(
            f"MATCH (x:ArtifactVersion) WHERE x.digest STARTS WITH {q} AND {LIVE} "
            f"AND {visible('ArtifactVersion', FOUND)} "
            + _hit("ArtifactVersion", _rank(["x.digest"], q), "x.digest", "x.id", cap)
        )
    return branches


def compile_search(selection: Field, caller: Mapping[str, Any], limits: Limits) -> Statement:
    """One statement for `search(query:, kinds:, first:, after:)`: the column `result` holds `total_count` (every
    visible hit) and `edges` (first + 1 hits after the cursor, in rank order), each with its matched text."""
    scope = Scope(caller, limits)
    typed = search_text(selection.args.get("query", ""))
    kinds = search_kinds(selection.args.get("kinds"))
    request = page_request(selection.args, limits.max_page_size)
    cursor = decode_cursor(request.cursor, SORT, "after") if request.cursor is not None else None
    branches = _branches(kinds, typed, scope)
    if not branches:
        return Statement("RETURN {total_count: 0, edges: []} AS result", scope.params)
    after = where([keyset(SORT, HIT, [scope.param(value) for value in cursor])]) if cursor is not None else ""
    nodes = _nodes(selection, kinds, scope)
    found = " UNION ALL ".join(branches)
    return Statement(
        f"CALL () {{ {found} }} "
        "WITH kind, key, x, r, c, rank, text ORDER BY rank DESC, text "
        "WITH kind, key, x, r, c, max(rank) AS rank, head(collect(text)) AS matched "
        "WITH collect({m: {rank: rank, text: toLower(matched), key: kind + ':' + key}, matched: matched, "
        "kind: kind, x: x, r: r, c: c}) AS hits "
        "RETURN {total_count: size(hits), edges: COLLECT { UNWIND hits AS hit "
        f"WITH hit.m AS m, hit.matched AS matched, hit.kind AS kind, hit.x AS x, hit.r AS r, hit.c AS c{after} "
        f"ORDER BY {', '.join(order_by(SORT, HIT))} LIMIT {scope.param(request.size + 1)} "
        f"RETURN {{{cursor_entry(SORT, HIT)}, matched: matched, node: {nodes}}} }}}} AS result",
        scope.params,
    )


def _nodes(selection: Field, kinds: tuple[str, ...], scope: Scope) -> str:
    """Each hit's object, projected by its type's selection."""
    edges = selection.child("edges")
    node = edges.child("node") if edges else None
    cases = [
        f"WHEN '{type_name}' THEN "
        f"{project(type_name, VARS.get(type_name, FOUND), node.fields(type_name) if node else (), scope)}"
        for kind in kinds
        for type_name in KIND_TYPES[kind]
    ]
    return f"CASE kind {' '.join(cases)} END"
