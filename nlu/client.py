"""Ask the Rasa server what a message means, over HTTP with a short timeout."""

from __future__ import annotations

import logging

import httpx

from flows.model import Nlu
from nlu.entities import find_contacts

log = logging.getLogger(__name__)


def _entities(data: dict, text: str) -> list[dict]:
    """Merge Rasa's entities with the phone numbers, handles and links found by regex."""
    out = [
        {
            "entity": e.get("entity"),
            "value": e.get("value"),
            "start": e.get("start"),
            "end": e.get("end"),
        }
        for e in data.get("entities", [])
    ]
    out += [
        {"entity": c.type, "value": c.value, "start": c.start, "end": c.end}
        for c in find_contacts(text)
    ]
    return sorted(out, key=lambda e: (e["start"] or 0, e["entity"] or ""))


class NluClient:
    """Parse messages; on any failure return None so the conversation goes on with buttons."""

    def __init__(self, url: str, timeout: float):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def parse(self, text: str) -> Nlu | None:
        """Return intent, confidence and entities, or None if the server is down or slow."""
        if not text.strip():
            return None
        if self._client is None:
            limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
            self._client = httpx.AsyncClient(timeout=self.timeout, limits=limits)
        try:
            r = await self._client.post(f"{self.url}/model/parse", json={"text": text})
            r.raise_for_status()
            data = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            # Only the error type: the message text never goes to the log.
            log.warning("nlu unavailable: %s", type(exc).__name__)
            return None
        intent = data.get("intent") or {}
        return Nlu(
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            entities=_entities(data, text),
        )

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
