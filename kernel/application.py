"""What every kernel feature's commands stand on: the kernel's settings and the working
calendar (XC-10) that every deadline counts on."""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar

from kernel.calendar import Calendar
from kernel.settings import KernelSettings
from runtime.application import ServiceApplication
from runtime.settings import Settings


class KernelApplication(ServiceApplication):
    settings_class: ClassVar[type[Settings]] = KernelSettings

    @cached_property
    def kernel_settings(self) -> KernelSettings:
        return KernelSettings.of(self.settings)

    @cached_property
    def calendar(self) -> Calendar:
        return Calendar.load(self.kernel_settings.calendar_file)
