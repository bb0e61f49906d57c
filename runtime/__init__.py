"""The runtime (the "microservice chassis"): what every Countersign service runs on.

Event stores and their hash chain, group commit, units of work, the outbox relay, the inbox,
projections into read tables, the HTTP app factory, authentication, settings, metrics and the
clock. It knows no business rule: approvals, signatures and the working calendar live in the
shared business kernel (``kernel``), which builds on this package, never the other way round.
"""
