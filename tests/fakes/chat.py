"""Chat with the real bot process through the fake Bot API: `make telegram-demo`.

It starts the fake server, runs `waymark run` against it (TELEGRAM_BASE_URL), and lets you type
as a Telegram user: numbers press the buttons of the last message, /forward TEXT forwards.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.config import ROOT
from tests.fakes.bot_api import FakeBotApi

CHAT = 4242


async def main() -> int:
    api = FakeBotApi()
    await api.start()
    work = Path(tempfile.mkdtemp(prefix="waymark-tg-"))
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{work}/telegram-demo.db"),
        "WAYMARK_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "waymark"), "run"], cwd=ROOT, env=env)
    print("Starting the bot against the fake Bot API (this trains/starts NLU if needed)...")
    try:
        while not api.methods("deleteWebhook"):
            if proc.poll() is not None:
                return proc.returncode or 1
            await asyncio.sleep(0.2)
        print(f"Connected: the bot polls {api.base_url}. Type /start. /quit leaves.")
        seen = 0
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip() == "/quit":
                break
            text = line.rstrip("\n")
            last = api.transcript(CHAT)[-1] if api.transcript(CHAT) else None
            if text.isdigit() and last and 1 <= int(text) <= len(last.buttons):
                api.user_taps(CHAT, last, last.buttons[int(text) - 1][1])
            elif text.startswith("/forward "):
                api.user_sends(CHAT, text[9:], forwarded=True)
            elif text.strip():
                api.user_sends(CHAT, text)
            else:
                continue
            try:
                await api.wait_for(CHAT, seen + 1, timeout=15)
            except TimeoutError:
                print("(no reply within 15 s)")
                continue
            await asyncio.sleep(0.4)
            for m in api.transcript(CHAT)[seen:]:
                print(f"\nbot: {m.text}")
                for i, (label, _) in enumerate(m.buttons, 1):
                    print(f"   [{i}] {label}")
            seen = len(api.transcript(CHAT))
            print("\nyou> ", end="", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        await api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
