"""Grafana dashboards as code, built with grafana-foundation-sdk for Grafana 11.6.

``countersign dashboards generate`` writes them to ``deploy/grafana/dashboards/`` (committed, and
provisioned by ``deploy/grafana/provisioning/dashboards/countersign.yml``); a test checks the
committed files are what this module builds, that they validate against Grafana's dashboard
schema, and that every query parses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders.common import (
    ReduceDataOptions,
    VizLegendOptions,
    VizTooltipOptions,
)
from grafana_foundation_sdk.builders.dashboard import (
    Dashboard,
    DatasourceVariable,
    Row,
    ThresholdsConfig,
)
from grafana_foundation_sdk.builders.prometheus import Dataquery as PrometheusQuery
from grafana_foundation_sdk.builders.stat import Panel as Stat
from grafana_foundation_sdk.builders.timeseries import Panel as Timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import (
    LegendDisplayMode,
    LegendPlacement,
    SortOrder,
    TooltipDisplayMode,
)
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    Threshold,
    ThresholdsMode,
)

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
"""Every panel reads the Prometheus the dashboard's ``datasource`` variable picks."""


def query(expr: str, legend: str = "") -> PrometheusQuery:
    return PrometheusQuery().expr(expr).legend_format(legend).datasource(DATASOURCE)


def over_time(
    title: str, unit: str, *queries: PrometheusQuery, description: str = ""
) -> Timeseries:
    panel = Timeseries().title(title).description(description).unit(unit).datasource(DATASOURCE)
    panel = panel.min(0).height(8).span(12)
    legend = VizLegendOptions().display_mode(LegendDisplayMode.LIST).calcs([])
    panel = panel.legend(legend.placement(LegendPlacement.BOTTOM).show_legend(True))
    panel = panel.tooltip(VizTooltipOptions().mode(TooltipDisplayMode.MULTI).sort(SortOrder.NONE))
    for ref, target in zip("ABCDEFGH", queries, strict=False):
        panel = panel.with_target(target.ref_id(ref))
    return panel


def figure(
    title: str,
    target: PrometheusQuery,
    *,
    unit: str = "none",
    description: str = "",
    steps: list[tuple[float, str]] | None = None,
) -> Stat:
    """One current value, never negative; ``steps`` colour it (from a value up, the colour).
    The first step starts at 0: Grafana's strict schema has no "from minus infinity"."""
    panel = Stat().title(title).description(description).unit(unit).datasource(DATASOURCE)
    panel = panel.reduce_options(ReduceDataOptions().calcs(["lastNotNull"])).height(5).span(6)
    thresholds = [Threshold(value=value, color=color) for value, color in steps or [(0, "blue")]]
    panel = panel.thresholds(ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(thresholds))
    return panel.with_target(target.ref_id("A"))


def _dashboard(uid: str, title: str, description: str) -> Dashboard:
    return (
        Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["countersign"])
        .refresh("30s")
        .time("now-1h", "now")
        .timezone("browser")
        .with_variable(DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )


def system_overview() -> Dashboard:
    """Traffic, errors, latency, lags and dead letters, per service."""
    return (
        _dashboard(
            "countersign-system",
            "Countersign / System overview",
            "Is every service up, answering, publishing and keeping up with the others?",
        )
        .with_row(Row("Services"))
        .with_panel(
            figure(
                "Services up",
                query('sum(up{job="countersign"})'),
                description="Of the four services, how many answer Prometheus' scrape.",
                steps=[(0, "red"), (4, "green")],
            )
        )
        .with_panel(
            figure(
                "Dead letters (range)",
                query("sum(increase(countersign_dlq_messages_total[$__range])) or vector(0)"),
                description="Poison messages sent to a dead-letter topic in the time range.",
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_panel(
            figure(
                "Relay lag (events)",
                query("sum(countersign_relay_lag_events)"),
                description="Committed events no broker has acknowledged yet, all services.",
                steps=[(0, "green"), (100, "orange"), (1000, "red")],
            )
        )
        .with_panel(
            figure(
                "Stuck relays",
                query("count(countersign_relay_stuck_position > 0) or vector(0)"),
                description="Services whose relay cannot publish a message "
                "(`countersign status` says why).",
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_row(Row("Commands"))
        .with_panel(
            over_time(
                "Commands per second",
                "reqps",
                query(
                    "sum by (service, outcome) "
                    "(rate(countersign_commands_total[$__rate_interval]))",
                    "{{service}} {{outcome}}",
                ),
                description="Refused: a rule's 4xx answer. Failed: a 5xx, a defect.",
            )
        )
        .with_panel(
            over_time(
                "Command latency, 99th percentile",
                "s",
                query(
                    "histogram_quantile(0.99, sum by (service, le) "
                    "(rate(countersign_command_duration_seconds_bucket[$__rate_interval])))",
                    "{{service}}",
                ),
            )
        )
        .with_row(Row("Events and messages"))
        .with_panel(
            over_time(
                "Events committed and published per second",
                "ops",
                query(
                    "sum by (service) (rate(countersign_events_appended_total[$__rate_interval]))",
                    "{{service}} committed",
                ),
                query(
                    "sum by (service) (rate(countersign_relay_published_total[$__rate_interval]))",
                    "{{service}} published",
                ),
            )
        )
        .with_panel(
            over_time(
                "Messages applied per second",
                "ops",
                query(
                    "sum by (service, topic) "
                    "(rate(countersign_inbox_processed_total[$__rate_interval]))",
                    "{{service}} ← {{topic}}",
                ),
            )
        )
        .with_panel(
            over_time(
                "Relay lag",
                "none",
                query("countersign_relay_lag_events", "{{service}}"),
                description="Committed events not yet acknowledged by the broker.",
            )
        )
        .with_panel(
            over_time(
                "Relay lag (seconds)",
                "s",
                query(
                    "(time() - (countersign_relay_oldest_unacknowledged_timestamp_seconds > 0))"
                    " or (countersign_relay_oldest_unacknowledged_timestamp_seconds * 0)",
                    "{{service}}",
                ),
                description="How long ago the oldest event the broker has not acknowledged yet "
                "was committed; 0 when every event is delivered.",
            )
        )
        .with_panel(
            over_time(
                "Consumer lag",
                "none",
                query(
                    "sum by (service, topic) (countersign_consumer_lag_messages)",
                    "{{service}} ← {{topic}}",
                ),
                description="Messages a service has not processed yet, per topic.",
            )
        )
        .with_row(Row("Tamper evidence and timers"))
        .with_panel(
            over_time(
                "Age of each service's newest signed checkpoint",
                "s",
                query(
                    # 0: none published yet since the service started.
                    "time() - (countersign_checkpoint_published_timestamp_seconds > 0)",
                    "{{service}}",
                ),
                description="Checkpoints are published while the store moves; an idle store "
                "keeps its last one.",
            )
        )
        .with_panel(
            over_time(
                "Time since a timer last ran",
                "s",
                query(
                    "time() - countersign_timer_last_run_timestamp_seconds",
                    "{{service}} {{timer}}",
                ),
            )
        )
    )


def customers_business() -> Dashboard:
    """RULES.md §8 "Customers", from the customers service's figures."""
    return (
        _dashboard(
            "countersign-customers",
            "Countersign / Customers",
            "Grades, credit, risk and account ownership (RULES.md §8, Customers).",
        )
        .with_row(Row("Grades and credit"))
        .with_panel(
            over_time(
                "Customers by grade (CU-03)",
                "none",
                query("sum by (grade) (countersign_customers_by_grade)", "{{grade}}"),
            )
        )
        .with_panel(
            over_time(
                "Customers by standing (CU-06, CU-13)",
                "none",
                query("sum by (standing) (countersign_customers_by_standing)", "{{standing}}"),
            )
        )
        .with_panel(
            figure(
                "Grade reviews due (CU-05)",
                query("sum(countersign_customers_grade_reviews_due)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Credit reviews past due (CU-11)",
                query("sum(countersign_customers_credit_reviews_past_due)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Credit investigations blocked by a doubt (CU-10)",
                query("sum(countersign_customers_credit_investigations_blocked)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Dangerous-customer reviews open (CU-06)",
                query("sum(countersign_customers_risk_reviews_open)"),
            )
        )
        .with_row(Row("Files and ownership"))
        .with_panel(
            figure(
                "Files older than three months (CU-20)",
                query("sum(countersign_customers_stale_files)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Accounts without an owner (CU-15)",
                query("sum(countersign_customers_accounts_without_owner)"),
                description="Should be 0.",
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_panel(
            figure(
                "Handovers overdue (CU-22)",
                query("sum(countersign_customers_handovers_overdue)"),
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_panel(
            figure(
                "Abnormalities reported this week (CU-13)",
                query("sum(countersign_customers_abnormality_reports_this_week)"),
            )
        )
    )


def approvals_and_audit() -> Dashboard:
    """What waits for whose decision or signature, and how fresh the witnesses of each store are."""
    return (
        _dashboard(
            "countersign-approvals-audit",
            "Countersign / Approvals and audit",
            "Approvals waiting (XC-01), signatures not captured (XC-02), and the signed "
            "checkpoints each store's witnesses hold.",
        )
        .with_row(Row("Approvals and signatures"))
        .with_panel(
            figure(
                "Approvals overdue (escalated)",
                query('sum(countersign_approvals_waiting{overdue="true"}) or vector(0)'),
                description="Steps not decided within their working hours, now escalated.",
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_panel(
            figure(
                "Customers' signatures requested, not captured",
                query("sum(countersign_signatures_requested_not_captured) or vector(0)"),
                description="Signing links still open: neither signed, declined nor expired.",
            )
        )
        .with_panel(
            over_time(
                "Approvals waiting",
                "none",
                query(
                    "sum by (service, document_type) (countersign_approvals_waiting)",
                    "{{service}} {{document_type}}",
                ),
            )
        )
        .with_panel(
            over_time(
                "Approvals waiting by step (the role that decides)",
                "none",
                query(
                    "sum by (step) (countersign_approvals_waiting)",
                    "{{step}}",
                ),
            )
        )
        .with_panel(
            over_time(
                "Mean approval lead time per step",
                "s",
                query(
                    "sum by (document_type, step) "
                    "(countersign_approval_step_waiting_seconds_total) / "
                    "sum by (document_type, step) (countersign_approval_steps_decided_total)",
                    "{{document_type}} {{step}}",
                ),
                description="From each step's request (or the step before it) to its decision, "
                "over every step decided so far.",
            )
        )
        .with_panel(
            over_time(
                "Age of the oldest approval waiting",
                "s",
                query(
                    "time() - min by (service, document_type) "
                    "(countersign_approvals_oldest_requested_timestamp_seconds)",
                    "{{service}} {{document_type}}",
                ),
            )
        )
        .with_row(Row("Tamper evidence"))
        .with_panel(
            over_time(
                "Age of the newest checkpoint witnessed, per store",
                "s",
                query(
                    "time() - max by (signer_service) "
                    "(countersign_checkpoint_witnessed_signed_timestamp_seconds)",
                    "{{signer_service}}",
                ),
                description="How long ago the newest head of each store that another service "
                "witnessed was signed: events after it are not witnessed yet.",
            )
        )
        .with_panel(
            over_time(
                "Store position of the newest signed checkpoint",
                "none",
                query("countersign_checkpoint_position", "{{service}}"),
            )
        )
    )


def service_desk_business() -> Dashboard:
    """RULES.md §8 "Service-desk", from the service-desk service's figures."""
    outcomes = "countersign_service_desk_sla_outcomes_total"
    surveys = "countersign_service_desk_survey_responses_total"
    surveyed = "countersign_service_desk_completed_calls_surveyed"
    return (
        _dashboard(
            "countersign-service-desk",
            "Countersign / Service desk",
            "Arrival and reply times against the SLA, carried-over calls and reports awaiting "
            "approval (RULES.md §8, Service-desk).",
        )
        .with_row(Row("SLA (SD-04, SD-05, SD-06)"))
        .with_panel(
            figure(
                "SLA compliance, all zones (target ≥ 90 %)",
                query(f'sum({outcomes}{{met="yes"}}) / sum({outcomes})'),
                unit="percentunit",
                description="Calls whose arrival or written reply was in time, of those decided "
                "(no value until one is).",
                steps=[(0, "red"), (0.9, "green")],
            )
        )
        .with_panel(
            over_time(
                "SLA compliance by zone",
                "percentunit",
                query(
                    f'sum by (zone) ({outcomes}{{met="yes"}}) / sum by (zone) ({outcomes})',
                    "{{zone}}",
                ),
            )
        )
        .with_panel(
            over_time(
                "SLA breaches flagged",
                "none",
                query(
                    "sum by (zone) (countersign_service_desk_sla_breaches_total)",
                    "{{zone}}",
                ),
            )
        )
        .with_row(Row("Dispatch and reports"))
        .with_panel(
            figure(
                "Calls carried over with priority (SD-07)",
                query("sum(countersign_service_desk_calls_carried_over)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Reports awaiting the leader's approval (SD-21)",
                query("sum(countersign_service_desk_reports_awaiting_approval)"),
            )
        )
        .with_row(Row("Satisfaction and complaints (SD-30, SD-31, SD-41)"))
        .with_panel(
            figure(
                "Satisfaction (target ≥ 85 %)",
                query(
                    f'sum({surveys}{{satisfied="yes"}}) / sum({surveys})',
                ),
                unit="percentunit",
                description="Survey answers rating every item 3 or 4 of the four levels, of all "
                "answers (no value until one is in).",
                steps=[(0, "red"), (0.85, "green")],
            )
        )
        .with_panel(
            figure(
                "Survey coverage (target 100 %)",
                query(
                    f'sum({surveyed}{{sent="yes"}}) / sum({surveyed})',
                ),
                unit="percentunit",
                description="Completed calls whose survey went out: every one, no sampling.",
                steps=[(0, "red"), (1, "green")],
            )
        )
        .with_panel(
            over_time(
                "Complaints open by age",
                "none",
                query("sum by (age) (countersign_service_desk_complaints_open)", "{{age}}"),
                description="Days since each open complaint was received.",
            )
        )
        .with_panel(
            figure(
                "Complaints handled (target 100 %)",
                query("min(countersign_service_desk_complaints_handled_ratio)"),
                unit="percentunit",
                description="Complaints closed of complaints received.",
                steps=[(0, "red"), (1, "green")],
            )
        )
        .with_row(Row("Repairs, parts and daily reports (SD-14, SD-22, SD-23)"))
        .with_panel(
            figure(
                "Products at the workshop",
                query("sum(countersign_service_desk_repairs_at_workshop)"),
                description="Taken back for repair and not yet returned.",
            )
        )
        .with_panel(
            figure(
                "Old parts overdue",
                query('sum(countersign_service_desk_old_parts_outstanding{overdue="yes"})'),
                description="Not returned, or returned and not dealt with, past their time.",
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Daily reports awaiting the branch manager",
                query("sum(countersign_service_desk_daily_reports_unsigned)"),
            )
        )
    )


def billing_business() -> Dashboard:
    """RULES.md §8 "Billing", from the billing service's figures."""
    return (
        _dashboard(
            "countersign-billing",
            "Countersign / Billing",
            "Receivables aging, DSO, invoices without a signed receipt and credit utilisation "
            "(RULES.md §8, Billing).",
        )
        .with_row(Row("Receivables (BI-09, BI-13, BI-19)"))
        .with_panel(
            over_time(
                "Receivables by age",
                "none",
                query(
                    "sum by (bucket) (countersign_billing_receivables_aging)",
                    "{{bucket}}",
                ),
                description="What is outstanding, by days past the due date.",
            )
        )
        .with_panel(
            over_time(
                "Collection rate by salesperson (BI-09)",
                "percentunit",
                query(
                    "sum by (salesperson) (countersign_billing_collected_amount) "
                    "/ sum by (salesperson) (countersign_billing_collectable_amount)",
                    "{{salesperson}}",
                ),
                description="Collected of what was invoiced in the DSO period, less credit "
                "notes and write-offs.",
            )
        )
        .with_panel(
            figure(
                "Days sales outstanding",
                query("max(countersign_billing_dso)"),
                unit="d",
            )
        )
        .with_panel(
            figure(
                "Overdue amount (BI-11)",
                query("sum(countersign_billing_receivables_overdue_amount)"),
                steps=[(0, "green"), (0.01, "orange")],
            )
        )
        .with_panel(
            figure(
                "Invoices without the customer's signed receipt (BI-01)",
                query("sum(countersign_billing_invoices_without_signed_receipt)"),
            )
        )
        .with_row(Row("Collections (BI-06, BI-07)"))
        .with_panel(
            figure(
                "Instruments not yet with finance",
                query("sum(countersign_billing_instruments_not_handed_over)"),
                description="Cheques, acceptance bills and drafts received, not signed for.",
            )
        )
        .with_panel(
            figure(
                "Instruments not handed over the same day",
                query("sum(countersign_billing_instruments_handover_missed)"),
                description="Each also an XC-08 violation.",
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_panel(
            figure(
                "Collection-check exceptions open",
                query("sum(countersign_billing_collection_exceptions_open)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Today's collections check done",
                query("max(countersign_billing_collections_checked_today)"),
                steps=[(0, "orange"), (1, "green")],
            )
        )
        .with_row(Row("Credit (BI-11, OR-18)"))
        .with_panel(
            over_time(
                "Credit utilisation",
                "percentunit",
                query(
                    "sum by (currency) (countersign_billing_credit_exposure) "
                    "/ sum by (currency) (countersign_billing_credit_limits)",
                    "{{currency}}",
                ),
                description="Customers' exposure over their approved limits.",
            )
        )
        .with_panel(
            figure(
                "Customers over their limit",
                query("sum(countersign_billing_customers_over_limit)"),
                description="Only through an approved over-credit sale (OR-18).",
            )
        )
        .with_row(Row("Reconciliation, bad debt and service fees (BI-08, BI-12, BI-16)"))
        .with_panel(
            figure(
                "Reconciliation confirmed by customers",
                query("max(countersign_billing_reconciliation_coverage)"),
                unit="percentunit",
                description="Of the latest June/December statements, those the customer "
                "confirmed with their signature.",
                steps=[(0, "orange"), (1, "green")],
            )
        )
        .with_panel(
            figure(
                "Doubtful debts",
                query('sum(countersign_billing_bad_debt_amount{status="doubtful"})'),
                description="Classified doubtful by the sales manager and finance, not yet "
                "written off.",
            )
        )
        .with_panel(
            figure(
                "Service fees not with the accountant",
                query("sum(countersign_billing_service_fees_not_handed_in)"),
                description="Fees collected on site, not yet booked against a signed handover.",
            )
        )
        .with_panel(
            figure(
                "Service fees not handed in the same day",
                query("sum(countersign_billing_service_fees_handover_missed)"),
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_row(Row("Exposure"))
        .with_panel(
            figure(
                "Trading on credit without a limit (CU-07)",
                query("sum(countersign_billing_customers_without_limit_with_exposure)"),
                description="Should be 0.",
                steps=[(0, "green"), (1, "red")],
            )
        )
    )


def _weekly_mean_turnaround(stage: str) -> str:
    """OR-03: the mean duration of a quote turnaround stage over the last week."""
    seconds = f'countersign_orders_quote_turnaround_seconds_total{{stage="{stage}"}}'
    count = f'countersign_orders_quote_turnarounds_total{{stage="{stage}"}}'
    return f"sum(increase({seconds}[1w])) / sum(increase({count}[1w]))"


def orders_business() -> Dashboard:
    """RULES.md §8 "Orders", from the orders service's figures."""
    shipments = "countersign_orders_shipments"
    return (
        _dashboard(
            "countersign-orders",
            "Countersign / Orders",
            "Where orders stand, shipments against the one-working-day rule, the claims, "
            "disputes, commitments and special fees open, the sales pipeline and the returns "
            "(RULES.md §8, Orders).",
        )
        .with_row(Row("Orders and shipments (OR-18, OR-20, OR-22)"))
        .with_panel(
            over_time(
                "Orders by status",
                "none",
                query("sum by (status) (countersign_orders)", "{{status}}"),
                description="Credit-check failures wait as awaiting_over_credit_approval or "
                "blocked; shipped ones await the customer's signed confirmation.",
            )
        )
        .with_panel(
            figure(
                "Shipped within one working day of the contract (target ≥ 90 %)",
                query(f'sum({shipments}{{in_time="yes"}}) / sum({shipments}{{in_time=~"yes|no"}})'),
                unit="percentunit",
                description="Of the orders shipped whose clock could be read (no value until "
                "one is).",
                steps=[(0, "red"), (0.9, "green")],
            )
        )
        .with_panel(
            figure(
                "Blocked by a credit hold or the blacklist",
                query('sum(countersign_orders{status="blocked"})'),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            over_time(
                "Late shipments by reason",
                "none",
                query(f'sum by (delay_reason) ({shipments}{{in_time="no"}})', "{{delay_reason}}"),
            )
        )
        .with_panel(
            figure(
                "Awaiting the customer's signed confirmation (OR-22)",
                query('sum(countersign_orders{status="shipped"})'),
            )
        )
        .with_row(Row("Claims, disputes, commitments, special fees (OR-15, OR-31, OR-32, OR-36)"))
        .with_panel(
            figure(
                "Sales claims open (OR-31)",
                query("sum(countersign_orders_claims_open)"),
            )
        )
        .with_panel(
            figure(
                "Disputes with leadership (OR-32)",
                query("sum(countersign_orders_disputes_open)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Commitments missed (OR-36)",
                query('sum(countersign_orders_commitments_pending{status="missed"})'),
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_panel(
            over_time(
                "Special fees by status (OR-15)",
                "none",
                query("sum by (status) (countersign_orders_special_fees)", "{{status}}"),
            )
        )
        .with_row(Row("Pipeline and contracts (OR-01, OR-05, OR-07, OR-08, OR-14)"))
        .with_panel(
            figure(
                "Inquiry to go / no-go, mean over a week (OR-01)",
                query(
                    "sum(increase(countersign_orders_go_no_go_seconds_total[1w])) / "
                    "sum(increase(countersign_orders_go_no_go_decisions_total[1w]))"
                ),
                unit="s",
            )
        )
        .with_panel(
            figure(
                "Inquiry to approved quote, mean over a week (OR-03)",
                query(_weekly_mean_turnaround("approved")),
                unit="s",
            )
        )
        .with_panel(
            figure(
                "Approved quote to issued, mean over a week (OR-03)",
                query(_weekly_mean_turnaround("issued")),
                unit="s",
            )
        )
        .with_panel(
            figure(
                "Quote win rate (OR-05)",
                query(
                    'sum(countersign_orders_quotes{status="won"}) / '
                    'sum(countersign_orders_quotes{status=~"won|lost|expired"})'
                ),
                unit="percentunit",
            )
        )
        .with_panel(
            figure(
                "Quotes overdue for follow-up (OR-05)",
                query('sum(countersign_orders_quotes_awaiting_follow_up{overdue="yes"})'),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Deviations re-approved per contract (OR-08)",
                query(
                    "sum(countersign_orders_contract_deviations_reapproved_total) / "
                    "sum(countersign_orders_contracts_drafted_total)"
                ),
            )
        )
        .with_panel(
            figure(
                "Contracts signed with deviations open (should be 0)",
                query("sum(countersign_orders_contracts_signed_with_open_deviations)"),
                steps=[(0, "green"), (1, "red")],
            )
        )
        .with_panel(
            figure(
                "Uncontracted orders' share (OR-14)",
                query(
                    'sum(countersign_orders_placed_total{uncontracted="yes"}) / '
                    "sum(countersign_orders_placed_total)"
                ),
                unit="percentunit",
            )
        )
        .with_row(Row("Returns (OR-24 … OR-29)"))
        .with_panel(
            over_time(
                "Returns by reason",
                "none",
                # No return yet is no series: shown as 0, not as "No data".
                query(
                    'sum by (reason) (countersign_orders_returns{status!="rejected"}) or vector(0)',
                    "{{reason}}",
                ),
            )
        )
        .with_panel(
            figure(
                "Return rate by value",
                query(
                    "(sum(countersign_orders_returns_value) / "
                    "sum(countersign_orders_delivered_value)) or vector(0)"
                ),
                unit="percentunit",
            )
        )
        .with_panel(
            figure(
                "Authenticity failures (OR-26)",
                query("sum(countersign_orders_return_authenticity_failures_total)"),
                steps=[(0, "green"), (1, "orange")],
            )
        )
        .with_panel(
            figure(
                "Return cycle, request to credit note (4 weeks)",
                query(
                    "sum(increase(countersign_orders_return_cycle_seconds_total[4w])) / "
                    "sum(increase(countersign_orders_return_cycles_total[4w]))"
                ),
                unit="s",
            )
        )
    )


DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "system-overview": system_overview,
    "approvals-audit": approvals_and_audit,
    "customers": customers_business,
    "orders": orders_business,
    "service-desk": service_desk_business,
    "billing": billing_business,
}
"""File name (without ``.json``) -> the dashboard it holds."""


def render(build: Callable[[], Dashboard]) -> str:
    dashboard = build().build()
    for number, panel in enumerate(dashboard.panels or [], start=1):
        panel.id_val = number  # unique within the dashboard, in reading order
    return JSONEncoder(sort_keys=True, indent=2).encode(dashboard) + "\n"


def as_json(build: Callable[[], Dashboard]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render(build))
    return loaded


def generate(directory: Path) -> list[Path]:
    """Write every dashboard to ``directory``; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in DASHBOARDS.items():
        path = directory / f"{name}.json"
        path.write_text(render(build))
        written.append(path)
    return written
