"""Tamper evidence: the hash chain every stored event carries, and the verifier that checks it."""
