"""orders: sales orders, shipping and delivery (RULES.md §3.3)."""
