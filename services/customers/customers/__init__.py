"""customers: customer files, approval and credit limits (RULES.md §3.2)."""
