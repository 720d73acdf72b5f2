"""Load flow definitions from YAML and refuse any flow that names an unknown node or text."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from flows import catalogue
from flows.locales import Catalog

FLOWS_DIR = Path(__file__).parent / "definitions"
NODE_TYPES = {"ask", "say", "action"}
INPUTS = {"choice", "text", "country"}
ACTIONS = {
    "analyse_offer",
    "verdict",
    "record_tip",
    "analyse_help",
    "apply_precision",
    "submit_help",
}
# Keys the engine itself renders, outside any flow definition.
ENGINE_KEYS = {
    "common.skip",
    "common.stop",
    "common.use_buttons",
    "common.stale_button",
    "common.stopped",
    "common.cancelled",
    "common.media_unsupported",
    "common.unknown_command",
    "common.help",
    "main.fallback",
    "main.goodbye",
    "job_offer.verdict_high",
    "job_offer.verdict_medium",
    "job_offer.verdict_low",
    "job_offer.signs_header",
    "job_offer.counters_header",
    "job_offer.no_signs",
    "job_offer.advice_high",
    "job_offer.advice_medium",
    "job_offer.advice_low",
    "job_offer.contacts_header",
    "common.clear",
    "common.cleared",
    "common.cleared_partly",
    "help.received",
    "help.received_not_shared",
    "help.contacts_header",
    "help.no_contacts",
    "help.partner_working",
    "help.partner_message",
    "help.reply_hint",
    "help.reply_sent",
    "help.case_closed",
}
MAX_CALLBACK_BYTES = 64


class FlowError(ValueError):
    """A flow definition or catalog is inconsistent."""


@dataclass(frozen=True)
class Choice:
    """One button of a question."""

    id: str
    label: str
    goto: str | None = None
    intent: str | None = None
    add: tuple[str, ...] = ()
    set: tuple[tuple[str, str], ...] = ()
    # Evidence inferred from the person's words that this explicit answer contradicts.
    clear: tuple[str, ...] = ()


@dataclass(frozen=True)
class Node:
    """One step of a flow."""

    id: str
    type: str
    text: str | None = None
    next: str | None = None
    input: str = "choice"
    action: str | None = None
    skippable: bool = False
    stoppable: bool = True
    skip_if_any: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    slot: str | None = None
    on_location: str | None = None
    resets: bool = False


@dataclass
class Flow:
    """A named set of nodes with a start node."""

    id: str
    start: str
    nodes: dict[str, Node] = field(default_factory=dict)


def callback_data(flow: str, node: str, choice: str) -> str:
    """Build the short ASCII callback data for a button."""
    return f"{flow}/{node}/{choice}"


def _parse_node(nid: str, raw: dict) -> Node:
    """Turn one YAML node into a Node."""
    choices = tuple(
        Choice(
            id=str(c["id"]),
            label=c["label"],
            goto=c.get("goto"),
            intent=c.get("intent"),
            add=tuple(c.get("add", [])),
            set=tuple((str(k), str(v)) for k, v in (c.get("set") or {}).items()),
            clear=tuple(c.get("clear", [])),
        )
        for c in raw.get("choices", [])
    )
    return Node(
        id=nid,
        type=raw["type"],
        text=raw.get("text"),
        next=raw.get("next"),
        input=raw.get("input", "choice"),
        action=raw.get("action"),
        skippable=bool(raw.get("skippable", False)),
        stoppable=bool(raw.get("stoppable", True)),
        skip_if_any=tuple(raw.get("skip_if_any", [])),
        choices=choices,
        choices_from=raw.get("choices_from"),
        slot=raw.get("slot"),
        on_location=raw.get("on_location"),
        resets=bool(raw.get("resets", False)),
    )


def load_flows(directory: Path = FLOWS_DIR) -> dict[str, Flow]:
    """Read every flow file in a folder."""
    flows = {}
    for path in sorted(directory.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        flow = Flow(id=raw["id"], start=raw["start"])
        for nid, node in (raw.get("nodes") or {}).items():
            flow.nodes[str(nid)] = _parse_node(str(nid), node)
        flows[flow.id] = flow
    return flows


def resolve_target(flows: dict[str, Flow], flow_id: str, target: str) -> tuple[str, str] | None:
    """Turn "node", "flow.node" or "end" into (flow, node); None means the conversation ends."""
    if target == "end":
        return None
    if "." in target:
        f, n = target.split(".", 1)
        return f, n
    return flow_id, target


def _text_keys(catalog_text: str) -> set[str]:
    """Return the {placeholders} a text uses."""
    return {name for _, name, _, _ in string.Formatter().parse(catalog_text) if name}


def validate(flows: dict[str, Flow], catalog: Catalog, languages: list[str]) -> None:
    """Raise FlowError on an unknown node, action, evidence id, or a missing locale key."""
    problems: list[str] = []
    keys: set[str] = set(ENGINE_KEYS)
    keys.update(f"indicator.{i}" for i in catalogue.indicators())
    keys.update(catalogue.counter_signals())
    if "main" not in flows:
        problems.append("there is no 'main' flow")
    for flow in flows.values():
        if flow.start not in flow.nodes:
            problems.append(f"{flow.id}: start node {flow.start!r} does not exist")
        for node in flow.nodes.values():
            where = f"{flow.id}.{node.id}"
            if node.type not in NODE_TYPES:
                problems.append(f"{where}: unknown node type {node.type!r}")
            if node.type in {"ask", "say"} and not node.text:
                problems.append(f"{where}: needs a text key")
            if node.text:
                keys.add(node.text)
            if node.input not in INPUTS:
                problems.append(f"{where}: unknown input {node.input!r}")
            if node.action and node.action not in ACTIONS:
                problems.append(f"{where}: unknown action {node.action!r}")
            if node.type == "action" and not node.action:
                problems.append(f"{where}: action node without an action")
            for eid in node.skip_if_any:
                if not catalogue.known(eid):
                    problems.append(f"{where}: unknown evidence id {eid!r}")
            targets = [node.next] if node.next else []
            if node.on_location:
                targets.append(node.on_location)
            if (
                node.type == "ask"
                and node.input == "choice"
                and not (node.choices or node.choices_from)
            ):
                problems.append(f"{where}: a question needs choices or input: text")
            if node.type == "ask" and node.input == "choice" and not node.next:
                if any(c.goto is None for c in node.choices) or node.choices_from:
                    problems.append(f"{where}: a choice without goto needs the node's next")
            for choice in node.choices:
                keys.add(choice.label)
                if choice.goto:
                    targets.append(choice.goto)
                for eid in choice.add + choice.clear:
                    if not catalogue.known(eid):
                        problems.append(f"{where}/{choice.id}: unknown evidence id {eid!r}")
                data = callback_data(flow.id, node.id, choice.id)
                if len(data.encode()) > MAX_CALLBACK_BYTES or not data.isascii():
                    problems.append(f"{where}/{choice.id}: callback data {data!r} too long")
            if node.type in {"say", "action"} and not node.next:
                problems.append(f"{where}: needs next")
            for target in targets:
                resolved = resolve_target(flows, flow.id, target)
                if resolved is None:
                    continue
                f, n = resolved
                if f not in flows or n not in flows[f].nodes:
                    problems.append(f"{where}: goes to unknown node {target!r}")
    for lang in languages:
        if lang not in catalog.locales:
            problems.append(f"language {lang!r} has no locale catalog")
            continue
        for key in sorted(keys):
            if not catalog.has(lang, key):
                problems.append(f"locale {lang}: missing key {key!r}")
            elif lang != "en" and catalog.has("en", key):
                want = _text_keys(catalog.text("en", key))
                got = _text_keys(catalog.locales[lang].texts[key])
                if want != got:
                    problems.append(f"locale {lang}: {key!r} placeholders {got} != {want}")
    if problems:
        raise FlowError("flows refused:\n  " + "\n  ".join(problems))
