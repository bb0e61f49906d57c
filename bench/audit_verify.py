"""Audit verify: stored events verified per second (hash chain + signatures) on one core.

Baseline, measured in the same run on the same bytes: raw SHA-256 of every stored state, already
in memory (no database read, no checks). The store is built through the customers application:
customers registered (one event each), rectifications ordered and closed (two chained events).
Signatures: until the services sign their events, a stand-in check verifies an employee's Ed25519
signature (the `cryptography` package, as the signing module uses) over the canonical JSON of
every closing, signed while the store was built, so the figure includes the real cost of a
signature. The share of signed events is printed; `--rectifications` changes it.

    python -m bench.audit_verify [--customers N] [--rectifications R] [--repeat K]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from hashlib import sha256
from pathlib import Path
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chassis.audit.verify import AuditedEvent, SignatureCheck, StoredEvents, open_store, verify
from chassis.domain import CommandContext
from chassis.settings import Settings
from customers.application.service import CustomersApplication

CLERK = CommandContext(actor="salesperson")
SUPERVISOR = CommandContext(actor="sales-manager")
SIGNED_TOPIC_SUFFIX = ".RectificationClosed"

Signatures = dict[tuple[UUID, int], bytes]


def build_store(settings: Settings, customers: int, rectifications: int) -> None:
    with closing(CustomersApplication(settings)) as app, ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda i: app.register_customer(CLERK, f"C{i}", "s"), range(customers)))
        ordered = list(
            pool.map(
                lambda i: app.order_rectification(SUPERVISOR, f"finding {i}", "salesperson", 3),
                range(rectifications),
            )
        )
        list(
            pool.map(lambda r: app.close_rectification(CLERK, r.id, "fixed", frozenset()), ordered)
        )


def sign_closings(store: StoredEvents, key: Ed25519PrivateKey) -> Signatures:
    """What the closers would have signed: each closing's canonical JSON state."""
    signatures: Signatures = {}

    def collect(event: AuditedEvent) -> None:
        if event.topic.endswith(SIGNED_TOPIC_SUFFIX):
            signatures[event.originator_id, event.originator_version] = key.sign(canonical(event))

    verify(store, collect)
    return signatures


def canonical(event: AuditedEvent) -> bytes:
    return orjson.dumps(event.state(), option=orjson.OPT_SORT_KEYS)


def signature_check(signatures: Signatures, key: Ed25519PrivateKey) -> SignatureCheck:
    public = key.public_key()

    def check(event: AuditedEvent) -> str | None:
        if not event.topic.endswith(SIGNED_TOPIC_SUFFIX):
            return None
        signature = signatures.get((event.originator_id, event.originator_version), b"")
        try:
            public.verify(signature, canonical(event))
        except InvalidSignature:
            return "the closer's signature does not verify"
        return None

    return check


def best_rate(events: int, repeat: int, run: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return events / best


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rectifications", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best one counts")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        build_store(settings, args.customers, args.rectifications)
        store = open_store(settings, "customers")
        assert store is not None
        with closing(store):
            events = store.count()
            states = [row[3] for row in store.in_stream_order()]
            key = Ed25519PrivateKey.generate()
            signatures = sign_closings(store, key)
            assert len(signatures) == args.rectifications
            check = signature_check(signatures, key)

            def verified(check_signatures: SignatureCheck | None) -> Callable[[], None]:
                def run() -> None:
                    report = verify(store, check_signatures)
                    assert report.failure is None and report.events == events, report

                return run

            chain_rate = best_rate(events, args.repeat, verified(None))
            full_rate = best_rate(events, args.repeat, verified(check))

    def raw_hashing() -> None:
        for state in states:
            sha256(state).digest()

    raw_rate = best_rate(events, args.repeat, raw_hashing)
    ratio = full_rate / raw_rate
    signed = len(signatures) / events
    for label, rate in (
        ("events verified, hash chains only (one core)", chain_rate),
        (f"events verified, chains + signatures ({signed:.0%} signed)", full_rate),
        (f"raw SHA-256 of the same {events:,} stored states", raw_rate),
    ):
        print(f"{label + ':':<56}{rate:>12,.0f}/s")
    print(f"ratio={ratio:.3f}")
    return ratio


if __name__ == "__main__":
    main()
