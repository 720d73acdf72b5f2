"""Drive the engine like a user and keep a readable transcript (an AppTester for flows)."""

from __future__ import annotations

from flows.engine import Engine
from flows.model import Inbound, Nlu, Reply, Session


class Dialogue:
    """Send messages and taps to the engine and record what it says."""

    def __init__(self, engine: Engine, *, client_language: str | None = "en"):
        self.engine = engine
        self.session = Session()
        self.client_language = client_language
        self.lines: list[str] = []
        self.events: list = []
        self.last: list[Reply] = []

    def _step(self, inbound: Inbound, shown: str) -> list[Reply]:
        self.lines.append(f"> {shown}")
        self.session, events = self.engine.step(self.session, inbound)
        self.events += events
        self.last = [e for e in events if isinstance(e, Reply)]
        for reply in self.last:
            self.lines.append(f"< {reply.text}")
            for row in reply.buttons:
                self.lines.append("    " + " | ".join(f"[{b.label}]" for b in row))
        return self.last

    def command(self, name: str) -> list[Reply]:
        return self._step(
            Inbound(kind="command", command=name, client_language=self.client_language), f"/{name}"
        )

    def say(
        self,
        text: str,
        *,
        intent: str | None = None,
        confidence: float = 0.99,
        language: str | None = None,
        forwarded: bool = False,
    ) -> list[Reply]:
        nlu = Nlu(intent=intent, confidence=confidence) if intent else None
        inbound = Inbound(
            kind="text",
            text=text,
            nlu=nlu,
            forwarded=forwarded,
            language=language,
            language_confident=language is not None,
            client_language=self.client_language,
        )
        return self._step(inbound, text)

    def tap(self, label: str) -> list[Reply]:
        for reply in reversed(self.last):
            for row in reply.buttons:
                for b in row:
                    if b.label == label:
                        return self._step(Inbound(kind="choice", choice=b.data), f"[{label}]")
        raise AssertionError(
            f"no button {label!r} in {[b.label for r in self.last for row in r.buttons for b in row]}"
        )

    def answer(self, plan: dict[str, str], limit: int = 30) -> None:
        """Answer questions by their text key: a label to tap, or "say:<text>" to type."""
        for _ in range(limit):
            key = self.last[-1].key if self.last else None
            if key not in plan:
                return
            value = plan[key]
            if value.startswith("say:"):
                self.say(value[4:])
            else:
                self.tap(value)

    def media(self) -> list[Reply]:
        return self._step(Inbound(kind="media", media="photo"), "(photo)")

    def buttons(self) -> list[str]:
        return [b.label for r in self.last for row in r.buttons for b in row]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
