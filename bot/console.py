"""A terminal chat over the same service as Telegram, showing the partner side too.

Buttons are numbered; type the number to press one. Partner alerts appear marked [partner ...];
their buttons are pressed with !N, and !ask WM-XXXX text writes to the person through the bot.
"""

from __future__ import annotations

import asyncio
import sys

from bot.cleanup import Cleaner
from bot.partner_actions import ActionResult, PartnerActions
from bot.runtime import Runtime
from bot.scheduling import jobs_for
from flows.engine import CLEAR_BUTTON
from flows.model import Button, Event, HelpSubmitted, Inbound, RelayReply, Reply

HELP = (
    "Type a message and press Enter. Type a number to press a button. "
    "/forward TEXT sends TEXT as a forwarded message, /photo sends a picture, "
    "/location LAT LON shares a location, /clear deletes the chat, /quit leaves.\n"
    "Partner side: alerts appear as [partner ...]; !N presses partner button N, "
    "!ask WM-XXXX TEXT writes to the person through the bot."
)


class ConsoleTransport:
    """Print outbox messages: partner alerts with their buttons, and messages to the person."""

    partner_channel = "console"
    person_prefix = "console:"

    def __init__(self, chat: ConsoleChat):
        self.chat = chat
        self._ids = 0

    def _next_id(self) -> int:
        self._ids += 1
        return 10_000_000 + self._ids

    async def to_partner(self, target: str, text: str, buttons: list[list[tuple[str, str]]]) -> int:
        """Show a partner message and remember its buttons for !N."""
        self.chat.show_partner(target, text, buttons)
        return self._next_id()

    async def to_person(self, address: str, text: str) -> int:
        """Show a message to the person."""
        print(f"\nbot: {text}", file=self.chat.out, flush=True)
        return self._next_id()

    async def delete(self, address: str, message_ids: list[int]) -> int:
        """Console messages cannot be unprinted; nothing fails."""
        return 0


class ConsoleChat:
    """Read lines, send them through the service, print the replies with numbered buttons."""

    def __init__(
        self,
        runtime: Runtime,
        user_key: str,
        *,
        out=sys.stdout,
        client_language: str | None = None,
        address: str = "console:local",
    ):
        self.runtime = runtime
        self.user_key = user_key
        self.out = out
        self.client_language = client_language
        self.address = address
        self.buttons: list[Button] = []
        self.partner_buttons: list[tuple[str, str, str]] = []
        self.last_alert: tuple[str, str] | None = None
        self.transport = ConsoleTransport(self)
        self.cleaner = Cleaner(runtime.store, self.transport, 0)
        self.partners = PartnerActions(runtime.store, console=True)
        self.jobs = jobs_for(runtime, self.transport, None)

    def show_partner(self, target: str, text: str, buttons: list[list[tuple[str, str]]]) -> None:
        """Print a partner-side message; its buttons become !1, !2, ..."""
        print(f"\n[partner {target}] {text}", file=self.out)
        if text.startswith("Alert WM-"):
            self.last_alert = (target, text.split()[1])
        if buttons:
            self.partner_buttons = []
            for row in buttons:
                for label, data in row:
                    self.partner_buttons.append((target, label, data))
                    print(f"   [!{len(self.partner_buttons)}] {label}", file=self.out)
        self.out.flush()

    def render(self, events: list[Event]) -> None:
        """Print bot replies; buttons get numbers the user can type."""
        self.buttons = []
        for ev in events:
            if not isinstance(ev, Reply):
                continue
            print(f"\nbot: {ev.text}", file=self.out)
            for row in ev.buttons:
                for button in row:
                    if button.data == CLEAR_BUTTON:
                        continue
                    self.buttons.append(button)
                    print(f"   [{len(self.buttons)}] {button.label}", file=self.out)
        self.out.flush()

    def parse(self, line: str) -> Inbound | None:
        """Turn a typed line into an inbound message; None means quit."""
        text = line.strip()
        if text in {"/quit", "/exit"}:
            return None
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return Inbound(kind="choice", choice=self.buttons[int(text) - 1].data)
        if text.startswith("/forward "):
            return Inbound(
                kind="text", text=text[9:], forwarded=True, client_language=self.client_language
            )
        if text == "/photo":
            return Inbound(kind="media", media="photo")
        if text.startswith("/location "):
            try:
                lat, lon = (float(x) for x in text.split()[1:3])
            except ValueError:
                return Inbound(kind="text", text=text, client_language=self.client_language)
            return Inbound(kind="location", latitude=lat, longitude=lon)
        if text.startswith("/") and len(text) > 1:
            return Inbound(kind="command", command=text[1:].split()[0].split("@")[0])
        return Inbound(kind="text", text=line, client_language=self.client_language)

    async def partner_line(self, text: str) -> None:
        """Act as the partner: !N presses a partner button, !ask REF TEXT relays a question."""
        result: ActionResult
        if text.startswith("!ask "):
            # "!ask WM-XXXX question", or "!ask question" for the last alert shown.
            parts = text.split(maxsplit=2)
            if len(parts) >= 3 and parts[1].upper().startswith("WM-"):
                ref, question = parts[1], parts[2]
            elif self.last_alert:
                ref, question = self.last_alert[1], text[5:]
            else:
                print("usage: !ask WM-XXXX your question", file=self.out)
                return
            target = self.last_alert[0] if self.last_alert else "demo_mekong"
            result = await asyncio.to_thread(self.partners.ask, target, ref, question)
        elif text[1:].isdigit() and 1 <= int(text[1:]) <= len(self.partner_buttons):
            target, _label, data = self.partner_buttons[int(text[1:]) - 1]
            result = await asyncio.to_thread(self.partners.button, target, data)
        else:
            print("no such partner button", file=self.out)
            return
        self.show_partner(
            self.partner_buttons[0][0] if self.partner_buttons else "partner",
            result.text,
            result.buttons,
        )
        if result.queued:
            await self.jobs.dispatch()

    async def send(self, line: str) -> bool:
        """Handle one typed line; False when the user quits."""
        text = line.strip()
        if text.startswith("!"):
            await self.partner_line(text)
            return True
        if text == "/clear":
            await self.runtime.conversations.handle(
                self.user_key, Inbound(kind="command", command="cancel"), address=self.address
            )
            deleted, failed = await self.cleaner.clear(self.user_key)
            print(f"\n(chat cleared: {deleted} messages)", file=self.out, flush=True)
            return True
        inbound = self.parse(line)
        if inbound is None:
            return False
        if inbound.kind == "text" and not inbound.text.strip():
            return True
        events = await self.runtime.conversations.handle(
            self.user_key, inbound, address=self.address
        )
        self.render(events)
        if any(isinstance(e, HelpSubmitted | RelayReply) for e in events):
            await self.jobs.dispatch()
        return True

    async def run(self, read=None) -> None:
        """Loop until /quit or end of input."""
        print(HELP, file=self.out)
        self.jobs.start()
        try:
            self.render(
                await self.runtime.conversations.handle(
                    self.user_key, Inbound(kind="command", command="start"), address=self.address
                )
            )
            read = read or (lambda: input("\nyou> "))
            while True:
                try:
                    line = await asyncio.to_thread(read)
                except EOFError:
                    break
                if not await self.send(line):
                    break
            # Let pending deliveries finish before leaving.
            await self.jobs.dispatch()
        finally:
            await self.jobs.stop()
