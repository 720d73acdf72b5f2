"""Background jobs on APScheduler: deliver the outbox, fire due escalations, clean chats."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cleanup import Cleaner
from bot.dispatcher import Dispatcher
from storage.models import utcnow
from storage.repository import Store

log = logging.getLogger(__name__)


class Jobs:
    """Run the dispatcher, the escalation sweep and the clean-up sweep on a schedule."""

    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher,
        cleaner: Cleaner | None,
        dispatch_seconds: float = 1.0,
        escalation_seconds: float = 5.0,
        cleanup_seconds: float = 30.0,
    ):
        self.store = store
        self.dispatcher = dispatcher
        self.cleaner = cleaner
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.intervals = (dispatch_seconds, escalation_seconds, cleanup_seconds)
        self._lock = asyncio.Lock()

    def start(self) -> None:
        """Start the jobs; escalation due times live in the database, so restarts lose nothing."""
        dispatch, escalate, cleanup = self.intervals
        opts = {"max_instances": 1, "coalesce": True, "next_run_time": utcnow()}
        self.scheduler.add_job(self.dispatch, "interval", seconds=dispatch, id="dispatch", **opts)
        self.scheduler.add_job(self.escalate, "interval", seconds=escalate, id="escalate", **opts)
        if self.cleaner is not None:
            self.scheduler.add_job(self.cleanup, "interval", seconds=cleanup, id="cleanup", **opts)
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop the jobs and close the webhook client."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.dispatcher.close()

    async def dispatch(self) -> None:
        """Deliver due outbox rows (one run at a time, so order by priority holds)."""
        async with self._lock:
            try:
                await self.dispatcher.run_once()
            except Exception as exc:  # noqa: BLE001 - the next run tries again
                log.error("dispatch failed: %s", type(exc).__name__)

    def kick(self) -> None:
        """Run the dispatcher now rather than at the next interval."""
        asyncio.get_running_loop().create_task(self.dispatch())

    async def escalate(self) -> int:
        """Fire every due escalation step exactly once."""
        cases = self.store.cases
        if cases is None:
            return 0
        fired = 0
        try:
            with self.store.sessions() as db:
                due = cases.due_escalations(db, utcnow())
            for esc_id in due:
                with self.store.sessions.begin() as db:
                    if cases.fire(db, esc_id):
                        fired += 1
        except Exception as exc:  # noqa: BLE001 - the next sweep tries again
            log.error("escalation sweep failed: %s", type(exc).__name__)
        if fired:
            await self.dispatch()
        return fired

    async def cleanup(self) -> None:
        """Delete chat messages whose clean-up time has come."""
        try:
            await self.cleaner.sweep()
        except Exception as exc:  # noqa: BLE001 - the next sweep tries again
            log.error("cleanup failed: %s", type(exc).__name__)


def jobs_for(runtime, transport, cleaner: Cleaner | None) -> Jobs:
    """Build the jobs of one adapter: its transport for chats, webhooks for partners' systems."""
    from bot.dispatcher import WebhookConfig
    from bot.runtime import webhook_secrets

    alerts = runtime.settings.alerts
    dispatcher = Dispatcher(
        runtime.store,
        transport,
        WebhookConfig(webhook_secrets(runtime.settings), alerts.webhook_timeout_seconds),
        alerts.retry_base_seconds,
        alerts.retry_max_seconds,
    )
    return Jobs(
        runtime.store,
        dispatcher,
        cleaner,
        alerts.dispatch_interval_seconds,
        alerts.escalation_check_seconds,
        alerts.cleanup_check_seconds,
    )
