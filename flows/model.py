"""Sessions, inbound messages and the events the engine emits: plain data, no Telegram."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

InboundKind = Literal["text", "choice", "command", "media", "location"]


@dataclass
class Session:
    """Where one user is in a conversation; serialised to JSON between steps."""

    lang: str | None = None
    lang_chosen: bool = False
    flow: str | None = None
    node: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)
    turn: int = 0
    # The case whose partner is talking with this person through the bot, if any.
    relay: str | None = None
    # The person writes Burmese in Zawgyi: replies are converted so their phone shows them.
    zawgyi: bool = False
    # The person writes Chinese in Traditional characters: Chinese replies are converted.
    traditional: bool = False
    # Languages confidently detected in the person's last messages: evidence for short ones.
    lang_history: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Session:
        """Rebuild a session, ignoring fields this version does not know."""
        data = data or {}
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Nlu:
    """What the NLU server said about a message."""

    intent: str | None = None
    confidence: float = 0.0
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Inbound:
    """One thing the user did: typed, tapped, sent a command or a file."""

    kind: InboundKind
    text: str = ""
    choice: str | None = None
    command: str | None = None
    forwarded: bool = False
    media: str | None = None
    language: str | None = None
    language_confident: bool = False
    client_language: str | None = None
    nlu: Nlu | None = None
    latitude: float | None = None
    longitude: float | None = None
    # The person's display name; only ever passed on when they agree to share it.
    identity: str | None = None


@dataclass(frozen=True)
class Button:
    """A choice shown as an inline button; data is short ASCII callback data."""

    data: str
    label: str


@dataclass(frozen=True)
class Reply:
    """A message to show the user."""

    key: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Assessed:
    """A job-offer verdict to store."""

    risk: str
    score: float
    indicators: tuple[str, ...]
    counters: tuple[str, ...]
    language: str
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class TipReported:
    """A tip about a recruiter to store for partners to verify."""

    language: str
    handles: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class HelpSubmitted:
    """A help request to store and, with consent, route to partners."""

    ref: str
    priority: str
    case_type: str
    evidence: tuple[str, ...]
    language: str
    country: str | None
    nationality: str | None
    people: str | None
    consent: dict[str, bool]
    details: dict[str, Any]
    identity: str | None = None


@dataclass(frozen=True)
class RelayReply:
    """A person's reply to a partner's question, to pass on."""

    ref: str
    text: str


@dataclass(frozen=True)
class FlowEnded:
    """A flow finished; adapters may schedule clean-up."""

    flow: str
    outcome: str


Event = Reply | Assessed | TipReported | HelpSubmitted | RelayReply | FlowEnded
