"""Routing, outbox delivery and escalation without Telegram, on SQLite and PostgreSQL."""

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.config import load_settings
from bot.dispatcher import DeliveryRetry, Dispatcher, WebhookConfig
from bot.scheduling import Jobs
from flows.model import HelpSubmitted, Session
from storage import partners as partner_repo
from storage.cases import CaseService, Routing
from storage.crypto import Keys
from storage.db import make_engine, migrate
from storage.models import Base, Escalation, Outbox, utcnow
from storage.repository import Store

APPROVED = {"demo_mekong": [-1001, -1011], "demo_archipelago": [-1002]}
COORDINATOR = -1009
COUNTRIES = ["KH", "MM", "LA", "PH", "TH", "MY", None]
NATIONALITIES = ["MM", "ID", "KE", "VN", "CN", "IN", None]
LANGUAGES = ["en", "my", "id", "th", "zh", "sw", "am"]


class RecordingTransport:
    """A transport that records where everything went; it can be told to fail."""

    partner_channel = "telegram"
    person_prefix = "tg:"

    def __init__(self):
        self.sent: list[tuple[str, str, str]] = []
        self.fail: list[Exception] = []

    async def to_partner(self, target, text, buttons):
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append(("partner", target, text))
        return len(self.sent)

    async def to_person(self, address, text):
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append(("person", address, text))
        return len(self.sent)


@pytest.fixture
def store(db_url, tmp_path):
    settings = load_settings()
    for p in settings.partners.organisations:
        p.chat_ids = APPROVED[p.id]
        p.ack_sla_minutes = 10
    engine = make_engine(db_url)
    migrate(engine)
    keys = Keys.load(tmp_path / "keys")
    cases = CaseService(
        keys,
        Routing(coordinator_chat_ids=(COORDINATOR,)),
        lambda lang, key, **kw: f"{key} {kw}",
        {},
    )
    st = Store(engine, keys, cases)
    with st.sessions.begin() as db:
        partner_repo.sync(db, settings.partners.organisations)
    yield st
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


def submit(store, i, rng, priority=None, consent_ngo=True):
    ev = HelpSubmitted(
        ref=f"WM-T{i:07d}",
        priority=priority or rng.choice(["P1", "P2", "P3", "P4"]),
        case_type=rng.choice(["self", "on_behalf"]),
        evidence=("means.confined",),
        language=rng.choice(LANGUAGES),
        country=rng.choice(COUNTRIES),
        nationality=rng.choice(NATIONALITIES),
        people="1",
        consent={"ngo": consent_ngo, "embassy": False, "police": False, "identity": False},
        details={"area": "somewhere"},
    )
    store.run_turn(
        store.keys.user_key("tg", 5000 + i), lambda s: (Session(), [ev]), address=f"tg:{5000 + i}"
    )


def dispatcher(store, transport):
    return Dispatcher(store, transport, WebhookConfig({}), retry_base=0.01, retry_max=0.05)


async def test_hundred_cases_reach_only_approved_chats_and_escalate_once_per_step(store):
    rng = random.Random(42)
    for i in range(100):
        submit(store, i, rng)
    transport = RecordingTransport()
    d = dispatcher(store, transport)
    while await d.run_once():
        pass
    allowed = {str(c) for chats in APPROVED.values() for c in chats} | {str(COORDINATOR)}
    targets = {t for kind, t, _ in transport.sent if kind == "partner"}
    assert targets and targets <= allowed
    # Make every escalation due, then sweep twice: each step fires exactly once.
    with store.sessions.begin() as db:
        db.execute(update(Escalation).values(due_at=utcnow() - timedelta(seconds=1)))
        due = len(db.scalars(select(Escalation)).all())
    jobs = Jobs(store, d, None)
    first = await jobs.escalate()
    with store.sessions.begin() as db:
        db.execute(
            update(Escalation)
            .where(Escalation.fired_at.is_(None))
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
    second = await jobs.escalate()
    third = await jobs.escalate()
    assert due > 80 and first == due and third == 0
    with store.sessions() as db:
        steps = db.execute(select(Escalation.case_id, Escalation.step)).all()
        assert len(steps) == len(set(steps))
        alerts = db.execute(
            select(Outbox.case_id, Outbox.step, Outbox.target).where(Outbox.kind == "alert")
        ).all()
        assert len(alerts) == len(set(alerts))
    assert second <= 100
    while await d.run_once():
        pass
    targets = {t for kind, t, _ in transport.sent if kind == "partner"}
    assert targets <= allowed


async def test_p1_goes_out_before_p2_before_p3(store):
    rng = random.Random(1)
    for i, p in enumerate(["P3", "P2", "P1", "P3", "P1", "P2"]):
        submit(store, i, rng, priority=p)
    transport = RecordingTransport()
    await dispatcher(store, transport).run_once()
    order = [text.split(" · ")[1] for kind, _, text in transport.sent if kind == "partner"]
    assert order == sorted(order)


async def test_failures_are_retried_and_nothing_is_dropped(store):
    submit(store, 1, random.Random(2), priority="P1")
    transport = RecordingTransport()
    transport.fail = [ConnectionError("down"), DeliveryRetry(0.05), RuntimeError("502")]
    d = dispatcher(store, transport)
    for _ in range(60):
        await d.run_once()
        with store.sessions() as db:
            pending = db.scalars(select(Outbox).where(Outbox.status == "pending")).all()
        if not pending:
            break
        await asyncio.sleep(0.05)
    assert not pending
    with store.sessions() as db:
        rows = db.scalars(select(Outbox)).all()
        assert any(r.attempts >= 2 for r in rows)
        assert all(r.status == "sent" for r in rows)


async def test_without_consent_nothing_leaves(store):
    submit(store, 1, random.Random(3), consent_ngo=False)
    with store.sessions() as db:
        assert db.scalars(select(Outbox)).all() == []
        assert db.scalars(select(Escalation)).all() == []


def test_ranking_prefers_location_then_nationality_and_language():
    from bot.routing import Candidate, rank

    mekong = Candidate(
        "mekong", frozenset({"MM", "KH"}), frozenset({"MM"}), frozenset({"my"}), frozenset({"self"})
    )
    archi = Candidate(
        "archi", frozenset({"PH", "KH"}), frozenset({"ID"}), frozenset({"id"}), frozenset({"self"})
    )
    assert rank([archi, mekong], "MM", "ID", "id", "self") == ["mekong", "archi"]
    assert rank([archi, mekong], "KH", "ID", "id", "self") == ["archi", "mekong"]
    assert rank([archi, mekong], None, "KE", "sw", "self") == []


def test_readme_webhook_example_signature_is_right():
    import re

    from bot.config import ROOT
    from bot.dispatcher import sign

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    body = re.search(r"Example body.*?```json\n(.*?)\n```", readme, re.S).group(1).encode()
    claimed = re.search(r"is `(sha256=[0-9a-f]{64})`", readme).group(1)
    assert sign(b"example-secret", "1764072000", body) == claimed
