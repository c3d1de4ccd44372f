"""Names of the task-queue entry points, shared by the relay that sends and the workers that run."""

from __future__ import annotations

EVENT_DISPATCH_TASK = "lyceum.events.dispatch"
PURGE_OUTBOX_TASK = "lyceum.maintenance.purge_outbox"
