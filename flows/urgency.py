"""Urgency of a help request: P1 to P4 by explainable rules over its evidence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UrgencyRule:
    """The first rule whose ids meet the evidence sets the priority."""

    priority: str
    any: tuple[str, ...]
    meaning: str = ""


def urgency(
    evidence: set[str] | list[str], rules: list[UrgencyRule], default: str = "P4"
) -> tuple[str, list[str]]:
    """Return (priority, the evidence ids that decided it)."""
    present = set(evidence)
    for rule in rules:
        hits = sorted(present & set(rule.any))
        if hits:
            return rule.priority, hits
    return default, []
