"""The customer's credit exposure (BI-11) and the credit gate it answers (OR-18), at the
aggregate that guards them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from billing.domain.credit_exposure import CreditExposure, Decline
from runtime.aggregate import NotYet, RuleViolation
from runtime.unit_of_work import CommandContext, acting


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="billing:policy")):
        yield


def exposure(limit: str = "1000") -> CreditExposure:
    found = CreditExposure.open(uuid4())
    found.change_limit(Decimal(limit), "CNY")
    return found


def answers(found: CreditExposure) -> list[tuple[str, UUID, Decimal]]:
    return [
        (type(e).__name__, e.order_id, e.amount)
        for e in found.collect_events()
        if isinstance(e, CreditExposure.CreditReserved | CreditExposure.CreditDeclined)
    ]


def test_or_18_bi_11_reserved_within_the_limit_declined_over_it_with_the_figures() -> None:
    found = exposure()
    first, second, third = uuid4(), uuid4(), uuid4()
    assert found.reserve(first, Decimal(600), False)
    assert not found.reserve(second, Decimal(500), False)
    assert found.reserve(third, Decimal(400), False)
    assert (found.reserved, found.exposure, found.available) == (
        Decimal(1000),
        Decimal(1000),
        Decimal(0),
    )
    kinds = (CreditExposure.CreditReserved, CreditExposure.CreditDeclined)
    [_, declined, _] = [e for e in found.collect_events() if isinstance(e, kinds)]
    assert isinstance(declined, CreditExposure.CreditDeclined)
    assert (declined.reason, declined.credit_limit, declined.exposure, declined.amount) == (
        Decline.OVER_LIMIT,
        Decimal(1000),
        Decimal(600),
        Decimal(500),
    )


def test_or_18_an_approved_over_credit_sale_is_reserved_beyond_the_limit() -> None:
    found = exposure("100")
    order_id = uuid4()
    assert not found.reserve(order_id, Decimal(150), False)
    assert found.reserve(order_id, Decimal(150), True)
    assert (found.reserved, found.available) == (Decimal(150), Decimal(-50))


def test_or_18_a_hold_or_the_blacklist_declines_whatever_was_approved() -> None:
    found = exposure()
    found.change_standing(credit_hold=True)
    held = uuid4()
    assert not found.reserve(held, Decimal(10), True)
    found.change_standing(blacklisted=True)
    listed = uuid4()
    assert not found.reserve(listed, Decimal(10), False)
    reasons = [
        e.reason for e in found.collect_events() if isinstance(e, CreditExposure.CreditDeclined)
    ]
    assert reasons == [Decline.CREDIT_HOLD, Decline.BLACKLISTED]
    assert found.reserved == 0 and set(found.blocked) == {held, listed}


def test_or_18_a_hold_withdraws_reservations_and_its_release_answers_the_blocked_again() -> None:
    found = exposure()
    reserved, big = uuid4(), uuid4()
    found.reserve(reserved, Decimal(300), False)
    found.change_standing(credit_hold=True)
    assert found.reserved == 0 and reserved in found.blocked
    found.reserve(big, Decimal(900), False)
    found.collect_events()
    found.change_standing(credit_hold=False)
    # Answered again in the order they were blocked: the first fits, the second no longer does.
    assert answers(found) == [
        ("CreditReserved", reserved, Decimal(300)),
        ("CreditDeclined", big, Decimal(900)),
    ]
    assert found.blocked == {} and found.reserved == Decimal(300)


def test_bi_11_a_request_redelivered_is_answered_as_before() -> None:
    found = exposure()
    order_id = uuid4()
    found.reserve(order_id, Decimal(300), False)
    found.collect_events()
    assert found.reserve(order_id, Decimal(300), False)
    assert found.collect_events() == [] and found.reserved == Decimal(300)


def test_bi_11_shipped_invoiced_paid_moves_the_amount_until_it_is_settled() -> None:
    found = exposure()
    order_id, invoice_id = uuid4(), uuid4()
    found.reserve(order_id, Decimal(300), False)
    found.shipped(order_id, Decimal(300))
    assert (found.reserved, found.unbilled_shipments) == (Decimal(0), Decimal(300))
    found.shipped(order_id, Decimal(300))  # the same shipment heard again
    assert found.unbilled_shipments == Decimal(300)
    found.invoiced(order_id, invoice_id, Decimal(300))
    assert (found.unbilled_shipments, found.open_receivables) == (Decimal(0), Decimal(300))
    with pytest.raises(RuleViolation) as too_much:
        found.paid(invoice_id, Decimal(301))
    assert too_much.value.rule == "BI-09"
    found.paid(invoice_id, Decimal(100))
    assert found.exposure == Decimal(200)
    found.paid(invoice_id, Decimal(200))
    assert found.exposure == 0 and found.receivables == {}
    with pytest.raises(RuleViolation) as settled:
        found.paid(invoice_id, Decimal(1))
    assert settled.value.rule == "BI-09"


def test_or_30_bi_11_a_back_order_stays_reserved_until_it_ships_or_is_cancelled() -> None:
    found = exposure()
    shipped_in_two, cut_short, back_order = uuid4(), uuid4(), uuid4()
    found.reserve(shipped_in_two, Decimal(300), False)
    found.shipped(shipped_in_two, Decimal(100))  # short: 200 on back order
    assert (found.reserved, found.unbilled_shipments) == (Decimal(200), Decimal(100))
    found.shipped(shipped_in_two, Decimal(200), back_order)
    found.shipped(shipped_in_two, Decimal(200), back_order)  # the same shipment heard again
    assert (found.reserved, found.unbilled_shipments) == (Decimal(0), Decimal(300))

    found.reserve(cut_short, Decimal(50), False)
    found.shipped(cut_short, Decimal(20))
    found.release(cut_short)  # the back order is cancelled: its 30 are free again
    assert (found.reserved, found.unbilled_shipments, found.exposure) == (
        Decimal(0),
        Decimal(320),
        Decimal(320),
    )


def test_bi_11_a_cancelled_order_releases_its_reservation_or_its_wait() -> None:
    found = exposure()
    order_id, blocked = uuid4(), uuid4()
    found.reserve(order_id, Decimal(300), False)
    found.release(order_id)
    assert found.reserved == 0
    found.change_standing(credit_hold=True)
    found.reserve(blocked, Decimal(10), False)
    found.release(blocked)
    assert found.blocked == {}
    found.collect_events()
    found.release(uuid4())  # never reserved: nothing to release
    assert found.collect_events() == []


def test_bi_11_the_limit_follows_customers_decision() -> None:
    found = exposure("100")
    order_id = uuid4()
    assert not found.reserve(order_id, Decimal(150), False)
    found.change_limit(Decimal(200), "CNY")
    assert found.reserve(order_id, Decimal(150), False)


def test_or_18_an_approved_over_credit_sale_withdrawn_by_a_hold_stays_approved() -> None:
    found = exposure("100")
    order_id = uuid4()
    found.reserve(order_id, Decimal(150), True)
    found.change_standing(credit_hold=True)
    assert found.blocked == {order_id: (Decimal(150), True)}
    found.change_standing(credit_hold=False)
    assert found.reservations == {order_id: Decimal(150)}


def test_bi_11_every_change_of_the_figures_is_told_with_them() -> None:
    found = exposure()
    order_id, invoice_id = uuid4(), uuid4()
    found.reserve(order_id, Decimal(300), False)
    found.reserve(uuid4(), Decimal(5000), False)  # declined: nothing changes
    found.shipped(order_id, Decimal(300))
    found.invoiced(order_id, invoice_id, Decimal(300))
    found.paid(invoice_id, Decimal(100))
    told = [
        (e.credit_limit, e.reserved, e.unbilled_shipments, e.open_receivables, e.exposure)
        for e in found.collect_events()
        if isinstance(e, CreditExposure.ExposureChanged)
    ]
    zero = Decimal(0)
    assert told == [
        (Decimal(1000), zero, zero, zero, zero),
        (Decimal(1000), Decimal(300), zero, zero, Decimal(300)),
        (Decimal(1000), zero, Decimal(300), zero, Decimal(300)),
        (Decimal(1000), zero, zero, Decimal(300), Decimal(300)),
        (Decimal(1000), zero, zero, Decimal(200), Decimal(200)),
    ]


def test_bi_11_the_published_answers_and_figures_name_the_customer_not_the_exposure() -> None:
    from billing.adapters.outbound import OUTBOUND

    customer_id = uuid4()
    found = CreditExposure.open(customer_id)
    found.change_limit(Decimal(100), "CNY")
    found.reserve(uuid4(), Decimal(60), False)
    found.reserve(uuid4(), Decimal(60), False)
    published = [p for p in map(OUTBOUND, found.collect_events()) if p is not None]
    assert {p.event_type for p in published} == {
        "CustomerExposureChanged",
        "CreditReserved",
        "CreditDeclined",
    }
    assert found.id != customer_id
    assert {p.model_dump()["customer_id"] for p in published} == {customer_id}


def test_or_18_a_request_before_the_limit_is_known_waits_for_it_then_is_answered() -> None:
    """The approval and the request travel on different topics: the request may come first."""
    found = CreditExposure.open(uuid4())
    order_id = uuid4()
    with pytest.raises(NotYet) as waiting:
        found.reserve(order_id, Decimal(150), False)
    assert waiting.value.rule == "OR-18"
    assert not any(isinstance(e, CreditExposure.CreditDeclined) for e in found.collect_events())
    found.change_limit(Decimal(200), "CNY")
    assert found.reserve(order_id, Decimal(150), False)
