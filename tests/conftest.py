"""Shared fixtures: settings on a temporary database, a real Rasa server, the fake Bot API."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from bot.config import ROOT, load_settings
from nlu import server as nlu_server
from nlu import training
from nlu.client import NluClient

# The suite trains a smaller model of its own from these languages' training files.
TEST_MODEL_LANGUAGES = ("en", "th", "zh", "my", "id", "km", "vi", "tl")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden transcripts")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def settings(tmp_path: Path):
    """Settings on a fresh SQLite file, with fast per-chat sending for tests."""
    s = load_settings()
    s.storage.database_url = f"sqlite:///{tmp_path}/waymark.db"
    s.bot.rate_limit.per_chat_burst = 1000
    s.bot.rate_limit.per_chat_per_second = 1000
    s.alerts.dispatch_interval_seconds = 0.2
    s.alerts.escalation_check_seconds = 0.2
    s.alerts.retry_base_seconds = 0.2
    return s


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


# ---- PostgreSQL ---------------------------------------------------------------------------
def _pg_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=2):
            return url
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return None


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this run, dropped afterwards; skip if none is reachable."""
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not reachable (set TEST_DATABASE_URL or run one on 127.0.0.1:5432)")
    import psycopg

    name = f"waymark_test_{uuid.uuid4().hex[:8]}"
    plain = admin.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = plain.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both database backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/db.sqlite"
    return request.getfixturevalue("pg_url")


# ---- Rasa ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def nlu_model() -> Path:
    """Train (or reuse) the suite's small model."""
    data = training.PROJECT / "data" / "nlu"
    files = [
        data / f"{lang}.yml" for lang in TEST_MODEL_LANGUAGES if (data / f"{lang}.yml").exists()
    ]
    model_dir = ROOT / "var" / "test-models"
    return training.train(model_dir, files=files, work_dir=model_dir)


@pytest.fixture(scope="session")
def nlu_url(nlu_model: Path):
    """A real Rasa server with the suite's model, on a free port."""
    url = f"http://127.0.0.1:{nlu_server.free_port()}"
    server = nlu_server.RasaServer(nlu_model, url, ROOT / "var" / "log" / "rasa-test.log")
    server.start(timeout=240)
    yield url
    server.stop()


@pytest.fixture
async def nlu_client(nlu_url: str):
    """An HTTP client of the suite's Rasa server, closed after the test."""
    client = NluClient(nlu_url, timeout=5)
    yield client
    await client.close()


# ---- Telegram -----------------------------------------------------------------------------
class TelegramHarness:
    """The fake Bot API server plus a running PTB Application using it."""

    def __init__(self, api, app, runtime):
        self.api = api
        self.app = app
        self.runtime = runtime

    @property
    def adapter(self):
        return self.app.bot_data["adapter"]

    async def stop(self) -> None:
        await self.adapter.jobs.stop()
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        if self.runtime.nlu:
            await self.runtime.nlu.close()
        await self.api.stop()


async def start_telegram(settings, key_dir: Path, *, use_nlu: bool = True) -> TelegramHarness:
    """Start the fake server and the real bot against it."""
    from bot.runtime import build_runtime
    from bot.telegram_app import build_application
    from tests.fakes.bot_api import FakeBotApi

    runtime = build_runtime(settings, use_nlu=use_nlu, key_dir=key_dir)
    api = FakeBotApi()
    await api.start()
    app = build_application(runtime, api.token, api.base_url)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    # run_polling would start the jobs in post_init; started by hand here.
    app.bot_data["adapter"].jobs.start()
    return TelegramHarness(api, app, runtime)


@pytest.fixture
async def telegram(settings, key_dir, nlu_url):
    """The bot on the fake Bot API with the real NLU server."""
    settings.nlu.url = nlu_url
    harness = await start_telegram(settings, key_dir)
    yield harness
    await harness.stop()


@pytest.fixture
def engine(settings):
    """The flow engine with every configured locale."""
    from flows.factory import build_engine

    return build_engine(settings)
