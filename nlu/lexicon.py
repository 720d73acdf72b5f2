"""Load the keyword lexicons, place gazetteer and platform list used to extract indicators."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

LEXICON_DIR = Path(__file__).parent / "lexicon"


@dataclass(frozen=True)
class Place:
    """One destination with its country and risk marks."""

    id: str
    country: str
    hotspot: bool
    transit: bool


@dataclass
class Lexicon:
    """Compiled patterns for one language."""

    language: str
    features: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    help_features: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)


def _nfkc(text: str) -> str:
    """Normalise as message texts are normalised before matching."""
    return unicodedata.normalize("NFKC", text)


ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
KATAKANA = re.compile("[\u30a0-\u30ff]")


def _name_pattern(name: str) -> re.Pattern[str]:
    """Compile a place or platform name; Latin names need word boundaries, short acronyms case."""
    name = _nfkc(name)
    escaped = re.escape(name)
    if name.isascii():
        flags = 0 if (name.isupper() and len(name) <= 4) else re.IGNORECASE
        return re.compile(rf"(?<![\w@/.]){escaped}(?!\w)", flags)
    # Other scripts match inside words (Russian stems take case endings, Thai and Chinese
    # have no spaces), except where that reads a place into an ordinary word: Arabic-script
    # names start a word, after at most one joined proclitic (wa-, fa-, bi-, li-, ka-), so
    # "دبي" is not found in "أدبي"; katakana names do not run on into more katakana, so
    # "タイ" is not found in "タイムカード".
    if ARABIC_LETTER.match(name):
        escaped = rf"(?:(?<!\w)|(?<=(?<!\w)[وفبلك])){escaped}"
    if KATAKANA.match(name[0]):
        escaped = rf"(?<![\u30a0-\u30ff]){escaped}"
    if KATAKANA.match(name[-1]):
        escaped = rf"{escaped}(?![\u30a0-\u30ff])"
    return re.compile(escaped, re.IGNORECASE)


@cache
def available_languages() -> tuple[str, ...]:
    """List the languages that have a feature lexicon."""
    skip = {"places", "platforms", "countries"}
    return tuple(sorted(p.stem for p in LEXICON_DIR.glob("*.yml") if p.stem not in skip))


@cache
def load(language: str) -> Lexicon:
    """Load and compile the feature lexicon for one language (empty if none ships)."""
    path = LEXICON_DIR / f"{language}.yml"
    lex = Lexicon(language=language)
    if not path.exists():
        return lex
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for feature, patterns in (data.get("features") or {}).items():
        # Texts are NFKC-normalised before matching, so patterns must be too.
        lex.features[feature] = [re.compile(_nfkc(p), re.IGNORECASE) for p in patterns or []]
    for feature, patterns in (data.get("help_features") or {}).items():
        lex.help_features[feature] = [re.compile(_nfkc(p), re.IGNORECASE) for p in patterns or []]
    return lex


@cache
def places() -> tuple[tuple[Place, re.Pattern[str], str], ...]:
    """Return every place name as (place, compiled pattern, surface name)."""
    data = yaml.safe_load((LEXICON_DIR / "places.yml").read_text(encoding="utf-8"))
    out = []
    for pid, entry in data["places"].items():
        place = Place(
            id=pid,
            country=entry["country"],
            hotspot=bool(entry.get("hotspot")),
            transit=bool(entry.get("transit")),
        )
        for name in entry["names"]:
            out.append((place, _name_pattern(str(name)), str(name)))
    # Longest names first so "KK Park" wins over a shorter overlapping name.
    out.sort(key=lambda item: -len(item[2]))
    return tuple(out)


@cache
def platforms() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """Return every platform name as (platform id, compiled pattern, surface name)."""
    data = yaml.safe_load((LEXICON_DIR / "platforms.yml").read_text(encoding="utf-8"))
    out = [
        (pid, _name_pattern(str(name)), str(name))
        for pid, names in data["platforms"].items()
        for name in names
    ]
    out.sort(key=lambda item: -len(item[2]))
    return tuple(out)
