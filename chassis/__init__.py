"""The microservice chassis: runtime plumbing every Countersign service shares.

Event store wiring, outbox relay, inbox, metrics, HTTP app factory, authentication and settings.
Domain code never lives here.
"""
