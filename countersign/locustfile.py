"""Business traffic for `countersign load`, run by Locust (its headless mode or its web UI).

Each simulated user runs whole business flows (``countersign.flows``) one after another, picked
by the operator's mix: order to cash, a service call or a complaint from a customer an earlier
flow delivered to, or the return of a unit of a new order. Locust's table shows, besides each
HTTP route ("HTTP"), the time each approval chain took ("APPROVAL"), how long each reaction of
another service took to show ("REACTION") and each whole flow ("FLOW"): its count is the flows
completed, its failures the flows that broke.

    countersign load --users 8 --spawn-rate 2 --run-time 2m \
        --mix order_to_cash=3,service_call=1,product_return=1,complaint=1
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from locust import User, events, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment

from countersign.approving import put_policies_in_force
from countersign.flows import (
    Delivered,
    FlowClient,
    FlowError,
    complaint,
    order_to_cash,
    product_return,
    service_call,
)
from runtime.settings import DEFAULT_HTTP_PORTS

FLOWS = ("order_to_cash", "service_call", "product_return", "complaint")

_delivered: list[Delivered] = []
"""Deliveries no service call has come from yet: each gets at most one."""


@events.init_command_line_parser.add_listener
def _options(parser: LocustArgumentParser) -> None:
    group = parser.add_argument_group("countersign")
    group.add_argument(
        "--services",
        default=",".join(
            f"{service}=http://127.0.0.1:{port}" for service, port in DEFAULT_HTTP_PORTS.items()
        ),
        help="Each service's base URL, as service=url,... (default: the local stack's ports)",
    )
    group.add_argument(
        "--keys-dir",
        default="data/keys",
        help="The running stack's development keys, to sign as its users",
    )
    group.add_argument(
        "--mix",
        default="order_to_cash=3,service_call=1",
        help=f"Relative weights of the flows ({', '.join(FLOWS)}), as flow=weight,...",
    )
    group.add_argument(
        "--reaction-timeout",
        type=float,
        default=60.0,
        help="Seconds a flow waits for another service's reaction before it fails",
    )


def parse_pairs(text: str) -> dict[str, str]:
    pairs = dict(part.split("=", 1) for part in text.split(",") if part.strip())
    return {key.strip(): value.strip() for key, value in pairs.items()}


def mix_of(text: str) -> dict[str, int]:
    weights = {flow: int(weight) for flow, weight in parse_pairs(text).items()}
    unknown = set(weights) - set(FLOWS)
    if unknown or not any(weights.values()):
        raise SystemExit(f"--mix: flows are {', '.join(FLOWS)} with weights, not {text!r}")
    return weights


@events.test_start.add_listener
def _policies_in_force(environment: Environment, **_: Any) -> None:
    """The general manager signs whatever policy is not in force yet, once per run."""
    options = environment.parsed_options
    assert options is not None
    client = FlowClient(parse_pairs(options.services), Path(options.keys_dir))
    try:
        for url in client.urls.values():
            put_policies_in_force(client.http, url, client.keys_dir)
    finally:
        client.close()


class BusinessUser(User):
    """Someone at the company working one business flow after another."""

    def on_start(self) -> None:
        options = self.environment.parsed_options
        assert options is not None
        self.flows = FlowClient(
            parse_pairs(options.services),
            Path(options.keys_dir),
            options.reaction_timeout,
            observe=self._observe,
        )
        weights = mix_of(options.mix)
        self.picks = [flow for flow, weight in weights.items() for _ in range(weight)]

    def on_stop(self) -> None:
        self.flows.close()

    @task
    def work(self) -> None:
        run: Mapping[str, Callable[[], object]] = {
            "order_to_cash": self._order_to_cash,
            "service_call": self._service_call,
            "product_return": lambda: product_return(self.flows),
            "complaint": self._complaint,
        }
        flow = random.choice(self.picks)
        started = time.perf_counter()
        try:
            run[flow]()
        except FlowError as error:
            self._observe("FLOW", flow, (time.perf_counter() - started) * 1000, 0, error)
            return
        self._observe("FLOW", flow, (time.perf_counter() - started) * 1000, 0, None)

    def _order_to_cash(self) -> None:
        _delivered.append(order_to_cash(self.flows))

    def _service_call(self) -> None:
        service_call(self.flows, self._a_delivery())

    def _complaint(self) -> None:
        complaint(self.flows, self._a_delivery())

    def _a_delivery(self) -> Delivered:
        return _delivered.pop() if _delivered else order_to_cash(self.flows)

    def _observe(
        self, kind: str, name: str, ms: float, size: int, error: BaseException | None
    ) -> None:
        self.environment.events.request.fire(
            request_type=kind,
            name=name,
            response_time=ms,
            response_length=size,
            exception=error,
            context={},
        )
