"""Find places, platforms, money, phone numbers, @handles and links in a message."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nlu import lexicon

URL_RE = re.compile(
    r"(?:https?://|www\.|t\.me/)[^\s<>\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|me|io|kh|la|mm|th|ph|vn|id|my)(?:\.[a-z]{2})?(?:/[^\s]*)?\b",
    re.I,
)
HANDLE_RE = re.compile(r"(?<![\w.])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d\s().-]{7,16}\d(?!\w)")

# Currency symbols and words mapped to an ISO code. Word forms cover the languages people write in.
_CURRENCY_WORDS = {
    "USD": [
        r"US\$",
        r"\$",
        r"USD",
        r"dollars?",
        r"dólares",
        r"dolares",
        r"dolar",
        r"dola",
        r"đô(?: la)?",
        r"美元",
        r"美金",
        r"刀",
        r"ดอลลาร์",
        r"ដុល្លារ",
        r"ဒေါ်လာ",
        r"ໂດລາ",
        r"долларов",
        r"доллар",
        r"ドル",
        r"달러",
        r"دولار",
        r"ڈالر",
        r"डॉलर",
        r"ডলার",
    ],
    "CNY": [r"RMB", r"CNY", r"元", r"人民币", r"人民幣", r"块"],
    "THB": [r"THB", r"฿", r"บาท", r"baht"],
    "MYR": [r"RM", r"MYR", r"ringgit"],
    "PHP": [r"₱", r"PHP", r"pesos?"],
    "IDR": [r"Rp\.?", r"IDR", r"rupiah"],
    "VND": [r"VND", r"₫", r"đồng", r"triệu", r"trieu"],
    "INR": [r"₹", r"INR", r"rupees?", r"रुपये", r"रुपए"],
}
_NUMBER = r"\d{1,3}(?:[,.\s]\d{3})+|\d+(?:[.,]\d+)?"
_SCALE = r"\s?(?:k|K|万|萬|千|juta|jt|ribu|lakh|लाख|triệu|trieu)?"


def _money_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Build amount-before and amount-after patterns for every currency form."""
    pats = []
    for code, words in _CURRENCY_WORDS.items():
        alt = "|".join(words)
        pats.append((code, re.compile(rf"(?:{alt})\s?(?P<num>{_NUMBER})(?P<scale>{_SCALE})", re.I)))
        pats.append((code, re.compile(rf"(?P<num>{_NUMBER})(?P<scale>{_SCALE})\s?(?:{alt})", re.I)))
    return pats


_MONEY = _money_patterns()
_SCALES = {
    "k": 1e3,
    "千": 1e3,
    "ribu": 1e3,
    "万": 1e4,
    "萬": 1e4,
    "juta": 1e6,
    "jt": 1e6,
    "lakh": 1e5,
    "लाख": 1e5,
    "triệu": 1e6,
    "trieu": 1e6,
}


@dataclass(frozen=True)
class Entity:
    """A span found in the text; value is normalised, text is the surface form."""

    type: str
    value: str
    start: int
    end: int
    amount: float | None = None
    currency: str | None = None


def normalise(text: str) -> str:
    """Fold width variants and compatibility forms so patterns match pasted ads."""
    return unicodedata.normalize("NFKC", text)


def _parse_number(raw: str, scale: str) -> float | None:
    """Read "1,500", "1.500", "1 500" or "1.5" (with an optional k/万/juta scale)."""
    digits = raw.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", digits):
        digits = re.sub(r"[,.]", "", digits)
    else:
        digits = digits.replace(",", ".")
    try:
        value = float(digits)
    except ValueError:
        return None
    return value * _SCALES.get(scale.strip().lower(), 1.0)


def find_money(text: str) -> list[Entity]:
    """Find money amounts with a currency."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for code, pat in _MONEY:
        for m in pat.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            amount = _parse_number(m.group("num"), m.group("scale") or "")
            if amount is None or amount == 0:
                continue
            taken.append((m.start(), m.end()))
            found.append(Entity("money", m.group(0).strip(), m.start(), m.end(), amount, code))
    return sorted(found, key=lambda e: e.start)


def find_places(text: str) -> list[tuple[lexicon.Place, Entity]]:
    """Find destinations by name in any script, longest names first, without overlaps."""
    found: list[tuple[lexicon.Place, Entity]] = []
    for place, pat, _name in lexicon.places():
        for m in pat.finditer(text):
            if any(m.start() < e.end and e.start < m.end() for _, e in found):
                continue
            found.append((place, Entity("destination", place.id, m.start(), m.end())))
    return sorted(found, key=lambda pe: pe[1].start)


def find_platforms(text: str) -> list[Entity]:
    """Find chat and social platforms by name."""
    found: list[Entity] = []
    for pid, pat, _name in lexicon.platforms():
        for m in pat.finditer(text):
            if any(m.start() < e.end and e.start < m.end() for e in found):
                continue
            found.append(Entity("platform", pid, m.start(), m.end()))
    return sorted(found, key=lambda e: e.start)


def find_contacts(text: str) -> list[Entity]:
    """Find URLs, @handles and phone numbers."""
    # Long amounts such as "Rp 20.000.000" look like phone numbers; money wins.
    out: list[Entity] = list(find_money(text))
    for kind, pat in (("url", URL_RE), ("handle", HANDLE_RE), ("phone", PHONE_RE)):
        for m in pat.finditer(text):
            if any(m.start() < e.end and e.start < m.end() for e in out):
                continue
            value = m.group(0)
            if kind == "phone" and sum(c.isdigit() for c in value) < 8:
                continue
            out.append(Entity(kind, value, m.start(), m.end()))
    return sorted((e for e in out if e.type != "money"), key=lambda e: e.start)
