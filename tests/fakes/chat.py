"""Chat with the real bot process through the fake Bot API: `make telegram-demo`.

It starts the fake server, runs `waymark run` against it (TELEGRAM_BASE_URL), and lets you type
as a Telegram user: numbers press the buttons of the bot's last message, /forward TEXT
forwards. The demo partners get fake group chats, so their alerts show as [partner chat ...]:
!N presses a button there, and !TEXT (for example !/ask WM-XXXX hello) is sent by a partner
staff member in the group that last received an alert.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from bot.config import DEFAULT_CONFIG, ROOT
from tests.fakes.bot_api import FakeBotApi

CHAT = 4242
STAFF = 777
PARTNER_CHATS = {"demo_mekong": -1001, "demo_archipelago": -1002}
COORDINATOR = -1009


def demo_config(work: Path) -> Path:
    """Copy config.yml with the demo partners and a coordinator on fake group chats."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for org in data["partners"]["organisations"]:
        if org["id"] in PARTNER_CHATS:
            org["chat_ids"] = [PARTNER_CHATS[org["id"]]]
    data["partners"]["coordinator_chat_ids"] = [COORDINATOR]
    path = work / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def show(api: FakeBotApi, seen: dict[int, int], state: dict) -> None:
    """Print what the bot sent since last time, in the person's chat and the partner groups."""
    for chat in (CHAT, *PARTNER_CHATS.values(), COORDINATOR):
        for m in api.transcript(chat)[seen.get(chat, 0) :]:
            prefix = "bot" if chat == CHAT else f"[partner chat {chat}]"
            print(f"\n{prefix}: {m.text}")
            marker = "" if chat == CHAT else "!"
            for i, (label, _) in enumerate(m.buttons, 1):
                print(f"   [{marker}{i}] {label}")
            if m.buttons:
                state["last" if chat == CHAT else "partner"] = m
        seen[chat] = len(api.transcript(chat))


async def main() -> int:
    api = FakeBotApi()
    await api.start()
    work = Path(tempfile.mkdtemp(prefix="waymark-tg-"))
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "WAYMARK_CONFIG": str(demo_config(work)),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{work}/telegram-demo.db"),
        "WAYMARK_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "waymark"), "run"], cwd=ROOT, env=env)
    print("Starting the bot against the fake Bot API (this trains/starts NLU if needed)...")
    seen: dict[int, int] = {}
    state: dict = {}
    try:
        while not api.methods("deleteWebhook"):
            if proc.poll() is not None:
                return proc.returncode or 1
            await asyncio.sleep(0.2)
        print(f"Connected: the bot polls {api.base_url}. Type /start. /quit leaves.")
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip() == "/quit":
                break
            text = line.rstrip("\n").strip()
            last, partner = state.get("last"), state.get("partner")
            if text.isdigit() and last and 1 <= int(text) <= len(last.buttons):
                api.user_taps(CHAT, last, last.buttons[int(text) - 1][1])
            elif text.startswith("!") and text[1:].isdigit() and partner:
                index = int(text[1:])
                if 1 <= index <= len(partner.buttons):
                    api.user_taps(
                        partner.chat_id, partner, partner.buttons[index - 1][1], user_id=STAFF
                    )
            elif text.startswith("!") and len(text) > 1:
                api.group_sends(
                    partner.chat_id if partner else PARTNER_CHATS["demo_mekong"], STAFF, text[1:]
                )
            elif text.startswith("/forward "):
                api.user_sends(CHAT, text[9:], forwarded=True)
            elif text:
                api.user_sends(CHAT, text)
            else:
                continue
            await asyncio.sleep(2.0)
            show(api, seen, state)
            print("\nyou> ", end="", flush=True)
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 20)
        await api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
