"""Approvals and signatures usable by any aggregate (XC-01, XC-02, XC-05, XC-07)."""
