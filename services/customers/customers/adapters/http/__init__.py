"""The customers service's HTTP API, one module per area."""
