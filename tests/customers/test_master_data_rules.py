"""The master-data change request (CU-14) at the aggregates: approved, then applied keeping the
old values, then printed, signed and archived; and no direct change of an opened file."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest

from customers.domain.customer import APPROVAL_KIND as CUSTOMER_APPROVAL
from customers.domain.customer import Contact, Customer, CustomerStatus
from customers.domain.master_data import APPROVAL_KIND, ChangeStatus, MasterDataChange
from kernel.approvals.domain import Approver, Capacity, Method, SignatureCapture
from kernel.approvals.matrix import AuthorityMatrix
from kernel.settings import KernelSettings
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
ALICE = Contact("Alice Wang", "Purchasing manager", "+86 21 5555 0101")


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def customer() -> Customer:
    return Customer.register("ACME Valves", owner_id="salesperson", registered_by="salesperson")


def requested(of: Customer) -> MasterDataChange:
    change = MasterDataChange.submit(
        of.id, "salesperson", "renamed after the merger", legal_name="ACME Flow Control"
    )
    change.request_approval(uuid4(), MATRIX.rule(APPROVAL_KIND), 1, "salesperson")
    return change


def approve(change: MasterDataChange, user: str = "sales-manager") -> None:
    approver = Approver(user, frozenset({"sales_manager"}), change.version_hash, "signature")
    change.grant("sales_manager", approver)


def signed_by(change: MasterDataChange, clerk: str) -> None:
    capture = SignatureCapture(
        clerk, clerk, Capacity.EMPLOYEE, "", Method.E_SIGN, None, "Shanghai", clock.now()
    )
    change.capture_signature(uuid4(), capture, clerk, "seal", clock.now())


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


def test_cu_14_change_is_applied_after_approval_keeping_the_old_values() -> None:
    acme = customer()
    change = requested(acme)
    with pytest.raises(RuleViolation) as early:
        change.apply_to(acme, "sales-clerk")
    refused("CU-14", early)
    assert acme.legal_name == "ACME Valves"

    approve(change)
    assert change.status is ChangeStatus.APPROVED
    change.apply_to(acme, "sales-clerk")
    assert acme.legal_name == "ACME Flow Control"
    changed = [e for e in acme.collect_events() if isinstance(e, Customer.MasterDataChanged)]
    old_and_new = (changed[0].old_legal_name, changed[0].legal_name)
    assert old_and_new == ("ACME Valves", "ACME Flow Control")
    assert change.printed_lines == [
        {"field": "legal_name", "before": "ACME Valves", "after": "ACME Flow Control"}
    ]
    with pytest.raises(RuleViolation) as twice:
        change.apply_to(acme, "sales-clerk")
    refused("CU-14", twice)


def test_cu_14_the_submitter_cannot_approve_their_own_request() -> None:
    change = requested(customer())
    with pytest.raises(RuleViolation) as excinfo:
        approve(change, user="salesperson")
    refused("XC-05", excinfo)


@pytest.mark.parametrize(
    ("reason", "name"), [("renamed", None), ("", "New Name"), ("renamed", " ")]
)
def test_cu_14_a_request_names_a_change_and_its_reason(reason: str, name: str | None) -> None:
    with pytest.raises(RuleViolation) as excinfo:
        MasterDataChange.submit(uuid4(), "salesperson", reason, legal_name=name)
    refused("CU-14", excinfo)


def test_cu_14_the_printed_record_is_signed_then_archived() -> None:
    acme = customer()
    change = requested(acme)
    approve(change)
    with pytest.raises(RuleViolation) as unapplied:
        signed_by(change, "sales-clerk")
    refused("CU-14", unapplied)
    change.apply_to(acme, "sales-clerk")
    with pytest.raises(RuleViolation) as unsigned:
        change.archive("sales-clerk")
    refused("CU-14", unsigned)

    signed_by(change, "sales-clerk")
    with pytest.raises(RuleViolation) as someone_else:
        change.archive("sales-clerk-2")  # archived by whoever signed the printed record
    refused("CU-14", someone_else)
    change.archive("sales-clerk")
    assert change.status is ChangeStatus.ARCHIVED


def test_cu_14_an_opened_file_changes_contacts_only_by_request() -> None:
    acme = customer()
    acme.record_file("salesperson", contacts=[ALICE])  # before opening: CU-01 at once
    acme.submit_for_approval(Decimal(0), "CNY", "salesperson")
    acme.request_approval(uuid4(), MATRIX.rule(CUSTOMER_APPROVAL), 1, "salesperson")
    acme.grant(
        "sales_manager",
        Approver("sales-manager", frozenset({"sales_manager"}), acme.version_hash, "signature"),
    )
    assert acme.status is CustomerStatus.ACTIVE  # the file opened (CU-02)
    acme.record_file("salesperson", business_notes="pays in 60 days")  # not master data
    with pytest.raises(RuleViolation) as excinfo:
        acme.record_file("salesperson", contacts=[])
    refused("CU-14", excinfo)
    assert acme.contacts == (ALICE,)
