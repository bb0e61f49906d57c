"""billing: invoices and receivables (RULES.md §3.5)."""
