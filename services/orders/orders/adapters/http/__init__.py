"""The orders service's HTTP API, one module per area."""
