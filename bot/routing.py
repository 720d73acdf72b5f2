"""Rank partners for a case by location, nationality, language and case type."""

from __future__ import annotations

from dataclasses import dataclass

# How much each kind of match counts; location first, because responders act where they are.
WEIGHTS = {"country": 5, "nationality": 2, "language": 2, "case_type": 1}


@dataclass(frozen=True)
class Candidate:
    """A partner's coverage as routing sees it."""

    id: str
    countries: frozenset[str]
    nationalities: frozenset[str]
    languages: frozenset[str]
    case_types: frozenset[str]


def score(
    c: Candidate, country: str | None, nationality: str | None, language: str, case_type: str
) -> int:
    """Add up the matches between a case and a partner's coverage."""
    total = 0
    if country and country in c.countries:
        total += WEIGHTS["country"]
    if nationality and nationality in c.nationalities:
        total += WEIGHTS["nationality"]
    if language in c.languages:
        total += WEIGHTS["language"]
    if case_type in c.case_types:
        total += WEIGHTS["case_type"]
    return total


def rank(
    candidates: list[Candidate],
    country: str | None,
    nationality: str | None,
    language: str,
    case_type: str,
) -> list[str]:
    """Return partner ids, best first; a partner matching nothing but the case type is left out."""
    scored = [(score(c, country, nationality, language, case_type), c.id) for c in candidates]
    useful = [(s, pid) for s, pid in scored if s > WEIGHTS["case_type"]]
    return [pid for s, pid in sorted(useful, key=lambda t: (-t[0], t[1]))]
