"""The service-desk service's HTTP API, one module per area."""
