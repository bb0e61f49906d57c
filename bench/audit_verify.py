"""Audit verify: stored events verified per second (chains + signatures), in one process and
in parallel processes.

Baseline, measured in the same run on the same bytes: raw SHA-256 of every stored state, already
in memory (no database read, no checks), in one process. The store is built through the
customers application: customers registered (one event each), rectifications ordered and closed
(two chained events), and, under the authority matrix the general manager signed, some customers
approved by the sales manager's signed grant with the customer's signature captured under the
salesperson's seal. The signatures are checked by `audit verify`'s own check
(kernel.audit.signatures), so the figure includes rebuilding the signed fields and the Ed25519
verification. The share of signed events is printed; `--approved` changes it.

    python -m bench.audit_verify [--customers N] [--rectifications R] [--approved A]
                                 [--workers W] [--repeat K]
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from hashlib import sha256
from pathlib import Path
from uuid import UUID

from customers.application import CustomersApplication
from kernel.approvals.commands import Decision
from kernel.approvals.domain import Capacity, Method, SignatureCapture, seal_fields
from kernel.audit.signatures import checker_for
from kernel.audit.verify import NewCheck, store_location, verify_stores
from kernel.policy.domain import policy_signing_fields
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.signing import KeyRing, init_dev_keys, load_private_key, sign
from runtime.unit_of_work import CommandContext

CLERK = CommandContext(actor="salesperson")
SUPERVISOR = CommandContext(actor="sales-manager", roles=frozenset({Role.SALES_MANAGER}))
GM = CommandContext(actor="gm", roles=frozenset({Role.LEADERSHIP_GM}))


def customer_signs() -> SignatureCapture:
    """The customer's contact signed on paper, now (never before the document existed); the
    salesperson records the scan."""
    return SignatureCapture(
        signer_id=None,
        signer_name="Zhao Lan",
        capacity=Capacity.CUSTOMER,
        signer_org="ACME",
        method=Method.PAPER_SCAN,
        image_hash="ab" * 32,
        place="Shanghai",
        signed_at=datetime.now(tz=UTC),
    )


def build_store(
    settings: KernelSettings, customers: int, rectifications: int, approved: int
) -> int:
    """Fill the customers store; returns how many policies the general manager approved."""
    init_dev_keys(settings.keys_path, ["gm", "salesperson", "sales-manager"])
    with closing(CustomersApplication(settings)) as app, ThreadPoolExecutor(32) as pool:
        approve_policy(app, settings.keys_path)
        ids = list(
            pool.map(lambda i: app.register_customer(CLERK, f"C{i}", "s").id, range(customers))
        )
        ordered = list(
            pool.map(
                lambda i: app.order_rectification(SUPERVISOR, f"finding {i}", "salesperson", 3),
                range(rectifications),
            )
        )
        list(pool.map(lambda r: app.close_rectification(CLERK, r.id, "fixed"), ordered))
        signer = Signer(app, settings.keys_path)
        list(pool.map(signer.approve_and_sign, ids[:approved]))
        return len(app.policy_files)


def approve_policy(app: CustomersApplication, keys: Path) -> None:
    for key in app.policy_files:
        policy = app.configured_policy(key)
        fields = policy_signing_fields(key, policy.version, policy.digest)
        app.approve_policy(GM, key, policy.version, sign(load_private_key(keys, "gm"), fields))


class Signer:
    """What the sales manager's and the salesperson's client apps sign."""

    def __init__(self, app: CustomersApplication, keys: Path) -> None:
        self._app = app
        self._manager = load_private_key(keys, "sales-manager")
        self._salesperson = load_private_key(keys, "salesperson")

    def approve_and_sign(self, customer_id: UUID) -> None:
        # No credit: the sales manager's step is the only one.
        customer = self._app.submit_for_approval(CLERK, customer_id, Decimal(0), "CNY")
        approval = customer.approval
        assert approval is not None
        step = approval.steps[0].step.name
        fields = customer.decision_to_sign("grant", step, "sales-manager").fields()
        decision = Decision("grant", step, customer.version_hash, sign(self._manager, fields))
        self._app.decide(SUPERVISOR, customer_id, decision)
        capture = customer_signs()
        fields = seal_fields("customer", customer_id, customer.version_hash, capture, "salesperson")
        self._app.capture_signature(CLERK, customer_id, capture, sign(self._salesperson, fields))


def best_rate(events: int, repeat: int, run: Callable[[], int]) -> float:
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
    parser.add_argument(
        "--approved", type=int, help="customers approved and signed; default: a quarter"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best one counts")
    args = parser.parse_args(argv)
    approved = args.customers // 4 if args.approved is None else args.approved
    with tempfile.TemporaryDirectory() as tmp:
        settings = KernelSettings(data_dir=Path(tmp))
        policies = build_store(settings, args.customers, args.rectifications, approved)
        location = store_location(settings, "customers")
        store = location.open()
        assert store is not None
        with closing(store):
            events = store.count()
            bounds = store.bounds()
            assert bounds is not None
            states = [bytes(row[4]) for row in store.events_between(*bounds)]
        checker = functools.partial(checker_for, KeyRing.load(settings.keys_path))

        def verified(workers: int, check: NewCheck | None) -> Callable[[], int]:
            def run() -> int:
                report = verify_stores([location], check, workers)["customers"]
                assert report is not None and report.failures == [], report
                assert report.events == events
                return report.signatures

            return run

        signatures = verified(1, checker)()
        # The GM's approval of each policy, then a grant and a seal per approved customer.
        assert signatures == policies + 2 * approved, signatures
        chain_rate = best_rate(events, args.repeat, verified(1, None))
        single_rate = best_rate(events, args.repeat, verified(1, checker))
        parallel_rate = best_rate(events, args.repeat, verified(args.workers, checker))

    def raw_hashing() -> int:
        for state in states:
            sha256(state).digest()
        return 0

    raw_rate = best_rate(events, args.repeat, raw_hashing)
    ratio = parallel_rate / raw_rate
    signed = signatures / events
    for label, rate in (
        ("events verified, chains only (one process)", chain_rate),
        (f"events verified, chains + signatures ({signed:.0%} signed), one process", single_rate),
        (f"events verified, chains + signatures, {args.workers} processes", parallel_rate),
        (f"raw SHA-256 of the same {events:,} stored states", raw_rate),
    ):
        print(f"{label + ':':<72}{rate:>12,.0f}/s")
    print(f"parallel / one process: {parallel_rate / single_rate:.2f}x")
    print(f"ratio={ratio:.3f}")
    return ratio


if __name__ == "__main__":
    main()
