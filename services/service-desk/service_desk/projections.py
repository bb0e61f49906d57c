"""Service-desk's read tables: the vouchers list (``vouchers``) and its copy of the customer
files (``customer_files``, CU-23)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection

from contracts.values import Code, Name
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity
from service_desk.domain.known_customer import KnownCustomer
from service_desk.domain.voucher import ServiceVoucher


class VoucherView(View):
    voucher_id: UUID = identity("voucher_id")
    customer_id: UUID
    order_id: UUID
    product_code: Code
    serial_number: Code
    warranty_until: date
    rule_parameters_version: int
    """The rule parameters (XC-07) its warranty length was taken from."""


VOUCHERS = ReadTable(
    VoucherView,
    "vouchers",
    sortable=("serial_number", "warranty_until"),
    filters=("customer_id", "serial_number"),
)
vouchers = Projection("vouchers", VOUCHERS.table)


@vouchers.on(ServiceVoucher.Created)
def _opened(event: ServiceVoucher.Created, db: Connection) -> None:
    VOUCHERS.insert(db, event)


class CustomerFileView(View):
    """CU-23: service-desk's read-only copy of the customer file, from customers' events."""

    customer_id: UUID = identity("customer_id")
    legal_name: Name
    owner_id: str | None = Field(description="The primary account owner (CU-15)", max_length=64)
    approved: bool = Field(description="CU-02: the file is opened")
    grade: str | None = Field(description="CU-03, CU-04: A, B or C; A, green channel", max_length=1)
    credit_hold: bool = Field(description="CU-06, CU-13: paid work needs payment first")
    blacklisted: bool = Field(description="CU-06")
    version: int


CUSTOMER_FILES = ReadTable(
    CustomerFileView,
    "customer_files",
    sortable=("legal_name",),
    filters=("owner_id", "grade", "blacklisted"),
)
customer_files = Projection("customer_files", CUSTOMER_FILES.table)


@customer_files.on(KnownCustomer.Registered)
def _learned(event: KnownCustomer.Registered, db: Connection) -> None:
    CUSTOMER_FILES.insert(
        db, event, approved=False, grade=None, credit_hold=False, blacklisted=False
    )


@customer_files.on(KnownCustomer.Approved)
def _approved(event: KnownCustomer.Approved, db: Connection) -> None:
    CUSTOMER_FILES.update(db, event, approved=True)


@customer_files.on(KnownCustomer.ProfileUpdated)
def _profile_updated(event: KnownCustomer.ProfileUpdated, db: Connection) -> None:
    CUSTOMER_FILES.update(db, event, legal_name=event.legal_name)


@customer_files.on(KnownCustomer.GradeChanged)
def _grade_changed(event: KnownCustomer.GradeChanged, db: Connection) -> None:
    CUSTOMER_FILES.update(db, event, grade=event.grade)


@customer_files.on(KnownCustomer.OwnersChanged)
def _owners_changed(event: KnownCustomer.OwnersChanged, db: Connection) -> None:
    CUSTOMER_FILES.update(db, event, owner_id=event.owner_id)


@customer_files.on(KnownCustomer.CreditHoldChanged)
def _credit_hold_changed(event: KnownCustomer.CreditHoldChanged, db: Connection) -> None:
    CUSTOMER_FILES.update(db, event, credit_hold=event.held)


@customer_files.on(KnownCustomer.BlacklistChanged)
def _blacklist_changed(event: KnownCustomer.BlacklistChanged, db: Connection) -> None:
    CUSTOMER_FILES.update(db, event, blacklisted=event.blacklisted)
