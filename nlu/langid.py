"""Identify the language of a message.

Order of evidence: Unicode script rules, letters and function words that only one language of a
script uses, then a statistical detector, then the person's own languages (the language they
chose, the languages of their earlier messages, their Telegram client's language) for short or
ambiguous text. Latin-script text, where langdetect loses most, goes to py3langid's naive Bayes
model, read without numpy and cut down to the Latin-script languages; Arabic- and
Devanagari-script text to a seeded langdetect.
"""

from __future__ import annotations

import ast
import importlib.util
import lzma
import math
import re
import shutil
import struct
import sys
import tempfile
import threading
import unicodedata
import zipfile
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path

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
# Letters Urdu uses and Arabic does not (including Farsi yeh, U+06CC), and the reverse.
URDU_LETTERS = re.compile("[ٹڈڑںےۓھہۂکگپچژی]")
ARABIC_LETTERS = re.compile("[ةيىكإأ]")
KANA = re.compile("[\u3040-\u30ff]")
# Latin letters that, among the Latin-script languages we serve, only one language writes:
# Vietnamese's horned and breved vowels, its d-bar and its stacked tone marks (U+1EA0-U+1EF9);
# Turkish's dotless i, dotted capital I, g-breve and s-cedilla; Spanish n-tilde and inverted
# marks. (Portuguese a- and o-tilde are Vietnamese tone marks too.) A single one of them
# outweighs any n-gram statistics.
LETTER_LANGUAGE = (
    ("vi", re.compile("[ơưđăƠƯĐĂ\u1ea0-\u1ef9]")),
    ("tr", re.compile("[ıİğĞşŞ]")),
    ("es", re.compile("[ñÑ¿¡]")),
)
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
# Devanagari words of one language only: Nepali copulas, postpositions and pronouns; Hindi ones.
NEPALI_WORDS = frozenset(
    "छ छन् छु छौं छौ छैन छैनन् थियो थिए थिएँ हुन्छ हुन्छन् हुँदैन भयो भएको गरेको गर्छ गर्छु गर्छन्"
    " गर्नुहोस् हुनुहुन्छ होइन सँग देखि बाट म मेरो मलाई तिमी तिम्रो तपाईं तपाई तपाईंको हामी हाम्रो"
    " यो त्यो त्यहाँ किन कसरी कति पनि धेरै अहिले र तर गर्न मा मैले हामीले उनीहरू उनीहरु तिमीले"
    " होला हुँदै गर्दै भने भन्नुहोस् सक्छ सक्छु सक्दिन चाहन्छु पर्छ पर्यो हजुर".split()
)
HINDI_WORDS = frozenset(
    "है हैं हूँ हूं था थी थे में से ने नहीं और भी यह वह ये वो क्या कैसे क्यों मैं मुझे मेरे हम तुम"
    " आप आपका आपको आपकी करना करें रहा गया होगा जाता जाती बहुत कुछ किया लेकिन इस पर तो अपने अपना".split()
)
# Nepali verb and noun endings (present -छ/-छन्, perfect -एको, honorific -नुहोस्, negative -दैन,
# past -्यो, plural -हरू, ablative -बाट); Nepali spelling also keeps a word-final virama.
NEPALI_ENDINGS = (
    "न्छ",
    "न्छन्",
    "ँछ",
    "ेको",
    "नुहोस्",
    "नुभयो",
    "दैन",
    "दैनन्",
    "्यो",
    "हरू",
    "हरु",
    "बाट",
    "\u094d",
    # Case suffixes Nepali writes joined to the noun: dative -लाई, ergative -ले (after a
    # vowel sign), continuous -दै.
    "लाई",
    "ाले",
    "ीले",
    "ेले",
    "र्दै",
    "ँदै",
)
# Hindi pronouns written joined to को; any other word ending in को is Nepali's genitive.
HINDI_KO_WORDS = frozenset(
    "उसको इसको मुझको तुझको आपको किसको जिसको सबको हमको तुमको उनको इनको किनको जिनको".split()
)
DEVANAGARI_WORD = re.compile("[\u0900-\u0963\u0971-\u097f]+")
# Hindi spellings Nepali does not use: nukta letters (ड़, ज़, फ़...) and the candra vowels of
# English loans (डॉक्टर, where Nepali writes डाक्टर).
HINDI_SPELLING = re.compile("[\u093c\u0958-\u095f\u0945\u0949]")
MIN_CONFIDENT_CHARS = 20
CONFIDENT_PROBABILITY = 0.8
HISTORY_WINDOW = 5


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


# --- py3langid's model for Latin-script text --------------------------------------------------
#
# py3langid (0.4) ships a naive Bayes model over byte n-grams: a DFA that walks the UTF-8 bytes
# and emits feature ids, and per-language feature weights, for 139 languages (about 100 MB once
# loaded with numpy). We read the same file without numpy and keep only what Latin-script text
# can reach: the DFA states reachable through the bytes of Latin letters and punctuation, those
# states' transitions on those bytes, and the weights of our Latin-script languages (about 20 MB).
# Characters outside that set are dropped (marks) or read as spaces before the walk.

# The bytes (as half-open ranges) of the UTF-8 encodings of the characters _latin_char keeps:
# tab, newline, printable ASCII, U+00A0-U+024F, U+1E00-U+1EFF (Vietnamese) and U+2000-U+206F
# (quotes, dashes): continuation bytes 0x80-0xBF and lead bytes 0xC2-0xC9, 0xE1 and 0xE2.
_LATIN_BYTE_RANGES = ((0x09, 0x0B), (0x20, 0x7F), (0x80, 0xCA), (0xE1, 0xE3))


def _latin_char(ch: str) -> bool:
    """Whether the pruned model reads this character as it is."""
    o = ord(ch)
    return (
        o in (0x09, 0x0A)
        or 0x20 <= o < 0x7F
        or 0xA0 <= o < 0x250
        or 0x1E00 <= o < 0x1F00
        or 0x2000 <= o < 0x2070
    )


def _read_npy(zf: zipfile.ZipFile, name: str):
    """Open one .npy member; return its dtype descr, its shape and a stream at its data."""
    stream = zf.open(name)
    if stream.read(6) != b"\x93NUMPY":
        raise ValueError(f"{name}: not a .npy file")
    major = stream.read(2)[0]
    size = struct.unpack("<H" if major == 1 else "<I", stream.read(2 if major == 1 else 4))[0]
    header = ast.literal_eval(stream.read(size).decode("latin-1"))
    if header["fortran_order"]:
        raise ValueError(f"{name}: Fortran order is not supported")
    return header["descr"], header["shape"], stream


_TYPECODES = {"<u2": "H", "<u4": "I", "<i4": "i", "<f4": "f"}


def _read_array(zf: zipfile.ZipFile, name: str) -> array:
    """Read a 1-d little-endian integer or float32 .npy member into an array.array."""
    descr, shape, stream = _read_npy(zf, name)
    typecode = _TYPECODES[descr]
    if array(typecode).itemsize != int(descr[2:]):
        raise ValueError(f"{name}: no array typecode of {descr}")
    out = array(typecode, bytes(math.prod(shape) * int(descr[2:])))
    view = memoryview(out).cast("B")
    with stream:
        at = 0
        while at < len(view) and (n := stream.readinto(view[at : at + (1 << 20)])):
            at += n
    view.release()
    if at != len(out) * out.itemsize:
        raise ValueError(f"{name}: truncated")
    if sys.byteorder == "big":
        out.byteswap()
    return out


class LatinModel:
    """py3langid's classifier restricted to Latin-script input and our Latin-script languages."""

    def __init__(self, path: Path, languages: tuple[str, ...]) -> None:
        with tempfile.TemporaryFile() as tmp:
            # Stream the LZMA layer to disk so the 70 MB npz is never held in memory at once.
            with lzma.open(path) as src:
                shutil.copyfileobj(src, tmp, length=1 << 20)
            tmp.seek(0)
            with zipfile.ZipFile(tmp) as zf:
                self._load(zf, languages)

    def _load(self, zf: zipfile.ZipFile, languages: tuple[str, ...]) -> None:
        descr, shape, stream = _read_npy(zf, "classes.npy")
        width = int(descr[2:])
        with stream:
            raw = stream.read()
        classes = [
            raw[i : i + 4 * width].decode("utf-32-le").rstrip("\0")
            for i in range(0, len(raw), 4 * width)
        ]
        columns = {lang: [i for i, c in enumerate(classes) if c == lang] for lang in languages}
        self.languages = tuple(lang for lang in languages if columns[lang])
        pc = _read_array(zf, "pc.npy")

        # Which DFA states Latin-script bytes can reach from the start state, and which of the
        # deduplicated 256-byte transition rows those states use.
        nextmove = _read_array(zf, "nextmove.npy")
        state_row = _read_array(zf, "nextmove_row.npy")
        seen = bytearray(len(state_row))
        seen[0] = 1
        rows = {state_row[0]: 0}
        todo = [state_row[0]]
        while todo:
            base = todo.pop() << 8
            targets: set[int] = set()
            for lo, hi in _LATIN_BYTE_RANGES:
                targets.update(nextmove[base + lo : base + hi])
            for state in targets:
                if not seen[state]:
                    seen[state] = 1
                    r = state_row[state]
                    if r not in rows:
                        rows[r] = len(rows)
                        todo.append(r)
        # Keep those rows, cut to the Latin byte columns; map each byte to its column.
        column = bytearray(b"\xff" * 256)
        n = 0
        for lo, hi in _LATIN_BYTE_RANGES:
            for b in range(lo, hi):
                column[b] = n
                n += 1
        self._column = bytes(column)
        # Allocated whole, so that the long-lived arrays do not pin the heap after loading.
        self._next = array(nextmove.typecode, bytes(nextmove.itemsize * n * len(rows)))
        at = 0
        for r in rows:  # in insertion order, that is by new row number
            for lo, hi in _LATIN_BYTE_RANGES:
                self._next[at : at + hi - lo] = nextmove[(r << 8) + lo : (r << 8) + hi]
                at += hi - lo
        del nextmove
        self._rowbase = array("I", bytes(4 * len(state_row)))
        for state, reached in enumerate(seen):
            if reached:
                self._rowbase[state] = rows[state_row[state]] * n
        del state_row
        self._output = _read_array(zf, "out_feat.npy")

        # Per-feature weights of our languages only: float16 columns picked out of each row.
        descr, (n_features, n_classes), stream = _read_npy(zf, "ptc.npy")
        if descr != "<f2":
            raise ValueError(f"ptc.npy: unexpected {descr}")
        picks = sorted({(i, lang) for lang in self.languages for i in columns[lang]})
        fmt, at = "<", 0
        for i, _lang in picks:
            fmt += f"{2 * (i - at)}xe"
            at = i + 1
        row_format = struct.Struct(fmt + f"{2 * (n_classes - at)}x")
        weights = array("f", bytes(4 * n_features * len(picks)))
        with stream:
            at, pending = 0, b""
            while chunk := stream.read(row_format.size * 4096):
                pending += chunk
                whole = len(pending) - len(pending) % row_format.size
                values = array("f", chain.from_iterable(row_format.iter_unpack(pending[:whole])))
                weights[at : at + len(values)] = values
                at += len(values)
                pending = pending[whole:]
        if at != len(weights):
            raise ValueError("ptc.npy: truncated")
        self._weights = weights
        self._picks = [lang for _i, lang in picks]
        self._prior = [pc[i] for i, _lang in picks]

    @staticmethod
    def encode(text: str) -> bytes:
        """py3langid's input normalisation, then only characters the pruned model can read."""
        if text.isupper():
            text = text.lower()
        text = unicodedata.normalize("NFC", text)
        kept = []
        for ch in text:
            if _latin_char(ch):
                kept.append(ch)
            elif not unicodedata.category(ch).startswith("M"):
                kept.append(" ")
        return "".join(kept).encode("utf-8")

    def scores(self, data: bytes) -> dict[str, float]:
        """Naive Bayes log-scores per language (py3langid's raw scores), {} without features."""
        nxt, rowbase, column, output = self._next, self._rowbase, self._column, self._output
        counts: Counter[int] = Counter()
        state = 0
        for b in data:
            state = nxt[rowbase[state] + column[b]]
            f = output[state]
            if f >= 0:
                counts[f] += 1
        if not counts:
            return {}
        width = len(self._picks)
        totals = list(self._prior)
        weights = self._weights
        for f, c in counts.items():
            scale = math.log1p(c)
            at = f * width
            for j in range(width):
                totals[j] += scale * weights[at + j]
        out: dict[str, float] = {}
        for lang, score in zip(self._picks, totals, strict=True):
            out[lang] = max(score, out.get(lang, -math.inf))
        return out

    def probabilities(self, text: str, languages: tuple[str, ...]) -> list[tuple[str, float]]:
        """Return (language, probability) among the given languages, best first.

        Probabilities are py3langid's: a softmax of the log-scores at temperature sqrt(bytes).
        """
        data = self.encode(text)
        raw = self.scores(data)
        raw = {lang: s for lang, s in raw.items() if lang in languages}
        if not raw:
            return []
        scale = 1.0 / math.sqrt(len(data) or 1)
        top = max(raw.values())
        exp = {lang: math.exp((s - top) * scale) for lang, s in raw.items()}
        total = sum(exp.values())
        return sorted(((lang, e / total) for lang, e in exp.items()), key=lambda kv: -kv[1])


def _model_path() -> Path | None:
    """Where the installed py3langid keeps its model, without importing it (and numpy)."""
    spec = importlib.util.find_spec("py3langid")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "model.npz.xz"
    return path if path.exists() else None


_LOADING = threading.Lock()


@cache
def _load_latin_model() -> LatinModel | None:
    path = _model_path()
    return LatinModel(path, SCRIPT_CANDIDATES["LATIN"]) if path else None


def latin_model() -> LatinModel | None:
    """The Latin-script model, loaded once (1-2 s); None if py3langid is not installed."""
    with _LOADING:
        return _load_latin_model()


def latin_probabilities(text: str, candidates: tuple[str, ...]) -> list[tuple[str, float]]:
    """py3langid's probabilities among the candidates (langdetect's if it is not installed)."""
    model = latin_model()
    if model is None:
        # langdetect has no Malay profile: its Indonesian answers for Malay too.
        wanted = candidates + (("id",) if "ms" in candidates else ())
        return [(lang, p) for lang, p in langdetect_probabilities(text) if lang in wanted]
    return model.probabilities(text, candidates)


# --- rules ----------------------------------------------------------------------------------------


def _malay_or_indonesian(text: str, prior: str | None, fallback: str = "id") -> str:
    """Choose ms or id from marker words, then the prior, then the detector's (or id) choice."""
    ms = len(MALAY_WORDS.findall(text))
    idn = len(INDONESIAN_WORDS.findall(text))
    if ms > idn:
        return "ms"
    if idn > ms:
        return "id"
    if prior in {"ms", "id"}:
        return prior
    return fallback if fallback in {"ms", "id"} else "id"


def _hindi_or_nepali(text: str) -> str | None:
    """Choose hi or ne from words, endings and spellings only one of them uses; None if unsure."""
    ne = hi = 0
    for word in DEVANAGARI_WORD.findall(text):
        if word in NEPALI_WORDS:
            ne += 1
        elif word in HINDI_WORDS or HINDI_SPELLING.search(word):
            hi += 1
        elif word.endswith(NEPALI_ENDINGS):
            ne += 1
        elif len(word) > 3 and word.endswith("को") and word not in HINDI_KO_WORDS:
            ne += 1
    if ne > hi:
        return "ne"
    if hi > ne:
        return "hi"
    return None


def _letter_language(text: str) -> str | None:
    """The one Latin-script language whose own letters the text uses; None if none or several."""
    found = {lang for lang, letters in LETTER_LANGUAGE if letters.search(text)}
    return found.pop() if len(found) == 1 else None


def _arabic_or_urdu(text: str) -> str | None:
    """Choose ar or ur from letters only one of them uses; None if both or neither appear."""
    urdu = bool(URDU_LETTERS.search(text))
    arabic = bool(ARABIC_LETTERS.search(text))
    if urdu != arabic:
        return "ur" if urdu else "ar"
    return None


def _from_history(history: list[str] | None, candidates: tuple[str, ...]) -> str | None:
    """The language of most of the person's recent messages in this script (latest wins ties)."""
    recent = [lang for lang in (history or [])[-HISTORY_WINDOW:] if lang in candidates]
    if not recent:
        return None
    counts = Counter(recent)
    best = max(counts.values())
    return next(lang for lang in reversed(recent) if counts[lang] == best)


def detect(
    text: str,
    *,
    supported: tuple[str, ...] | list[str],
    chosen: str | None = None,
    client: str | None = None,
    history: list[str] | None = None,
) -> Detection | None:
    """Identify the language of text among the supported ones; None if there are no letters.

    chosen is the language the person picked, client their Telegram client's language, and
    history the languages detected in their earlier messages (oldest first). For short or
    ambiguous text, the first of chosen, history and client written in the text's script wins.
    """
    supported = tuple(supported)
    client_lang = (client or "").split("-")[0].lower() or None
    script = dominant_script(text)
    if script is None:
        return None
    if script in SCRIPT_LANGUAGE:
        lang = SCRIPT_LANGUAGE[script]
        return Detection(lang, lang in supported, "script")
    candidates = tuple(c for c in SCRIPT_CANDIDATES.get(script, ()) if c in supported)
    if not candidates:
        return Detection(chosen or client_lang or "en", False, "unknown-script")
    if script == "CJK":
        lang = "ja" if KANA.search(text) and "ja" in candidates else "zh"
        return Detection(lang if lang in candidates else candidates[0], True, "script")
    if len(candidates) == 1:
        return Detection(candidates[0], True, "script")

    # The person's own evidence, strongest first: their choice, their messages, their client.
    person: tuple[str, str] | None = None
    if chosen in candidates:
        person = (chosen, "prior")
    elif lang := _from_history(history, candidates):
        person = (lang, "history")
    elif client_lang in candidates:
        person = (client_lang, "prior")
    letters = sum(ch.isalpha() for ch in text)
    long_enough = letters >= MIN_CONFIDENT_CHARS

    if script == "ARABIC" and (lang := _arabic_or_urdu(text)) in candidates:
        return Detection(lang, True, "script")
    if script == "DEVANAGARI" and (lang := _hindi_or_nepali(text)) in candidates:
        return Detection(lang, long_enough, "words")

    if script == "LATIN" and (lang := _letter_language(text)) in candidates:
        return Detection(lang, long_enough, "letters")
    if script == "LATIN":
        probs = latin_probabilities(text, candidates)
        method = "py3langid" if latin_model() is not None else "langdetect"
    else:
        # Arabic or Devanagari: langdetect over only the two candidates' profiles (twice as fast).
        probs = langdetect_probabilities(text, profiles=candidates)
        method = "langdetect"
    if probs:
        lang, p = probs[0]
        if lang in {"ms", "id"}:
            lang = _malay_or_indonesian(text, person[0] if person else None, lang)
            if lang not in candidates:
                lang = "id" if "id" in candidates else "ms"
        if long_enough and p >= CONFIDENT_PROBABILITY:
            return Detection(lang, True, method)
        # Short or unsure: the person's language in this script is better evidence.
        if person:
            return Detection(person[0], False, person[1])
        return Detection(lang, False, f"{method}-short")
    if person:
        return Detection(person[0], False, person[1])
    return Detection(candidates[0], False, "default")
