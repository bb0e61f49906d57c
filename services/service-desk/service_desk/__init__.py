"""service-desk: service vouchers and field service (RULES.md §3.4)."""
