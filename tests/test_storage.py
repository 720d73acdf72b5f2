"""Storage on SQLite and PostgreSQL: pseudonymous users, encrypted state, one transaction a turn."""

import json

import pytest
from sqlalchemy import select, text

from flows.model import Assessed, Reply, Session, TipReported
from storage.crypto import Keys
from storage.db import make_engine, migrate
from storage.models import Answer, Assessment, Case, ConversationSession, Tip, User
from storage.repository import Store


@pytest.fixture
def store(db_url, tmp_path):
    engine = make_engine(db_url)
    migrate(engine)
    yield Store(engine, Keys.load(tmp_path / "keys"))
    from storage.models import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


def test_user_is_stored_by_keyed_hash_and_state_is_encrypted(store):
    key = store.keys.user_key("tg", 5550001234)
    state = Session(
        lang="th", slots={"area": "Sihanoukville port"}, evidence={"act.recruit.chat_app": "text"}
    )
    store.run_turn(key, lambda s: (state, [Reply("k", "t")]))
    with store.sessions() as db:
        user = db.scalar(select(User))
        row = db.get(ConversationSession, user.id)
        assert user.key == key and "5550001234" not in user.key
        # Ciphertext may hold any two letters by chance; these long strings cannot appear.
        assert "act.recruit.chat_app" not in row.state and "Sihanoukville" not in row.state
    got = []
    store.run_turn(key, lambda s: (got.append(s) or s, []))
    assert got[0].lang == "th" and got[0].evidence == {"act.recruit.chat_app": "text"}


def test_assessment_answers_and_tip_are_stored_with_pseudonymous_case_refs(store):
    key = store.keys.user_key("tg", 42)
    state = Session(
        lang="en", evidence={"act.recruit.chat_app": "text", "means.debt_bondage": "answer:q_fee"}
    )
    events = [
        Assessed("high", 7.5, ("act.recruit.chat_app", "means.debt_bondage"), (), "en", ("KH",)),
        TipReported("en", handles=("@bad_agent",), note="agent @bad_agent"),
    ]
    store.run_turn(key, lambda s: (state, events))
    with store.sessions() as db:
        cases = db.scalars(select(Case).order_by(Case.id)).all()
        assert [c.kind for c in cases] == ["job_check", "tip"]
        assert all(c.ref.startswith("WM-") and len(c.ref) == 11 for c in cases)
        a = db.scalar(select(Assessment))
        assert a.risk == "high" and a.indicators == ["act.recruit.chat_app", "means.debt_bondage"]
        answers = db.scalars(select(Answer)).all()
        assert [(x.question, x.value) for x in answers] == [("q_fee", "means.debt_bondage")]
        tip = db.scalar(select(Tip))
        assert "@bad_agent" not in tip.payload
        assert store.read_tip(tip)["handles"] == ["@bad_agent"]


def test_a_failing_turn_stores_nothing(store):
    key = store.keys.user_key("tg", 7)

    def boom(s):
        raise RuntimeError("engine failed")

    with pytest.raises(RuntimeError):
        store.run_turn(key, boom)
    with store.sessions() as db:
        assert db.scalar(select(User)) is None


def test_sqlite_uses_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_keys_persist_and_env_overrides(tmp_path, monkeypatch):
    a = Keys.load(tmp_path / "k")
    b = Keys.load(tmp_path / "k")
    assert a == b and (tmp_path / "k" / "data.key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("WAYMARK_ID_SECRET", "s3cret")
    c = Keys.load(tmp_path / "k")
    assert c.user_key("tg", 1) != a.user_key("tg", 1)
    assert json.loads(c.decrypt(c.encrypt(json.dumps({"x": 1})))) == {"x": 1}
