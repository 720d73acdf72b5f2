"""Leave no trace: delete a person's chat on /clear, and flow messages some time after a flow."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, select

from storage.models import ChatMessage, User, utcnow
from storage.repository import Store

# Bots may delete messages in private chats only while they are under 48 hours old.
DELETABLE_FOR = timedelta(hours=47, minutes=50)


class Deleter(Protocol):
    """Deletes messages in a person's chat; returns how many could not be deleted."""

    person_prefix: str

    async def delete(self, address: str, message_ids: list[int]) -> int:
        """Delete the messages and return the number that failed."""


class Cleaner:
    """Record chat messages and delete them on request or when due."""

    def __init__(self, store: Store, deleter: Deleter, after_flow_seconds: float):
        self.store = store
        self.deleter = deleter
        self.after_flow_seconds = after_flow_seconds

    def record(self, user_key: str, message_ids: list[int]) -> None:
        """Remember messages of a person's chat (both sides) so they can be deleted."""
        if not message_ids:
            return
        with self.store.sessions.begin() as db:
            user = db.scalar(select(User).where(User.key == user_key))
            if user is None:
                return
            for mid in message_ids:
                db.add(ChatMessage(user_id=user.id, message_id=mid))

    def schedule_after_flow(self, user_key: str) -> None:
        """Mark the chat's current messages for deletion after the configured delay."""
        if self.after_flow_seconds <= 0:
            return
        due = utcnow() + timedelta(seconds=self.after_flow_seconds)
        with self.store.sessions.begin() as db:
            user = db.scalar(select(User).where(User.key == user_key))
            if user is None:
                return
            for row in db.scalars(
                select(ChatMessage).where(
                    ChatMessage.user_id == user.id, ChatMessage.cleanup_at.is_(None)
                )
            ):
                row.cleanup_at = due

    async def clear(self, user_key: str) -> tuple[int, int]:
        """Delete every recorded message of the person's chat; return (deleted, not deleted)."""
        with self.store.sessions() as db:
            user = db.scalar(select(User).where(User.key == user_key))
            if user is None or not user.address:
                return 0, 0
            rows = db.scalars(select(ChatMessage).where(ChatMessage.user_id == user.id)).all()
            address = self.store.keys.decrypt(user.address)
            user_id = user.id
            items = [(r.id, r.message_id, r.sent_at) for r in rows]
        return await self._delete(user_id, address, items)

    async def sweep(self) -> int:
        """Delete messages whose clean-up time has come; return how many rows were handled."""
        with self.store.sessions() as db:
            rows = db.execute(
                select(
                    ChatMessage.id, ChatMessage.message_id, ChatMessage.sent_at, ChatMessage.user_id
                )
                .where(ChatMessage.cleanup_at <= utcnow())
                .limit(500)
            ).all()
            by_user: dict[int, list] = defaultdict(list)
            for rid, mid, sent_at, uid in rows:
                by_user[uid].append((rid, mid, sent_at))
            addresses = {
                u.id: self.store.keys.decrypt(u.address)
                for u in db.scalars(select(User).where(User.id.in_(list(by_user))))
                if u.address
            }
        for uid, items in by_user.items():
            if uid in addresses:
                await self._delete(uid, addresses[uid], items)
        return len(rows)

    async def _delete(self, user_id: int, address: str, items: list) -> tuple[int, int]:
        if not address.startswith(self.deleter.person_prefix):
            return 0, 0
        now = utcnow()
        fresh, stale = [], 0
        for _rid, mid, sent_at in items:
            sent = sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=now.tzinfo)
            if now - sent < DELETABLE_FOR:
                fresh.append(mid)
            else:
                stale += 1
        failed = await self.deleter.delete(address, fresh) if fresh else 0
        with self.store.sessions.begin() as db:
            db.execute(delete(ChatMessage).where(ChatMessage.id.in_([rid for rid, _, _ in items])))
        return len(fresh) - failed, failed + stale
