"""The kernel's settings: the runtime's, plus where the company's rules are."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from runtime.settings import CONFIG_DIR, Settings


class KernelSettings(Settings):
    authority_matrix_file: Path = CONFIG_DIR / "authority-matrix.toml"
    calendar_file: Path = CONFIG_DIR / "calendar.toml"
    rule_parameters_file: Path = CONFIG_DIR / "rule-parameters.toml"
    # How often timers look for passed deadlines (overdue approvals).
    timer_seconds: float = Field(default=30.0, gt=0)

    def files_read(self) -> list[tuple[str, Path]]:
        return [
            *super().files_read(),
            ("authority_matrix_file", self.authority_matrix_file),
            ("calendar_file", self.calendar_file),
            ("rule_parameters_file", self.rule_parameters_file),
        ]

    @classmethod
    def of(cls, settings: Settings) -> KernelSettings:
        """``settings`` with the kernel's own fields (from the environment where not given)."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump(exclude_unset=True))
