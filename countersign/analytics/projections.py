"""The analytical projections `countersign replay` writes: each one SQL query over the view
``replayed`` (the ``events`` table up to ``--as-of``) and the order its rows are written in.

Every table's columns are documented in docs/analytics.md. A projection reads the payload's
fields by name (``payload->>'field'``): the events' own field names, as in RULES.md §6.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import duckdb
import duckdb.sqltypes
from duckdb.func import FunctionNullHandling

from billing.domain.aging import AGING_BUCKETS, OLDEST_BUCKET, days_sales_outstanding
from billing.domain.reconciliation import Period
from kernel.application import CALENDAR, RULE_PARAMETERS
from kernel.calendar import Calendar, CalendarConfig
from kernel.policy.parameters import RuleParameters
from service_desk.domain.service_call import SLA_OUTCOMES
from service_desk.domain.survey import SATISFIED_AT_LEAST, Ratings


@dataclass(frozen=True)
class AnalyticalProjection:
    query: str
    order: str
    """Columns that order the rows totally: the same events give the same table, row for row."""
    report: str | None = None
    """The rule of a mandatory periodic report (XC-11): the replay records the event positions
    it was computed at in ``report_positions``, so it can be reproduced exactly (XC-04)."""


REPORT_POSITIONS = "report_positions"
"""Per periodic report rebuilt and per service, the last event position it includes."""


APPROVAL_EVENTS = (
    "Approvable.ApprovalRequested",
    "Approvable.ApprovalGranted",
    "Approvable.ApprovalRejected",
    "Approvable.ApprovalInvalidated",
    "Approvable.ApprovalOverdue",
    "Approvable.SignatureCaptured",
    "Approvable.SignatureVoided",
    "Approvable.MajorMatterReported",
    "Signable.CustomerSigned",
    "Signable.SigningDeclined",
    "PolicyVersion.Approved",
)

APPROVALS_AUDIT = AnalyticalProjection(
    f"""
    SELECT
        service,
        coalesce(payload->>'document_type', payload->>'policy_key') AS document_type,
        stream_id AS document_id,
        split_part(event, '.', 2) AS action,
        recorded_at AS at,
        coalesce(
            payload->>'approver_id', payload->>'requested_by', payload->>'approved_by',
            payload->>'$.capture.signer_name', payload->>'$.answer.typed_name', actor
        ) AS actor,
        coalesce(payload->>'approver_role', payload->>'$.capture.capacity',
                 CASE WHEN event LIKE 'Signable.%' THEN 'customer' END) AS role,
        payload->>'step' AS step,
        TRY_CAST(coalesce(payload->>'policy_version', payload->>'number') AS BIGINT)
            AS policy_version,
        coalesce(payload->>'subject_version_hash', payload->>'document_version_hash',
                 payload->>'digest') AS document_version_hash,
        position
    FROM replayed
    WHERE event IN ({", ".join(f"'{event}'" for event in APPROVAL_EVENTS)})
    """,
    "service, position",
)
"""Every approval step, signature and policy approval: who, in what role, under which policy
version, on which version of the document (XC-01, XC-02)."""

APPROVAL_LEAD_TIMES = AnalyticalProjection(
    """
    WITH steps AS (
        SELECT
            service,
            stream_id,
            payload->>'approval_id' AS approval_id,
            payload->>'document_type' AS document_type,
            payload->>'kind' AS kind,
            event,
            payload->>'step' AS step,
            payload->>'approver_id' AS approver_id,
            payload->>'approver_role' AS approver_role,
            recorded_at,
            position
        FROM replayed
        WHERE event IN ('Approvable.ApprovalRequested', 'Approvable.ApprovalGranted',
                        'Approvable.ApprovalRejected')
    ),
    timed AS (
        SELECT
            *,
            lag(recorded_at) OVER (PARTITION BY service, approval_id ORDER BY position)
                AS waiting_since,
            first_value(document_type) OVER (PARTITION BY service, approval_id ORDER BY position)
                AS requested_document_type,
            first_value(kind) OVER (PARTITION BY service, approval_id ORDER BY position)
                AS approval_kind
        FROM steps
    )
    SELECT
        service,
        requested_document_type AS document_type,
        stream_id AS document_id,
        approval_id,
        approval_kind AS kind,
        step,
        CASE WHEN event = 'Approvable.ApprovalGranted' THEN 'granted' ELSE 'rejected' END
            AS decision,
        approver_id,
        approver_role,
        waiting_since,
        recorded_at AS decided_at,
        -- As the live lead times count it: a clock stepping back makes a wait of 0, not < 0.
        greatest(epoch(recorded_at) - epoch(waiting_since), 0) AS waited_seconds,
        position
    FROM timed
    WHERE event <> 'Approvable.ApprovalRequested'
    """,
    "service, position",
)
"""Each decided approval step, how long it waited (from the request or the step before) and who
decided it."""

ORDER_TO_CASH = AnalyticalProjection(
    """
    WITH orders AS (
        SELECT
            stream_id AS order_id,
            any_value(payload->>'customer_id') FILTER (WHERE event = 'Order.Placed')
                AS customer_id,
            min(recorded_at) FILTER (WHERE event = 'Order.Placed') AS placed_at,
            min(recorded_at) FILTER (WHERE event = 'Order.GoodsRequestApprovedBySalesManager')
                AS approved_at,
            min(recorded_at) FILTER (WHERE event = 'Order.CreditCheckPassed') AS credit_passed_at,
            -- The order's own instants (``Order.shipped_at``, ``received_at``), as its views
            -- and the delivery tracking sheet (OR-30) show them: the goods last left the
            -- warehouse (a back order's shipment comes after the first), and the customer
            -- signed the acceptance (OR-22; signed on paper before it was recorded).
            max(recorded_at) FILTER (WHERE event = 'Order.GoodsIssued') AS shipped_at,
            any_value(CAST(payload->>'received_at' AS TIMESTAMPTZ))
                FILTER (WHERE event = 'Order.DeliveryConfirmed') AS delivered_at
        FROM replayed
        WHERE service = 'orders' AND event LIKE 'Order.%'
        GROUP BY stream_id
    ),
    invoices AS (
        SELECT
            stream_id AS invoice_id,
            any_value(payload->>'order_id') FILTER (WHERE event = 'Invoice.Issued') AS order_id,
            min(recorded_at) FILTER (WHERE event = 'Invoice.Issued') AS invoiced_at,
            -- As ``Invoice.receipt_signed_at``: when the customer signed, not when it was recorded.
            min(CAST(payload->>'signed_at' AS TIMESTAMPTZ))
                FILTER (WHERE event = 'Invoice.ReceiptSigned') AS receipt_signed_at,
            -- Billing's own decision (BI-09): paid in full net of its credit notes.
            min(recorded_at) FILTER (WHERE event = 'Invoice.PaidInFull') AS paid_in_full_at
        FROM replayed
        WHERE service = 'billing' AND event LIKE 'Invoice.%'
        GROUP BY stream_id
    ),
    invoice_per_order AS (
        SELECT order_id, min(invoice_id) AS invoice_id, min(invoiced_at) AS invoiced_at,
               min(receipt_signed_at) AS receipt_signed_at,
               max(paid_in_full_at) AS paid_in_full_at,
               bool_and(paid_in_full_at IS NOT NULL) AS paid
        FROM invoices WHERE order_id IS NOT NULL GROUP BY order_id
    )
    SELECT
        o.order_id,
        o.customer_id,
        o.placed_at,
        o.approved_at,
        o.credit_passed_at,
        o.shipped_at,
        o.delivered_at,
        i.invoice_id,
        i.invoiced_at,
        i.receipt_signed_at,
        CASE WHEN i.paid THEN i.paid_in_full_at END AS paid_at,
        epoch(o.approved_at) - epoch(o.placed_at) AS approval_seconds,
        epoch(o.shipped_at) - epoch(o.approved_at) AS approval_to_shipment_seconds,
        epoch(o.delivered_at) - epoch(o.shipped_at) AS shipment_to_delivery_seconds,
        epoch(i.invoiced_at) - epoch(o.delivered_at) AS delivery_to_invoice_seconds,
        epoch(i.receipt_signed_at) - epoch(i.invoiced_at) AS invoice_to_receipt_seconds,
        epoch(CASE WHEN i.paid THEN i.paid_in_full_at END) - epoch(i.invoiced_at)
            AS invoice_to_cash_seconds,
        epoch(CASE WHEN i.paid THEN i.paid_in_full_at END) - epoch(o.placed_at)
            AS order_to_cash_seconds
    FROM orders o LEFT JOIN invoice_per_order i ON i.order_id = o.order_id
    WHERE o.placed_at IS NOT NULL
    """,
    "order_id",
)
"""One row per goods request: when each step of order to cash happened and how long it took."""

_RECEIVABLES = """
    issued AS (
        SELECT
            stream_id AS invoice_id,
            payload->>'number' AS number,
            payload->>'customer_id' AS customer_id,
            payload->>'order_id' AS order_id,
            payload->>'currency' AS currency,
            CAST(payload->>'amount' AS DECIMAL(18, 2)) AS amount,
            coalesce(CAST(payload->>'issued_on' AS DATE), utc_day(recorded_at)) AS issued_on,
            CAST(payload->>'due_on' AS DATE) AS due_on
        FROM replayed
        WHERE service = 'billing' AND event = 'Invoice.Issued'
    ),
    -- What billing's receivables take off an invoice, and on which day (``outstanding_on``):
    -- a payment on the day it was paid, a credit note or a write-off on the day it was recorded.
    taken_off AS (
        SELECT
            stream_id AS invoice_id,
            CAST(payload->>'paid' AS DECIMAL(18, 2)) AS paid,
            CAST(payload->>'credited' AS DECIMAL(18, 2)) AS credited,
            CAST(payload->>'written_off' AS DECIMAL(18, 2)) AS written_off,
            coalesce(CAST(payload->>'paid_on' AS DATE), utc_day(recorded_at)) AS taken_on
        FROM replayed
        WHERE service = 'billing'
          AND event IN ('Invoice.PaymentApplied', 'Invoice.Credited', 'Invoice.WrittenOff')
    )
"""
"""Billing's receivables as its events state them: each invoice issued, and each part a payment,
a credit note or a write-off took off one, dated as billing's ``payment_parts`` date it."""


def invoices_on(days: str) -> str:
    """SQL: each invoice issued by the end of each day ``as_of`` of the query ``days``, and what
    was taken off it and was still outstanding then, as billing's ``outstanding_on`` reads it: the
    one open balance the aging, DSO and reconciliation coverage all count from."""
    return f"""
    WITH {_RECEIVABLES},
    days AS ({days}),
    taken AS (
        SELECT
            days.as_of,
            taken_off.invoice_id,
            coalesce(sum(paid), 0) AS paid,
            coalesce(sum(credited), 0) AS credited,
            coalesce(sum(written_off), 0) AS written_off
        FROM taken_off JOIN days ON taken_off.taken_on <= days.as_of
        GROUP BY ALL
    )
    SELECT
        issued.*,
        coalesce(taken.paid, 0) AS paid,
        coalesce(taken.credited, 0) AS credited,
        coalesce(taken.written_off, 0) AS written_off,
        issued.amount - coalesce(taken.paid + taken.credited + taken.written_off, 0)
            AS outstanding,
        days.as_of
    FROM issued
    JOIN days ON issued.issued_on <= days.as_of
    LEFT JOIN taken ON taken.invoice_id = issued.invoice_id AND taken.as_of = days.as_of
    """


_INVOICES_AS_OF = invoices_on("SELECT local_day(as_of) AS as_of FROM replay_moment")
"""Each invoice as of the company's day of the replay's moment."""


def aging_bucket(days_overdue: str) -> str:
    """SQL of billing's aging bucket (``billing.domain.aging``, the live read model's too) of a
    receivable ``days_overdue`` days past due."""
    cases = " ".join(f"WHEN {days_overdue} <= {most} THEN '{name}'" for name, most in AGING_BUCKETS)
    return f"CASE {cases} ELSE '{OLDEST_BUCKET}' END"


RECEIVABLES_AGING = AnalyticalProjection(
    f"""
    SELECT
        *,
        greatest(as_of - due_on, 0) AS days_overdue,
        CASE
            WHEN outstanding <= 0 THEN 'settled'
            ELSE {aging_bucket("coalesce(as_of - due_on, 0)")}
        END AS bucket
    FROM ({_INVOICES_AS_OF})
    """,
    "invoice_id",
)
"""Each invoice as of the replay's moment: what is paid, credited, written off and outstanding,
and its aging bucket (BI-13)."""


def policies_in_force(policy_key: str) -> str:
    """SQL: per service, the number and text of the version of ``policy_key`` in force there at
    the replay's moment (XC-07); no row for a service where the general manager signed none."""
    return f"""
    WITH versions AS (
        SELECT
            service,
            CAST(payload->>'number' AS INTEGER) AS number,
            any_value(payload->>'content') FILTER (WHERE event = 'PolicyVersion.Proposed')
                AS content,
            bool_or(event = 'PolicyVersion.Approved') AS approved
        FROM replayed
        WHERE event IN ('PolicyVersion.Proposed', 'PolicyVersion.Approved')
          AND payload->>'policy_key' = '{policy_key}'
        GROUP BY ALL
    ),
    -- As ``KernelApplication.policy_in_force`` looks them up: versions 1, 2, ... up to the
    -- first number missing, the newest of them signed.
    counted AS (
        SELECT *, row_number() OVER (PARTITION BY service ORDER BY number) AS nth FROM versions
    )
    SELECT service, number, content
    FROM counted
    WHERE approved AND number = nth
    QUALIFY number = max(number) OVER (PARTITION BY service)
    """


DSO = AnalyticalProjection(
    f"""
    WITH policy AS (
        -- NULL while the general manager signed none in billing.
        SELECT (SELECT rule_parameter_dso_period_days(content)
                FROM ({policies_in_force(RULE_PARAMETERS)}) WHERE service = 'billing')
            AS period_days
    ),
    totals AS (
        SELECT
            as_of,
            currency,
            period_days,
            coalesce(sum(outstanding) FILTER (WHERE outstanding > 0), 0) AS receivables,
            -- No period without a policy in force: no sales of it, no DSO (never guessed).
            CASE WHEN period_days IS NOT NULL THEN
                coalesce(sum(amount) FILTER (WHERE issued_on > as_of - period_days), 0)
            END AS credit_sales
        FROM ({_INVOICES_AS_OF}), policy
        GROUP BY as_of, currency, period_days
    )
    SELECT
        as_of,
        currency,
        period_days,
        receivables,
        credit_sales,
        CAST(days_sales_outstanding(receivables, credit_sales, period_days) AS DOUBLE) AS dso_days
    FROM totals
    """,
    "currency",
)
"""Days sales outstanding as of the replay's moment: open receivables over the credit sales of
the DSO period up to that day, times its days, by billing's own formula
(``days_sales_outstanding``), the period being the rule parameters' in force then (BI-13)."""


def dso_period_days(rule_parameters: str) -> int:
    """BI-13's DSO period in the rule parameters of this text (``config/rule-parameters.toml``)."""
    return RuleParameters.parse(rule_parameters).receivables.dso_period_days


def calendar_zone(calendar: str) -> str:
    """XC-10's zone in the working calendar of this text (``config/calendar.toml``)."""
    return Calendar.parse(calendar).config.time_zone


COMPANY_DAY = f"""
    -- DuckDB binds a macro's query when it is created, and the engine defines ``replayed``
    -- (the events up to the replay's moment) after the functions: until then, every event.
    CREATE TEMP VIEW IF NOT EXISTS replayed AS SELECT * FROM events;
    CREATE OR REPLACE TEMP MACRO company_zone() AS coalesce(
        (SELECT calendar_zone(arg_max(content, number)) FROM ({policies_in_force(CALENDAR)})),
        '{CalendarConfig().time_zone}'
    );
    CREATE OR REPLACE TEMP MACRO local_day(instant) AS
        CAST(timezone(company_zone(), instant) AS DATE);
"""
"""``local_day(instant)``: the company's day of a moment, in the zone of the working calendar in
force at the replay's moment (XC-07, XC-10), as the live services read ``calendar.zone``; the
kernel's default zone while the general manager signed none. Each service holds its own signed
copy of the calendar: the newest version in force in any of them is the company's."""


def register_functions(db: duckdb.DuckDBPyConnection) -> None:
    """The services' own pure functions the queries call where one definition must serve the
    live read models and the replay alike, on values few enough (one per group) that calling
    Python costs nothing; then the company's day, which calls them."""
    money = duckdb.decimal_type(18, 2)
    db.create_function(
        "days_sales_outstanding",
        days_sales_outstanding,
        [money, money, duckdb.sqltypes.INTEGER],
        duckdb.decimal_type(18, 1),
        null_handling=FunctionNullHandling.SPECIAL,  # no sales: no DSO (None)
    )
    db.create_function(
        "rule_parameter_dso_period_days",
        dso_period_days,
        [duckdb.sqltypes.VARCHAR],
        duckdb.sqltypes.INTEGER,
    )
    db.create_function(
        "calendar_zone", calendar_zone, [duckdb.sqltypes.VARCHAR], duckdb.sqltypes.VARCHAR
    )
    db.execute(COMPANY_DAY)


SLA_DECIDED = " OR ".join(
    f"(event = 'ServiceCall.{name}'"
    + ("" if flag is None else f" AND CAST(payload->>'{flag}' AS BOOLEAN)")
    + ")"
    for name, flag in SLA_OUTCOMES.items()
)
"""The events that decide a call's SLA outcome, as service-desk's ``sla_outcome`` reads them."""

SERVICE_SLA = AnalyticalProjection(
    f"""
    WITH calls AS (
        SELECT
            stream_id AS call_id,
            any_value(payload->>'zone') FILTER (WHERE event = 'ServiceCall.Registered') AS zone,
            min(recorded_at) FILTER (WHERE event = 'ServiceCall.Registered') AS registered_at,
            any_value(CAST(payload->>'sla_due_at' AS TIMESTAMPTZ))
                FILTER (WHERE event = 'ServiceCall.Registered') AS sla_due_at,
            arg_max(payload->>'lead_technician_id', position)
                FILTER (WHERE event = 'ServiceCall.TechnicianDispatched') AS technician_id,
            max(recorded_at) FILTER (WHERE event = 'ServiceCall.TechnicianDispatched')
                AS dispatched_at,
            arg_max(CAST(payload->>'sla_met' AS BOOLEAN), position)
                FILTER (WHERE {SLA_DECIDED}) AS sla_met,
            -- SD-43: the sales manager's refusal cancels the call.
            bool_or(event = 'ServiceCall.SalesConfirmationRefused') AS cancelled
        FROM replayed
        WHERE service = 'service-desk' AND event LIKE 'ServiceCall.%'
        GROUP BY stream_id
    ),
    -- No call event names a branch: a technician's is the one his daily report was compiled
    -- under (SD-23, the supervisor's report of a branch or of the head office).
    technician_reports AS (
        SELECT stream_id AS report_id, payload->>'person_id' AS technician_id,
               CAST(payload->>'day' AS DATE) AS day
        FROM replayed
        WHERE service = 'service-desk' AND event = 'TechnicianDailyReport.Submitted'
    ),
    compiled AS (
        SELECT coalesce(payload->>'branch', 'head_office') AS branch, position,
               unnest(CAST(payload->'technician_reports' AS VARCHAR[])) AS report_id
        FROM replayed
        WHERE service = 'service-desk' AND event = 'SupervisorDailyReport.Submitted'
    ),
    technician_branches AS (
        SELECT r.technician_id, r.day, arg_max(c.branch, c.position) AS branch
        FROM technician_reports r JOIN compiled c USING (report_id)
        GROUP BY ALL
    ),
    -- The branch he reported under on the day he was dispatched, or on his last day before.
    branched AS (
        SELECT calls.*, b.branch
        FROM calls ASOF LEFT JOIN technician_branches b
            ON calls.technician_id = b.technician_id
           AND local_day(calls.dispatched_at) >= b.day
    )
    SELECT
        month_of(local_day(registered_at)) AS month,
        zone,
        coalesce(branch, '') AS branch,
        coalesce(technician_id, '') AS technician_id,
        count(*) AS calls,
        count(*) FILTER (WHERE sla_met) AS in_time,
        count(*) FILTER (WHERE NOT sla_met) AS late,
        count(*) FILTER (WHERE sla_met IS NULL AND NOT cancelled
                         AND sla_due_at < (SELECT as_of FROM replay_moment)) AS overdue_open,
        round(count(*) FILTER (WHERE sla_met) / nullif(count(sla_met), 0), 4) AS compliance
    FROM branched
    WHERE registered_at IS NOT NULL
    GROUP BY ALL
    """,
    "month, zone, branch, technician_id",
)
"""Service calls by month (company time), zone, branch and lead technician: reached in time, late,
and still undecided past their deadline (SD-04 ... SD-06, SD-44's 90 % target). The outcome is
service-desk's own: the ``sla_met`` of the event that decides it (``SLA_OUTCOMES``)."""

MACROS = """
CREATE OR REPLACE TEMP MACRO utc_day(instant) AS CAST(timezone('UTC', instant) AS DATE);
CREATE OR REPLACE TEMP MACRO month_of(day) AS strftime(day, '%Y-%m');
CREATE OR REPLACE TEMP MACRO week_of(day) AS strftime(day, '%G-W%V');
CREATE OR REPLACE TEMP MACRO quantity(lines) AS
    coalesce(list_sum(CAST(json_extract(lines, '$[*].quantity') AS BIGINT[])), 0);
CREATE OR REPLACE TEMP MACRO amount(lines) AS coalesce(list_sum(list_transform(
    CAST(lines AS JSON[]),
    lambda line: CAST(line->>'unit_price' AS DECIMAL(18, 2)) * CAST(line->>'quantity' AS BIGINT)
)), 0);
"""
"""What the queries share besides the company's day (``COMPANY_DAY``): the month ('YYYY-MM') and
ISO week ('YYYY-Www') of a day; the UTC day of a moment (the day billing dates a receivable's
part by when its event gives none); the quantity and value of a list of order or return lines."""

SURVEY_ITEMS = tuple(field.name for field in fields(Ratings))
"""SD-31's four items, as the survey's ratings name them."""


def satisfied_sql(prefix: str) -> str:
    """SD-31, SD-44, as service-desk decides it (``Ratings.satisfied``): a response is satisfied
    when every item is rated ``SATISFIED_AT_LEAST`` or better."""
    items = ", ".join(f"{prefix}{item}" for item in SURVEY_ITEMS)
    return f"least({items}) >= {SATISFIED_AT_LEAST}"


SATISFACTION = AnalyticalProjection(
    f"""
    WITH calls AS (
        SELECT
            stream_id AS call_id,
            min(recorded_at) FILTER (WHERE event = 'ServiceCall.ReportSigned') AS signed_at,
            arg_max(payload->>'lead_technician_id', position)
                FILTER (WHERE event = 'ServiceCall.TechnicianDispatched') AS technician_id
        FROM replayed
        WHERE service = 'service-desk'
          AND event IN ('ServiceCall.ReportSigned', 'ServiceCall.TechnicianDispatched')
        GROUP BY stream_id
    ),
    surveys AS (
        SELECT
            payload->>'call_id' AS call_id,
            bool_or(event = 'Survey.Sent') AS sent,
            any_value(CAST(payload->>'$.ratings.attitude' AS INTEGER))
                FILTER (WHERE event = 'Survey.ResponseRecorded') AS attitude,
            any_value(CAST(payload->>'$.ratings.technique' AS INTEGER))
                FILTER (WHERE event = 'Survey.ResponseRecorded') AS technique,
            any_value(CAST(payload->>'$.ratings.arrival_time' AS INTEGER))
                FILTER (WHERE event = 'Survey.ResponseRecorded') AS arrival_time,
            any_value(CAST(payload->>'$.ratings.promise_keeping' AS INTEGER))
                FILTER (WHERE event = 'Survey.ResponseRecorded') AS promise_keeping
        FROM replayed
        WHERE service = 'service-desk' AND event IN ('Survey.Sent', 'Survey.ResponseRecorded')
        GROUP BY 1
    )
    SELECT
        month_of(local_day(c.signed_at)) AS month,
        coalesce(c.technician_id, '') AS technician_id,
        count(*) AS signed_calls,
        count(*) FILTER (WHERE s.sent) AS surveyed,
        count(s.attitude) AS responses,
        round(avg(s.attitude), 2) AS attitude,
        round(avg(s.technique), 2) AS technique,
        round(avg(s.arrival_time), 2) AS arrival_time,
        round(avg(s.promise_keeping), 2) AS promise_keeping,
        count(*) FILTER (WHERE {satisfied_sql("s.")}) AS satisfied,
        round(count(*) FILTER (WHERE {satisfied_sql("s.")}) / nullif(count(s.attitude), 0), 4)
            AS satisfaction,
        round(count(*) FILTER (WHERE s.sent) / count(*), 4) AS coverage
    FROM calls c LEFT JOIN surveys s USING (call_id)
    WHERE c.signed_at IS NOT NULL
    GROUP BY ALL
    """,
    "month, technician_id",
)
"""Survey responses by the month the customer signed the service report and the lead technician:
the four items' average ratings, the share satisfied, and the coverage, surveyed calls over
signed ones (SD-30, SD-31, SD-44's 85 % target)."""

_COMPLAINTS = """
    SELECT
        stream_id AS complaint_id,
        any_value(CAST(payload->>'received_at' AS TIMESTAMPTZ))
            FILTER (WHERE event = 'Complaint.Received') AS received_at,
        any_value(payload->>'subject') FILTER (WHERE event = 'Complaint.Received') AS category,
        arg_max(payload->>'severity', position) FILTER (WHERE event = 'Complaint.Classified')
            AS classified_severity,
        bool_or(event = 'Complaint.FoundInvalid') AS found_invalid,
        -- SD-41: a major complaint is reported to the customer-service manager.
        coalesce(bool_or(list_contains(CAST(payload->'reported_to' AS VARCHAR[]), 'cs_manager'))
                 FILTER (WHERE event = 'Complaint.Classified'), false) AS reported,
        count(*) FILTER (WHERE event = 'Complaint.Reopened') AS reopened,
        max(CAST(payload->>'closed_at' AS TIMESTAMPTZ)) FILTER (WHERE event = 'Complaint.Closed')
            AS closed_at,
        arg_max(CAST(payload->>'valid' AS BOOLEAN), position)
            FILTER (WHERE event = 'Complaint.Closed') AS valid
    FROM replayed
    WHERE service = 'service-desk' AND event LIKE 'Complaint.%'
    GROUP BY stream_id
"""
"""Each complaint: received, its category (subject), severity, whether it was reported on, how
often it was reopened, and when it closed."""

COMPLAINTS = AnalyticalProjection(
    f"""
    SELECT
        month_of(local_day(received_at)) AS month,
        category,
        coalesce(classified_severity,
                 CASE WHEN found_invalid THEN 'unfounded' ELSE 'unclassified' END) AS severity,
        count(*) AS received,
        count(closed_at) AS closed,
        count(*) - count(closed_at) AS open,
        CAST(sum(reopened) AS BIGINT) AS reopened,
        count(*) FILTER (WHERE reported) AS reported,
        round(avg(epoch(closed_at) - epoch(received_at)) / 86400, 2) AS avg_days_to_close,
        round(max(epoch(closed_at) - epoch(received_at)) / 86400, 2) AS max_days_to_close
    FROM ({_COMPLAINTS})
    WHERE received_at IS NOT NULL
    GROUP BY ALL
    """,
    "month, category, severity",
)
"""Complaints by the month received, category and severity: how many closed, how long closing
took, how often they were reopened (SD-32 ... SD-39)."""

CREDIT_UTILISATION = AnalyticalProjection(
    """
    WITH changes AS (
        SELECT
            stream_id AS customer_id, recorded_at, service, position,
            CAST(coalesce(payload->>'new_credit_limit', payload->>'credit_limit')
                 AS DECIMAL(18, 2)) AS credit_limit,
            payload->>'currency' AS currency,
            CAST(NULL AS DECIMAL(18, 2)) AS exposure,
            CAST(NULL AS DECIMAL(18, 2)) AS open_receivables,
            CAST(NULL AS DECIMAL(18, 2)) AS unbilled_shipments,
            CAST(NULL AS DECIMAL(18, 2)) AS reserved
        FROM replayed
        WHERE service = 'customers'
          AND event IN ('Customer.Approved', 'Customer.CreditLimitChanged',
                        'Customer.CreditTermsChanged')
        UNION ALL
        SELECT
            payload->>'customer_id', recorded_at, service, position,
            NULL,
            payload->>'currency',
            CAST(payload->>'exposure' AS DECIMAL(18, 2)),
            CAST(payload->>'open_receivables' AS DECIMAL(18, 2)),
            CAST(payload->>'unbilled_shipments' AS DECIMAL(18, 2)),
            CAST(payload->>'reserved' AS DECIMAL(18, 2))
        FROM replayed
        WHERE service = 'billing' AND event = 'CreditExposure.ExposureChanged'
    ),
    carried AS (
        SELECT
            customer_id,
            local_day(recorded_at) AS day,
            last_value(credit_limit IGNORE NULLS) OVER up_to AS credit_limit,
            last_value(currency IGNORE NULLS) OVER up_to AS currency,
            last_value(exposure IGNORE NULLS) OVER up_to AS exposure,
            last_value(open_receivables IGNORE NULLS) OVER up_to AS open_receivables,
            last_value(unbilled_shipments IGNORE NULLS) OVER up_to AS unbilled_shipments,
            last_value(reserved IGNORE NULLS) OVER up_to AS reserved,
            row_number() OVER (
                PARTITION BY customer_id, local_day(recorded_at)
                ORDER BY recorded_at DESC, service DESC, position DESC
            ) AS newest
        FROM changes
        WINDOW up_to AS (
            PARTITION BY customer_id ORDER BY recorded_at, service, position
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        )
    )
    SELECT
        customer_id,
        day,
        currency,
        coalesce(credit_limit, 0) AS credit_limit,
        coalesce(exposure, 0) AS exposure,
        coalesce(open_receivables, 0) AS open_receivables,
        coalesce(unbilled_shipments, 0) AS unbilled_shipments,
        coalesce(reserved, 0) AS reserved,
        CAST(coalesce(credit_limit, 0) - coalesce(exposure, 0) AS DECIMAL(18, 2)) AS available,
        round(coalesce(exposure, 0) / nullif(credit_limit, 0), 4) AS utilisation
    FROM carried
    WHERE newest = 1
    """,
    "customer_id, day",
)
"""Each customer's credit limit (customers) against its exposure (billing, BI-11) at the close
of every day either changed: the history of how much of the limit was used (OR-18, CU-12)."""

RETURN_RATES = AnalyticalProjection(
    """
    WITH returns AS (
        SELECT
            stream_id AS return_id,
            min(recorded_at) FILTER (WHERE event = 'ProductReturn.Requested') AS requested_at,
            any_value(payload->>'reason_code') FILTER (WHERE event = 'ProductReturn.Requested')
                AS reason_code,
            arg_max(quantity(payload->'lines'), position)
                FILTER (WHERE event = 'ProductReturn.GoodsVerified') AS quantity,
            bool_or(event = 'ProductReturn.Approved') AS approved,
            bool_or(event = 'ProductReturn.Rejected'
                    OR (event = 'ProductReturn.GoodsAuthenticated'
                        AND NOT CAST(payload->>'genuine' AS BOOLEAN))) AS rejected,
            bool_or(event = 'ProductReturn.ReceivedIntoWarehouse') AS received
        FROM replayed
        WHERE service = 'orders' AND event LIKE 'ProductReturn.%'
        GROUP BY stream_id
    ),
    shipped AS (
        SELECT
            month_of(local_day(recorded_at)) AS month,
            count(DISTINCT stream_id) AS orders_shipped,
            CAST(sum(quantity(payload->'lines')) AS BIGINT) AS quantity_shipped
        FROM replayed
        WHERE service = 'orders' AND event = 'Order.GoodsIssued'
        GROUP BY 1
    ),
    by_reason AS (
        SELECT
            month_of(local_day(requested_at)) AS month,
            reason_code,
            count(*) AS returns,
            count(*) FILTER (WHERE approved) AS approved,
            count(*) FILTER (WHERE rejected) AS rejected,
            count(*) FILTER (WHERE received) AS received,
            CAST(coalesce(sum(quantity), 0) AS BIGINT) AS quantity_returned
        FROM returns
        WHERE requested_at IS NOT NULL
        GROUP BY ALL
    )
    SELECT
        r.*,
        coalesce(s.orders_shipped, 0) AS orders_shipped,
        coalesce(s.quantity_shipped, 0) AS quantity_shipped,
        round(r.returns / nullif(s.orders_shipped, 0), 4) AS return_rate,
        round(r.quantity_returned / nullif(s.quantity_shipped, 0), 4) AS quantity_rate
    FROM by_reason r LEFT JOIN shipped s USING (month)
    """,
    "month, reason_code",
)
"""Returns requested by month and reason, against the orders and quantities shipped that month
(OR-26 ... OR-28)."""

DAILY_SERVICE_REPORT = AnalyticalProjection(
    """
    WITH steps AS (
        SELECT stream_id, split_part(event, '.', 1) AS aggregate,
               split_part(event, '.', 2) AS step, recorded_at, position, payload
        FROM replayed
        WHERE service = 'service-desk'
          AND split_part(event, '.', 1) IN ('TechnicianDailyReport', 'SupervisorDailyReport',
                                            'DailyReport')
          AND split_part(event, '.', 2) IN ('Submitted', 'Corrected', 'Returned', 'Reviewed',
                                            'SignedByBranchManager', 'Received')
    ),
    reports AS (
        SELECT
            stream_id AS report_id,
            any_value(CAST(payload->>'day' AS DATE)) FILTER (WHERE step = 'Submitted') AS day,
            any_value(CASE aggregate WHEN 'TechnicianDailyReport' THEN 'technician'
                      ELSE 'supervisor' END) FILTER (WHERE step = 'Submitted') AS kind,
            any_value(payload->>'person_id') FILTER (WHERE step = 'Submitted') AS person_id,
            any_value(payload->>'branch') FILTER (WHERE step = 'Submitted') AS branch,
            any_value(CAST(json_array_length(payload->'technician_reports') AS BIGINT))
                FILTER (WHERE step = 'Submitted') AS technician_reports,
            arg_max(payload->'hours', position) FILTER (WHERE step IN ('Submitted', 'Corrected'))
                AS hours,
            min(recorded_at) FILTER (WHERE step = 'Submitted') AS submitted_at,
            arg_max(step, position) AS last_step,
            arg_max(payload->>'reviewer', position) FILTER (WHERE step IN ('Reviewed', 'Received'))
                AS reviewer,
            any_value(payload->>'branch_manager') FILTER (WHERE step = 'SignedByBranchManager')
                AS branch_manager
        FROM steps
        GROUP BY stream_id
    )
    SELECT
        day,
        kind,
        person_id,
        branch,
        CASE last_step
            WHEN 'Returned' THEN 'returned'
            WHEN 'Reviewed' THEN 'reviewed'
            WHEN 'SignedByBranchManager' THEN 'signed_by_branch_manager'
            WHEN 'Received' THEN 'received'
            ELSE 'submitted'
        END AS status,
        CAST(hours->>'a' AS DECIMAL(6, 2)) AS hours_a,
        CAST(hours->>'b' AS DECIMAL(6, 2)) AS hours_b,
        CAST(hours->>'c' AS DECIMAL(6, 2)) AS hours_c,
        CAST(hours->>'d' AS DECIMAL(6, 2)) AS hours_d,
        CAST(hours->>'a' AS DECIMAL(6, 2)) + CAST(hours->>'b' AS DECIMAL(6, 2))
            + CAST(hours->>'c' AS DECIMAL(6, 2)) + CAST(hours->>'d' AS DECIMAL(6, 2))
            AS hours_total,
        technician_reports,
        submitted_at,
        reviewer,
        branch_manager
    FROM reports
    WHERE day IS NOT NULL
    """,
    "day, kind, person_id",
    report="SD-23",
)
"""SD-23's daily service reports, one row per person and day: the technicians' (服表006) and
the supervisors' compiled from them (服表007), hours by service type, and how far up the chain
each went."""

COMPLAINT_ANALYSIS = AnalyticalProjection(
    f"""
    WITH complaints AS ({_COMPLAINTS}),
    received AS (
        SELECT
            month_of(local_day(received_at)) AS month,
            count(*) AS received,
            count(closed_at) AS handled,
            count(*) FILTER (WHERE classified_severity = 'major') AS major,
            count(*) FILTER (WHERE classified_severity = 'major' AND reported) AS major_reported,
            CAST(sum(reopened) AS BIGINT) AS reopened
        FROM complaints
        WHERE received_at IS NOT NULL
        GROUP BY 1
    ),
    closed AS (
        SELECT
            month_of(local_day(closed_at)) AS month,
            count(*) AS closed,
            count(*) FILTER (WHERE NOT valid) AS closed_unfounded
        FROM complaints
        WHERE closed_at IS NOT NULL
        GROUP BY 1
    ),
    published AS (
        SELECT
            strftime(CAST(payload->>'month' AS DATE), '%Y-%m') AS month,
            min(recorded_at) AS published_at,
            any_value(payload->>'published_by') AS published_by,
            any_value(CAST(json_array_length(payload->'corrective_actions') AS BIGINT))
                AS corrective_actions
        FROM replayed
        WHERE service = 'service-desk' AND event = 'ComplaintAnalysis.Published'
        GROUP BY 1
    )
    SELECT
        month,
        coalesce(received, 0) AS received,
        coalesce(handled, 0) AS handled,
        round(handled / nullif(received, 0), 4) AS handling_rate,
        coalesce(major, 0) AS major,
        coalesce(major_reported, 0) AS major_reported,
        coalesce(reopened, 0) AS reopened,
        coalesce(closed, 0) AS closed,
        coalesce(closed_unfounded, 0) AS closed_unfounded,
        published_at,
        published_by,
        corrective_actions
    FROM received FULL JOIN closed USING (month) FULL JOIN published USING (month)
    """,
    "month",
    report="SD-41",
)
"""The monthly complaint analysis (SD-40, SD-41): complaints received and how many of them are
handled to the end (the 100 % target), major ones and how many were reported on, complaints
closed, and the analysis service-desk published for the month with its corrective actions."""

_CONTRACTS = """
    SELECT
        stream_id AS contract_id,
        month_of(local_day(min(CAST(payload->>'signed_at' AS TIMESTAMPTZ))
                           FILTER (WHERE event = 'SalesContract.Signed'))) AS month,
        bool_or(event = 'SalesContract.Archived') AS archived,
        coalesce(bool_or(CAST(payload->>'on_time' AS BOOLEAN))
                 FILTER (WHERE event = 'SalesContract.Archived'), false) AS archived_on_time,
        bool_or(event = 'SalesContract.ArchiveMissed') AS archive_missed,
        min(CAST(payload->>'due_at' AS TIMESTAMPTZ))
            FILTER (WHERE event IN ('SalesContract.Archived', 'SalesContract.ArchiveMissed'))
            AS due_at
    FROM replayed
    WHERE service = 'orders' AND event LIKE 'SalesContract.%'
    GROUP BY stream_id
"""
"""Each signed contract's month and its archiving (OR-12); the due time is the one orders
stated when it archived the contract or flagged it missed."""

CONTRACT_ARCHIVE = AnalyticalProjection(
    f"""
    WITH signed AS (
        SELECT
            month,
            count(*) AS contracts_signed,
            count(*) FILTER (WHERE archived) AS archived,
            count(*) FILTER (WHERE archived_on_time) AS archived_on_time,
            count(*) FILTER (WHERE archive_missed) AS archive_missed,
            min(due_at) AS due_at
        FROM ({_CONTRACTS})
        WHERE month IS NOT NULL
        GROUP BY 1
    ),
    volumes AS (
        SELECT
            payload->>'month' AS month,
            payload->>'volume_no' AS volume_no,
            CAST(payload->>'count' AS BIGINT) AS bound,
            payload->>'archived_by' AS archived_by,
            recorded_at AS archived_at
        FROM replayed
        WHERE service = 'orders' AND event = 'ContractVolume.MonthlyArchived'
    )
    SELECT
        month,
        coalesce(contracts_signed, 0) AS contracts_signed,
        coalesce(archived, 0) AS archived,
        coalesce(archived_on_time, 0) AS archived_on_time,
        coalesce(archive_missed, 0) AS archive_missed,
        volume_no,
        bound,
        archived_by,
        archived_at,
        due_at
    FROM signed FULL JOIN volumes USING (month)
    """,
    "month",
    report="OR-12",
)
"""The monthly contract archive (OR-12): each month's signed contracts, the volume the sales
clerk bound them into, when and by whom, and the contracts archived late or flagged missed."""

_PERIOD_ENDS = " UNION ALL ".join(
    f"SELECT '{period}' AS period, {end.month} AS month, {end.day} AS day"
    for period, end in ((period, period.last_day(2000)) for period in Period)
)
"""BI-08's half-years and the month and day each ends on, from billing's ``Period``."""

RECONCILIATION_COVERAGE = AnalyticalProjection(
    f"""
    WITH statements AS (
        SELECT
            stream_id AS statement_id,
            any_value(CAST(payload->>'year' AS INTEGER))
                FILTER (WHERE event = 'ReconciliationStatement.Issued') AS year,
            any_value(payload->>'period') FILTER (WHERE event = 'ReconciliationStatement.Issued')
                AS period,
            any_value(CAST(payload->>'as_of' AS DATE))
                FILTER (WHERE event = 'ReconciliationStatement.Issued') AS as_of,
            any_value(payload->>'currency')
                FILTER (WHERE event = 'ReconciliationStatement.Issued') AS currency,
            any_value(payload->>'customer_id')
                FILTER (WHERE event = 'ReconciliationStatement.Issued') AS customer_id,
            any_value(CAST(payload->>'balance' AS DECIMAL(18, 2)))
                FILTER (WHERE event = 'ReconciliationStatement.Issued') AS balance,
            bool_or(event = 'ReconciliationStatement.Confirmed') AS confirmed,
            bool_or(event = 'ReconciliationStatement.DiscrepancyFound') AS discrepancy,
            bool_or(NOT CAST(payload->>'explained' AS BOOLEAN))
                FILTER (WHERE event = 'ReconciliationStatement.DiscrepancyFound') AS unexplained,
            bool_or(event = 'ReconciliationStatement.Reported') AS reported
        FROM replayed
        WHERE service = 'billing' AND event LIKE 'ReconciliationStatement.%'
        GROUP BY stream_id
        HAVING year IS NOT NULL
    ),
    {_RECEIVABLES},
    moment AS (SELECT local_day(as_of) AS today FROM replay_moment),
    -- Every half-year ended by the replay's moment since the first invoice, and every one
    -- statements went out for (from its last working day, which may come before its end).
    periods AS (
        SELECT year, period, as_of FROM statements
        UNION
        SELECT year, period, make_date(year, month, day)
        FROM ({_PERIOD_ENDS}),
             (SELECT unnest(generate_series(year(first), year(today))) AS year
              FROM (SELECT min(issued_on) AS first FROM issued), moment)
        WHERE make_date(year, month, day) <= (SELECT today FROM moment)
    ),
    -- BI-08: a statement is owed to each customer with an open balance at the period's end.
    owed AS (
        SELECT as_of, currency, customer_id
        FROM ({invoices_on("SELECT DISTINCT as_of FROM periods")})
        GROUP BY ALL
        HAVING sum(outstanding) > 0
    ),
    accounts AS (
        SELECT year, period, as_of, currency, customer_id, s.statement_id, s.balance,
               s.confirmed, s.discrepancy, s.unexplained, s.reported,
               o.customer_id IS NOT NULL AS owed
        FROM statements s
        FULL JOIN (SELECT * FROM periods JOIN owed USING (as_of)) o
            USING (year, period, as_of, currency, customer_id)
    )
    SELECT
        year,
        period,
        as_of,
        currency,
        count(DISTINCT customer_id) FILTER (WHERE statement_id IS NOT NULL) AS customers,
        CAST(sum(balance) AS DECIMAL(18, 2)) AS balance,
        count(statement_id) AS statements,
        count(*) FILTER (WHERE confirmed) AS confirmed,
        count(*) FILTER (WHERE discrepancy) AS discrepancies,
        count(*) FILTER (WHERE unexplained) AS unexplained,
        count(*) FILTER (WHERE NOT confirmed AND NOT discrepancy) AS awaiting_customer,
        count(*) FILTER (WHERE reported) AS reported,
        round(count(*) FILTER (WHERE confirmed) / nullif(count(statement_id), 0), 4) AS coverage,
        count(*) FILTER (WHERE owed) AS customers_owed,
        count(*) FILTER (WHERE owed AND statement_id IS NULL) AS owed_without_statement,
        round(count(*) FILTER (WHERE owed AND confirmed)
              / nullif(count(*) FILTER (WHERE owed), 0), 4) AS owed_coverage
    FROM accounts
    GROUP BY ALL
    """,
    "year, period, currency",
    report="BI-08",
)
"""The semi-annual reconciliation (BI-08): per half-year and currency, the statements issued,
how many each customer confirmed, disputed (and left unexplained), still awaits, and how many
were reported to the sales manager and finance, the coverage being the confirmed share, as
billing's dashboard counts it; and against them the customers with an open balance at the
period's end, those of them no statement went to, and the share of them that confirmed one."""

_RATINGS = ", ".join(
    f"CAST(payload->>'$.ratings.{item}' AS INTEGER) AS {item}" for item in SURVEY_ITEMS
)
"""A survey response's ratings, one column per SD-31 item."""
_ITEM_FIGURES = ", ".join(
    [f"round(avg({item}), 2) AS {item}" for item in SURVEY_ITEMS]
    + [
        f"count(*) FILTER (WHERE {item} >= {SATISFIED_AT_LEAST}) AS {item}_satisfied"
        for item in SURVEY_ITEMS
    ]
)
"""Each SD-31 item's average rating, then how many rated each satisfied."""

TECHNICIAN_APPRAISAL = AnalyticalProjection(
    f"""
    WITH responses AS (
        SELECT
            month_of(local_day(CAST(payload->>'responded_at' AS TIMESTAMPTZ))) AS month,
            payload->>'technician_id' AS technician_id,
            {_RATINGS}
        FROM replayed
        WHERE service = 'service-desk' AND event = 'Survey.ResponseRecorded'
    )
    SELECT
        month,
        technician_id,
        count(*) AS responses,
        {_ITEM_FIGURES},
        count(*) FILTER (WHERE {satisfied_sql("")}) AS satisfied,
        round(count(*) FILTER (WHERE {satisfied_sql("")}) / count(*), 4) AS satisfaction
    FROM responses
    GROUP BY ALL
    """,
    "month, technician_id",
    report="SD-31",
)
"""The inputs of each technician's monthly appraisal (SD-31): the survey cards returned that
month (company time) rating him, each item's average (1 to 4) and how many rated it satisfied
(3 or 4), and the cards satisfied on every item."""

SALES_STATISTICS = AnalyticalProjection(
    """
    WITH facts AS (
        SELECT
            local_day(recorded_at) AS day,
            event,
            payload->>'currency' AS currency,
            payload->>'customer_id' AS customer_id,
            CASE WHEN event = 'SalesContract.Signed' THEN CAST(payload->>'amount' AS DECIMAL(18, 2))
                 ELSE amount(payload->'lines') END AS amount
        FROM replayed
        WHERE service = 'orders'
          AND event IN ('Order.Placed', 'Order.GoodsIssued', 'SalesContract.Signed')
    ),
    periods AS (
        SELECT 'week' AS period_kind, week_of(day) AS period, * FROM facts
        UNION ALL
        SELECT 'month', month_of(day), * FROM facts
    )
    SELECT
        period_kind,
        period,
        currency,
        count(*) FILTER (WHERE event = 'Order.Placed') AS orders_placed,
        coalesce(sum(amount) FILTER (WHERE event = 'Order.Placed'), 0) AS ordered_amount,
        count(DISTINCT customer_id) FILTER (WHERE event = 'Order.Placed') AS customers_ordering,
        count(*) FILTER (WHERE event = 'Order.GoodsIssued') AS orders_shipped,
        coalesce(sum(amount) FILTER (WHERE event = 'Order.GoodsIssued'), 0) AS shipped_amount,
        count(*) FILTER (WHERE event = 'SalesContract.Signed') AS contracts_signed,
        coalesce(sum(amount) FILTER (WHERE event = 'SalesContract.Signed'), 0) AS contract_amount
    FROM periods
    GROUP BY ALL
    """,
    "period_kind, period, currency",
)
"""XC-11's weekly and monthly sales statistics: goods requests placed, shipped and contracts
signed, counted and valued, by currency."""

SALESPERSON_WORK = AnalyticalProjection(
    """
    WITH plans AS (
        SELECT stream_id, payload->>'salesperson' AS salesperson, payload->>'period' AS plan_period
        FROM replayed WHERE service = 'customers' AND event = 'VisitPlan.Planned'
    ),
    logs AS (
        SELECT stream_id, payload->>'salesperson' AS salesperson,
               CAST(payload->>'day' AS DATE) AS day
        FROM replayed WHERE service = 'customers' AND event = 'WorkLog.Opened'
    ),
    drafted AS (
        SELECT stream_id, payload->>'drafted_by' AS salesperson
        FROM replayed WHERE service = 'orders' AND event = 'SalesContract.Drafted'
    ),
    facts AS (
        SELECT payload->>'salesperson' AS salesperson, CAST(payload->>'starts_on' AS DATE) AS day,
               'plan' AS fact, json_array_length(payload->'visits') AS n,
               payload->>'period' AS plan_period
        FROM replayed WHERE service = 'customers' AND event = 'VisitPlan.Planned'
        UNION ALL
        SELECT p.salesperson, CAST(e.payload->>'visited_on' AS DATE), 'visit', 1, NULL
        FROM replayed e JOIN plans p USING (stream_id)
        WHERE e.service = 'customers' AND e.event = 'VisitPlan.VisitRecorded'
        UNION ALL
        SELECT l.salesperson, l.day, 'log_entry', 1, NULL
        FROM replayed e JOIN logs l USING (stream_id)
        WHERE e.service = 'customers' AND e.event = 'WorkLog.Written'
        UNION ALL
        SELECT coalesce(payload->>'account_owner_id', payload->>'placed_by'),
               local_day(recorded_at), 'order', 1, NULL
        FROM replayed WHERE service = 'orders' AND event = 'Order.Placed'
        UNION ALL
        SELECT d.salesperson, local_day(e.recorded_at), 'contract', 1, NULL
        FROM replayed e JOIN drafted d USING (stream_id)
        WHERE e.service = 'orders' AND e.event = 'SalesContract.Signed'
    ),
    periods AS (
        SELECT 'week' AS period_kind, week_of(day) AS period, * FROM facts
        UNION ALL
        SELECT 'month', month_of(day), * FROM facts
    )
    SELECT
        period_kind,
        period,
        salesperson,
        count(*) FILTER (WHERE fact = 'plan' AND plan_period = period_kind) AS plans,
        CAST(coalesce(sum(n) FILTER (WHERE fact = 'plan' AND plan_period = period_kind), 0)
             AS BIGINT) AS visits_planned,
        count(*) FILTER (WHERE fact = 'visit') AS visits_recorded,
        count(*) FILTER (WHERE fact = 'log_entry') AS work_log_entries,
        count(*) FILTER (WHERE fact = 'order') AS orders_placed,
        count(*) FILTER (WHERE fact = 'contract') AS contracts_signed
    FROM periods
    WHERE salesperson IS NOT NULL
    GROUP BY ALL
    """,
    "period_kind, period, salesperson",
)
"""XC-11's weekly and monthly salesperson work statistics: the visit plans made for the period
(CU-18) and the visits recorded against them (the target-customer sheets), work-log entries,
goods requests placed for the customers they own, and contracts they drafted that were signed."""

MISSING_SUBMISSIONS = AnalyticalProjection(
    f"""
    WITH moment AS (SELECT local_day(as_of) AS today FROM replay_moment),
    daily_reports AS (
        SELECT
            stream_id,
            CASE split_part(event, '.', 1) WHEN 'TechnicianDailyReport' THEN 'technician'
                 ELSE 'supervisor' END AS kind,
            payload->>'person_id' AS person_id,
            CAST(payload->>'day' AS DATE) AS day
        FROM replayed
        WHERE service = 'service-desk'
          AND event IN ('TechnicianDailyReport.Submitted', 'SupervisorDailyReport.Submitted')
    ),
    flagged AS (
        SELECT payload->>'kind' AS kind, payload->>'person_id' AS person_id,
               CAST(payload->>'day' AS DATE) AS day,
               CAST(payload->>'due_at' AS TIMESTAMPTZ) AS due_at
        FROM replayed
        WHERE service = 'service-desk' AND event = 'MissingDailyReport.Flagged'
    ),
    -- SD-23, as service-desk counts it: whoever was sent out on a day owes that day's report,
    -- and the supervisor who reviewed a technician's report owes his own for that day.
    owed AS (
        SELECT DISTINCT 'technician' AS kind,
               unnest(CAST(payload->'technician_ids' AS VARCHAR[])) AS person_id,
               local_day(recorded_at) AS day
        FROM replayed
        WHERE service = 'service-desk' AND event = 'ServiceCall.TechnicianDispatched'
        UNION
        SELECT 'supervisor', e.payload->>'reviewer', r.day
        FROM replayed e JOIN daily_reports r USING (stream_id)
        WHERE e.service = 'service-desk' AND e.event = 'TechnicianDailyReport.Reviewed'
        UNION
        SELECT kind, person_id, day FROM flagged
    ),
    contracts AS ({_CONTRACTS}),
    volumes AS (
        SELECT payload->>'month' AS month FROM replayed
        WHERE service = 'orders' AND event = 'ContractVolume.MonthlyArchived'
    ),
    complaints_closed AS (
        SELECT DISTINCT month_of(local_day(CAST(payload->>'closed_at' AS TIMESTAMPTZ))) AS month
        FROM replayed WHERE service = 'service-desk' AND event = 'Complaint.Closed'
    ),
    analyses AS (
        SELECT strftime(CAST(payload->>'month' AS DATE), '%Y-%m') AS month FROM replayed
        WHERE service = 'service-desk' AND event = 'ComplaintAnalysis.Published'
    ),
    plans AS (
        SELECT payload->>'salesperson' AS salesperson, payload->>'period' AS kind,
               CAST(payload->>'starts_on' AS DATE) AS starts_on
        FROM replayed WHERE service = 'customers' AND event = 'VisitPlan.Planned'
    ),
    -- XC-11: whoever makes visit plans owes one for every week and month since his first.
    planners AS (SELECT salesperson, min(starts_on) AS since FROM plans GROUP BY 1),
    plan_periods AS (
        SELECT salesperson, 'week' AS kind, week_of(CAST(unnest(generate_series(
                   date_trunc('week', since), date_trunc('week', today), INTERVAL 7 DAY))
                   AS DATE)) AS period
        FROM planners, moment
        UNION ALL
        SELECT salesperson, 'month', month_of(CAST(unnest(generate_series(
                   date_trunc('month', since), date_trunc('month', today), INTERVAL 1 MONTH))
                   AS DATE))
        FROM planners, moment
    )
    SELECT 'SD-23' AS rule, o.kind || '_daily_report' AS report, CAST(o.day AS VARCHAR) AS period,
           o.person_id, f.due_at
    FROM owed o LEFT JOIN flagged f USING (kind, person_id, day)
    WHERE o.day < (SELECT today FROM moment)
      AND NOT EXISTS (SELECT 1 FROM daily_reports r
                      WHERE r.kind = o.kind AND r.person_id = o.person_id AND r.day = o.day)
    UNION ALL
    -- OR-12: every month that is over and had contracts signed is bound into a volume.
    SELECT 'OR-12', 'monthly_contract_archive', month, '', min(due_at)
    FROM contracts
    WHERE month < month_of((SELECT today FROM moment))
      AND month NOT IN (SELECT month FROM volumes)
    GROUP BY month
    UNION ALL
    -- SD-40, SD-41: every month that is over and closed complaints is analysed.
    SELECT 'SD-40', 'monthly_complaint_analysis', month, '', NULL
    FROM complaints_closed
    WHERE month < month_of((SELECT today FROM moment))
      AND month NOT IN (SELECT month FROM analyses)
    UNION ALL
    SELECT 'XC-11', p.kind || 'ly_work_plan', p.period, p.salesperson, NULL
    FROM plan_periods p
    WHERE NOT EXISTS (
        SELECT 1 FROM plans made
        WHERE made.salesperson = p.salesperson AND made.kind = p.kind
          AND CASE p.kind WHEN 'week' THEN week_of(made.starts_on)
                          ELSE month_of(made.starts_on) END = p.period
    )
    """,
    "rule, report, period, person_id",
)
"""The periodic submissions the rules require that were not made by the replay's moment
(XC-11: "missing submissions are tracked")."""

PROJECTIONS: dict[str, AnalyticalProjection] = {
    "approvals_audit": APPROVALS_AUDIT,
    "approval_lead_times": APPROVAL_LEAD_TIMES,
    "order_to_cash": ORDER_TO_CASH,
    "receivables_aging": RECEIVABLES_AGING,
    "dso": DSO,
    "service_sla": SERVICE_SLA,
    "satisfaction": SATISFACTION,
    "complaints": COMPLAINTS,
    "credit_utilisation": CREDIT_UTILISATION,
    "return_rates": RETURN_RATES,
    "daily_service_report": DAILY_SERVICE_REPORT,
    "complaint_analysis": COMPLAINT_ANALYSIS,
    "contract_archive": CONTRACT_ARCHIVE,
    "reconciliation_coverage": RECONCILIATION_COVERAGE,
    "technician_appraisal": TECHNICIAN_APPRAISAL,
    "sales_statistics": SALES_STATISTICS,
    "salesperson_work": SALESPERSON_WORK,
    "missing_submissions": MISSING_SUBMISSIONS,
}
