"""Load the indicator catalogue that ties every indicator id to its UNODC Annex item."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CATALOGUE_PATH = Path(__file__).parent / "indicators.yml"


@dataclass(frozen=True)
class Indicator:
    """One Annex indicator: element (act, means, purpose) and the Annex item it cites."""

    id: str
    element: str
    annex: str


@cache
def indicators() -> dict[str, Indicator]:
    """Return the catalogue keyed by indicator id."""
    data = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return {
        iid: Indicator(id=iid, element=entry["element"], annex=entry["annex"])
        for iid, entry in data["indicators"].items()
    }


@cache
def counter_signals() -> frozenset[str]:
    """Return the ids of counter-signals (marks of an ordinary vacancy, not Annex items)."""
    data = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return frozenset(data["counter_signals"])


def known(evidence_id: str) -> bool:
    """Tell whether an evidence id is in the catalogue."""
    return (
        evidence_id in indicators() or evidence_id in counter_signals() or evidence_id in signals()
    )


@cache
def signals() -> frozenset[str]:
    """Return the ids of urgency signals (reported facts, not Annex items)."""
    data = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return frozenset(data.get("signals", []))
