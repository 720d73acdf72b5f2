"""Keep sending inside Telegram's flood limits: overall, per private chat and per group."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)
MAX_LIMITERS = 4096


class ChatRateLimiter(BaseRateLimiter[int]):
    """Throttle requests; on a 429 wait the retry_after Telegram asked for, then retry."""

    def __init__(
        self,
        overall_per_second: float = 30,
        per_chat_per_second: float = 1,
        per_chat_burst: int = 3,
        group_per_minute: float = 20,
        max_retries: int = 5,
    ):
        self._overall = AsyncLimiter(overall_per_second, 1)
        self._chat_rate = per_chat_per_second
        self._chat_burst = max(1, per_chat_burst)
        self._group_rate = group_per_minute
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._max_retries = max_retries
        self._resume = asyncio.Event()
        self._resume.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _limiter(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > MAX_LIMITERS:
                # Forget idle chats so memory stays bounded.
                for key, lim in list(self._chats.items()):
                    if lim.has_capacity(lim.max_rate):
                        del self._chats[key]
            is_group = isinstance(chat_id, str) or chat_id < 0
            if is_group:
                limiter = AsyncLimiter(self._group_rate, 60)
            else:
                # A burst of a few messages, then the per-chat rate on average.
                limiter = AsyncLimiter(self._chat_burst, self._chat_burst / self._chat_rate)
            self._chats[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Run one Bot API request within the limits."""
        chat_id = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        for attempt in range(retries + 1):
            await self._resume.wait()
            try:
                if chat_id is None:
                    return await callback(*args, **kwargs)
                async with self._limiter(chat_id), self._overall:
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                log.info("telegram asked to wait %.1fs before %s", seconds, endpoint)
                self._resume.clear()
                try:
                    await asyncio.sleep(seconds + 0.1)
                finally:
                    self._resume.set()
        raise AssertionError("unreachable")
