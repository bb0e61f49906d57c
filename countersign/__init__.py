"""Countersign's command line and the embedded stack it runs: a local broker and the services."""
