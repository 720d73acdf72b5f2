"""A terminal chat over the same service as Telegram: buttons are numbered, commands work."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from flows.model import Button, Event, Inbound, Reply

HELP = (
    "Type a message and press Enter. Type a number to press a button. "
    "/forward TEXT sends TEXT as a forwarded message, /photo sends a picture, /quit leaves."
)


class ConsoleChat:
    """Read lines, send them through the service, print the replies with numbered buttons."""

    def __init__(
        self, handle: Callable, user_key: str, *, out=sys.stdout, client_language: str | None = None
    ):
        self.handle = handle
        self.user_key = user_key
        self.out = out
        self.client_language = client_language
        self.buttons: list[Button] = []

    def render(self, events: list[Event]) -> None:
        """Print bot replies; buttons get numbers the user can type."""
        self.buttons = []
        for ev in events:
            if not isinstance(ev, Reply):
                continue
            print(f"\nbot: {ev.text}", file=self.out)
            for row in ev.buttons:
                for button in row:
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
        if text.startswith("/") and len(text) > 1:
            return Inbound(kind="command", command=text[1:].split()[0].split("@")[0])
        return Inbound(kind="text", text=line, client_language=self.client_language)

    async def send(self, line: str) -> bool:
        """Handle one typed line; False when the user quits."""
        inbound = self.parse(line)
        if inbound is None:
            return False
        if inbound.kind == "text" and not inbound.text.strip():
            return True
        self.render(await self.handle(self.user_key, inbound))
        return True

    async def run(self, read: Callable[[], str] | None = None) -> None:
        """Loop until /quit or end of input."""
        print(HELP, file=self.out)
        self.render(await self.handle(self.user_key, Inbound(kind="command", command="start")))
        read = read or (lambda: input("\nyou> "))
        while True:
            try:
                line = await asyncio.to_thread(read)
            except EOFError:
                break
            if not await self.send(line):
                break
