"""The flow engine: step(session, inbound) -> (session, events). It knows nothing of Telegram."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flows import triage
from flows.loader import Choice, Flow, Node, callback_data, resolve_target
from flows.locales import Catalog
from flows.model import (
    Assessed,
    Button,
    Event,
    FlowEnded,
    HelpSubmitted,
    Inbound,
    RelayReply,
    Reply,
    Session,
    TipReported,
)
from flows.urgency import UrgencyRule, urgency
from nlu import indicators as indicator_extraction
from nlu.countries import find_country
from nlu.entities import find_contacts

MAX_NODES_PER_STEP = 50
MAX_TIP_CHARS = 2000
MAX_SLOT_CHARS = 300
CLEAR_BUTTON = "sys/clear/now"
# Coordinates kept per consented precision: 4 decimals is about 11 m, 2 about 1 km.
PRECISION_DECIMALS = {"exact": 4, "area": 2}
# Intents that carry no content for a question that asks for text.
NOT_CONTENT = {"affirm", "deny", "greet", "goodbye"}
HELP_FLOWS = {"help", "help_other"}
# Languages that detectors confuse, so the person can switch with one tap.
LANGUAGE_TWINS = {"ms": "id", "id": "ms"}


@dataclass(frozen=True)
class ContactInfo:
    """An official contact as the engine shows it."""

    name: str
    phone: str | None
    url: str | None
    source: str
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class EngineSettings:
    """What the engine needs from config.yml."""

    languages: tuple[str, ...]
    default_language: str
    long_text_chars: int
    confidence_threshold: float
    weights: dict[str, float]
    thresholds: dict[str, float]
    min_indicators_for_high: int
    high_pay_usd: float
    usd_rates: dict[str, float]
    contacts: tuple[ContactInfo, ...] = field(default_factory=tuple)
    urgency_rules: tuple[UrgencyRule, ...] = ()
    urgency_default: str = "P4"


def random_ref() -> str:
    """Return a fresh pseudonymous case reference."""
    import base64
    import os

    return "WM-" + base64.b32encode(os.urandom(5)).decode().rstrip("=")


class Engine:
    """Interpret flow definitions against one session at a time."""

    def __init__(
        self,
        flows: dict[str, Flow],
        catalog: Catalog,
        settings: EngineSettings,
        new_ref: Callable[[], str] = random_ref,
    ):
        self.flows = flows
        self.catalog = catalog
        self.settings = settings
        self.new_ref = new_ref
        # Steps run in worker threads, several at once: the current message is per thread.
        self._local = threading.local()

    # ---- public -------------------------------------------------------------------------
    def step(self, session: Session, inbound: Inbound) -> tuple[Session, list[Event]]:
        """Advance one session by one inbound message and return what to show and store."""
        s = copy.deepcopy(session)
        s.turn += 1
        self._update_language(s, inbound)
        self._local.inbound = inbound
        events: list[Event] = []
        if inbound.kind == "command":
            self._command(s, inbound, events)
        elif inbound.kind == "location" and self._location(s, inbound, events):
            pass
        elif inbound.kind in {"media", "location"}:
            self._say(s, events, "common.media_unsupported")
            self._reprompt(s, events)
        elif inbound.kind == "choice":
            self._choice(s, inbound, events)
        else:
            self._text(s, inbound, events)
        return s, events

    # ---- language -----------------------------------------------------------------------
    def _update_language(self, s: Session, inbound: Inbound) -> None:
        """Pick the reply language: chosen > confidently detected > client's > default."""
        langs = self.settings.languages
        if s.lang_chosen and s.lang in langs:
            return
        if inbound.language in langs and inbound.language_confident:
            s.lang = inbound.language
        elif s.lang not in langs:
            client = (inbound.client_language or "").split("-")[0].lower()
            s.lang = client if client in langs else self.settings.default_language

    # ---- dispatch -----------------------------------------------------------------------
    def _command(self, s: Session, inbound: Inbound, events: list[Event]) -> None:
        cmd = (inbound.command or "").lower()
        if cmd == "start":
            self._end(s, events, outcome="restarted")
            self._goto(s, events, "main", "menu")
        elif cmd == "help":
            self._say(s, events, "common.help")
        elif cmd == "language":
            self._goto(s, events, "language", "choose")
        elif cmd == "cancel":
            self._end(s, events, outcome="cancelled")
            s.relay = None
            self._say(s, events, "common.cancelled")
        else:
            self._say(s, events, "common.unknown_command")

    def _choice(self, s: Session, inbound: Inbound, events: list[Event]) -> None:
        parts = (inbound.choice or "").split("/")
        if len(parts) != 3:
            self._say(s, events, "common.stale_button")
            self._reprompt(s, events)
            return
        flow_id, node_id, choice_id = parts
        if flow_id == "sys" and node_id == "lang" and choice_id in self.settings.languages:
            # One-tap correction (Malay or Indonesian): switch and ask the same question again.
            s.lang, s.lang_chosen = choice_id, True
            if not self._reprompt(s, events):
                self._goto(s, events, "main", "menu")
            return
        current = (s.flow, s.node)
        # Menu and language buttons stay valid after the question has passed.
        always_valid = (flow_id, node_id) in {("main", "menu"), ("language", "choose")}
        if (flow_id, node_id) != current and not always_valid:
            self._say(s, events, "common.stale_button")
            self._reprompt(s, events)
            return
        node = self.flows.get(flow_id, Flow("", "")).nodes.get(node_id)
        if node is None or node.type != "ask":
            self._say(s, events, "common.stale_button")
            self._reprompt(s, events)
            return
        if choice_id == "stop":
            self._stop(s, events)
        elif choice_id == "skip" and node.skippable:
            self._advance(s, events, flow_id, node.next)
        else:
            choice = self._find_choice(node, choice_id)
            if choice is None:
                self._say(s, events, "common.stale_button")
                self._reprompt(s, events)
            else:
                self._apply_choice(s, events, flow_id, node, choice)

    def _text(self, s: Session, inbound: Inbound, events: list[Event]) -> None:
        text = inbound.text.strip()
        intent, confident = self._intent(inbound)
        looks_like_ad = inbound.forwarded or len(text) >= self.settings.long_text_chars
        node = self._current_node(s)
        if node is not None and s.flow == "main":
            # The menu is an offer, not a question: typed text is routed like any first message.
            s.flow = s.node = None
            node = None
        if node is not None:
            if node.input in {"text", "country"} and not node.choices:
                if confident and intent == "stop" and len(text) < 40:
                    self._stop(s, events)
                    return
                if node.action and confident and intent in NOT_CONTENT and not looks_like_ad:
                    # "yes" or "hi" is not an ad or a tip: ask again rather than analyse it.
                    self._say(s, events, "common.use_buttons")
                    self._reprompt(s, events)
                    return
                self._consume_text(s, events, s.flow, node, text)
                return
            if confident and intent == "stop":
                self._stop(s, events)
                return
            if (
                confident
                and intent == "request_help"
                and not looks_like_ad
                and s.flow not in HELP_FLOWS
            ):
                self._end(s, events, outcome="interrupted")
                self._start_help(s, events, text)
                return
            if looks_like_ad:
                self._end(s, events, outcome="interrupted")
                self._start_job_check(s, events, text)
                return
            choice = self._match_text_to_choice(s, node, text, intent if confident else None)
            if choice is None and node.input == "country":
                self._consume_text(s, events, s.flow, node, text)
                return
            if (
                choice is None
                and s.flow in HELP_FLOWS
                and node.choices
                and node.next
                and len(text) > 3
            ):
                # A help question answered in words: keep what the words say, then go on. A
                # question whose answers branch (who needs help, is it safe) has no "on": ask it
                # again below rather than end the request.
                self._run_action(s, events, "analyse_help", text)
                self._advance(s, events, s.flow, node.next)
                return
            if choice == "skip" and node.skippable:
                self._advance(s, events, s.flow, node.next)
            elif isinstance(choice, Choice):
                self._apply_choice(s, events, s.flow, node, choice)
            else:
                self._say(s, events, "common.use_buttons")
                self._reprompt(s, events)
            return
        # Idle: a partner is waiting for this person's answer.
        if s.relay and not looks_like_ad and not (confident and intent == "stop"):
            events.append(RelayReply(ref=s.relay, text=text[:MAX_TIP_CHARS]))
            self._say(s, events, "help.reply_sent")
            return
        # Idle: route by what the message is.
        if looks_like_ad:
            self._start_job_check(s, events, text)
        elif confident and intent == "check_job_offer":
            extraction = self._extract(s, text)
            if any(not e.startswith("counter.") for e in extraction.evidence):
                self._start_job_check(s, events, text)
            else:
                self._goto(s, events, "job_offer", "ask_offer")
        elif confident and intent == "request_help":
            self._start_help(s, events, text)
        elif confident and intent == "report_recruiter":
            if find_contacts(text):
                self._consume_text(
                    s, events, "report", self.flows["report"].nodes["ask_details"], text
                )
            else:
                self._goto(s, events, "report", "ask_details")
        elif confident and intent == "greet":
            self._goto(s, events, "main", "menu")
        elif confident and intent in {"goodbye", "stop"}:
            self._say(s, events, "main.goodbye" if intent == "goodbye" else "common.stopped")
        else:
            # Unsure or NLU unavailable: never guess, offer the choices.
            self._goto(s, events, "main", "menu", text_key="main.fallback")

    # ---- flow mechanics -----------------------------------------------------------------
    def _intent(self, inbound: Inbound) -> tuple[str | None, bool]:
        if inbound.nlu is None or inbound.nlu.intent is None:
            return None, False
        return inbound.nlu.intent, inbound.nlu.confidence >= self.settings.confidence_threshold

    def _current_node(self, s: Session) -> Node | None:
        if s.flow is None or s.node is None:
            return None
        flow = self.flows.get(s.flow)
        node = flow.nodes.get(s.node) if flow else None
        if node is None or node.type != "ask":
            s.flow = s.node = None
            return None
        return node

    def _start_job_check(self, s: Session, events: list[Event], text: str) -> None:
        node = self.flows["job_offer"].nodes["ask_offer"]
        self._consume_text(s, events, "job_offer", node, text)

    def _consume_text(
        self, s: Session, events: list[Event], flow_id: str, node: Node, text: str
    ) -> None:
        if flow_id == "job_offer" and node.id == "ask_offer":
            s.evidence, s.slots = {}, {}
        s.flow, s.node = flow_id, node.id
        if node.slot and node.input == "country":
            s.slots[node.slot] = find_country(text) or "?"
            s.slots[f"{node.slot}_text"] = text[:100]
        elif node.slot:
            s.slots[node.slot] = text[:MAX_SLOT_CHARS]
        if node.action:
            self._run_action(s, events, node.action, text)
        self._advance(s, events, flow_id, node.next)

    def _apply_choice(
        self, s: Session, events: list[Event], flow_id: str, node: Node, choice: Choice
    ) -> None:
        if node.choices_from == "languages":
            s.lang, s.lang_chosen = choice.id, True
        for eid in choice.add:
            s.evidence[eid] = f"answer:{node.id}"
        for eid in choice.clear:
            # Only an inference from their words gives way; an earlier answer stands.
            if s.evidence.get(eid) == "text":
                del s.evidence[eid]
        for key, value in choice.set:
            s.slots[key] = value
        self._advance(s, events, flow_id, choice.goto or node.next)

    def _find_choice(self, node: Node, choice_id: str) -> Choice | None:
        for choice in self._choices(node):
            if choice.id == choice_id:
                return choice
        return None

    def _choices(self, node: Node) -> tuple[Choice, ...]:
        if node.choices_from == "languages":
            return tuple(Choice(id=code, label="") for code in self.settings.languages)
        return node.choices

    def _match_text_to_choice(
        self, s: Session, node: Node, text: str, intent: str | None
    ) -> Choice | str | None:
        folded = text.casefold().strip(" .!?")
        if not folded:
            return None
        for lang in {s.lang or "en", "en"}:
            if folded == self.catalog.text(lang, "common.skip").casefold():
                return "skip"
        for choice in self._choices(node):
            labels = (
                {self.catalog.name(choice.id).casefold(), choice.id}
                if node.choices_from == "languages"
                else {
                    self.catalog.text(lang, choice.label).casefold()
                    for lang in {s.lang or "en", "en"}
                }
            )
            if folded in labels:
                return choice
        if intent:
            for choice in self._choices(node):
                if choice.intent == intent:
                    return choice
        return None

    def _advance(
        self, s: Session, events: list[Event], flow_id: str | None, target: str | None
    ) -> None:
        resolved = resolve_target(self.flows, flow_id or "main", target or "end")
        if resolved is None:
            self._end(s, events, outcome="completed")
            return
        self._goto(s, events, *resolved)

    def _goto(
        self,
        s: Session,
        events: list[Event],
        flow_id: str,
        node_id: str,
        text_key: str | None = None,
    ) -> None:
        for _ in range(MAX_NODES_PER_STEP):
            node = self.flows[flow_id].nodes[node_id]
            if node.resets:
                s.evidence, s.slots = {}, {}
            if node.type == "ask":
                if node.skip_if_any and any(e in s.evidence for e in node.skip_if_any):
                    target = node.next
                else:
                    s.flow, s.node = flow_id, node_id
                    self._prompt(s, events, flow_id, node, text_key)
                    return
            elif node.type == "say":
                self._say(s, events, node.text or "")
                target = node.next
            else:
                s.flow, s.node = flow_id, node_id
                self._run_action(s, events, node.action or "", None)
                target = node.next
            resolved = resolve_target(self.flows, flow_id, target or "end")
            if resolved is None:
                self._end(s, events, outcome="completed")
                return
            flow_id, node_id = resolved
        raise RuntimeError(f"flow loop: more than {MAX_NODES_PER_STEP} nodes in one step")

    def _end(self, s: Session, events: list[Event], outcome: str) -> None:
        if s.flow is not None:
            events.append(FlowEnded(flow=s.flow, outcome=outcome))
        s.flow = s.node = None

    def _stop(self, s: Session, events: list[Event]) -> None:
        self._end(s, events, outcome="stopped")
        s.evidence, s.slots = {}, {}
        self._say(s, events, "common.stopped")

    def _reprompt(self, s: Session, events: list[Event]) -> bool:
        node = self._current_node(s)
        if node is not None and s.flow is not None:
            self._prompt(s, events, s.flow, node, None)
            return True
        return False

    # ---- rendering ----------------------------------------------------------------------
    def _t(self, s: Session, key: str, **params: object) -> str:
        return self.catalog.text(s.lang or self.settings.default_language, key, **params)

    def _say(self, s: Session, events: list[Event], key: str, text: str | None = None) -> None:
        events.append(Reply(key=key, text=text if text is not None else self._t(s, key)))

    def _prompt(
        self, s: Session, events: list[Event], flow_id: str, node: Node, text_key: str | None
    ) -> None:
        buttons = [
            Button(
                callback_data(flow_id, node.id, choice.id),
                self.catalog.name(choice.id)
                if node.choices_from == "languages"
                else self._t(s, choice.label),
            )
            for choice in self._choices(node)
        ]
        # Language names are short: three to a row keeps 23 of them on one screen.
        per_row = 3 if node.choices_from == "languages" else 1
        rows: list[tuple[Button, ...]] = [
            tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)
        ]
        extra = []
        if node.skippable:
            extra.append(Button(callback_data(flow_id, node.id, "skip"), self._t(s, "common.skip")))
        if node.stoppable and flow_id != "main":
            extra.append(Button(callback_data(flow_id, node.id, "stop"), self._t(s, "common.stop")))
        if extra:
            rows.append(tuple(extra))
        twin = LANGUAGE_TWINS.get(s.lang or "")
        client = (self._local.inbound.client_language or "").split("-")[0].lower()
        if (
            twin in self.settings.languages
            and not s.lang_chosen
            and client != s.lang
            and node.choices_from != "languages"
        ):
            # Detectors cannot tell these apart, and routing depends on it: offer a one-tap fix.
            rows.append((Button(f"sys/lang/{twin}", self.catalog.name(twin)),))
        if node.choices_from != "languages":
            rows.append((Button(CLEAR_BUTTON, self._t(s, "common.clear")),))
        key = text_key or node.text or ""
        events.append(Reply(key=key, text=self._t(s, key), buttons=tuple(rows)))

    # ---- actions ------------------------------------------------------------------------
    def _extract(self, s: Session, text: str) -> indicator_extraction.Extraction:
        return indicator_extraction.extract(
            text,
            s.lang or self.settings.default_language,
            usd_rates=self.settings.usd_rates,
            high_pay_usd=self.settings.high_pay_usd,
        )

    def _run_action(self, s: Session, events: list[Event], action: str, text: str | None) -> None:
        if action == "analyse_offer":
            if text:
                extraction = self._extract(s, text)
                for eid in sorted(extraction.evidence):
                    s.evidence.setdefault(eid, "text")
                s.slots["countries"] = extraction.countries
        elif action == "verdict":
            self._verdict(s, events)
        elif action == "record_tip":
            self._record_tip(s, events, text or "")
        elif action == "analyse_help":
            evidence, countries = indicator_extraction.extract_help(
                text or "", s.lang or self.settings.default_language
            )
            for eid in sorted(evidence):
                s.evidence.setdefault(eid, "text")
            if countries and not s.slots.get("country"):
                s.slots["country"] = countries[0]
        elif action == "apply_precision":
            raw = s.slots.pop("_location", None)
            decimals = PRECISION_DECIMALS.get(str(s.slots.get("precision")))
            if raw and decimals is not None:
                s.slots["location"] = [
                    round(float(raw[0]), decimals),
                    round(float(raw[1]), decimals),
                ]
        elif action == "submit_help":
            self._submit_help(s, events)
        else:
            raise ValueError(f"unknown action {action!r}")

    def _contacts_for(self, s: Session) -> list[ContactInfo]:
        countries = set(s.slots.get("countries") or [])
        return [
            c
            for c in self.settings.contacts
            if countries & set(c.countries) or (s.lang in c.languages)
        ]

    def _contact_lines(self, contacts: list[ContactInfo]) -> list[str]:
        lines = []
        for c in contacts:
            reach = " ".join(x for x in (c.phone, c.url) if x)
            lines.append(f"• {c.name}: {reach} ({c.source})")
        return lines

    def _verdict(self, s: Session, events: list[Event]) -> None:
        result = triage.assess_offer(
            s.evidence,
            self.settings.weights,
            self.settings.thresholds,
            self.settings.min_indicators_for_high,
        )
        lines = [self._t(s, f"job_offer.verdict_{result.risk}"), ""]
        if result.indicators:
            lines.append(self._t(s, "job_offer.signs_header"))
            lines += [f"• {self._t(s, 'indicator.' + i)}" for i in result.indicators]
        else:
            lines.append(self._t(s, "job_offer.no_signs"))
        if result.counters:
            lines += ["", self._t(s, "job_offer.counters_header")]
            lines += [f"• {self._t(s, c)}" for c in result.counters]
        lines += ["", self._t(s, f"job_offer.advice_{result.risk}")]
        contacts = self._contacts_for(s)
        if contacts:
            lines += ["", self._t(s, "job_offer.contacts_header"), *self._contact_lines(contacts)]
        events.append(Reply(key=f"job_offer.verdict_{result.risk}", text="\n".join(lines)))
        events.append(
            Assessed(
                risk=result.risk,
                score=result.score,
                indicators=tuple(result.indicators),
                counters=tuple(result.counters),
                language=s.lang or self.settings.default_language,
                countries=tuple(s.slots.get("countries") or ()),
            )
        )

    def _record_tip(self, s: Session, events: list[Event], text: str) -> None:
        extraction = self._extract(s, text)
        by_type: dict[str, list[str]] = {"handle": [], "phone": [], "url": []}
        for c in extraction.contacts:
            by_type[c.type].append(c.value)
        events.append(
            TipReported(
                language=s.lang or self.settings.default_language,
                handles=tuple(by_type["handle"]),
                phones=tuple(by_type["phone"]),
                urls=tuple(by_type["url"]),
                platforms=tuple(extraction.platforms),
                places=tuple(extraction.places),
                note=text[:MAX_TIP_CHARS],
            )
        )

    def _start_help(self, s: Session, events: list[Event], text: str) -> None:
        """Open the help flow and keep what the first message already said."""
        self._goto(s, events, "help", "entry")
        if text:
            self._run_action(s, events, "analyse_help", text)

    def _location(self, s: Session, inbound: Inbound, events: list[Event]) -> bool:
        """Take a shared location where the current question accepts one."""
        node = self._current_node(s)
        if (
            node is None
            or not node.on_location
            or inbound.latitude is None
            or inbound.longitude is None
        ):
            return False
        # Held only until the person says how precisely it may be kept.
        s.slots["_location"] = [inbound.latitude, inbound.longitude]
        self._advance(s, events, s.flow, node.on_location)
        return True

    def _submit_help(self, s: Session, events: list[Event]) -> None:
        """Turn the answers into a help request; the adapter stores it before anyone is told."""
        slots = s.slots
        consent = {
            "ngo": slots.get("consent_ngo") != "no",
            "embassy": slots.get("consent_embassy") == "yes",
            "police": slots.get("consent_police") == "yes",
            "identity": slots.get("consent_identity") == "yes",
        }
        evidence = sorted(s.evidence)
        priority, _ = urgency(
            evidence, list(self.settings.urgency_rules), self.settings.urgency_default
        )
        details = {
            k: slots[k]
            for k in (
                "area",
                "place",
                "contact",
                "nationality_text",
                "location",
                "taken",
                "in_contact",
            )
            if slots.get(k)
        }
        ref = self.new_ref()
        country = slots.get("country") if slots.get("country") not in {None, "?", "XX"} else None
        nationality = (
            slots.get("nationality") if slots.get("nationality") not in {None, "?"} else None
        )
        events.append(
            HelpSubmitted(
                ref=ref,
                priority=priority,
                case_type="on_behalf" if slots.get("on_behalf") == "yes" else "self",
                evidence=tuple(evidence),
                language=s.lang or self.settings.default_language,
                country=country,
                nationality=nationality,
                people=slots.get("people"),
                consent=consent,
                details=details,
                identity=self._local.inbound.identity if consent["identity"] else None,
            )
        )
        key = "help.received" if consent["ngo"] else "help.received_not_shared"
        lines = [self._t(s, key, ref=ref)]
        s.slots = {"countries": [country] if country else []}
        contacts = self._contacts_for(s)
        if contacts:
            lines += ["", self._t(s, "help.contacts_header"), *self._contact_lines(contacts)]
        events.append(Reply(key=key, text="\n".join(lines)))
        # Nothing of the answers stays in the session once the request is stored.
        s.evidence, s.slots = {}, {}
