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


def evaluate(
    rows: list[tuple[str, str, str]], languages: tuple[str, ...], in_conversation: bool = False
) -> dict:
    """Score both detectors per language; return per-language, macro and per-file macro figures.

    With in_conversation, each text is read as the next message of one person who wrote the
    texts before it in the same file and language: the detector gets, as the bot does, the
    languages it confidently detected in that person's earlier messages (never the label).
    """
    guesses = []
    confusion: dict[str, Counter] = defaultdict(Counter)
    histories: dict[tuple[str, str], list[str]] = defaultdict(list)
    for file, lang, text in rows:
        plain = langid.langdetect_only(text) or "none"
        history = histories[file, lang] if in_conversation else None
        ours_d = langid.detect(text, supported=languages, history=history)
        if ours_d and ours_d.confident and history is not None:
            history[:] = [*history, ours_d.language][-langid.HISTORY_WINDOW :]
        ours = ours_d.language if ours_d else "none"
        guesses.append((file, lang, plain, ours))
        if ours != lang:
            confusion[lang][ours] += 1

    def score(selected: list[tuple[str, str, str, str]]) -> dict:
        hits: dict[str, dict[str, list[int]]] = {
            "langdetect": defaultdict(list),
            "waymark": defaultdict(list),
        }
        grouped: dict[str, dict[str, list[int]]] = {
            "langdetect": defaultdict(list),
            "waymark": defaultdict(list),
        }
        for _file, lang, plain, ours in selected:
            for name, guess in (("langdetect", plain), ("waymark", ours)):
                hits[name][lang].append(int(guess == lang))
                grouped[name][lang].append(int(GROUP.get(guess, guess) == GROUP.get(lang, lang)))
        return {
            "hits": hits,
            "macro_strict": {name: macro(hits[name]) for name in hits},
            "macro_grouped": {name: macro(grouped[name]) for name in grouped},
            "n": len(selected),
        }

    def macro(table: dict[str, list[int]]) -> float:
        return sum(sum(v) / len(v) for v in table.values()) / len(table) if table else float("nan")

    overall = score(guesses)
    hits = overall.pop("hits")
    per_lang = {
        lang: {name: sum(hits[name][lang]) / len(hits[name][lang]) for name in hits}
        | {"n": len(hits["waymark"][lang])}
        for lang in sorted(hits["waymark"])
    }
    by_file = {}
    for name in dict.fromkeys(file for file, *_ in guesses):
        figures = score([g for g in guesses if g[0] == name])
        figures.pop("hits")
        by_file[name] = figures
    return overall | {"per_language": per_lang, "confusion": confusion, "by_file": by_file}
