"""Help cases: store, route, escalate and act on them, queueing every message in the outbox."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from bot.routing import rank
from flows.model import HelpSubmitted, Session
from nlu.scripts import reply_converter
from storage import partners as partner_repo
from storage.crypto import Keys
from storage.models import Case, ConversationSession, Escalation, Outbox, Partner, User, utcnow

log = logging.getLogger(__name__)
PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}
COORDINATOR = "coordinator"
# Renders a person-facing text: (language, key, params) -> text.
Render = Callable[..., str]


@dataclass(frozen=True)
class Routing:
    """What routing needs besides the database."""

    coordinator_chat_ids: tuple[int, ...]
    console: bool = False
    console_partners: frozenset[str] = frozenset()


def _key(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:64]


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=utcnow().tzinfo)


def summary(indicators: list[str], english: dict[str, str]) -> str:
    """Summarise a case in one line from its indicators' plain names."""
    names = [
        english.get(f"indicator.{i}") or i.replace("signal.", "").replace("_", " ")
        for i in indicators
    ]
    return "; ".join(names) if names else "no details given"


def alert_payload(case: Case, details: dict, step: int, english: dict[str, str]) -> dict:
    """The minimum an alert carries: never a Telegram identity unless the person agreed."""
    loc = {"country": case.country, "area": details.get("area"), "place": details.get("place")}
    if details.get("location"):
        loc["coordinates"] = details["location"]
        loc["precision"] = details.get("precision")
    return {
        "ref": case.ref,
        "priority": case.priority,
        "case_type": case.case_type,
        "indicators": list(case.indicators or []),
        "location": loc,
        "nationality": case.nationality,
        "language": case.language,
        "people": details.get("people"),
        "consent": case.consent,
        "summary": summary(list(case.indicators or []), english),
        "contact": details.get("contact"),
        "in_contact": details.get("in_contact"),
        "identity": details.get("identity") if (case.consent or {}).get("identity") else None,
        "step": step,
        "created_at": _aware(case.created_at).isoformat(),
    }


class CaseService:
    """Database operations on help cases; every message they cause goes to the outbox."""

    def __init__(
        self,
        keys: Keys,
        routing: Routing,
        render: Render,
        english: dict[str, str],
        render_partner: Render | None = None,
    ):
        self.keys = keys
        self.routing = routing
        self.render = render
        self.english = english
        # Renders a partner-facing text: (key, params) -> text.
        self.render_partner = render_partner

    # ---- creation and routing ------------------------------------------------------------
    def create(self, db: DbSession, user: User, ev: HelpSubmitted) -> Case:
        """Store a help request and, with consent, queue its first alert and escalation."""
        details = {**ev.details, "people": ev.people, "identity": ev.identity}
        case = Case(
            ref=ev.ref,
            user_id=user.id,
            kind="help",
            status="open",
            language=ev.language,
            priority=ev.priority,
            case_type=ev.case_type,
            country=ev.country,
            nationality=ev.nationality,
            indicators=list(ev.evidence),
            consent=dict(ev.consent),
            details=self.keys.encrypt(json.dumps(details, ensure_ascii=False)),
        )
        db.add(case)
        db.flush()
        if ev.consent.get("ngo"):
            self._alert_step(db, case, 0)
        else:
            case.status = "private"
        return case

    def chain(self, db: DbSession, case: Case) -> list[str]:
        """Return the ranked partner ids for a case: primary, then backup."""
        ranked = rank(
            partner_repo.candidates(db),
            case.country,
            case.nationality,
            case.language,
            case.case_type or "self",
        )
        return ranked[:2]

    def _alert_step(self, db: DbSession, case: Case, step: int) -> None:
        """Queue one step's alert (0 primary, 1 backup, 2 coordinator) and the next due step."""
        chain = self.chain(db, case)
        partner_id = chain[step] if step < len(chain) else None
        details = json.loads(self.keys.decrypt(case.details or "{}"))
        payload = alert_payload(case, details, step, self.english)
        if partner_id is None:
            queued = self._queue_coordinator(db, case, payload, step)
            if not queued:
                log.warning(
                    "case has no reachable partner or coordinator chat (priority %s)", case.priority
                )
            return
        queued = self._queue_partner(db, case, partner_id, payload, step)
        partner = db.get(Partner, partner_id)
        next_step = step + 1 if step + 1 < len(chain) else 2
        if not queued:
            # Nobody can receive it here: move on at once rather than wait out the SLA.
            self._alert_step(db, case, next_step)
            return
        due = utcnow() + timedelta(minutes=partner.ack_sla_minutes if partner else 30)
        db.add(Escalation(case_id=case.id, step=next_step, due_at=due))

    def _queue(
        self,
        db: DbSession,
        case: Case,
        partner_id: str | None,
        channel: str,
        target: str,
        payload: dict,
        step: int,
        kind: str = "alert",
    ) -> None:
        db.add(
            Outbox(
                kind=kind,
                case_id=case.id,
                partner_id=partner_id,
                channel=channel,
                target=target,
                step=step,
                priority=PRIORITY_RANK.get(case.priority or "P4", 4),
                payload=self.keys.encrypt(json.dumps(payload, ensure_ascii=False)),
                idempotency_key=_key(case.ref, kind, step, channel, target),
            )
        )

    def _queue_partner(
        self, db: DbSession, case: Case, partner_id: str, payload: dict, step: int
    ) -> int:
        count = 0
        for chat_id in partner_repo.chats_of(db, partner_id):
            self._queue(db, case, partner_id, "telegram", str(chat_id), payload, step)
            count += 1
        partner = db.get(Partner, partner_id)
        if partner is not None and partner.webhook_url:
            self._queue(db, case, partner_id, "webhook", partner.webhook_url, payload, step)
            count += 1
        if self.routing.console and partner_id in self.routing.console_partners:
            self._queue(db, case, partner_id, "console", partner_id, payload, step)
            count += 1
        return count

    def _queue_coordinator(self, db: DbSession, case: Case, payload: dict, step: int) -> int:
        count = 0
        for chat_id in self.routing.coordinator_chat_ids:
            self._queue(db, case, COORDINATOR, "telegram", str(chat_id), payload, 2)
            count += 1
        if self.routing.console:
            self._queue(db, case, COORDINATOR, "console", COORDINATOR, payload, 2)
            count += 1
        return count

    # ---- escalation ------------------------------------------------------------------------
    def due_escalations(self, db: DbSession, now: datetime) -> list[int]:
        """Return ids of escalations that are due and neither fired nor cancelled."""
        return list(
            db.scalars(
                select(Escalation.id).where(
                    Escalation.due_at <= now,
                    Escalation.fired_at.is_(None),
                    Escalation.cancelled_at.is_(None),
                )
            )
        )

    def fire(self, db: DbSession, escalation_id: int) -> bool:
        """Fire one escalation step exactly once; False if it already fired or was cancelled."""
        claimed = db.execute(
            update(Escalation)
            .where(
                Escalation.id == escalation_id,
                Escalation.fired_at.is_(None),
                Escalation.cancelled_at.is_(None),
            )
            .values(fired_at=utcnow())
        )
        if claimed.rowcount != 1:
            return False
        esc = db.get(Escalation, escalation_id)
        case = db.get(Case, esc.case_id)
        if case is None or case.acknowledged_at is not None or case.status != "open":
            return False
        self._alert_step(db, case, esc.step)
        return True

    def _cancel_escalations(self, db: DbSession, case: Case) -> None:
        db.execute(
            update(Escalation)
            .where(
                Escalation.case_id == case.id,
                Escalation.fired_at.is_(None),
                Escalation.cancelled_at.is_(None),
            )
            .values(cancelled_at=utcnow())
        )

    # ---- partner actions -------------------------------------------------------------------
    def alert_for_chat(
        self, db: DbSession, outbox_id: int, chat_id: int
    ) -> tuple[Outbox, Case] | None:
        """Return the alert and its case if this chat received it; None otherwise."""
        row = db.get(Outbox, outbox_id)
        if row is None or row.kind != "alert" or row.target != str(chat_id):
            return None
        return row, db.get(Case, row.case_id)

    def case_for_chat(self, db: DbSession, ref: str, target: str) -> tuple[Outbox, Case] | None:
        """Return the case with ref if its alert reached target (a chat id or console name)."""
        case = db.scalar(select(Case).where(Case.ref == ref.strip().upper()))
        if case is None:
            return None
        row = db.scalar(
            select(Outbox).where(
                Outbox.case_id == case.id, Outbox.kind == "alert", Outbox.target == target
            )
        )
        return (row, case) if row is not None else None

    def org_name(self, db: DbSession, partner_id: str | None) -> str:
        """Return the name shown for a partner (or the coordinator)."""
        partner = db.get(Partner, partner_id) if partner_id else None
        return partner.display_name if partner else "Waymark coordinator"

    def acknowledge(self, db: DbSession, row: Outbox, case: Case) -> bool:
        """Record the first acknowledgement, stop the chain, tell the person; False if repeated."""
        if case.acknowledged_at is not None:
            return False
        case.acknowledged_at = utcnow()
        case.acknowledged_by = row.partner_id
        self._cancel_escalations(db, case)
        self._to_person(db, case, "help.partner_working", kind="notice", ref=case.ref)
        return True

    def claim(self, db: DbSession, row: Outbox, case: Case) -> bool:
        """Claim the case for the alert's partner; False if another partner holds it."""
        if case.claimed_by not in (None, row.partner_id):
            return False
        self.acknowledge(db, row, case)
        case.claimed_by = row.partner_id
        return True

    def ask(self, db: DbSession, row: Outbox, case: Case, question: str) -> bool:
        """Relay a partner's question to the person; the asking partner claims the case."""
        if case.status != "open" or not self.claim(db, row, case):
            return False
        org = self.org_name(db, row.partner_id)
        text = self.render(
            case.language, "help.partner_message", ref=case.ref, org=org, text=question[:2000]
        )
        text += "\n\n" + self.render(case.language, "help.reply_hint")
        self._to_person(db, case, None, kind="relay", text=text)
        self._set_relay(db, case, case.ref)
        return True

    def close(self, db: DbSession, row: Outbox, case: Case, outcome: str) -> bool:
        """Close the case with an outcome code and tell the person."""
        if case.status != "open":
            return False
        case.status, case.outcome, case.closed_at = "closed", outcome, utcnow()
        if case.acknowledged_at is None:
            case.acknowledged_at, case.acknowledged_by = utcnow(), row.partner_id
        self._cancel_escalations(db, case)
        self._to_person(db, case, "help.case_closed", kind="notice", ref=case.ref)
        self._set_relay(db, case, None)
        return True

    def person_reply(self, db: DbSession, ref: str, text: str) -> bool:
        """Queue a person's reply to the chats of the partner holding the case."""
        case = db.scalar(select(Case).where(Case.ref == ref))
        if case is None or case.status != "open" or case.claimed_by is None:
            return False
        if self.render_partner is None:
            raise RuntimeError("relaying replies needs a partner text renderer")
        body = {"text": self.render_partner("relay.reply", ref=case.ref, text=text)}
        rows = db.scalars(
            select(Outbox).where(
                Outbox.case_id == case.id,
                Outbox.kind == "alert",
                Outbox.partner_id == case.claimed_by,
            )
        ).all()
        for target in sorted(
            {(r.channel, r.target) for r in rows if r.channel in {"telegram", "console"}}
        ):
            nonce = _key(case.ref, "reply", utcnow().isoformat(), target, text)
            db.add(
                Outbox(
                    kind="relay",
                    case_id=case.id,
                    partner_id=case.claimed_by,
                    channel=target[0],
                    target=target[1],
                    step=0,
                    priority=PRIORITY_RANK.get(case.priority or "P4", 4),
                    payload=self.keys.encrypt(json.dumps(body, ensure_ascii=False)),
                    idempotency_key=nonce,
                )
            )
        return bool(rows)

    def _to_person(
        self,
        db: DbSession,
        case: Case,
        key: str | None,
        kind: str,
        text: str | None = None,
        **params: object,
    ) -> None:
        """Queue a message to the person who opened the case."""
        user = db.get(User, case.user_id)
        if user is None or not user.address:
            return
        body = {"text": text if text is not None else self.render(case.language, key, **params)}
        session = db.get(ConversationSession, case.user_id)
        state = json.loads(self.keys.decrypt(session.state)) if session is not None else {}
        convert = reply_converter(
            zawgyi=bool(state.get("zawgyi")),
            traditional=bool(state.get("traditional")),
            language=case.language,
        )
        if convert:
            body["text"] = convert(body["text"])
        db.add(
            Outbox(
                kind=kind,
                case_id=case.id,
                partner_id=None,
                channel="person",
                target=user.address,
                step=0,
                priority=PRIORITY_RANK.get(case.priority or "P4", 4),
                payload=self.keys.encrypt(json.dumps(body, ensure_ascii=False)),
                idempotency_key=_key(
                    case.ref, kind, key or "relay", utcnow().isoformat(), body["text"]
                ),
            )
        )

    def _set_relay(self, db: DbSession, case: Case, ref: str | None) -> None:
        """Point the person's session at the case whose partner is talking to them."""
        row = db.get(ConversationSession, case.user_id)
        if row is None:
            return
        state = Session.from_dict(json.loads(self.keys.decrypt(row.state)))
        state.relay = ref
        row.state = self.keys.encrypt(json.dumps(state.to_dict(), ensure_ascii=False))
