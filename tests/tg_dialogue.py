"""Play a user against the real bot through the fake Bot API, keeping a transcript."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.fakes.bot_api import FakeBotApi

GOLDEN = Path(__file__).parent / "golden"


class TelegramDialogue:
    """One user's chat: send, tap, and read the replies in order."""

    def __init__(self, api: FakeBotApi, chat_id: int, language_code: str | None = "en"):
        self.api = api
        self.chat_id = chat_id
        self.language_code = language_code
        self.lines: list[str] = []
        self._seen = 0

    async def _after_action(self, shown: str, timeout: float = 15.0) -> list:
        self.lines.append(f"> {shown}")
        await self.api.wait_for(self.chat_id, self._seen + 1, timeout=timeout)
        # Replies to one update may take several sends: wait until the chat is quiet.
        last_count, quiet_since = -1, time.monotonic()
        while time.monotonic() - quiet_since < 0.4:
            count = len(self.api.messages[self.chat_id])
            if count != last_count:
                last_count, quiet_since = count, time.monotonic()
            await asyncio.sleep(0.05)
        new = self.api.messages[self.chat_id][self._seen :]
        self._seen = len(self.api.messages[self.chat_id])
        for m in new:
            self.lines.append(f"< {m.text}")
            if m.buttons:
                self.lines.append("    " + " ".join(f"[{label}]" for label, _ in m.buttons))
        return new

    async def send(self, text: str, *, forwarded: bool = False) -> list:
        self.api.user_sends(
            self.chat_id, text, language_code=self.language_code, forwarded=forwarded
        )
        return await self._after_action(("(forwarded) " if forwarded else "") + text)

    async def send_photo(self) -> list:
        self.api.user_sends(
            self.chat_id,
            None,
            language_code=self.language_code,
            extra={"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
        )
        return await self._after_action("(photo)")

    async def tap(self, label: str) -> list:
        self.api.tap_label(self.chat_id, label, language_code=self.language_code)
        return await self._after_action(f"[{label}]")

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def check_golden(self, name: str, update: bool) -> None:
        """Compare with tests/golden/<name>.txt; --update-golden rewrites it for review as a diff."""
        path = GOLDEN / f"{name}.txt"
        if update:
            path.write_text(self.text, encoding="utf-8")
        assert path.exists(), f"{path} is missing: run pytest --update-golden and review the diff"
        assert self.text == path.read_text(encoding="utf-8"), f"transcript differs from {path}"
