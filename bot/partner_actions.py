"""What a partner can do with an alert: acknowledge, claim, ask, close. Shared by all adapters."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.partner_text import OUTCOMES, t
from storage import partners as partner_repo
from storage.repository import Store


@dataclass
class ActionResult:
    """A reply for the partner chat, and whether the outbox has new messages."""

    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    queued: bool = False
    ok: bool = True


class PartnerActions:
    """Check that a chat may act on a case, then act in one transaction."""

    def __init__(
        self, store: Store, coordinator_chat_ids: tuple[int, ...] = (), console: bool = False
    ):
        self.store = store
        self.coordinators = {str(c) for c in coordinator_chat_ids}
        self.console = console

    def approved(self, target: str) -> bool:
        """Tell whether a chat (or the console) is an approved partner or coordinator chat."""
        if self.console and not target.lstrip("-").isdigit():
            return True
        if target in self.coordinators:
            return True
        with self.store.sessions() as db:
            return (
                target.lstrip("-").isdigit()
                and partner_repo.partner_of_chat(db, int(target)) is not None
            )

    def button(self, target: str, data: str) -> ActionResult:
        """Handle a tap on pa/<action>/<outbox id>[/<outcome>]."""
        parts = data.split("/")
        if len(parts) < 3 or not parts[2].isdigit() or not self.approved(target):
            return ActionResult(t("done.not_allowed"))
        action, oid = parts[1], int(parts[2])
        cases = self.store.cases
        with self.store.sessions.begin() as db:
            found = cases.alert_for_chat(db, oid, target)
            if found is None:
                return ActionResult(t("done.not_allowed"))
            row, case = found
            org = cases.org_name(db, row.partner_id)
            if action == "ack":
                first = cases.acknowledge(db, row, case)
                return ActionResult(
                    t("done.ack" if first else "done.ack_already", ref=case.ref, org=org),
                    queued=first,
                )
            if action == "claim":
                ok = cases.claim(db, row, case)
                key = "done.claim" if ok else "done.claimed_by_other"
                return ActionResult(t(key, ref=case.ref, org=org), queued=ok)
            if action == "ask":
                return ActionResult(t("done.ask_how", ref=case.ref))
            if action == "close":
                buttons = [[(t(f"outcome.{o}"), f"pa/out/{oid}/{o}")] for o in OUTCOMES]
                return ActionResult(t("done.close_pick", ref=case.ref), buttons)
            if action == "out" and len(parts) == 4 and parts[3] in OUTCOMES:
                if not cases.close(db, row, case, parts[3]):
                    return ActionResult(t("done.not_allowed"))
                return ActionResult(
                    t("done.closed", ref=case.ref, outcome=t(f"outcome.{parts[3]}")), queued=True
                )
        return ActionResult(t("done.not_allowed"))

    def ask(self, target: str, ref: str, question: str) -> ActionResult:
        """Relay a question from a partner chat to the person behind a case reference."""
        if not self.approved(target) or not question.strip():
            return ActionResult(t("done.not_allowed"))
        cases = self.store.cases
        with self.store.sessions.begin() as db:
            found = cases.case_for_chat(db, ref, target)
            if found is None:
                return ActionResult(t("done.unknown_case"))
            row, case = found
            if not cases.ask(db, row, case, question.strip()):
                return ActionResult(t("done.claimed_by_other", ref=case.ref))
            return ActionResult(t("done.asked", ref=case.ref), queued=True)

    def ask_by_reply(
        self, target: str, replied_message_id: int, question: str
    ) -> ActionResult | None:
        """Relay a question sent as a reply to an alert message; None for other replies."""
        from sqlalchemy import select

        from storage.models import Case, Outbox

        with self.store.sessions() as db:
            row = db.scalar(
                select(Outbox).where(
                    Outbox.target == target,
                    Outbox.message_id == replied_message_id,
                    Outbox.kind == "alert",
                )
            )
            if row is None:
                return None
            ref = db.get(Case, row.case_id).ref
        return self.ask(target, ref, question)

    def tips(self, target: str, limit: int = 10) -> ActionResult:
        """List the newest recruiter tips (identifiers only, never who reported them)."""
        if not self.approved(target):
            return ActionResult(t("done.not_allowed"))
        from sqlalchemy import select

        from storage.models import Case, Tip

        lines = [t("tips.header", n=limit)]
        with self.store.sessions() as db:
            rows = db.execute(
                select(Case.ref, Case.created_at, Tip.payload)
                .join(Tip, Tip.case_id == Case.id)
                .order_by(Case.id.desc())
                .limit(limit)
            ).all()
            for ref, created, payload in rows:
                tip = self.store.read_tip(Tip(payload=payload))
                found = [*tip["handles"], *tip["phones"], *tip["urls"]]
                where = ", ".join([*tip["platforms"], *tip["places"]])
                lines.append(
                    t(
                        "tips.item",
                        ref=ref,
                        date=created.date().isoformat(),
                        found=", ".join(found) or "-",
                        where=where or "-",
                        note=tip["note"][:200],
                    )
                )
        if len(lines) == 1:
            lines.append(t("tips.none"))
        return ActionResult("\n".join(lines))

    def join(self, chat_id: int, code: str) -> ActionResult:
        """Approve a chat with a one-time invite code."""
        if not code.strip():
            return ActionResult(t("join.usage"), ok=False)
        with self.store.sessions.begin() as db:
            partner = partner_repo.redeem_invite(db, code, chat_id)
            if partner is None:
                return ActionResult(t("join.bad"), ok=False)
            return ActionResult(t("join.ok", org=partner.display_name))
