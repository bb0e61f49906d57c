"""OR-23: the sales clerk archives every outbound order promptly (within
``[orders] archive_outbound_within_working_days``); a timer flags those not archived in time,
as OR-11/OR-12's does for contracts. The invoice requests' archive is billing's."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from kernel.application import KernelApplication
from kernel.settings import KernelSettings
from orders.domain.order import Order
from orders.projections import awaiting_archive, outbound_archive
from runtime import clock
from runtime.application import Feature, Timer, command
from runtime.settings import Settings
from runtime.unit_of_work import CommandContext


def _timer_seconds(settings: Settings) -> float:
    return KernelSettings.of(settings).timer_seconds


def _check_archive(app: OutboundArchiveCommands) -> None:
    with app.read_models.read() as db:
        waiting = awaiting_archive(db)
    now = clock.now()
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for order_id, issued_at in waiting:
        if now > app.outbound_archive_due(issued_at):
            app.flag_late_outbound_archive(timer, order_id)


OUTBOUND_ARCHIVE = Timer("outbound-archive", _timer_seconds, _check_archive)
"""OR-23: outbound orders not archived within their working days."""


class OutboundArchiveCommands(KernelApplication):
    feature = Feature(
        "outbound-archive", projections=(outbound_archive,), timers=(OUTBOUND_ARCHIVE,)
    )

    def outbound_archive_due(self, issued_at: datetime) -> datetime:
        """OR-23: by when an outbound order issued then is archived (the working calendar)."""
        days = self.rule_parameters().orders.archive_outbound_within_working_days
        return self.calendar.add_working_days(issued_at, days)

    @command
    def archive_outbound_order(self, context: CommandContext, order_id: UUID) -> Order:
        order = self.get(Order, order_id, "order")
        issued_at = order.outbound_issued_at or clock.now()
        order.archive_outbound(
            context.actor, context.roles, clock.now(), self.outbound_archive_due(issued_at)
        )
        return order

    @command
    def flag_late_outbound_archive(self, context: CommandContext, order_id: UUID) -> bool:
        order = self.get(Order, order_id, "order")
        if order.outbound_issued_at is None:
            return False
        due = self.outbound_archive_due(order.outbound_issued_at)
        return order.flag_outbound_archive_late(clock.now(), due)
