"""A fake Telegram Bot API server over HTTP, for the real PTB Application to talk to.

Tests play the user: they queue updates (messages, button taps), the bot fetches them with
getUpdates, and every method the bot calls is recorded so the transcript can be asserted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Waymark",
    "username": "waymark_test_bot",
}
JSON_FIELDS = {
    "chat_id",
    "message_id",
    "message_ids",
    "reply_markup",
    "protect_content",
    "offset",
    "limit",
    "timeout",
    "allowed_updates",
    "commands",
    "show_alert",
    "disable_notification",
    "drop_pending_updates",
    "from_chat_id",
    "link_preview_options",
}


@dataclass
class SentMessage:
    """A message the bot sent, as the fake server stores it."""

    message_id: int
    chat_id: int
    text: str
    reply_markup: dict | None
    protect_content: bool
    sent_at: float
    deleted: bool = False
    sent_perf: float = 0.0

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Return (label, callback_data) of every inline button."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class Call:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass
class FakeBotApi:
    """The server and its state."""

    token: str = "123456:TEST-TOKEN"
    host: str = "127.0.0.1"
    port: int = 0
    updates: list[dict] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    messages: dict[int, list[SentMessage]] = field(default_factory=lambda: defaultdict(list))
    fail_next: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self._new_message = asyncio.Event()
        self._confirmed = 0
        self._runner: web.AppRunner | None = None
        self.user_messages: dict[int, list[dict]] = defaultdict(list)
        self.received_at: dict[int, float] = {}
        self.left_chats: list[int] = []
        self.deleted: dict[int, set[int]] = defaultdict(set)

    # ---- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Start listening on host:port (port 0 picks a free one)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop the server."""
        self._new_update.set()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """The value for PTB's base_url."""
        return f"http://{self.host}:{self.port}/bot"

    # ---- the user's side ------------------------------------------------------------------
    def _user(self, chat_id: int, language_code: str | None) -> dict:
        user = {"id": chat_id, "is_bot": False, "first_name": f"User{chat_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def _push(self, update: dict) -> int:
        uid = next(self._update_ids)
        update["update_id"] = uid
        self.updates.append(update)
        self.received_at[uid] = time.perf_counter()
        self._new_update.set()
        return uid

    def user_sends(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        language_code: str | None = "en",
        forwarded: bool = False,
        extra: dict | None = None,
    ) -> int:
        """Queue a private message from a user; returns the update id."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"},
            "from": self._user(chat_id, language_code),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                ]
        if forwarded:
            message["forward_origin"] = {
                "type": "hidden_user",
                "date": int(time.time()) - 60,
                "sender_user_name": "Recruiter",
            }
        message.update(extra or {})
        self.user_messages[message["chat"]["id"]].append(message)
        return self._push({"message": message})

    def group_sends(
        self, chat_id: int, user_id: int, text: str, *, reply_to: SentMessage | None = None
    ) -> int:
        """Queue a message from a member of a group chat (a partner's team, or a stranger's)."""
        extra: dict[str, Any] = {
            "chat": {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"},
            "from": self._user(user_id, "en"),
        }
        if reply_to is not None:
            extra["reply_to_message"] = self._message_json(reply_to)
        return self.user_sends(user_id, text, extra=extra)

    def send_location(self, chat_id: int, latitude: float, longitude: float) -> int:
        """Queue a shared location from a user."""
        return self.user_sends(
            chat_id, None, extra={"location": {"latitude": latitude, "longitude": longitude}}
        )

    def user_taps(
        self,
        chat_id: int,
        message: SentMessage,
        data: str,
        *,
        language_code: str | None = "en",
        user_id: int | None = None,
    ) -> int:
        """Queue a button tap on a message the bot sent (in a group, by user_id)."""
        return self._push(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": self._user(user_id or chat_id, language_code),
                    "chat_instance": str(chat_id),
                    "data": data,
                    "message": self._message_json(message),
                }
            }
        )

    def tap_label(self, chat_id: int, label: str, *, language_code: str | None = "en") -> int:
        """Tap the button with this label on the newest bot message that has it."""
        for msg in reversed(self.messages[chat_id]):
            for text, data in msg.buttons:
                if text == label:
                    return self.user_taps(chat_id, msg, data, language_code=language_code)
        raise AssertionError(f"no button {label!r} in chat {chat_id}")

    async def wait_for(self, chat_id: int, count: int, timeout: float = 10.0) -> list[SentMessage]:
        """Wait until the chat holds at least count bot messages, and return them."""
        deadline = time.monotonic() + timeout
        while len(self.messages[chat_id]) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = [m.text[:60] for m in self.messages[chat_id]]
                raise TimeoutError(
                    f"chat {chat_id}: wanted {count} messages, got {len(got)}: {got}"
                )
            self._new_message.clear()
            try:
                await asyncio.wait_for(self._new_message.wait(), min(remaining, 0.5))
            except TimeoutError:
                pass
        return self.messages[chat_id]

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until every update was fetched and the bot has been quiet for a moment."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.calls[-1].at if self.calls else 0
            fetched = self._confirmed >= len(self.updates)
            if fetched and time.perf_counter() - last >= quiet:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the bot did not settle")

    def transcript(self, chat_id: int) -> list[SentMessage]:
        """Return the bot's messages to one chat, in order."""
        return list(self.messages[chat_id])

    def methods(self, name: str) -> list[Call]:
        """Return every call of one method."""
        return [c for c in self.calls if c.method == name]

    # ---- the bot's side -------------------------------------------------------------------
    def _message_json(self, m: SentMessage) -> dict:
        data: dict[str, Any] = {
            "message_id": m.message_id,
            "date": int(m.sent_at),
            "chat": {
                "id": m.chat_id,
                "type": "private" if m.chat_id > 0 else "group",
                "first_name": "User",
            },
            "from": BOT_USER,
            "text": m.text,
        }
        if m.reply_markup:
            data["reply_markup"] = m.reply_markup
        return data

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        out: dict[str, Any] = {}
        for key, value in form.items():
            if not isinstance(value, str):
                continue
            if key in JSON_FIELDS:
                try:
                    out[key] = json.loads(value)
                    continue
                except json.JSONDecodeError:
                    pass
            out[key] = value
        return out

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append(Call(method, params, time.perf_counter()))
        if self.fail_next[method]:
            failure = self.fail_next[method].pop(0)
            return web.json_response(failure, status=failure.get("error_code", 500))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, p: dict) -> dict:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_deleteWebhook(self, p: dict) -> bool:
        return True

    async def _m_setMyCommands(self, p: dict) -> bool:
        return True

    async def _m_setMyName(self, p: dict) -> bool:
        return True

    async def _m_setMyDescription(self, p: dict) -> bool:
        return True

    async def _m_setMyShortDescription(self, p: dict) -> bool:
        return True

    async def _m_getUpdates(self, p: dict) -> list[dict]:
        offset = int(p.get("offset") or 0)
        if offset:
            self._confirmed = max(self._confirmed, offset - 1)
        timeout = float(p.get("timeout") or 0)
        limit = int(p.get("limit") or 100)
        deadline = time.monotonic() + timeout
        while True:
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending[:limit]
            self._new_update.clear()
            try:
                await asyncio.wait_for(
                    self._new_update.wait(), max(0.01, deadline - time.monotonic())
                )
            except TimeoutError:
                pass

    async def _m_sendMessage(self, p: dict) -> dict:
        chat_id = int(p["chat_id"])
        text = str(p.get("text", ""))
        if not text.strip():
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message text is empty",
                },
                status=400,
            )
        markup = p.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for b in row:
                if len(b.get("callback_data", "").encode()) > 64:
                    return web.json_response(
                        {
                            "ok": False,
                            "error_code": 400,
                            "description": "Bad Request: BUTTON_DATA_INVALID",
                        },
                        status=400,
                    )
        msg = SentMessage(
            next(self._message_ids),
            chat_id,
            text,
            markup,
            bool(p.get("protect_content")),
            time.time(),
            sent_perf=time.perf_counter(),
        )
        self.messages[chat_id].append(msg)
        self._new_message.set()
        return self._message_json(msg)

    def _find(self, chat_id: int, message_id: int) -> SentMessage | None:
        for m in self.messages[chat_id]:
            if m.message_id == message_id:
                return m
        return None

    async def _m_editMessageReplyMarkup(self, p: dict) -> dict | web.Response:
        m = self._find(int(p["chat_id"]), int(p["message_id"]))
        if m is None or m.deleted:
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message to edit not found",
                },
                status=400,
            )
        m.reply_markup = p.get("reply_markup") or None
        return self._message_json(m)

    async def _m_answerCallbackQuery(self, p: dict) -> bool:
        return True

    async def _m_deleteMessages(self, p: dict) -> bool:
        # Like Telegram: messages that cannot be deleted are skipped, and the call succeeds.
        chat_id = int(p["chat_id"])
        for mid in p.get("message_ids") or []:
            self.deleted[chat_id].add(int(mid))
            m = self._find(chat_id, int(mid))
            if m is not None:
                m.deleted = True
        return True

    async def _m_leaveChat(self, p: dict) -> bool:
        self.left_chats.append(int(p["chat_id"]))
        return True

    async def _m_deleteMessage(self, p: dict) -> bool | web.Response:
        m = self._find(int(p["chat_id"]), int(p["message_id"]))
        if m is None or m.deleted:
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message to delete not found",
                },
                status=400,
            )
        m.deleted = True
        return True
