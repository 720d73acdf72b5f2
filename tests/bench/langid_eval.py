"""Language identification on external labelled sentences: langdetect alone against ours."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from bot.config import ROOT
from nlu import langid

TESTDATA = ROOT.parent / "shared" / "langid-testdata"
FILES = ("tatoeba-21.jsonl", "lingua-word-pairs-16.jsonl", "lingua-single-words-16.jsonl")
GROUP = {"ms": "id"}  # Malay and Indonesian count as one group for the grouped figure


def load(max_chars: int | None = None) -> list[tuple[str, str, str]]:
    """Return (file, lang, text) rows, optionally only texts of at most max_chars characters."""
    rows = []
    for name in FILES:
        path = TESTDATA / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if max_chars is None or len(item["text"]) <= max_chars:
                rows.append((name, item["lang"], item["text"]))
    return rows


def evaluate(rows: list[tuple[str, str, str]], languages: tuple[str, ...]) -> dict:
    """Score both detectors per language; return per-language and macro figures."""
    hits: dict[str, dict[str, list[int]]] = {
        "langdetect": defaultdict(list),
        "waymark": defaultdict(list),
    }
    grouped: dict[str, dict[str, list[int]]] = {
        "langdetect": defaultdict(list),
        "waymark": defaultdict(list),
    }
    confusion: dict[str, Counter] = defaultdict(Counter)
    for _file, lang, text in rows:
        plain = langid.langdetect_only(text) or "none"
        ours_d = langid.detect(text, supported=languages)
        ours = ours_d.language if ours_d else "none"
        for name, guess in (("langdetect", plain), ("waymark", ours)):
            hits[name][lang].append(int(guess == lang))
            grouped[name][lang].append(int(GROUP.get(guess, guess) == GROUP.get(lang, lang)))
        if ours != lang:
            confusion[lang][ours] += 1

    def macro(table: dict[str, list[int]]) -> float:
        return sum(sum(v) / len(v) for v in table.values()) / len(table) if table else float("nan")

    per_lang = {
        lang: {name: sum(hits[name][lang]) / len(hits[name][lang]) for name in hits}
        | {"n": len(hits["waymark"][lang])}
        for lang in sorted(hits["waymark"])
    }
    return {
        "per_language": per_lang,
        "macro_strict": {name: macro(hits[name]) for name in hits},
        "macro_grouped": {name: macro(grouped[name]) for name in grouped},
        "confusion": confusion,
        "n": len(rows),
    }
