"""Technical metrics every service exposes on ``/metrics``.

One process runs one service, so Prometheus' ``job`` label tells services apart.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "countersign_commands",
    "HTTP commands handled, by route and outcome (accepted, refused, failed).",
    ["command", "outcome"],
)
COMMAND_SECONDS = Histogram(
    "countersign_command_duration_seconds",
    "Time from an HTTP command's arrival to its answer, by route.",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS_APPENDED = Counter("countersign_events_appended", "Domain events committed to the store.")
RELAY_PUBLISHED = Counter(
    "countersign_relay_published", "Integration messages acknowledged by the broker."
)
RELAY_LAG = Gauge(
    "countersign_relay_lag_events",
    "Committed notifications not yet acknowledged by the broker.",
)
RELAY_OLDEST_UNACKNOWLEDGED = Gauge(
    "countersign_relay_oldest_unacknowledged_timestamp_seconds",
    "Unix time the first event of the oldest batch the broker has not wholly acknowledged was "
    "committed (0: none); time() minus this is the relay's lag in seconds.",
)
RELAY_ERRORS = Counter("countersign_relay_errors", "Relay publish attempts that failed.")
RELAY_STUCK_POSITION = Gauge(
    "countersign_relay_stuck_position",
    "The notification the relay cannot publish yet (0 when it is not stuck).",
)
RELAY_STUCK_SINCE = Gauge(
    "countersign_relay_stuck_since_seconds",
    "Unix time of the relay's first failed attempt at its stuck notification (0: not stuck).",
)
CONSUMER_LAG = Gauge(
    "countersign_consumer_lag_messages",
    "Messages on a partition not yet processed by this service.",
    ["topic", "partition"],
)
INBOX_PROCESSED = Counter(
    "countersign_inbox_processed", "Messages applied by a policy.", ["topic", "event_type"]
)
INBOX_WAITING = Counter(
    "countersign_inbox_waits",
    "Batches put back because a reaction is not possible yet (a policy not in force), by rule.",
    ["topic", "rule"],
)
INBOX_DEDUPES = Counter(
    "countersign_inbox_dedupes",
    "Redelivered or republished messages recognised and skipped.",
    ["topic"],
)
DLQ_MESSAGES = Counter(
    "countersign_dlq_messages",
    "Poison messages sent to the dead-letter topic.",
    ["topic", "reason"],
)
CHECKPOINT_POSITION = Gauge(
    "countersign_checkpoint_position",
    "The store position of the newest signed checkpoint the broker acknowledged.",
)
CHECKPOINT_PUBLISHED_AT = Gauge(
    "countersign_checkpoint_published_timestamp_seconds",
    "Unix time the broker acknowledged this service's newest signed checkpoint.",
)
CHECKPOINTS_WITNESSED = Counter(
    "countersign_checkpoints_witnessed", "Other services' signed checkpoints newly kept."
)
CHECKPOINT_WITNESSED_SIGNED_AT = Gauge(
    "countersign_checkpoint_witnessed_signed_timestamp_seconds",
    "Unix time the newest checkpoint this service witnessed of another was signed, by signer.",
    ["signer_service"],
)
TIMER_LAST_RUN = Gauge(
    "countersign_timer_last_run_timestamp_seconds",
    "Unix time a timer last completed its tick.",
    ["timer"],
)
TIMER_FAILURES = Counter(
    "countersign_timer_failures", "Timer ticks that failed (tried again next tick).", ["timer"]
)
SNAPSHOTS_TAKEN = Counter("countersign_snapshots_taken", "Aggregate snapshots stored.")
SNAPSHOTS_REFUSED = Counter(
    "countersign_snapshots_refused",
    "Snapshots not used on loading: seal, anchor or state failed; the events were replayed.",
    ["reason"],
)
