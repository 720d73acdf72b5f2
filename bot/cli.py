"""The waymark command: console chat, Telegram bot, bulk screening and NLU tools."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys

from bot.config import load_settings

log = logging.getLogger("waymark")


def _languages(settings) -> tuple[str, ...]:
    """Languages for detection: the configured ones plus every language with a lexicon."""
    from nlu import lexicon

    return tuple(dict.fromkeys([*settings.languages, *lexicon.available_languages()]))


def cmd_console(args: argparse.Namespace) -> int:
    """Open a console chat on the real engine, storage and NLU."""
    from bot.console import ConsoleChat
    from bot.runtime import build_runtime, nlu_service

    settings = load_settings()
    with nlu_service(settings, say=lambda m: print(m, file=sys.stderr)) as _server:
        runtime = build_runtime(settings, use_nlu=not args.no_nlu, console=True)
        chat = ConsoleChat(
            runtime,
            runtime.store.keys.user_key("console", args.user),
            client_language=args.lang,
            address=f"console:{args.user}",
        )

        async def main() -> None:
            try:
                await chat.run()
            finally:
                if runtime.nlu:
                    await runtime.nlu.close()

        asyncio.run(main())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Start the Telegram bot with long polling."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather, then run:\n"
            "  TELEGRAM_BOT_TOKEN=123456:ABC... make run",
            file=sys.stderr,
        )
        return 2
    from bot.runtime import build_runtime, nlu_service
    from bot.telegram_app import build_application

    settings = load_settings()
    base_url = os.environ.get("TELEGRAM_BASE_URL") or None
    with nlu_service(settings, say=lambda m: log.info(m)):
        runtime = build_runtime(settings)
        app = build_application(runtime, token, base_url)
        log.info("bot polling%s", f" via {base_url}" if base_url else "")
        app.run_polling(allowed_updates=["message", "callback_query"], drop_pending_updates=False)
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    """Assess job ads read as JSON lines on stdin."""
    from bot.runtime import nlu_service
    from bot.screening import assess_stream
    from nlu.client import NluClient

    settings = load_settings()
    lines = sys.stdin.readlines()

    async def run(with_nlu: bool) -> None:
        client = NluClient(settings.nlu.url, settings.nlu.timeout_seconds) if with_nlu else None
        try:
            for row in await assess_stream(lines, settings, client, _languages(settings)):
                print(json.dumps(row, ensure_ascii=False), flush=True)
        finally:
            if client:
                await client.close()

    if args.no_nlu:
        asyncio.run(run(False))
        return 0
    with nlu_service(settings, say=lambda m: print(m, file=sys.stderr)):
        asyncio.run(run(True))
    return 0


def cmd_nlu_parse(args: argparse.Namespace) -> int:
    """Parse messages read as JSON lines on stdin with the NLU server."""
    from bot.runtime import nlu_service
    from bot.screening import parse_stream
    from nlu.client import NluClient

    settings = load_settings()
    lines = sys.stdin.readlines()
    with nlu_service(settings, say=lambda m: print(m, file=sys.stderr)):

        async def run() -> None:
            client = NluClient(settings.nlu.url, max(settings.nlu.timeout_seconds, 5.0))
            try:
                for row in await parse_stream(lines, client, _languages(settings)):
                    print(json.dumps(row, ensure_ascii=False), flush=True)
            finally:
                await client.close()

        asyncio.run(run())
    return 0


def cmd_nlu_train(args: argparse.Namespace) -> int:
    """Train the NLU model if its data changed, and print its path."""
    from nlu import training

    settings = load_settings()
    print(training.train(settings.resolve(settings.nlu.model_dir)))
    return 0


def cmd_nlu_serve(args: argparse.Namespace) -> int:
    """Train if needed and serve the NLU model until interrupted."""
    import time

    from bot.runtime import nlu_service

    settings = load_settings()
    with nlu_service(settings, say=lambda m: print(m, file=sys.stderr)) as server:
        print(f"NLU server ready at {settings.nlu.url}", file=sys.stderr)
        if server is None:
            return 0
        try:
            while server.proc and server.proc.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


def cmd_partners(args: argparse.Namespace) -> int:
    """List partners, or print a one-time invite code for a partner's chat."""
    from bot.runtime import build_runtime
    from storage import partners as partner_repo
    from storage.models import Partner, PartnerChat

    settings = load_settings()
    runtime = build_runtime(settings, use_nlu=False)
    with runtime.store.sessions.begin() as db:
        if args.partners_command == "invite":
            wanted = args.name.strip().lower()
            partner = next(
                (
                    p
                    for p in db.query(Partner).filter(Partner.active.is_(True))
                    if wanted in {p.id.lower(), p.name.lower(), p.display_name.lower()}
                ),
                None,
            )
            if partner is None:
                print(
                    f"No active partner named {args.name!r}; see `waymark partners list`.",
                    file=sys.stderr,
                )
                return 2
            code = partner_repo.create_invite(db, partner.id)
            print(f"Invite code for {partner.display_name}: {code}")
            days = partner_repo.INVITE_DAYS
            print(f"In the partner's Telegram chat, send: /join {code}  (valid {days} days, once)")
            return 0
        for p in db.query(Partner).order_by(Partner.id):
            chats = db.query(PartnerChat).filter(PartnerChat.partner_id == p.id).count()
            state = "active" if p.active else "inactive"
            print(f"{p.id}\t{p.display_name}\t{state}\tchats={chats}\tsla={p.ack_sla_minutes:g}min")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    p = argparse.ArgumentParser(prog="waymark", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("console", help="chat with the bot in this terminal")
    c.add_argument("--user", default="local", help="console user name (kept only as a keyed hash)")
    c.add_argument("--lang", default=None, help="client language code, as Telegram would send it")
    c.add_argument(
        "--no-nlu", action="store_true", help="run without the NLU server (buttons only)"
    )
    c.set_defaults(func=cmd_console)
    r = sub.add_parser("run", help="run the Telegram bot (long polling)")
    r.set_defaults(func=cmd_run)
    a = sub.add_parser("assess", help="assess job ads from JSON lines on stdin")
    a.add_argument("--jsonl", action="store_true", required=True, help="read and write JSON lines")
    a.add_argument("--no-nlu", action="store_true", help="skip the NLU server (no intent field)")
    a.set_defaults(func=cmd_assess)
    pa = sub.add_parser("partners", help="partner organisations")
    psub = pa.add_subparsers(dest="partners_command", required=True)
    psub.add_parser("list", help="list partners").set_defaults(func=cmd_partners)
    inv = psub.add_parser("invite", help="print a one-time /join code for a partner's chat")
    inv.add_argument("name", help="partner id or name")
    inv.set_defaults(func=cmd_partners)
    n = sub.add_parser("nlu", help="NLU tools")
    nsub = n.add_subparsers(dest="nlu_command", required=True)
    np_ = nsub.add_parser("parse", help="parse messages from JSON lines on stdin")
    np_.add_argument("--jsonl", action="store_true", required=True)
    np_.set_defaults(func=cmd_nlu_parse)
    nsub.add_parser("train", help="train the model if the data changed").set_defaults(
        func=cmd_nlu_train
    )
    nsub.add_parser("serve", help="serve the model until interrupted").set_defaults(
        func=cmd_nlu_serve
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the waymark command."""
    logging.basicConfig(
        level=os.environ.get("WAYMARK_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO, and URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The scheduler logs every run of every job (once a second for delivery) at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    if args.func is cmd_console and "WAYMARK_LOG_LEVEL" not in os.environ:
        # The console is a chat on the same terminal: only warnings may interrupt it.
        logging.getLogger().setLevel(logging.WARNING)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
