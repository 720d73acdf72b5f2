"""Wire settings into a running service: database, keys, engine, NLU client and server."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot import partner_text
from bot.config import ROOT, Settings
from bot.service import Conversations
from flows.factory import build_engine
from nlu import server as nlu_server
from nlu import training
from nlu.client import NluClient
from storage import partners as partner_repo
from storage.cases import CaseService, Routing
from storage.crypto import Keys
from storage.db import make_engine, migrate
from storage.repository import Store

log = logging.getLogger(__name__)
VAR = ROOT / "var"


@dataclass
class Runtime:
    """Everything an adapter needs, built once."""

    settings: Settings
    conversations: Conversations
    store: Store
    nlu: NluClient | None


def build_runtime(
    settings: Settings, *, use_nlu: bool = True, key_dir: Path | None = None, console: bool = False
) -> Runtime:
    """Migrate the database, load keys, flows and partners, and connect the NLU client."""
    engine = build_engine(settings)
    db = make_engine(_absolute_sqlite(settings.storage.database_url))
    migrate(db)
    keys = Keys.load(key_dir or VAR / "keys")
    catalog = engine.catalog

    def render(lang: str, key: str, **params: object) -> str:
        return catalog.text(lang if lang in catalog.locales else "en", key, **params)

    routing = Routing(
        coordinator_chat_ids=tuple(settings.partners.coordinator_chat_ids),
        console=console,
        console_partners=frozenset(p.id for p in settings.partners.organisations if p.console),
    )
    cases = CaseService(
        keys, routing, render, dict(catalog.locales["en"].texts), render_partner=partner_text.t
    )
    store = Store(db, keys, cases)
    with store.sessions.begin() as session:
        partner_repo.sync(session, settings.partners.organisations)
        reachable = any(
            partner_repo.chats_of(session, p.id) or p.webhook_url
            for p in settings.partners.organisations
        )
    if not reachable and not settings.partners.coordinator_chat_ids and not console:
        log.warning(
            "no partner chat, webhook or coordinator chat is configured: help requests are "
            "stored but cannot be delivered; see `waymark partners invite`"
        )
    nlu = NluClient(settings.nlu.url, settings.nlu.timeout_seconds) if use_nlu else None
    return Runtime(settings, Conversations(engine, store, nlu), store, nlu)


def webhook_secrets(settings: Settings) -> dict[str, bytes]:
    """Read each partner's webhook secret from the environment variable config names."""
    out = {}
    for p in settings.partners.organisations:
        if p.webhook_secret_env and os.environ.get(p.webhook_secret_env):
            out[p.id] = os.environ[p.webhook_secret_env].encode()
    return out


def _absolute_sqlite(url: str) -> str:
    """Anchor a relative SQLite path at the project root, so any working directory works."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str(ROOT / url[len(prefix) :])
    return url


@contextmanager
def nlu_service(settings: Settings, *, say=print):
    """Use a running NLU server, or train if needed and start one for the duration."""
    url = settings.nlu.url
    if nlu_server.is_healthy(url):
        yield None
        return
    if not settings.nlu.manage_server:
        say(f"NLU server at {url} is not answering; continuing with button menus only.")
        yield None
        return
    model_dir = settings.resolve(settings.nlu.model_dir)
    say("Preparing the language model (trains only when the training data changed)...")
    model = training.train(model_dir)
    say("Starting the NLU server...")
    server = nlu_server.RasaServer(model, url, VAR / "log" / "rasa.log")
    server.start(timeout=settings.nlu.startup_timeout_seconds)
    try:
        yield server
    finally:
        server.stop()
