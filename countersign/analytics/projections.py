"""The analytical projections `countersign replay` writes: each one SQL query over the view
``replayed`` (the ``events`` table up to ``--as-of``) and the order its rows are written in.

Every table's columns are documented in docs/analytics.md. A projection reads the payload's
fields by name (``payload->>'field'``): the events' own field names, as in RULES.md §6.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalyticalProjection:
    query: str
    order: str
    """Columns that order the rows totally: the same events give the same table, row for row."""


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
        epoch(recorded_at) - epoch(waiting_since) AS waited_seconds,
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
            min(recorded_at) FILTER (WHERE event = 'Order.GoodsIssued') AS shipped_at,
            min(recorded_at) FILTER (WHERE event = 'Order.DeliveryConfirmed') AS delivered_at
        FROM replayed
        WHERE service = 'orders' AND event LIKE 'Order.%'
        GROUP BY stream_id
    ),
    invoices AS (
        SELECT
            stream_id AS invoice_id,
            any_value(payload->>'order_id') FILTER (WHERE event = 'Invoice.Issued') AS order_id,
            min(recorded_at) FILTER (WHERE event = 'Invoice.Issued') AS invoiced_at,
            min(recorded_at) FILTER (WHERE event = 'Invoice.ReceiptSigned') AS receipt_signed_at,
            max(recorded_at) FILTER (WHERE event = 'Invoice.PaymentApplied') AS last_payment_at,
            coalesce(sum(TRY_CAST(payload->>'paid' AS DECIMAL(18, 2)))
                     FILTER (WHERE event = 'Invoice.PaymentApplied'), 0)
                >= any_value(TRY_CAST(payload->>'amount' AS DECIMAL(18, 2)))
                   FILTER (WHERE event = 'Invoice.Issued') AS paid
        FROM replayed
        WHERE service = 'billing' AND event LIKE 'Invoice.%'
        GROUP BY stream_id
    ),
    invoice_per_order AS (
        SELECT order_id, min(invoice_id) AS invoice_id, min(invoiced_at) AS invoiced_at,
               min(receipt_signed_at) AS receipt_signed_at,
               max(last_payment_at) AS last_payment_at, bool_and(paid) AS paid
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
        CASE WHEN i.paid THEN i.last_payment_at END AS paid_at,
        epoch(o.approved_at) - epoch(o.placed_at) AS approval_seconds,
        epoch(o.shipped_at) - epoch(o.approved_at) AS approval_to_shipment_seconds,
        epoch(o.delivered_at) - epoch(o.shipped_at) AS shipment_to_delivery_seconds,
        epoch(i.invoiced_at) - epoch(o.delivered_at) AS delivery_to_invoice_seconds,
        epoch(i.receipt_signed_at) - epoch(i.invoiced_at) AS invoice_to_receipt_seconds,
        epoch(CASE WHEN i.paid THEN i.last_payment_at END) - epoch(i.invoiced_at)
            AS invoice_to_cash_seconds,
        epoch(CASE WHEN i.paid THEN i.last_payment_at END) - epoch(o.placed_at)
            AS order_to_cash_seconds
    FROM orders o LEFT JOIN invoice_per_order i ON i.order_id = o.order_id
    WHERE o.placed_at IS NOT NULL
    """,
    "order_id",
)
"""One row per goods request: when each step of order to cash happened and how long it took."""

_INVOICES_AS_OF = """
    WITH issued AS (
        SELECT
            stream_id AS invoice_id,
            payload->>'number' AS number,
            payload->>'customer_id' AS customer_id,
            payload->>'order_id' AS order_id,
            payload->>'currency' AS currency,
            CAST(payload->>'amount' AS DECIMAL(18, 2)) AS amount,
            CAST(payload->>'issued_on' AS DATE) AS issued_on,
            CAST(payload->>'due_on' AS DATE) AS due_on
        FROM replayed
        WHERE event = 'Invoice.Issued'
    ),
    paid AS (
        SELECT stream_id AS invoice_id, sum(CAST(payload->>'paid' AS DECIMAL(18, 2))) AS paid
        FROM replayed WHERE event = 'Invoice.PaymentApplied' GROUP BY stream_id
    ),
    credited AS (
        SELECT payload->>'original_invoice_id' AS invoice_id,
               sum(CAST(payload->>'amount' AS DECIMAL(18, 2))) AS credited
        FROM replayed WHERE event = 'CreditNote.Issued' GROUP BY 1
    )
    SELECT
        issued.*,
        coalesce(paid.paid, 0) AS paid,
        coalesce(credited.credited, 0) AS credited,
        issued.amount - coalesce(paid.paid, 0) - coalesce(credited.credited, 0) AS outstanding,
        CAST((SELECT as_of FROM replay_moment) AS DATE) AS as_of
    FROM issued
    LEFT JOIN paid USING (invoice_id)
    LEFT JOIN credited USING (invoice_id)
"""

RECEIVABLES_AGING = AnalyticalProjection(
    f"""
    SELECT
        *,
        greatest(as_of - due_on, 0) AS days_overdue,
        CASE
            WHEN outstanding <= 0 THEN 'settled'
            WHEN as_of <= due_on THEN 'current'
            WHEN as_of - due_on <= 30 THEN '1-30'
            WHEN as_of - due_on <= 60 THEN '31-60'
            WHEN as_of - due_on <= 90 THEN '61-90'
            ELSE 'over 90'
        END AS bucket
    FROM ({_INVOICES_AS_OF})
    """,
    "invoice_id",
)
"""Each invoice as of the replay's moment: what is paid, credited and outstanding, and its aging
bucket (BI-13)."""

DSO = AnalyticalProjection(
    f"""
    SELECT
        as_of,
        currency,
        coalesce(sum(outstanding) FILTER (WHERE outstanding > 0), 0) AS receivables,
        coalesce(sum(amount) FILTER (WHERE issued_on > as_of - 90), 0) AS sales_last_90_days,
        round(
            90 * coalesce(sum(outstanding) FILTER (WHERE outstanding > 0), 0)
            / nullif(sum(amount) FILTER (WHERE issued_on > as_of - 90), 0),
            1
        ) AS dso_days
    FROM ({_INVOICES_AS_OF})
    GROUP BY as_of, currency
    """,
    "currency",
)
"""Days sales outstanding as of the replay's moment: open receivables over the last 90 days'
invoiced sales, times 90 (BI-13)."""

SERVICE_SLA = AnalyticalProjection(
    """
    WITH calls AS (
        SELECT
            stream_id AS call_id,
            any_value(payload->>'customer_id') FILTER (WHERE event = 'ServiceCall.Registered')
                AS customer_id,
            any_value(payload->>'zone') FILTER (WHERE event = 'ServiceCall.Registered') AS zone,
            any_value(payload->>'sla_kind') FILTER (WHERE event = 'ServiceCall.Registered')
                AS sla_kind,
            min(recorded_at) FILTER (WHERE event = 'ServiceCall.Registered') AS registered_at,
            any_value(CAST(payload->>'sla_due_at' AS TIMESTAMPTZ))
                FILTER (WHERE event = 'ServiceCall.Registered') AS sla_due_at,
            any_value(payload->>'lead_technician_id')
                FILTER (WHERE event = 'ServiceCall.TechnicianDispatched') AS technician_id,
            bool_or(CAST(payload->>'sla_met' AS BOOLEAN))
                FILTER (WHERE event = 'ServiceCall.TechnicianArrived') AS arrived_in_time,
            min(recorded_at) FILTER (WHERE event = 'ServiceCall.TechnicianArrived') AS arrived_at,
            any_value(payload->>'service_type')
                FILTER (WHERE event = 'ServiceCall.DiagnosisRecorded') AS service_type
        FROM replayed
        WHERE service = 'service-desk' AND event LIKE 'ServiceCall.%'
        GROUP BY stream_id
    )
    SELECT
        strftime(registered_at AT TIME ZONE 'Asia/Shanghai', '%Y-%m') AS month,
        zone,
        coalesce(technician_id, '') AS technician_id,
        count(*) AS calls,
        count(*) FILTER (WHERE arrived_in_time) AS in_time,
        count(*) FILTER (WHERE arrived_in_time = false) AS late,
        count(*) FILTER (WHERE arrived_at IS NULL
                         AND sla_due_at < (SELECT as_of FROM replay_moment)) AS overdue_open,
        round(count(*) FILTER (WHERE arrived_in_time)
              / nullif(count(*) FILTER (WHERE arrived_in_time IS NOT NULL), 0), 4)
            AS compliance
    FROM calls
    WHERE registered_at IS NOT NULL
    GROUP BY ALL
    """,
    "month, zone, technician_id",
)
"""Service calls by month (company time), zone and lead technician: reached in time, late, and
still unreached past their deadline (SD-04 ... SD-06, SD-44's 90 % target)."""

PROJECTIONS: dict[str, AnalyticalProjection] = {
    "approvals_audit": APPROVALS_AUDIT,
    "approval_lead_times": APPROVAL_LEAD_TIMES,
    "order_to_cash": ORDER_TO_CASH,
    "receivables_aging": RECEIVABLES_AGING,
    "dso": DSO,
    "service_sla": SERVICE_SLA,
}
