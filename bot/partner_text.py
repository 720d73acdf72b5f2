"""Partner-facing texts: render alerts and confirmations from the partner catalog."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from flows import catalogue

CATALOG = Path(__file__).resolve().parent.parent / "flows" / "locales" / "partner" / "en.yml"
OUTCOMES = ("safe", "referred", "unreachable", "not_case", "duplicate")


@cache
def texts() -> dict[str, str]:
    """Load the partner catalog."""
    return yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["texts"]


def t(key: str, **params: object) -> str:
    """Return one partner text with its parameters filled in."""
    return texts()[key].format(**params)


def indicator_label(iid: str) -> str:
    """Name an indicator with the Annex item it cites."""
    ind = catalogue.indicators().get(iid)
    if ind is None:
        return iid
    english = _english_flow_texts().get(f"indicator.{iid}", iid)
    return f"{english} [{iid}; UNODC Annex {ind.annex}]"


@cache
def _english_flow_texts() -> dict[str, str]:
    """Load the English flow catalog once: alerts name indicators in its plain words."""
    return yaml.safe_load((CATALOG.parent.parent / "en.yml").read_text(encoding="utf-8"))["texts"]


def render_alert(p: dict) -> str:
    """Render an alert payload as the message a partner chat receives."""
    step = p.get("step", 0)
    lines = [
        t(
            "alert.title",
            ref=p["ref"],
            priority=p["priority"],
            case_type=t(f"case_type.{p['case_type']}"),
            escalated=t("alert.escalated", step=step) if step else "",
        )
    ]
    if p["indicators"]:
        lines.append(t("alert.indicators"))
        lines += [f"• {indicator_label(i)}" for i in p["indicators"] if i in catalogue.indicators()]
        signals = [i for i in p["indicators"] if i not in catalogue.indicators()]
        lines += [f"• {texts().get(s, s)}" for s in signals]
    else:
        lines.append(t("alert.no_indicators"))
    loc = p["location"]
    parts = [x for x in (loc.get("country"), loc.get("area"), loc.get("place")) if x]
    if loc.get("coordinates"):
        parts.append(f"{loc['coordinates'][0]}, {loc['coordinates'][1]} ({loc.get('precision')})")
    lines.append(t("alert.location", location=" · ".join(parts) or "not given"))
    lines.append(
        t(
            "alert.nationality",
            nationality=p.get("nationality") or "not given",
            language=p["language"],
            people=p.get("people") or "not given",
        )
    )
    c = p["consent"]
    yes_no = {True: "yes", False: "no"}
    lines.append(
        t(
            "alert.consent",
            ngo=yes_no[c["ngo"]],
            embassy=yes_no[c["embassy"]],
            police=yes_no[c["police"]],
            identity="shared" if c["identity"] else "hidden",
        )
    )
    lines.append(t("alert.summary", summary=p["summary"]))
    if p.get("contact"):
        lines.append(t("alert.contact", contact=p["contact"]))
    if p.get("in_contact"):
        lines.append(t("alert.in_contact", in_contact=p["in_contact"]))
    if p.get("identity"):
        lines.append(t("alert.identity", identity=p["identity"]))
    lines.append(t("alert.actions_hint", ref=p["ref"]))
    return "\n".join(lines)
