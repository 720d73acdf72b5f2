"""Partners in the database: sync from config, approved chats, one-time invites."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from bot.config import PartnerSettings
from bot.routing import Candidate
from storage.models import Invite, Partner, PartnerChat, utcnow

INVITE_DAYS = 7


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def sync(db: DbSession, partners: list[PartnerSettings]) -> None:
    """Make the partners table match config.yml; config chat ids are approved chats."""
    configured = {p.id for p in partners}
    for p in partners:
        row = db.get(Partner, p.id) or Partner(id=p.id)
        row.name = p.name
        row.display_name = p.display_name or p.name
        row.coverage = {
            "countries": p.countries,
            "nationalities": p.nationalities,
            "languages": p.languages,
            "case_types": p.case_types,
            "capabilities": p.capabilities,
        }
        row.ack_sla_minutes = p.ack_sla_minutes
        row.webhook_url = p.webhook_url
        row.active = True
        db.add(row)
        db.flush()
        for chat_id in p.chat_ids:
            chat = db.get(PartnerChat, chat_id)
            if chat is None:
                db.add(PartnerChat(chat_id=chat_id, partner_id=p.id, via="config"))
            elif chat.partner_id != p.id:
                chat.partner_id, chat.via = p.id, "config"
    for row in db.scalars(select(Partner)):
        if row.id not in configured:
            row.active = False


def candidates(db: DbSession) -> list[Candidate]:
    """Return the active partners' coverage for routing."""
    return [
        Candidate(
            id=p.id,
            countries=frozenset(p.coverage.get("countries", [])),
            nationalities=frozenset(p.coverage.get("nationalities", [])),
            languages=frozenset(p.coverage.get("languages", [])),
            case_types=frozenset(p.coverage.get("case_types", [])),
        )
        for p in db.scalars(select(Partner).where(Partner.active.is_(True)).order_by(Partner.id))
    ]


def chats_of(db: DbSession, partner_id: str) -> list[int]:
    """Return the approved chats of a partner."""
    return list(db.scalars(select(PartnerChat.chat_id).where(PartnerChat.partner_id == partner_id)))


def partner_of_chat(db: DbSession, chat_id: int) -> Partner | None:
    """Return the active partner a chat is approved for, or None."""
    chat = db.get(PartnerChat, chat_id)
    if chat is None:
        return None
    partner = db.get(Partner, chat.partner_id)
    return partner if partner is not None and partner.active else None


def create_invite(db: DbSession, partner_id: str) -> str:
    """Return a new one-time code for a partner; only its hash is stored."""
    if db.get(Partner, partner_id) is None:
        raise KeyError(partner_id)
    code = "-".join(secrets.token_hex(3).upper() for _ in range(3))
    db.add(
        Invite(
            code_hash=_hash(code),
            partner_id=partner_id,
            expires_at=utcnow() + timedelta(days=INVITE_DAYS),
        )
    )
    return code


def redeem_invite(db: DbSession, code: str, chat_id: int) -> Partner | None:
    """Approve chat_id for the invite's partner; None if the code is unknown, used or expired."""
    invite = db.get(Invite, _hash(code))
    if invite is None or invite.used_at is not None:
        return None
    expires = (
        invite.expires_at
        if invite.expires_at.tzinfo
        else invite.expires_at.replace(tzinfo=utcnow().tzinfo)
    )
    if expires < utcnow():
        return None
    invite.used_at = utcnow()
    chat = db.get(PartnerChat, chat_id)
    if chat is None:
        db.add(PartnerChat(chat_id=chat_id, partner_id=invite.partner_id, via="invite"))
    else:
        chat.partner_id, chat.via = invite.partner_id, "invite"
    return db.get(Partner, invite.partner_id)
