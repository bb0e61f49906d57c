"""Nothing a service accepts can be refused downstream (property-based, with hypothesis).

Values are drawn from the JSON schemas of the public contracts and of the HTTP request bodies
(which share their bounds), pushed through every consumer's policies and every command that
produces a published event; then every event a service stored is mapped to its contract, as the
relay would, and must validate and fit in one broker message. The only exception allowed on the
way is a refusal (a RuleViolation: a 422 over HTTP, a dead letter in the inbox)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import BaseModel, ValidationError

from contracts import IntegrationEvent
from contracts.customers import CustomerApproved, CustomerRegistered
from countersign.services import SPECS
from customers.adapters.http.credit import Conclusion, CreditLimitChange
from customers.adapters.http.customers import (
    AssignOwners,
    DecideGrade,
    RecordFile,
    RegisterCustomer,
    SubmitForApproval,
)
from customers.adapters.http.risk import Assess, CompleteChecklist, Reasoned, ReportAbnormality
from customers.adapters.http.risk import Decide as DecideReview
from customers.application import CustomersApplication
from customers.domain.credit_investigation import FORM_ITEMS, InvestigationMethod
from customers.domain.customer import Contact
from kernel.approvals.domain import Capacity, Method
from kernel.roles import Role
from kernel.settings import KernelSettings
from kernel.signing.commands import PageAnswer
from kernel.signing.http import RequestSignature, SigningAnswer, printable
from orders.adapters.http.orders import PlaceOrder
from orders.adapters.http.sales_contracts import DraftContract
from orders.application import OrdersApplication
from orders.domain.order import OrderLine
from orders.domain.sales_contract import ContractStatus
from runtime.aggregate import RuleViolation
from runtime.application import ServiceApplication
from runtime.relay import envelope_for
from runtime.service import ServiceSpec
from runtime.signing import init_dev_keys, service_key_id
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from tests.signers import DRAWN, Signers, as_user, on_paper

M = TypeVar("M", bound=BaseModel)

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
FORMATS = {
    "uuid": st.uuids().map(str),
    # Instants and days in the window every contract admits (what lies outside it is refused
    # at the edge, and tested there).
    "date-time": st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2099, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
    ).map(datetime.isoformat),
    "date": st.dates(min_value=date(2000, 1, 1), max_value=date(2199, 12, 31)).map(str),
}
POLICY = CommandContext("policy")
SALES = as_user("salesperson", "salesperson")
MANAGER = as_user("sales-manager", "sales_manager")
CUSTOMER = CommandContext("customer")


def valid(model: type[M]) -> st.SearchStrategy[M]:
    """Instances of ``model`` drawn from its JSON schema (what a client or a producer may send).

    Lists are kept short (the largest inputs have tests of their own), and an order line gets
    one serial number per unit when it has any: the one rule across fields a JSON schema cannot
    state, which would otherwise reject nearly every drawn line."""

    def validated(data: Any) -> M | None:
        try:
            return model.model_validate(_one_serial_per_unit(data))
        except ValidationError:
            return None

    schema = _short_lists(model.model_json_schema(mode="validation"))
    return from_schema(schema, custom_formats=FORMATS).map(validated).filter(bool)  # type: ignore[arg-type]


_DECIMAL = {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$"}


def _short_lists(schema: Any) -> Any:
    """The schema with short lists, no members beyond the declared ones (readers ignore those;
    drawing them only costs time), and amounts drawn as non-negative decimal strings of their
    bounded size (a JSON number would mostly have too many digits)."""
    if isinstance(schema, dict):
        branches = schema.get("anyOf", [])
        if {"type": "number"} in [{"type": b.get("type")} for b in branches] and any(
            b.get("type") == "string" for b in branches
        ):
            return _DECIMAL
        found = {key: _short_lists(value) for key, value in schema.items()}
        if "maxItems" in found:
            found["maxItems"] = min(found["maxItems"], 4)
        if found.get("type") == "object" and "properties" in found:
            found["additionalProperties"] = False
        return found
    if isinstance(schema, list):
        return [_short_lists(item) for item in schema]
    return schema


def _one_serial_per_unit(data: Any) -> Any:
    if isinstance(data, dict):
        serials = data.get("serial_numbers")
        if isinstance(serials, list) and serials:
            data = {**data, "quantity": len(serials)}
        return {key: _one_serial_per_unit(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_one_serial_per_unit(item) for item in data]
    return data


def published(spec: ServiceSpec, app: ServiceApplication, after: int) -> int:
    """Map every event stored after ``after`` to its contract, as the relay does: each must
    validate and fit in a broker message. Returns the last notification id."""
    last = after
    for notification in app.recorder.select_notifications(after + 1, 10_000):
        event = app.mapper.to_domain_event(notification)
        contract = spec.publishing(event)
        if contract is not None:
            message = envelope_for(spec.name, notification, event, contract).model_dump_json()
            assert len(message.encode()) <= app.settings.kafka_max_message_bytes
            type(contract).model_validate_json(contract.model_dump_json())
        last = notification.id
    return last


@pytest.fixture
def settings_(tmp_path: Path) -> KernelSettings:
    users = ["gm", "sales-manager", "finance", "legal-expert"]
    init_dev_keys(tmp_path / "keys", [*users, service_key_id("orders")])
    return KernelSettings(data_dir=tmp_path)


CONSUMED = [(spec.name, contract) for spec in SPECS.values() for contract in spec.consumed()]


@pytest.mark.parametrize(
    ("service", "contract"), CONSUMED, ids=[f"{s} <- {c.__name__}" for s, c in CONSUMED]
)
def test_every_policy_takes_every_valid_message_or_refuses_it(
    settings_: KernelSettings, service: str, contract: type[IntegrationEvent]
) -> None:
    spec = SPECS[service]
    app = spec.application(settings_)
    positions = itertools.count(1)
    seen = [0]

    @EXAMPLES
    @given(valid(contract))
    def apply(event: IntegrationEvent) -> None:
        tracking = Tracking(f"{event.producer}.events:0", next(positions))
        try:
            app.process(event, POLICY, tracking)
        except RuleViolation:
            return  # refused: the inbox dead-letters it
        seen[0] = published(spec, app, seen[0])

    try:
        apply()
    finally:
        app.close()


def test_customer_commands_publish_whatever_they_accept(settings_: KernelSettings) -> None:
    spec = SPECS["customers"]
    app = CustomersApplication(settings_)
    Signers(settings_.keys_path).put_policies_in_force(app)
    seen = [0]

    @EXAMPLES
    @given(
        valid(RegisterCustomer),
        valid(SubmitForApproval),
        valid(RecordFile),
        st.lists(valid(DecideGrade), max_size=3),
        valid(AssignOwners),
    )
    def register(
        body: RegisterCustomer,
        submit: SubmitForApproval,
        file: RecordFile,
        grades: list[DecideGrade],
        owners: AssignOwners,
    ) -> None:
        customer = app.register_customer(SALES, body.legal_name, body.owner_id or "salesperson")
        with contextlib.suppress(RuleViolation):
            app.submit_for_approval(SALES, customer.id, submit.credit_limit, submit.currency)
        contacts = None
        if file.contacts is not None:
            contacts = [value_object(Contact, contact) for contact in file.contacts]
        with contextlib.suppress(RuleViolation):
            app.record_customer_file(
                SALES,
                customer.id,
                org_structure=file.org_structure,
                contacts=contacts,
                premises=file.premises,
                industry_standing=file.industry_standing,
                business_notes=file.business_notes,
                important=file.important,
            )
        for grade in grades:  # CU-03, CU-05: the first grade, then changes
            with contextlib.suppress(RuleViolation):
                app.decide_grade(MANAGER, customer.id, grade.grade, grade.reason or "")
        with contextlib.suppress(RuleViolation):
            app.assign_owners(
                MANAGER, customer.id, owners.owner_id, owners.deputy_id, owners.reason
            )
        seen[0] = published(spec, app, seen[0])

    try:
        register()
    finally:
        app.close()


DECIDERS = {
    "finance": ("finance", Role.FINANCE),
    "sales_manager": ("sales-manager", Role.SALES_MANAGER),
    "leadership": ("gm", Role.LEADERSHIP_GM),
}
"""Who decides each step of the customers' chains in these tests."""


def test_credit_commands_publish_whatever_they_accept(settings_: KernelSettings) -> None:
    """CU-02 rejections, CU-07 credit terms and CU-12 changes of limit, from what the routes
    admit."""
    spec = SPECS["customers"]
    app = CustomersApplication(settings_)
    signers = Signers(settings_.keys_path)
    signers.put_policies_in_force(app)
    seen = [0]

    def decide_all(customer_id: UUID, rejection: str | None = None) -> None:
        approval = app.document(customer_id).approval
        assert approval is not None
        for state in approval.steps:
            user, role = DECIDERS[state.step.name]
            if rejection is not None:
                signers.decide(app, customer_id, user, role, "reject", rejection)
                return
            signers.decide(app, customer_id, user, role)

    @EXAMPLES
    @given(valid(SubmitForApproval), valid(Conclusion), valid(CreditLimitChange), st.booleans())
    def credit(
        submit: SubmitForApproval, conclusion: Conclusion, change: CreditLimitChange, reject: bool
    ) -> None:
        customer = app.register_customer(SALES, "ACME", "salesperson")
        try:
            app.submit_for_approval(SALES, customer.id, submit.credit_limit, submit.currency)
        except RuleViolation:
            return
        # XC-01 refuses a rejection without a reason: only a stated one rejects.
        decide_all(customer.id, change.reason if reject and change.reason.strip() else None)
        investigation = app.open_credit_investigation(
            MANAGER, customer.id, InvestigationMethod.INTERNAL, "salesperson"
        )
        answers = {item: conclusion.conclusion for item in FORM_ITEMS}
        with contextlib.suppress(RuleViolation):  # a blank answer or limit, an unchanged limit
            app.answer_investigation_form(SALES, investigation.id, answers)
            app.complete_credit_investigation(SALES, investigation.id, conclusion.conclusion)
            app.request_credit_limit_change(SALES, customer.id, change.credit_limit, change.reason)
            decide_all(customer.id)
        seen[0] = published(spec, app, seen[0])

    try:
        credit()
    finally:
        app.close()


@pytest.fixture
def orders(settings_: KernelSettings) -> Iterator[tuple[OrdersApplication, UUID]]:
    app = OrdersApplication(settings_)
    customer_id = uuid4()
    registered = CustomerRegistered(customer_id=customer_id, legal_name="A", owner_id="s")
    approved = CustomerApproved(
        customer_id=customer_id, credit_limit=Decimal(1), currency="CNY", approved_by="m"
    )
    app.process(registered, POLICY, Tracking("customers.events:0", 1))
    app.process(approved, POLICY, Tracking("customers.events:0", 2))
    yield app, customer_id
    app.close()


def test_order_commands_publish_whatever_they_accept(
    orders: tuple[OrdersApplication, UUID],
) -> None:
    spec = SPECS["orders"]
    app, customer_id = orders
    warehouse = as_user("warehouse", "warehouse_keeper")
    seen = [0]

    @EXAMPLES
    @given(
        valid(PlaceOrder),
        valid(RequestSignature),
        valid(SigningAnswer),
        st.text(max_size=600),
    )
    def sell(
        body: PlaceOrder, request: RequestSignature, answer: SigningAnswer, user_agent: str
    ) -> None:
        lines = tuple(value_object(OrderLine, line) for line in body.lines)
        try:
            order = app.place_order(SALES, customer_id, lines)
            app.ship_order(warehouse, order.id)
            link = app.request_customer_signature(
                SALES,
                order.id,
                request.contact_name,
                request.contact,
                timedelta(hours=request.open_hours),
            )
            # Whatever the page takes from the customer (the drawing is the page's own PNG).
            posted = PageAnswer(
                signed=answer.signed,
                typed_name=answer.typed_name,
                comment=answer.comment,
                image=DRAWN if answer.signed else None,
                client_address="203.0.113.9",
                user_agent=printable(user_agent, 500),
            )
            app.answer_signing_request(CUSTOMER, link.token, posted)
        except RuleViolation:
            pass
        seen[0] = published(spec, app, seen[0])
        assume(seen[0] > 0)

    sell()


CONTRACT_APPROVERS = {
    "department_review": ("finance", Role.FINANCE),
    "legal_expert": ("legal-expert", Role.LEGAL_EXPERT),
    "sales_manager": ("sales-manager", Role.SALES_MANAGER),
    "leadership": ("gm", Role.LEADERSHIP_GM),
}


def test_contract_commands_publish_whatever_they_accept(
    orders: tuple[OrdersApplication, UUID], settings_: KernelSettings
) -> None:
    """Whatever a drafted contract states, once confirmed, approved and signed by both parties,
    publishes as ``ContractSigned``."""
    spec = SPECS["orders"]
    app, customer_id = orders
    signers = Signers(settings_.keys_path)
    signers.put_policies_in_force(app)
    seen, signed = [0], [0]

    def approve_all(contract_id: UUID) -> None:
        approval = app.document(contract_id).approval
        while approval is not None and (pending := approval.next_step()) is not None:
            user, role = CONTRACT_APPROVERS[pending.step.name]
            signers.decide(app, contract_id, user, role)
            approval = app.document(contract_id).approval

    @EXAMPLES
    @given(valid(DraftContract))
    def contract(body: DraftContract) -> None:
        try:
            drafted = app.draft_sales_contract(
                SALES,
                None,
                customer_id,
                body.currency,
                body.contract_lines(),
                body.payment_terms_days,
                body.term_months,
                body.liability_clause,
                tuple(body.special_clauses),
                body.important_or_complex,
            )
            if drafted.non_standard_terms(30):
                approve_all(app.propose_contract_deviations(SALES, drafted.id).id)
            approve_all(app.submit_sales_contract(SALES, drafted.id).id)
            seal = on_paper()
            company = type(seal)(
                "gm", "Wu Hao", Capacity.EMPLOYEE, "Countersign", Method.SEAL, "0" * 64,
                "Shanghai", seal.signed_at,
            )  # fmt: skip
            signers.seal(app, drafted.id, "gm", company)
            signers.seal(app, drafted.id, "finance", seal)
            assert app.sales_contract(drafted.id).status is ContractStatus.SIGNED
            signed[0] += 1
        except RuleViolation:
            pass
        seen[0] = published(spec, app, seen[0])
        assume(seen[0] > 0)

    contract()
    assert signed[0] > 0


def test_risk_commands_publish_whatever_they_accept(tmp_path: Path) -> None:
    """CU-13, CU-06: an abnormality, a provisional hold, the review's decision and an approved
    release, from whatever their request bodies admit."""
    init_dev_keys(tmp_path / "keys", ["gm", "sales-manager", "finance"])
    settings_ = KernelSettings(data_dir=tmp_path)
    spec = SPECS["customers"]
    app = CustomersApplication(settings_)
    signers = Signers(settings_.keys_path)
    signers.put_policies_in_force(app)
    finance = as_user("finance", "finance")
    deciders = as_user("sales-manager", "sales_manager", "leadership_gm")
    approvers = {"finance": "finance", "sales_manager": "sales-manager", "leadership_gm": "gm"}
    seen = [0]

    @EXAMPLES
    @given(
        valid(ReportAbnormality),
        valid(Reasoned),
        valid(CompleteChecklist),
        valid(Assess),
        valid(DecideReview),
    )
    def review(
        report: ReportAbnormality,
        hold: Reasoned,
        checklist: CompleteChecklist,
        assess: Assess,
        decide: DecideReview,
    ) -> None:
        customer = app.register_customer(SALES, "ACME", "salesperson")
        try:
            app.report_abnormality(SALES, customer.id, report.source, report.facts, report.severity)
        except RuleViolation:
            # CU-13 refuses a report stating no facts (blank text the body admits): no event.
            assert not report.facts.strip()
            return
        review_id = app.customer(customer.id).open_review_id
        assert review_id is not None
        with contextlib.suppress(RuleViolation):
            app.place_provisional_hold(finance, customer.id, hold.reason)
        with contextlib.suppress(RuleViolation):
            app.complete_review_checklist(SALES, review_id, checklist.checklist)
            app.assess_review(finance, review_id, assess.payment_history, assess.exposure)
            app.decide_review(deciders, review_id, decide.decision, decide.reason)
            app.request_release(SALES, review_id, hold.reason)
            document = app.document(review_id)
            while document.approval and (step := document.approval.next_step()):
                role = step.roles[0]
                document = signers.decide(app, review_id, approvers[role], role)
            app.release(SALES, review_id)
        seen[0] = published(spec, app, seen[0])

    try:
        review()
    finally:
        app.close()
