"""Identify the language of a message: script rules, then priors, then a seeded langdetect."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Scripts that name one language among those we serve.
SCRIPT_LANGUAGE = {
    "THAI": "th",
    "KHMER": "km",
    "MYANMAR": "my",
    "LAO": "lo",
    "ETHIOPIC": "am",
    "HANGUL": "ko",
    "BENGALI": "bn",
}
# Scripts shared by several of our languages; the candidates to choose between.
SCRIPT_CANDIDATES = {
    "LATIN": ("en", "vi", "id", "ms", "tl", "sw", "tr", "es", "pt"),
    "CYRILLIC": ("ru",),
    "ARABIC": ("ar", "ur"),
    "DEVANAGARI": ("hi", "ne"),
    "CJK": ("zh", "ja"),
}
# Letters Urdu uses and Arabic does not.
URDU_LETTERS = re.compile("[ٹڈڑںےۓھہۂکگپچژ]")
KANA = re.compile("[\u3040-\u30ff]")
# Short, frequent words that tell Malay from Indonesian (both ways), since detectors cannot.
MALAY_WORDS = re.compile(
    r"\b(tak|nak|boleh|awak|duit|sikit|pasal|macam|kerana|sahaja|jom|lah|betul|kat"
    r"|dengan saya|pasport|cuti|kawan)\b",
    re.I,
)
INDONESIAN_WORDS = re.compile(
    r"\b(tidak|nggak|gak|enggak|mau|bisa|uang|sedikit|gimana|aja|udah|sudah|karena|saja|kok|dong|banget|teman|paspor)\b",
    re.I,
)
MIN_CONFIDENT_CHARS = 20


@dataclass(frozen=True)
class Detection:
    """The chosen language, whether it is trustworthy, and which rule decided."""

    language: str
    confident: bool
    method: str


def _script_of(ch: str) -> str | None:
    """Return a coarse script name for one character."""
    if not ch.isalpha():
        return None
    if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
        return "CJK"
    if "\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f":
        return "HANGUL"
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    first = name.split(" ")[0]
    if first in SCRIPT_LANGUAGE or first in SCRIPT_CANDIDATES:
        return first
    if first in {"ARABIC", "PERSIAN"}:
        return "ARABIC"
    return "OTHER"


def dominant_script(text: str) -> str | None:
    """Return the script most letters of the text are written in."""
    counts: dict[str, int] = {}
    for ch in text:
        script = _script_of(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else None


# langdetect profiles that can answer for our languages (it has none for ms, km, my, lo, am).
PROFILES = (
    "en",
    "vi",
    "id",
    "tl",
    "sw",
    "tr",
    "es",
    "pt",
    "hi",
    "ne",
    "ar",
    "ur",
    "ru",
    "zh-cn",
    "zh-tw",
    "ja",
    "ko",
    "th",
    "bn",
)


@cache
def _factory(profiles: tuple[str, ...] | None = None):
    """Load langdetect's profiles once (all, or only the named ones), seeded so results repeat."""
    from pathlib import Path

    import langdetect
    from langdetect.detector_factory import DetectorFactory

    factory = DetectorFactory()
    directory = Path(langdetect.__file__).parent / "profiles"
    names = profiles or tuple(sorted(p.name for p in directory.iterdir()))
    factory.load_json_profile([(directory / n).read_text(encoding="utf-8") for n in names])
    factory.seed = 0
    return factory


def langdetect_probabilities(
    text: str, profiles: tuple[str, ...] | None = PROFILES
) -> list[tuple[str, float]]:
    """Return langdetect's (language, probability) list, zh-cn/zh-tw folded to zh."""
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _factory(profiles).create()
        detector.append(text)
        probs = detector.get_probabilities()
    except LangDetectException:
        return []
    out: dict[str, float] = {}
    for p in probs:
        code = "zh" if p.lang.startswith("zh") else p.lang
        out[code] = out.get(code, 0.0) + p.prob
    return sorted(out.items(), key=lambda kv: -kv[1])


def langdetect_only(text: str) -> str | None:
    """Return plain langdetect's top answer over all its profiles (to measure it against ours)."""
    probs = langdetect_probabilities(text, profiles=None)
    return probs[0][0] if probs else None


def _malay_or_indonesian(text: str, prior: str | None) -> str:
    """Choose ms or id from marker words, then the prior; Indonesian is the larger default."""
    ms = len(MALAY_WORDS.findall(text))
    idn = len(INDONESIAN_WORDS.findall(text))
    if ms > idn:
        return "ms"
    if idn > ms:
        return "id"
    return prior if prior in {"ms", "id"} else "id"


def detect(
    text: str,
    *,
    supported: tuple[str, ...] | list[str],
    chosen: str | None = None,
    client: str | None = None,
) -> Detection | None:
    """Identify the language of text among the supported ones; None if there are no letters."""
    supported = tuple(supported)
    prior = chosen or ((client or "").split("-")[0].lower() or None)
    script = dominant_script(text)
    if script is None:
        return None
    if script in SCRIPT_LANGUAGE:
        lang = SCRIPT_LANGUAGE[script]
        return Detection(lang, lang in supported, "script")
    candidates = tuple(c for c in SCRIPT_CANDIDATES.get(script, ()) if c in supported)
    if not candidates:
        return Detection(prior or "en", False, "unknown-script")
    if script == "CJK":
        lang = "ja" if KANA.search(text) and "ja" in candidates else "zh"
        return Detection(lang if lang in candidates else candidates[0], True, "script")
    if script == "ARABIC" and "ur" in candidates and URDU_LETTERS.search(text):
        return Detection("ur", True, "script")
    if len(candidates) == 1:
        return Detection(candidates[0], True, "script")
    letters = sum(ch.isalpha() for ch in text)
    probs = [
        (lang, p)
        for lang, p in langdetect_probabilities(text)
        if lang in candidates or lang == "id"
    ]
    long_enough = letters >= MIN_CONFIDENT_CHARS
    if probs:
        lang, p = probs[0]
        if lang == "id" and ("ms" in candidates or "id" in candidates):
            lang = _malay_or_indonesian(text, prior)
            if lang not in candidates:
                lang = "id" if "id" in candidates else "ms"
        if long_enough and p >= 0.8:
            return Detection(lang, True, "langdetect")
        # Short text: a prior written in the same script is better evidence than the detector.
        if prior in candidates:
            return Detection(prior, False, "prior")
        return Detection(lang, False, "langdetect-short")
    if prior in candidates:
        return Detection(prior, False, "prior")
    return Detection(candidates[0], False, "default")
