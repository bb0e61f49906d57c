"""Expenses over HTTP on a real store (BI-20…BI-25): the budget drafted, reviewed and approved,
the sales manager's prior approval, claims through department head → finance → company leader
with signed decisions, payment net of cash advances, spending against the budget, receipts used
once, forgeries recorded against the claimant. Refusals are 4xx that write nothing."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from billing.adapters.outbound import OUTBOUND
from billing.application import BillingApplication
from kernel.governance.domain import ViolationRecord
from tests import company
from tests.service_client import ServiceClient
from tests.signers import Signers


def app_of(client: ServiceClient) -> BillingApplication:
    assert isinstance(client.app, BillingApplication)
    return client.app


def refused(
    client: ServiceClient, path: str, user: str, rule: str, body: Any = None, status: int = 422
) -> dict[str, Any]:
    """Refused with ``rule``, and nothing written; the refusal."""
    before = app_of(client).recorder.max_notification_id()
    response = client.call("POST", path, user, body)
    assert response.status_code == status, response.text
    assert response.json()["rule"] == rule, response.text
    assert app_of(client).recorder.max_notification_id() == before
    answer: dict[str, Any] = response.json()
    return answer


def budget(client: ServiceClient, signers: Signers, travel: str = "1000") -> str:
    """The service department's 2026 budget, reviewed by finance, approved by management."""
    drafted = client.ok(
        "POST",
        "/expense-budgets",
        "dept-head",
        {"department": "service", "year": 2026, "lines": [{"name": "travel", "amount": travel}]},
    )
    budget_id: str = drafted["budget_id"]
    signers.decide(app_of(client), UUID(budget_id), "finance", "finance")
    signers.decide(app_of(client), UUID(budget_id), "management", "management")
    return budget_id


def expense(amount: str, receipt: str, image: bytes | None = None) -> dict[str, str]:
    scan = image or f"scan of receipt {receipt}".encode()
    return {
        "description": "hotel, two nights",
        "amount": amount,
        "incurred_on": company.today().isoformat(),
        "receipt_number": receipt,
        "receipt_image_base64": base64.b64encode(scan).decode(),
    }


def claim_body(budget_id: str, *lines: dict[str, str], **more: Any) -> dict[str, Any]:
    return {"budget_id": budget_id, "budget_line": "travel", "lines": list(lines), **more}


def through_chain(client: ServiceClient, signers: Signers, claim_id: str) -> None:
    for user, role in (("dept-head", "dept_head"), ("finance", "finance"), ("gm", "leadership_gm")):
        signers.decide(app_of(client), UUID(claim_id), user, role)


def test_bi_20_bi_23_claim_paid_after_three_approvals_and_charged_to_its_budget_line(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers)
    body = claim_body(budget_id, expense("700", "H-1"), expense("150", "T-7"))
    claim = client.ok("POST", "/expense-claims", "technician", body)
    claim_id = claim["claim_id"]
    assert (claim["amount"], claim["status"], claim["department"]) == (
        "850.00",
        "submitted",
        "service",
    )
    approval = client.ok("GET", f"/expense-claims/{claim_id}/approval", "technician")
    assert [s["name"] for s in approval["steps"]] == ["dept_head", "finance", "leadership"]

    refused(client, f"/expense-claims/{claim_id}/reimburse", "accountant", "BI-20")
    through_chain(client, signers, claim_id)
    assert (
        client.call("POST", f"/expense-claims/{claim_id}/reimburse", "technician").status_code
        == 403
    )
    paid = client.ok("POST", f"/expense-claims/{claim_id}/reimburse", "accountant")
    assert (paid["status"], paid["paid_out"], paid["reimbursed_by"]) == (
        "reimbursed",
        "850.00",
        "accountant",
    )
    refused(client, f"/expense-claims/{claim_id}/reimburse", "accountant", "BI-20")

    # BI-23: finance sees the line's actual spending, past the 80 % alert.
    lines = client.page(f"/expense-budget-lines?budget_id={budget_id}", "finance")["items"]
    assert [
        (row["line"], row["budgeted"], row["spent"], row["remaining"], row["threshold_exceeded"])
        for row in lines
    ] == [("travel", "1000.00", "850.00", "150.00", True)]
    claims = client.page("/expense-claims?employee_id=technician", "finance")
    assert [(c["claim_id"], c["status"]) for c in claims["items"]] == [(claim_id, "reimbursed")]
    assert claims["items"][0]["reimbursed_at"] == paid["reimbursed_at"] is not None


def test_bi_20_c6_the_unit_leader_decides_as_department_head(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers)
    claim = client.ok(
        "POST", "/expense-claims", "technician", claim_body(budget_id, expense("80", "B-1"))
    )
    approved = signers.decide(app_of(client), UUID(claim["claim_id"]), "unit-leader", "unit_leader")
    assert approved.approval is not None
    assert approved.approval.steps[0].decided_by == "unit-leader"


def test_bi_21_sales_expense_without_prior_approval_is_flagged_for_the_sales_manager(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers)
    pre = client.ok(
        "POST",
        "/expense-pre-approvals",
        "salesperson",
        {"purpose": "dinner with ACME's buyer", "est_amount": "500"},
    )
    assert (
        client.call(
            "POST", "/expense-pre-approvals", "technician", {"purpose": "x", "est_amount": "1"}
        ).status_code
        == 403
    )
    # Not yet granted: refused, nothing written.
    early = claim_body(
        budget_id, expense("300", "D-1"), sales_expense=True, pre_approval_id=pre["pre_approval_id"]
    )
    refused(client, "/expense-claims", "salesperson", "BI-21", early)
    signers.decide(app_of(client), UUID(pre["pre_approval_id"]), "sales-manager", "sales_manager")

    covered = client.ok("POST", "/expense-claims", "salesperson", early)
    assert covered["without_pre_approval"] is False
    used = client.ok("GET", f"/expense-pre-approvals/{pre['pre_approval_id']}", "finance")
    assert (used["status"], used["claim_id"]) == ("used", covered["claim_id"])
    again = claim_body(
        budget_id, expense("20", "D-2"), sales_expense=True, pre_approval_id=pre["pre_approval_id"]
    )
    refused(client, "/expense-claims", "salesperson", "BI-21", again)

    flagged = client.ok(
        "POST",
        "/expense-claims",
        "salesperson",
        claim_body(budget_id, expense("120", "D-3"), sales_expense=True),
    )
    assert flagged["without_pre_approval"] is True
    approval = client.ok("GET", f"/expense-claims/{flagged['claim_id']}/approval", "salesperson")
    assert approval["steps"][0]["name"] == "sales_manager_exception"
    listed = client.page("/expense-claims?without_pre_approval=true", "finance")
    assert [c["claim_id"] for c in listed["items"]] == [flagged["claim_id"]]


def test_bi_22_claims_wait_for_the_budget_management_approved(
    client: ServiceClient, signers: Signers
) -> None:
    body = {"department": "service", "year": 2026, "lines": [{"name": "travel", "amount": "500"}]}
    assert client.call("POST", "/expense-budgets", "salesperson", body).status_code == 403
    drafted = client.ok("POST", "/expense-budgets", "dept-head", body)
    budget_id = drafted["budget_id"]
    refused(client, "/expense-budgets", "dept-head", "BI-22", {**body, "year": 2027, "lines": []})
    refused(client, "/expense-budgets", "dept-head", "BI-22", body)  # one per department and year
    claim = claim_body(budget_id, expense("50", "C-1"))
    refused(client, "/expense-claims", "technician", "BI-22", claim)

    signers.decide(app_of(client), UUID(budget_id), "finance", "finance", "reject", "too much")
    revised = client.ok(
        "POST",
        f"/expense-budgets/{budget_id}/revise",
        "dept-head",
        {"lines": [{"name": "travel", "amount": "400"}]},
    )
    assert revised["status"] == "drafted"
    signers.decide(app_of(client), UUID(budget_id), "finance", "finance")
    refused(client, "/expense-claims", "technician", "BI-22", claim)
    signers.decide(app_of(client), UUID(budget_id), "management", "management")
    assert client.ok("GET", f"/expense-budgets/{budget_id}", "technician")["status"] == "in_force"
    assert client.ok("POST", "/expense-claims", "technician", claim)["status"] == "submitted"


def test_bi_23_over_budget_claim_is_flagged_for_leadership_and_refused_on_an_unknown_line(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers, travel="100")
    refused(
        client,
        "/expense-claims",
        "technician",
        "BI-23",
        {**claim_body(budget_id, expense("10", "E-1")), "budget_line": "entertainment"},
    )
    claim = client.ok(
        "POST", "/expense-claims", "technician", claim_body(budget_id, expense("150", "E-2"))
    )
    assert claim["over_budget"] is True
    through_chain(client, signers, claim["claim_id"])
    client.ok("POST", f"/expense-claims/{claim['claim_id']}/reimburse", "accountant")
    lines = client.page(f"/expense-budget-lines?budget_id={budget_id}", "finance")["items"]
    assert lines[0]["remaining"] == "-50.00"


def test_bi_23_a_claim_the_line_no_longer_covers_is_paid_only_once_approved_over_budget(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers, travel="100")
    first, second = (
        client.ok("POST", "/expense-claims", "technician", claim_body(budget_id, expense("60", r)))
        for r in ("G-1", "G-2")
    )
    for claim in (first, second):
        assert claim["over_budget"] is False
        through_chain(client, signers, claim["claim_id"])
    client.ok("POST", f"/expense-claims/{first['claim_id']}/reimburse", "accountant")
    refused(client, f"/expense-claims/{second['claim_id']}/reimburse", "accountant", "BI-23")
    refused(client, f"/expense-claims/{first['claim_id']}/over-budget", "finance", "BI-23")

    again = client.ok("POST", f"/expense-claims/{second['claim_id']}/over-budget", "finance")
    assert (again["status"], again["over_budget"]) == ("submitted", True)
    through_chain(client, signers, second["claim_id"])
    paid = client.ok("POST", f"/expense-claims/{second['claim_id']}/reimburse", "accountant")
    assert paid["status"] == "reimbursed"


def test_bi_24_open_advances_are_aged_and_netted_off_the_reimbursement(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers)
    advance = {"employee_id": "technician", "amount": "300", "trip_ref": "call 42, Ningbo"}
    assert client.call("POST", "/cash-advances", "technician", advance).status_code == 403
    advance_id = client.ok("POST", "/cash-advances", "accountant", advance)["advance_id"]
    open_advances = client.page("/cash-advances/open", "finance")["items"]
    assert [(a["advance_id"], a["outstanding"], a["age_days"]) for a in open_advances] == [
        (advance_id, "300.00", 0)
    ]
    repayment = f"/employees/technician/cash-advances/{advance_id}/repayments"
    refused(client, repayment, "accountant", "BI-24", {"amount": "300.01"})

    claim = client.ok(
        "POST", "/expense-claims", "technician", claim_body(budget_id, expense("500", "A-1"))
    )
    through_chain(client, signers, claim["claim_id"])
    paid = client.ok("POST", f"/expense-claims/{claim['claim_id']}/reimburse", "accountant")
    assert (paid["advance_netted"], paid["paid_out"]) == ("300.00", "200.00")
    assert client.page("/cash-advances/open", "finance")["items"] == []


def published_as(client: ServiceClient, event_type: str) -> list[Any]:
    """The contracts of that type billing's stored events are published as."""
    app = app_of(client)
    found = (
        OUTBOUND(app.mapper.to_domain_event(n))
        for n in app.recorder.select_notifications(1, 10_000)
    )
    return [c for c in found if c is not None and c.event_type == event_type]


def test_bi_24_row_19_an_advance_for_a_service_call_is_published_issued_then_settled(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers)
    call_id = str(uuid4())
    advance = {
        "employee_id": "technician",
        "amount": "300",
        "trip_ref": "call 42",
        "call_id": call_id,
    }
    bad = advance | {"call_id": "call 42"}
    assert client.call("POST", "/cash-advances", "accountant", bad).status_code == 422
    assert published_as(client, "CashAdvanceIssued") == []
    advance_id = client.ok("POST", "/cash-advances", "accountant", advance)["advance_id"]
    unlinked = {"employee_id": "technician", "amount": "50", "trip_ref": "inspection round"}
    client.ok("POST", "/cash-advances", "accountant", unlinked)
    issued = {str(e.advance_id): e for e in published_as(client, "CashAdvanceIssued")}
    assert (str(issued[advance_id].call_id), issued[advance_id].amount) == (call_id, Decimal(300))
    assert [e.call_id for k, e in issued.items() if k != advance_id] == [None]

    claim = client.ok(
        "POST", "/expense-claims", "technician", claim_body(budget_id, expense("500", "A-1"))
    )
    through_chain(client, signers, claim["claim_id"])
    client.ok("POST", f"/expense-claims/{claim['claim_id']}/reimburse", "accountant")
    (settled,) = [e for e in published_as(client, "CashAdvanceSettled") if e.call_id is not None]
    assert (str(settled.advance_id), str(settled.claim_id)) == (advance_id, claim["claim_id"])
    assert (settled.amount, settled.outstanding) == (Decimal(300), Decimal(0))


def test_bi_25_a_receipt_is_claimed_once_and_a_forgery_is_recorded_against_the_claimant(
    client: ServiceClient, signers: Signers
) -> None:
    budget_id = budget(client, signers)
    first = client.ok(
        "POST", "/expense-claims", "technician", claim_body(budget_id, expense("60", "F-1"))
    )
    # The same scan under another number, the same number on another scan: both refused.
    same_scan = expense("60", "F-2", image=b"scan of receipt F-1")
    refused(client, "/expense-claims", "technician", "BI-25", claim_body(budget_id, same_scan))
    same_number = expense("60", "F-1", image=b"another scan")
    refused(client, "/expense-claims", "technician", "BI-25", claim_body(budget_id, same_number))

    # Once its claim is rejected, the receipt may be claimed again.
    signers.decide(
        app_of(client), UUID(first["claim_id"]), "dept-head", "dept_head", "reject", "wrong line"
    )
    second = client.ok(
        "POST", "/expense-claims", "technician", claim_body(budget_id, expense("60", "F-1"))
    )

    forgery = f"/expense-claims/{second['claim_id']}/forgery"
    assert client.call("POST", forgery, "technician", {"evidence": "x"}).status_code == 403
    forged = client.ok("POST", forgery, "finance", {"evidence": "the hotel issued no F-1"})
    assert forged["status"] == "forged"
    refused(client, forgery, "finance", "BI-25", {"evidence": "again"})
    app = app_of(client)
    recorded = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=1, limit=100)
        if n.topic.endswith("RuleViolationRecorded")
    ]
    assert len(recorded) == 1
    assert isinstance(recorded[0], ViolationRecord.RuleViolationRecorded)
    assert (recorded[0].finding.rule_id, recorded[0].finding.person_id) == ("BI-25", "technician")
