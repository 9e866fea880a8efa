"""Shared fixtures.

The integration is imported here, before Home Assistant mounts its test config directory,
so that the loader finds this repository's custom_components (see ha-conventions.md).
Tests that talk to simulated miners over loopback request the `socket_enabled` fixture.
"""

from __future__ import annotations

from custom_components.whatsminer.const import DOMAIN

assert DOMAIN == "whatsminer"
