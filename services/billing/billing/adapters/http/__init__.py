"""The billing service's HTTP API, one module per area."""
