"""What if the server cached parsed and validated documents? The same app, with Strawberry's
`ParserCache` and `ValidationCache` added to the schema's extensions, measured against the app as it is.

Variants: `as-is`; `caches` (the two caches added); `caches+shared-limits` (the caches, and the request
limiters' validation rules made once and added per request with AddValidationRules: a QueryDepthLimiter
or MaxAliasesLimiter instance makes its own rule class, so per-request instances give ValidationCache a new
key every time and it never hits).

    python -m bench.whatif              # on the graph `make bench` loaded last
    python -m bench.whatif --serve caches   # (internal) one variant, on STEMMA_PORT

An experiment for RESULTS.md's profile notes, not a proposal for how the server should be built.
"""

from __future__ import annotations

import asyncio
import sys

from neo4j import GraphDatabase

from bench import queries
from bench.database import DATA, loaded_graph, local_instance
from bench.load import closed_loop, graphql_request
from bench.processes import CpuMeter, api_key, stemma_server

VARIANTS = ("as-is", "caches", "caches+shared-limits")


def serve(variant: str) -> None:
    import uvicorn
    from strawberry.extensions import (
        AddValidationRules,
        MaxAliasesLimiter,
        MaxTokensLimiter,
        ParserCache,
        QueryDepthLimiter,
        ValidationCache,
    )

    import schema.build as build
    import server.app as app_module
    from server.settings import Settings

    base = build.build_schema()
    caches = [lambda: ParserCache(maxsize=1000), lambda: ValidationCache(maxsize=1000)]
    if variant == "caches":
        extensions = [*caches, *base.extensions]
    elif variant == "caches+shared-limits":
        # The limiters' rule classes made once: each QueryDepthLimiter or MaxAliasesLimiter instance makes a
        # new validation-rule class, and a per-request instance gives ValidationCache a new key every time.
        rules = [
            *QueryDepthLimiter(max_depth=15).validation_rules,
            *MaxAliasesLimiter(max_alias_count=30).validation_rules,
        ]
        extensions = [
            *caches,
            build.StemmaErrors,
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=5000),
        ]
    if variant != "as-is":
        changed = build.StemmaSchema(
            query=build.QUERY, mutation=build.MUTATION, config=base.config, extensions=extensions
        )
        app_module.build_schema = lambda *args, **kwargs: changed  # type: ignore[attr-defined]
    settings = Settings()
    uvicorn.run(app_module.create_app(settings), host="127.0.0.1", port=settings.port, log_level="warning")


def main() -> None:
    instance = local_instance()
    instance.start()
    with GraphDatabase.driver(instance.uri, notifications_min_severity="OFF") as driver:
        graph = loaded_graph(driver)
    assert graph is not None, "no benchmark graph loaded: run `make bench` first"
    facts = graph.facts
    key = api_key(instance.uri)
    headers = {"authorization": f"Bearer {key}"} if key else {}
    for variant in VARIANTS:
        server = stemma_server(instance.uri, DATA / "servers" / f"whatif-{variant}")
        server.command = [sys.executable, "-m", "bench.whatif", "--serve", variant]
        with server:
            requests = {
                "artifact by alias, c=16": (queries.ARTIFACT, {"ref": facts.alias_ref}, 16),
                "lineage BOTH depth 4, c=1": (queries.LINEAGE, queries.lineage_variables(facts.typical, "BOTH", 4), 1),
            }
            for name, (text, variables, concurrency) in requests.items():
                request = graphql_request(server.port, "/graphql", text, variables, headers)
                asyncio.run(closed_loop(server.port, "/graphql", [request], concurrency, 1.0))
                with CpuMeter({"server": server.pid}) as meter:
                    result = asyncio.run(closed_loop(server.port, "/graphql", [request], concurrency, 8.0))
                cpu = meter.used["server"] / max(1, len(result.latencies)) * 1000
                print(
                    f"{variant:7s} {name}: {result.rate:,.0f} req/s, p50 {result.percentile(50) * 1000:.1f} ms, "
                    f"p99 {result.percentile(99) * 1000:.1f} ms, server CPU {cpu:.2f} ms/request, "
                    f"errors {result.errors}",
                    flush=True,
                )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        main()
