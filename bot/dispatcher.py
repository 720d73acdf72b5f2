"""Deliver the outbox: alerts, notices and relayed messages, P1 first, with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import httpx
from sqlalchemy import select

from bot import partner_text
from storage.models import Case, ChatMessage, Outbox, utcnow
from storage.repository import Store

log = logging.getLogger(__name__)
BATCH = 50


class DeliveryRetry(Exception):
    """The receiver asked us to wait this many seconds (a 429)."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


class Transport(Protocol):
    """Where partner chats and people are reached: Telegram, or the console."""

    partner_channel: str
    person_prefix: str

    async def to_partner(
        self, target: str, text: str, buttons: list[list[tuple[str, str]]]
    ) -> int | None:
        """Send to a partner chat; return the message id."""

    async def to_person(self, address: str, text: str) -> int | None:
        """Send to a person; return the message id."""


def alert_buttons(outbox_id: int) -> list[list[tuple[str, str]]]:
    """The partner's actions on an alert, as (label, callback data)."""
    t = partner_text.t
    return [
        [(t("btn.ack"), f"pa/ack/{outbox_id}"), (t("btn.claim"), f"pa/claim/{outbox_id}")],
        [(t("btn.ask"), f"pa/ask/{outbox_id}"), (t("btn.close"), f"pa/close/{outbox_id}")],
    ]


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex, as sent in X-Waymark-Signature."""
    return (
        "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )


@dataclass
class WebhookConfig:
    """Where each partner's webhook secret comes from."""

    secrets: dict[str, bytes]
    timeout: float = 10.0


class Dispatcher:
    """Send pending outbox rows through a transport and webhooks; nothing is dropped."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        webhooks: WebhookConfig,
        retry_base: float = 2.0,
        retry_max: float = 300.0,
    ):
        self.store = store
        self.transport = transport
        self.webhooks = webhooks
        self.retry_base = retry_base
        self.retry_max = retry_max
        self._http: httpx.AsyncClient | None = None
        self._rng = random.Random()

    async def close(self) -> None:
        """Close the webhook client."""
        if self._http is not None:
            await self._http.aclose()

    def _pending(self) -> list[tuple[int, str, str]]:
        """Return (id, channel, target) of due rows this dispatcher can send, most urgent first."""
        channels = {self.transport.partner_channel, "webhook", "person"}
        with self.store.sessions() as db:
            rows = db.execute(
                select(Outbox.id, Outbox.channel, Outbox.target)
                .where(
                    Outbox.status == "pending",
                    Outbox.next_attempt_at <= utcnow(),
                    Outbox.channel.in_(channels),
                )
                .order_by(Outbox.priority, Outbox.created_at, Outbox.id)
                .limit(BATCH)
            ).all()
        out = []
        for oid, channel, target in rows:
            if channel == "person":
                address = self.store.keys.decrypt(target)
                if not address.startswith(self.transport.person_prefix):
                    continue
            out.append((oid, channel, target))
        return out

    async def run_once(self) -> int:
        """Deliver what is due now; return how many were sent."""
        sent = 0
        for oid, _channel, _target in self._pending():
            if await self._deliver(oid):
                sent += 1
        return sent

    async def _deliver(self, oid: int) -> bool:
        with self.store.sessions() as db:
            row = db.get(Outbox, oid)
            if row is None or row.status != "pending":
                return False
            payload = json.loads(self.store.keys.decrypt(row.payload))
            channel, target, kind, key = row.channel, row.target, row.kind, row.idempotency_key
            partner_id, case_id = row.partner_id, row.case_id
        try:
            message_id = await self._send(oid, channel, target, kind, key, partner_id, payload)
        except DeliveryRetry as exc:
            self._reschedule(oid, exc.seconds, "retry_after")
            return False
        except Exception as exc:  # noqa: BLE001 - any failure is retried, never dropped
            self._reschedule(oid, None, type(exc).__name__)
            return False
        with self.store.sessions.begin() as db:
            row = db.get(Outbox, oid)
            row.status, row.sent_at, row.message_id = "sent", utcnow(), message_id
            row.attempts += 1
            if channel == "person" and message_id is not None:
                case = db.get(Case, case_id)
                db.add(ChatMessage(user_id=case.user_id, message_id=message_id))
        return True

    def _reschedule(self, oid: int, wait: float | None, error: str) -> None:
        with self.store.sessions.begin() as db:
            row = db.get(Outbox, oid)
            row.attempts += 1
            if wait is None:
                # Exponential backoff with jitter, so retries from many rows do not align.
                wait = min(self.retry_max, self.retry_base * 2 ** min(row.attempts - 1, 16))
                wait *= 0.5 + self._rng.random()
            row.next_attempt_at = utcnow() + timedelta(seconds=wait)
            row.last_error = error[:80]
        log.warning("delivery of outbox row %s failed (%s); retry in %.1fs", oid, error, wait)

    async def _send(
        self,
        oid: int,
        channel: str,
        target: str,
        kind: str,
        key: str,
        partner_id: str | None,
        payload: dict,
    ) -> int | None:
        if channel == "person":
            return await self.transport.to_person(self.store.keys.decrypt(target), payload["text"])
        if channel == "webhook":
            await self._webhook(target, key, partner_id, kind, payload)
            return None
        if kind == "alert":
            return await self.transport.to_partner(
                target, partner_text.render_alert(payload), alert_buttons(oid)
            )
        return await self.transport.to_partner(target, payload["text"], [])

    async def _webhook(
        self, url: str, key: str, partner_id: str | None, kind: str, payload: dict
    ) -> None:
        secret = self.webhooks.secrets.get(partner_id or "")
        if not secret:
            raise RuntimeError("no webhook secret configured")
        body = json.dumps(
            {"event": kind, "idempotency_key": key, "partner": partner_id, "case": payload},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Waymark-Timestamp": timestamp,
            "X-Waymark-Signature": sign(secret, timestamp, body),
            "Idempotency-Key": key,
        }
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.webhooks.timeout)
        r = await self._http.post(url, content=body, headers=headers)
        if r.status_code == 429:
            raise DeliveryRetry(float(r.headers.get("Retry-After", "5")))
        if r.status_code >= 300:
            raise RuntimeError(f"webhook HTTP {r.status_code}")
