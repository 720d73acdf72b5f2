"""The conversation service every adapter shares: NLU, language, engine step and storage."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from flows.engine import Engine
from flows.model import Button, Event, Inbound, Reply, Session
from nlu import burmese, chinese, langid
from nlu.client import NluClient
from nlu.scripts import reply_converter
from storage.repository import Store

HISTORY = 5


def converted_reply(reply: Reply, convert: Callable[[str], str]) -> Reply:
    """Convert a reply's text and button labels, e.g. to Zawgyi or Traditional Chinese."""
    rows = tuple(tuple(Button(b.data, convert(b.label)) for b in row) for row in reply.buttons)
    return Reply(key=reply.key, text=convert(reply.text), buttons=rows)


class Conversations:
    """Turn one inbound message from one pseudonymous user into events, stored atomically."""

    def __init__(self, engine: Engine, store: Store, nlu: NluClient | None):
        self.engine = engine
        self.store = store
        self.nlu = nlu

    async def handle(
        self, user_key: str, inbound: Inbound, address: str | None = None
    ) -> list[Event]:
        """Enrich the message with NLU, then step the engine inside one transaction."""
        zawgyi: bool | None = None
        if inbound.kind == "text" and burmese.MYANMAR.search(inbound.text):
            zawgyi = burmese.is_zawgyi(inbound.text)
            if zawgyi:
                # NLU, lexicons and storage all work on Unicode.
                inbound = replace(inbound, text=burmese.to_unicode(inbound.text))
        # Kanji are Han characters too: only Chinese writing says which script to answer in.
        chinese_text = inbound.kind == "text" and not langid.KANA.search(inbound.text)
        written = chinese.script(inbound.text) if chinese_text else None
        if inbound.kind == "text" and self.nlu is not None and inbound.nlu is None:
            inbound = replace(inbound, nlu=await self.nlu.parse(inbound.text))

        def turn(session: Session) -> tuple[Session, list[Event]]:
            enriched = self._with_language(session, inbound)
            new, events = self.engine.step(session, enriched)
            if zawgyi is not None:
                new.zawgyi = zawgyi
            if written is not None:
                new.traditional = written == "traditional"
            convert = reply_converter(
                zawgyi=new.zawgyi, traditional=new.traditional, language=new.lang
            )
            if convert:
                events = [
                    converted_reply(e, convert) if isinstance(e, Reply) else e for e in events
                ]
            return new, events

        return await asyncio.to_thread(self.store.run_turn, user_key, turn, address)

    def _with_language(self, session: Session, inbound: Inbound) -> Inbound:
        """Detect the message's language with the session's language as the prior."""
        if inbound.kind != "text" or not inbound.text.strip():
            return inbound
        detection = langid.detect(
            inbound.text,
            supported=self.engine.settings.languages,
            chosen=session.lang if session.lang_chosen else None,
            client=inbound.client_language,
            history=session.lang_history or ([session.lang] if session.lang else None),
        )
        if detection is None:
            return inbound
        if detection.confident:
            # Only confident detections count, so one wrong guess cannot reinforce itself.
            session.lang_history = [*session.lang_history, detection.language][-HISTORY:]
        return replace(inbound, language=detection.language, language_confident=detection.confident)
