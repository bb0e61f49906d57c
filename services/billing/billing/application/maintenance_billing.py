"""Maintenance-contract billing (SD-01, BI-16; RULES §7 row 14): type-B work is billed under the
contract's schedule, drawn once per contract when service-desk reports it signed."""

from __future__ import annotations

from billing.domain.maintenance_billing import Instalment, MaintenanceBilling
from billing.maintenance_billing_projections import (
    MAINTENANCE_INSTALMENTS,
    MaintenanceInstalmentView,
    maintenance_billing,
)
from contracts.service_desk import MaintenanceContractRenewed, MaintenanceContractSigned
from kernel.company import COMPANY_CURRENCY
from runtime.application import Feature, ServiceApplication, policy
from runtime.views import Page, PageRequest


class MaintenanceBillingCommands(ServiceApplication):
    feature = Feature(
        "maintenance-billing", projections=(maintenance_billing,), value_objects=(Instalment,)
    )

    @policy(MaintenanceContractSigned)
    def on_maintenance_contract_signed(self, event: MaintenanceContractSigned) -> None:
        """RULES §7 row 14, BI-16: the contract's billing schedule, once; a contract announced
        without its price or payment terms has nothing to draw it from."""
        if event.price is None or event.payment_terms is None or event.ends_on < event.starts_on:
            return
        if self.find(MaintenanceBilling, MaintenanceBilling.id_for(event.contract_id)) is not None:
            return
        MaintenanceBilling.draw(
            event.contract_id,
            event.customer_id,
            event.price,
            COMPANY_CURRENCY,
            event.payment_terms,
            event.starts_on,
            event.ends_on,
            event.renews_id,
        )

    @policy(MaintenanceContractRenewed)
    def on_maintenance_contract_renewed(self, event: MaintenanceContractRenewed) -> None:
        """RULES §7 row 14, SD-29: the renewed contract's schedule records its renewal (billed on
        the renewal's own schedule); one billing never saw is left alone."""
        schedule = self.find(MaintenanceBilling, MaintenanceBilling.id_for(event.contract_id))
        if schedule is not None:
            schedule.renewed_by(event.renewal_id)

    def maintenance_instalments(self, request: PageRequest) -> Page[MaintenanceInstalmentView]:
        return self.read_models.page(MAINTENANCE_INSTALMENTS, request)
