"""What every kernel feature's commands stand on: the kernel's settings and the company's policies
in force (XC-07): the authority matrix, the rule parameters and the working calendar (XC-10) that
every deadline counts on.

Each policy is a configured document (``config/<key>.toml``); the general manager puts a version
in force by signing it (``approve_policy``). Until then, what needs the policy is refused (a
command) or waits (a reaction to another service's event): nothing is decided under a version
nobody signed.
"""

from __future__ import annotations

import functools
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from kernel.calendar import Calendar
from kernel.policy.domain import PolicyDocument, PolicyVersion, policy_signing_fields
from kernel.policy.parameters import RuleParameters
from kernel.settings import KernelSettings
from runtime import clock
from runtime.aggregate import NotFound, NotYet, RuleViolation
from runtime.application import ServiceApplication, command
from runtime.settings import Settings
from runtime.signing import KEY_LEDGER_FILE, KeyRing
from runtime.unit_of_work import CommandContext

AUTHORITY_MATRIX = "authority-matrix"
RULE_PARAMETERS = "rule-parameters"
CALENDAR = "calendar"


class PolicyNotInForce(NotYet):
    """No version of a policy is in force yet: the general manager has not signed one."""

    def __init__(self, policy_key: str) -> None:
        super().__init__(
            "XC-07",
            f"no {policy_key} policy is in force yet: the general manager must approve one",
            policy_key=policy_key,
        )
        self.policy_key = policy_key


class KernelApplication(ServiceApplication):
    settings_class: ClassVar[type[Settings]] = KernelSettings

    @cached_property
    def kernel_settings(self) -> KernelSettings:
        return KernelSettings.of(self.settings)

    @property
    def key_ring(self) -> KeyRing:
        """The key ring as its ledger now stands: a key added, rotated or revoked with
        `countersign keys` counts from the next signature on."""
        ledger = self.kernel_settings.keys_path / KEY_LEDGER_FILE
        return _key_ring(ledger.parent, ledger.stat().st_mtime_ns if ledger.exists() else 0)

    # -- the policies, as configured and as in force

    @cached_property
    def policy_files(self) -> dict[str, Path]:
        """Policy key -> the file its configured version is read from."""
        settings = self.kernel_settings
        return {
            AUTHORITY_MATRIX: settings.authority_matrix_file,
            RULE_PARAMETERS: settings.rule_parameters_file,
            CALENDAR: settings.calendar_file,
        }

    def configured_policy(self, policy_key: str) -> PolicyDocument:
        try:
            path = self.policy_files[policy_key]
        except KeyError:
            raise NotFound("policy", policy_key) from None
        return _configured(path, path.stat().st_mtime_ns)

    def policy_version(self, policy_key: str, number: int) -> PolicyVersion | None:
        return self.find(PolicyVersion, PolicyVersion.create_id(policy_key, number))

    def policy_in_force(self, policy_key: str) -> PolicyDocument:
        """The newest version of ``policy_key`` the general manager signed."""
        in_force: PolicyVersion | None = None
        number = 1
        while (version := self.policy_version(policy_key, number)) is not None:
            if version.in_force:
                in_force = version
            number += 1
        if in_force is None:
            raise PolicyNotInForce(policy_key)
        return PolicyDocument(policy_key, in_force.number, in_force.digest, in_force.content)

    @command
    def approve_policy(
        self, context: CommandContext, policy_key: str, version: int, signature: str
    ) -> PolicyVersion:
        """Put the configured version of ``policy_key`` in force with the general manager's
        signature over its digest."""
        configured = self.configured_policy(policy_key)
        if version != configured.version:
            raise RuleViolation(
                "XC-07", f"version {version} is not the configured one ({configured.version})"
            )
        policy = self.policy_version(policy_key, version) or PolicyVersion.propose(
            policy_key, version, configured.digest, configured.content, context.actor
        )
        if policy.digest != configured.digest:
            raise RuleViolation(
                "XC-07",
                f"the configured {policy_key} differs from the stored version of the same "
                "number: give the change a new version number",
            )
        fields = policy_signing_fields(policy_key, version, configured.digest)
        valid = self.key_ring.verify(context.actor, fields, signature, at=clock.now())
        policy.approve(context.actor, context.roles, signature, valid)
        return policy

    # -- what the policies in force say

    @property
    def calendar(self) -> Calendar:
        """The working calendar in force (XC-10)."""
        return _calendar(self.policy_in_force(CALENDAR).content)

    def rule_parameters(self) -> RuleParameters:
        """The rule parameters in force; their ``version`` goes with each decision taken."""
        return _parameters(self.policy_in_force(RULE_PARAMETERS).content)


@functools.lru_cache(maxsize=4)
def _key_ring(directory: Path, modified_ns: int) -> KeyRing:
    return KeyRing.load(directory)


@functools.lru_cache(maxsize=16)
def _configured(path: Path, modified_ns: int) -> PolicyDocument:
    return PolicyDocument.parse(path.read_text())


@functools.lru_cache(maxsize=16)
def _calendar(content: str) -> Calendar:
    return Calendar.parse(content)


@functools.lru_cache(maxsize=16)
def _parameters(content: str) -> RuleParameters:
    return RuleParameters.parse(content)
