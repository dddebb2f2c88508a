"""Stemma's configuration: one settings object read from STEMMA_* environment variables and flags."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from neo4j import AsyncDriver, AsyncGraphDatabase
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from neo4j_local.launcher import LocalNeo4j
from schema.context import ConsoleLimits, DocumentLimits, Limits
from server.blobs import parse_s3_url
from server.limits import BodyLimits

# The checkout Stemma runs from: its `.stemma` folder holds the local Neo4j and the files, wherever a command
# is started (`stemma users add` from another folder finds the same database instead of fetching another).
CHECKOUT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every setting, with its default; the limits each layer enforces are built from it here, and only here."""

    model_config = SettingsConfigDict(env_prefix="STEMMA_", extra="ignore")

    host: str = "127.0.0.1"
    access_log: bool = Field(default=False, description="log every request (costs CPU under load)")
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(
        default=1, ge=1, description="server processes on the one port; rate limits and key changes hold across them"
    )
    worker_header: bool = Field(
        default=False, description="name the serving process in an x-stemma-worker header (for tests and debugging)"
    )
    workers_dir: Path | None = Field(
        default=None, description="set by `stemma serve` for its workers: where they share rate limits and key changes"
    )

    neo4j_uri: str | None = Field(
        default=None, description="bolt:// or neo4j:// URI; unset means start the local Neo4j"
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    neo4j_timeout_seconds: float = Field(default=2.0, gt=0, description="connect timeout")
    neo4j_retry_seconds: float = Field(
        default=0, ge=0, description="the driver's own retry budget (Stemma retries transient errors itself)"
    )

    state_dir: Path = Field(
        default=CHECKOUT / ".stemma", description="local Neo4j and files; default the checkout's .stemma folder"
    )
    local_neo4j_port: int = Field(default=7687, ge=1, le=65535)
    local_neo4j_heap: str = "1g"
    local_neo4j_page_cache: str = "512m"

    blob_dir: Path | None = Field(default=None, description="file store; default STATE_DIR/blobs")
    blob_url: str | None = Field(
        default=None,
        description="s3://BUCKET/PREFIX to keep files in S3-compatible storage instead of BLOB_DIR "
        "(credentials and region from the standard AWS chain)",
    )
    s3_endpoint_url: str | None = Field(default=None, description="the S3-compatible server's URL; default AWS's")
    s3_region: str | None = Field(default=None, description="the bucket's region; default from the AWS chain")
    s3_presigned_seconds: int = Field(
        default=300,
        ge=0,
        le=3600,
        description="uploads to and downloads from S3 go through URLs signed this long (at most an hour: a URL "
        "outlives a revoked key); 0: through the server",
    )
    s3_public_endpoint_url: str | None = Field(
        default=None,
        description="where clients reach the S3 store, when not at s3_endpoint_url (presigned URLs name this host)",
    )
    s3_part_bytes: int = Field(
        default=64 * 1024**2,
        ge=5 * 1024**2,
        le=5 * 1024**3,
        description="a direct upload larger than this goes to S3 in parts of this size (S3: 5 MiB to 5 GiB)",
    )

    @field_validator("blob_url")
    @classmethod
    def _bucket_named(cls, url: str | None) -> str | None:
        if url is not None:
            parse_s3_url(url)
        return url

    max_upload_bytes: int = Field(default=5 * 1024**3, ge=1)
    stale_run_seconds: int = Field(default=600, ge=1, description="heartbeat silence before a run is crashed")
    sweep_interval_seconds: float = Field(default=60, gt=0, description="how often silent runs are swept")
    cluster_sync_seconds: float = Field(
        default=1,
        gt=0,
        le=60,
        description="how often each host's processes exchange key changes, spent rate-limit tokens and the "
        "sweeper lease with the other hosts on the graph, through Neo4j",
    )

    max_request_bytes: int = Field(default=1024 * 1024, ge=1024, description="largest GraphQL request body")
    import_timeout_seconds: float = Field(
        default=120, gt=0, description="longest transaction of POST /api/v1/import (a whole project, all or nothing)"
    )
    max_import_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="largest bundle POST /api/v1/import takes (stemma import)"
    )
    max_form_bytes: int = Field(
        default=8 * 1024, ge=1024, description="largest body of /login and every route but /graphql and /files"
    )
    body_read_timeout_seconds: float = Field(
        default=30, gt=0, description="longest wait for the next part of a request body (for the whole of a small one)"
    )
    auth_failures_per_second: float = Field(
        default=1, gt=0, description="failed authentications a second per client address, once the burst is spent"
    )
    auth_failure_burst: float = Field(default=20, ge=1)
    key_cache_seconds: float = Field(
        default=2, ge=0, description="how long a key's caller is remembered (0: every request asks Neo4j)"
    )
    health_cache_seconds: float = Field(default=1, ge=0, description="how long /healthz reuses its answer")
    secure_cookies: bool = Field(
        default=False, description="mark the login cookie Secure even over http (behind a TLS proxy)"
    )
    rate_limit_per_second: float = Field(default=1000, gt=0, description="requests per second per API key")
    rate_limit_burst: float = Field(default=2000, ge=1)
    graphql_execution: Literal["compiled", "resolved", "verify"] = Field(
        default="compiled",
        description="compiled: queries of compiled root fields are answered from their statements' maps; "
        "resolved: Strawberry resolves every field; verify: both, refusing a request whose answers differ (tests)",
    )
    persisted_queries: Literal["automatic", "allowlist"] = Field(
        default="automatic",
        description="automatic: Apollo's automatic persisted queries, ad-hoc documents too; "
        "allowlist: only the documents of persisted_queries_manifest run",
    )
    persisted_queries_manifest: Path | None = Field(
        default=None, description="persisted documents by sha256 (Apollo's manifest, or a {hash: document} map)"
    )
    persisted_queries_capacity: int = Field(
        default=4 * 1024 * 1024, ge=0, description="characters of documents learned from clients kept per process"
    )
    graphql_max_depth: int = Field(default=15, ge=1)
    graphql_max_tokens: int = Field(default=5000, ge=1)
    graphql_max_aliases: int = Field(default=30, ge=1)
    console_timeout_seconds: float = Field(default=10, gt=0)
    console_max_rows: int = Field(default=1000, ge=1)

    lineage_max_depth: int = Field(default=Limits.lineage_max_depth, ge=1, le=50)
    lineage_max_nodes: int = Field(default=Limits.lineage_max_nodes, ge=1)
    lineage_max_cluster_threshold: int = Field(default=Limits.lineage_max_cluster_threshold, ge=1)
    max_page_size: int = Field(default=Limits.max_page_size, ge=1)
    max_node_ids: int = Field(default=Limits.max_node_ids, ge=1)

    @cached_property
    def local_neo4j(self) -> LocalNeo4j:
        return LocalNeo4j(
            state_dir=self.state_dir.resolve(),
            name="dev",
            port=self.local_neo4j_port,
            heap=self.local_neo4j_heap,
            page_cache=self.local_neo4j_page_cache,
        )

    @property
    def effective_neo4j_uri(self) -> str:
        return self.neo4j_uri or self.local_neo4j.uri

    @property
    def neo4j_auth(self) -> tuple[str, str] | None:
        """The configured credentials; for the local Neo4j (no URI set), its generated password."""
        password = self.neo4j_password.get_secret_value()
        if password:
            return (self.neo4j_user, password)
        return self.local_neo4j.auth if self.neo4j_uri is None else None

    def async_driver(self) -> AsyncDriver:
        """The process's one driver: short connect and retry budgets so an outage answers fast."""
        return AsyncGraphDatabase.driver(
            self.effective_neo4j_uri,
            auth=self.neo4j_auth,
            connection_timeout=self.neo4j_timeout_seconds,
            connection_acquisition_timeout=self.neo4j_timeout_seconds,
            max_transaction_retry_time=self.neo4j_retry_seconds,
            notifications_min_severity="OFF",
        )

    @property
    def blob_path(self) -> Path:
        return (self.blob_dir or self.state_dir / "blobs").resolve()

    def graph_limits(self) -> Limits:
        """What the compiler refuses: page sizes and lineage bounds."""
        return Limits(
            max_page_size=self.max_page_size,
            max_node_ids=self.max_node_ids,
            lineage_max_depth=self.lineage_max_depth,
            lineage_max_nodes=self.lineage_max_nodes,
            lineage_max_cluster_threshold=self.lineage_max_cluster_threshold,
        )

    def document_limits(self) -> DocumentLimits:
        return DocumentLimits(
            max_depth=self.graphql_max_depth, max_tokens=self.graphql_max_tokens, max_aliases=self.graphql_max_aliases
        )

    def console_limits(self) -> ConsoleLimits:
        return ConsoleLimits(timeout_seconds=self.console_timeout_seconds, max_rows=self.console_max_rows)

    def body_limits(self) -> BodyLimits:
        return BodyLimits(
            graphql_bytes=self.max_request_bytes,
            upload_bytes=self.max_upload_bytes,
            import_bytes=self.max_import_bytes,
            form_bytes=self.max_form_bytes,
            timeout_seconds=self.body_read_timeout_seconds,
        )
