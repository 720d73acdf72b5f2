"""Held-out intent evaluation per language: split, train on the rest, parse over HTTP, score."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from nlu import training

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")


def plain(example: str) -> str:
    """Strip Rasa entity annotations from an example."""
    return ANNOTATION.sub(r"\1", example)


def examples_of(path: Path) -> dict[str, list[str]]:
    """Read one intent file as {intent: [annotated examples]}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for block in data.get("nlu", []):
        if "intent" in block:
            out[block["intent"]] = [
                line.strip()[2:]
                for line in block["examples"].splitlines()
                if line.strip().startswith("- ")
            ]
    return out


def split(
    files: list[Path], out_dir: Path, folds: int = 5, fold: int = 0, seed: int = 13
) -> dict[str, list[tuple[str, str]]]:
    """Write the training part of each file to out_dir; return the held-out (text, intent) pairs.

    Each intent's examples are shuffled once (seeded by language) and cut into `folds` equal
    parts; part `fold` is held out. Fold 0 of 5 is the fixed 20% split the figures quote.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    held: dict[str, list[tuple[str, str]]] = {}
    for path in files:
        rng = random.Random(f"{seed}:{path.stem}")
        train_blocks = []
        held[path.stem] = []
        for intent, examples in examples_of(path).items():
            shuffled = examples[:]
            rng.shuffle(shuffled)
            start = round(len(shuffled) * fold / folds)
            end = max(start + 1, round(len(shuffled) * (fold + 1) / folds))
            held[path.stem] += [(plain(e), intent) for e in shuffled[start:end]]
            rest = shuffled[:start] + shuffled[end:]
            train_blocks.append({"intent": intent, "examples": "".join(f"- {e}\n" for e in rest)})
        doc = {"version": "3.1", "nlu": train_blocks}
        (out_dir / path.name).write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return held


@dataclass
class LanguageScore:
    """Accuracy, macro-F1 and confusions for one language."""

    language: str
    n: int
    accuracy: float
    macro_f1: float
    confusion: Counter = field(default_factory=Counter)
    errors: list[tuple[str, str, str]] = field(default_factory=list)


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the gold intents of (gold, predicted) pairs."""
    labels = sorted({g for g, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def predictions(
    url: str, held: dict[str, list[tuple[str, str]]]
) -> dict[str, list[tuple[str, str, str]]]:
    """Parse every held-out example; return (text, gold, predicted) per language."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    with httpx.Client(timeout=10) as client:
        for lang, items in sorted(held.items()):
            out[lang] = []
            for text, gold in items:
                r = client.post(f"{url}/model/parse", json={"text": text})
                r.raise_for_status()
                predicted = (r.json().get("intent") or {}).get("name") or "none"
                out[lang].append((text, gold, predicted))
    return out


def _score_language(lang: str, results: list[tuple[str, str, str]]) -> LanguageScore:
    """Accuracy, macro-F1, confusions and errors of one language's predictions."""
    pairs = [(gold, predicted) for _, gold, predicted in results]
    correct = sum(1 for g, p in pairs if g == p)
    return LanguageScore(
        lang,
        len(pairs),
        correct / len(pairs),
        macro_f1(pairs),
        Counter((g, p) for g, p in pairs if g != p),
        [(t, g, p) for t, g, p in results if g != p],
    )


def score(url: str, held: dict[str, list[tuple[str, str]]]) -> list[LanguageScore]:
    """Parse every held-out example and score each language."""
    return [_score_language(lang, r) for lang, r in predictions(url, held).items()]


def train_split(
    work: Path, files: list[Path] | None = None, folds: int = 5, fold: int = 0
) -> tuple[Path, dict[str, list[tuple[str, str]]]]:
    """Split the shipped data, train on the training part, return (model, held-out)."""
    held = split(files or training.intent_files(), work / "split", folds, fold)
    model = training.train(
        work / "models", files=sorted((work / "split").glob("*.yml")), work_dir=work
    )
    return model, held


def cross_validate(work: Path, files: list[Path] | None = None, folds: int = 5):
    """Hold out each fold in turn; return per-language scores over all examples."""
    from nlu import server as nlu_server

    pooled: dict[str, list[tuple[str, str, str]]] = {}
    for fold in range(folds):
        model, held = train_split(work / f"fold{fold}", files, folds, fold)
        url = f"http://127.0.0.1:{nlu_server.free_port()}"
        with nlu_server.RasaServer(model, url, work / f"rasa-fold{fold}.log"):
            for lang, results in predictions(url, held).items():
                pooled.setdefault(lang, []).extend(results)
    return [_score_language(lang, results) for lang, results in sorted(pooled.items())]


def main(argv: list[str] | None = None) -> int:
    """Print held-out accuracy for some or all languages: python -m nlu.evaluate --langs th,zh."""
    import argparse
    import tempfile

    from nlu import server as nlu_server

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--langs", default="", help="comma-separated codes (default: all)")
    parser.add_argument("--show-errors", action="store_true", help="print each misclassified text")
    parser.add_argument(
        "--folds", type=int, default=1, help="cross-validate over N folds (default: the 20%% split)"
    )
    args = parser.parse_args(argv)
    files = training.intent_files()
    if args.langs:
        wanted = set(args.langs.split(","))
        files = [f for f in files if f.stem in wanted]
    work = Path(tempfile.mkdtemp(prefix="waymark-eval-"))
    if args.folds > 1:
        scores = cross_validate(work, files, args.folds)
    else:
        model, held = train_split(work, files)
        url = f"http://127.0.0.1:{nlu_server.free_port()}"
        with nlu_server.RasaServer(model, url, work / "rasa.log"):
            scores = score(url, held)
    for sc in scores:
        worst = ", ".join(f"{g}->{p} x{n}" for (g, p), n in sc.confusion.most_common(6))
        figures = f"n={sc.n} accuracy={sc.accuracy:.3f} macro-F1={sc.macro_f1:.3f}"
        print(f"{sc.language}: {figures}  {worst}")
        if args.show_errors:
            for text, gold, predicted in sc.errors:
                print(f"    {gold} -> {predicted}: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
