"""Wire settings into a running service: database, keys, engine, NLU client and server."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import ROOT, Settings
from bot.service import Conversations
from flows.factory import build_engine
from nlu import server as nlu_server
from nlu import training
from nlu.client import NluClient
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
    settings: Settings, *, use_nlu: bool = True, key_dir: Path | None = None
) -> Runtime:
    """Migrate the database, load keys and flows, and connect the NLU client."""
    engine = build_engine(settings)
    db = make_engine(_absolute_sqlite(settings.storage.database_url))
    migrate(db)
    store = Store(db, Keys.load(key_dir or VAR / "keys"))
    nlu = NluClient(settings.nlu.url, settings.nlu.timeout_seconds) if use_nlu else None
    return Runtime(settings, Conversations(engine, store, nlu), store, nlu)


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
