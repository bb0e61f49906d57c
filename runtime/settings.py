"""Settings from environment variables; the same names in the embedded and production shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from runtime.signing import KEY_LEDGER_FILE

# Each service's HTTP port on the embedded stack; production sets COUNTERSIGN_HTTP_PORT per
# container.
DEFAULT_HTTP_PORTS = {"customers": 8101, "orders": 8102, "service-desk": 8103, "billing": 8104}
# The configuration files shipped in the package (package data; in the source tree, a link to
# config/): each file setting's default, so an installed service starts without a source tree.
CONFIG_DIR = Path(__file__).resolve().parent / "config"


class SettingsError(Exception):
    """The settings keep a service from starting; the message says which and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COUNTERSIGN_", extra="ignore")

    data_dir: Path = Path("data")
    # PostgreSQL URL (postgresql://user:pass@host:port/db). Empty: one SQLite file per service.
    database_url: str = ""
    # PostgreSQL connections an instance keeps open for its event store (and may open as many
    # again under load), and half as many for its read tables (likewise). Each replica of a
    # service has its own: their sum must stay below the server's max_connections.
    database_pool_size: int = Field(default=10, ge=1)
    kafka_bootstrap: str = "127.0.0.1:9092"
    # The largest message the producer sends and the broker takes (Kafka's default is 1 MiB).
    kafka_max_message_bytes: int = Field(default=1_048_576, ge=65_536)
    # The largest stored event: refused before commit above it, so that every stored event,
    # mapped to its contract in an envelope, fits in one message.
    max_event_bytes: int = Field(default=512 * 1024, ge=1024)
    topic_partitions: int = 3
    http_host: str = "127.0.0.1"
    # 0 means the service's default port from DEFAULT_HTTP_PORTS.
    http_port: int = 0
    # The largest request body a service reads (a scanned signature is the largest input).
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    # On SIGTERM the service stops taking connections and lets the requests under way finish,
    # for at most this long, before its relay, consumers and store close.
    shutdown_grace_seconds: int = Field(default=30, gt=0)
    # development: callers are the development users of users_file, whose tokens are
    # `dev-<id>`; production: callers are who the company's OpenID Connect identity provider
    # says (oidc_*), and a service refuses to start with development users configured.
    mode: Literal["development", "production"] = "development"
    users_file: Path = CONFIG_DIR / "users.toml"
    # The identity provider (production mode): its issuer URL, the audience its tokens name for
    # Countersign, and the claims that carry the employee id and the roles.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    # Where the issuer publishes its keys; empty: the jwks_uri of its discovery document
    # (<issuer>/.well-known/openid-configuration).
    oidc_jwks_url: str = ""
    oidc_employee_claim: str = "sub"
    # A dotted path reaches into nested claims (Keycloak: realm_access.roles).
    oidc_roles_claim: str = "roles"
    # The signature algorithms accepted, comma-separated (never "none", never HMAC).
    oidc_algorithms: str = "RS256,ES256,EdDSA"
    # Tolerated clock difference with the identity provider for exp, nbf and iat.
    oidc_leeway_seconds: int = Field(default=30, ge=0, le=300)
    # The key ring (key-ledger.jsonl, every employee's and service's public key with its period)
    # and the service's own private key; empty means <data_dir>/keys, where `countersign keys
    # init` puts the development keys.
    keys_dir: Path | None = None
    log_level: str = "INFO"
    # Relay and projections: how often they look at the log when no local commit woke them
    # (commits by another process on the same store), and the relay's batch size.
    relay_poll_seconds: float = Field(default=0.5, gt=0)
    relay_batch_size: int = Field(default=500, gt=0)
    # While busy, the relay saves its published position this often (and whenever it falls idle);
    # a crash publishes again what it had not saved, and the consumers skip it.
    relay_save_seconds: float = Field(default=1.0, gt=0)
    # Projections apply the commits of this interval together (how stale a list may be).
    projection_interval_seconds: float = Field(default=0.25, ge=0)
    # How often a service signs and publishes its store's head while it moves (runtime.witness).
    checkpoint_seconds: float = Field(default=1.0, gt=0)
    # How long a consumer waits before it tries again a message whose reaction is not possible
    # yet (``runtime.aggregate.NotYet``).
    not_yet_retry_seconds: float = Field(default=2.0, gt=0)
    # An aggregate's state is snapshotted every this many events, so that loading it costs the
    # same however long its history (``runtime.snapshots``); 0 turns snapshots off.
    snapshot_interval: int = Field(default=100, ge=0)
    consumer_fetch_max_wait_ms: int = 20
    # How long a batch subscriber waits for records before it looks again; FastStream also sleeps
    # this long after an empty poll, so it bounds the latency an idle consumer adds.
    consumer_batch_timeout_ms: int = 5
    consumer_max_records: int = 200
    # How long the consumers may wait for their partitions before they are started again.
    consumer_start_timeout_seconds: float = Field(default=90.0, gt=0)

    @model_validator(mode="after")
    def _events_fit_in_messages(self) -> Settings:
        # An envelope adds well under 64 KiB to the event it carries.
        if self.max_event_bytes + 65_536 > self.kafka_max_message_bytes:
            raise ValueError("max_event_bytes must leave 64 KiB of kafka_max_message_bytes free")
        return self

    @property
    def keys_path(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    def files_read(self) -> list[tuple[str, Path]]:
        """Each file a service reads, with the setting that locates it: a service does not start
        while one is missing (``runtime.service.missing_files``)."""
        read = [("keys_dir", self.keys_path / KEY_LEDGER_FILE)]
        if self.mode == "development":
            read.insert(0, ("users_file", self.users_file))
        return read

    def port_for(self, service: str) -> int:
        return self.http_port or DEFAULT_HTTP_PORTS[service]
