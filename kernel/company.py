"""Facts about the company itself that every service's domain shares."""

COMPANY_CURRENCY = "CNY"
"""The company's own currency: what an amount is in before a customer's currency is known."""
