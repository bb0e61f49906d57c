"""Every role the regulations name (RULES.md §1), declared once.

Routes admit callers by these roles, the authority matrix assigns approval steps to them and the
development users hold them. Customers and outside agencies hold none: they are not employees and
never log in as one.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SALESPERSON = "salesperson"
    SALES_CLERK = "sales_clerk"
    BRANCH_MANAGER = "branch_manager"
    SALES_MANAGER = "sales_manager"
    BUSINESS_SUPERVISOR = "business_supervisor"
    LEADERSHIP_GM = "leadership_gm"
    LEADERSHIP_DGM = "leadership_dgm"
    CHAIRMAN = "chairman"
    FINANCE = "finance"
    ACCOUNTANT = "accountant"
    WAREHOUSE_KEEPER = "warehouse_keeper"
    SERVICE_CLERK = "service_clerk"
    TECHNICIAN = "technician"
    SERVICE_SUPERVISOR = "service_supervisor"
    UNIT_LEADER = "unit_leader"
    SERVICE_DEPARTMENT = "service_department"
    CS_DIRECTOR = "cs_director"
    CS_MANAGER = "cs_manager"
    TECHNICAL_DEPARTMENT = "technical_department"
    PURCHASING_DEPARTMENT = "purchasing_department"
    BRANCH_SERVICE_MANAGER = "branch_service_manager"
    HANDOVER_WITNESS = "handover_witness"
    DEPT_HEAD = "dept_head"
    MANAGEMENT = "management"
    LEGAL_EXPERT = "legal_expert"
    """The in-house legal expert who reviews contracts (an outside lawyer gets an account too)."""
    CUSTOMER_RECORDS_CUSTODIAN = "customer_records_custodian"
    """CU-17: keeps the original customer records; every access to them is logged."""


SALES = (Role.SALESPERSON, Role.SALES_CLERK)
"""Sales staff: they register customers and place orders."""

EMPLOYEES = tuple(Role)
"""Every employee role: routes any employee may call admit these."""

SUPERVISING = (
    Role.SALES_MANAGER,
    Role.LEADERSHIP_GM,
    Role.SERVICE_SUPERVISOR,
    Role.UNIT_LEADER,
    Role.FINANCE,
)
"""The supervising roles of each business area: they record violations, order rectifications
and close anybody's rectification (XC-08, XC-09)."""
