"""Run one conversation turn in one transaction: load the session, step, store what happened."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import asdict

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from flows.model import Assessed, Event, HelpSubmitted, RelayReply, Session, TipReported
from storage.cases import CaseService
from storage.crypto import Keys
from storage.models import Answer, Assessment, Case, ConversationSession, Tip, User, utcnow

Turn = Callable[[Session], tuple[Session, list[Event]]]


def new_case_ref() -> str:
    """Return a random, pseudonymous case reference such as WM-K3X9Q2PA."""
    return "WM-" + base64.b32encode(os.urandom(5)).decode().rstrip("=")


class Store:
    """Persistence for conversations, keyed by pseudonymous user keys."""

    def __init__(self, engine: Engine, keys: Keys, cases: CaseService | None = None):
        self.engine = engine
        self.keys = keys
        self.cases = cases
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def run_turn(self, user_key: str, turn: Turn, address: str | None = None) -> list[Event]:
        """Load the user's session, apply turn, and commit the new session with its records."""
        for attempt in range(2):
            try:
                with self.sessions.begin() as db:
                    return self._run(db, user_key, turn, address)
            except IntegrityError:
                # Two first messages from one new user raced to create the row; retry once.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _run(self, db: DbSession, user_key: str, turn: Turn, address: str | None) -> list[Event]:
        user = db.scalar(select(User).where(User.key == user_key).with_for_update())
        if user is None:
            user = User(key=user_key)
            db.add(user)
            db.flush()
        user.last_seen_at = utcnow()
        if address and (user.address is None or self.keys.decrypt(user.address) != address):
            user.address = self.keys.encrypt(address)
        row = db.get(ConversationSession, user.id)
        state = Session.from_dict(json.loads(self.keys.decrypt(row.state))) if row else Session()
        new_state, events = turn(state)
        for ev in events:
            if isinstance(ev, Assessed):
                self._store_assessment(db, user, ev, new_state)
            elif isinstance(ev, TipReported):
                self._store_tip(db, user, ev)
            elif isinstance(ev, HelpSubmitted):
                if self.cases is None:
                    raise RuntimeError("help requests need a case service")
                self.cases.create(db, user, ev)
            elif isinstance(ev, RelayReply) and self.cases is not None:
                self.cases.person_reply(db, ev.ref, ev.text)
        blob = self.keys.encrypt(json.dumps(new_state.to_dict(), ensure_ascii=False))
        if row is None:
            db.add(ConversationSession(user_id=user.id, state=blob, updated_at=utcnow()))
        else:
            row.state, row.updated_at = blob, utcnow()
        return events

    def _new_case(self, db: DbSession, user: User, kind: str, language: str) -> Case:
        case = Case(
            ref=new_case_ref(), user_id=user.id, kind=kind, status="closed", language=language
        )
        db.add(case)
        db.flush()
        return case

    def _store_assessment(self, db: DbSession, user: User, ev: Assessed, state: Session) -> None:
        case = self._new_case(db, user, "job_check", ev.language)
        db.add(
            Assessment(
                case_id=case.id,
                risk=ev.risk,
                score=ev.score,
                indicators=list(ev.indicators),
                counters=list(ev.counters),
                countries=list(ev.countries),
            )
        )
        for evidence_id, source in sorted(state.evidence.items()):
            if source.startswith("answer:"):
                db.add(Answer(case_id=case.id, question=source[7:], value=evidence_id))

    def _store_tip(self, db: DbSession, user: User, ev: TipReported) -> None:
        case = self._new_case(db, user, "tip", ev.language)
        case.status = "open"
        payload = self.keys.encrypt(json.dumps(asdict(ev), ensure_ascii=False))
        db.add(Tip(case_id=case.id, payload=payload))

    def read_tip(self, tip: Tip) -> dict:
        """Decrypt a stored tip."""
        return json.loads(self.keys.decrypt(tip.payload))
