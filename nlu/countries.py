"""Recognise a country named in a short answer ("I am from Kenya", "နေပါလ်", "Pinoy")."""

from __future__ import annotations

import re
from functools import cache

import yaml

from nlu.entities import find_places, normalise
from nlu.lexicon import LEXICON_DIR, _name_pattern


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str], int], ...]:
    data = yaml.safe_load((LEXICON_DIR / "countries.yml").read_text(encoding="utf-8"))
    out = [
        (code, _name_pattern(str(n)), len(str(n)))
        for code, names in data["countries"].items()
        for n in names
    ]
    return tuple(sorted(out, key=lambda item: -item[2]))


def find_country(text: str) -> str | None:
    """Return the ISO code of the first country named in text, or None."""
    text = normalise(text)
    best: tuple[int, str] | None = None
    for code, pattern, _ in _patterns():
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), code)
    if best:
        return best[1]
    places = find_places(text)
    return places[0][0].country if places else None
