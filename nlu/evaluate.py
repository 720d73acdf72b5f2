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
    files: list[Path], out_dir: Path, holdout: float = 0.2, seed: int = 13
) -> dict[str, list[tuple[str, str]]]:
    """Write the training part of each file to out_dir; return the held-out (text, intent) pairs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    held: dict[str, list[tuple[str, str]]] = {}
    for path in files:
        rng = random.Random(f"{seed}:{path.stem}")
        train_blocks = []
        held[path.stem] = []
        for intent, examples in examples_of(path).items():
            shuffled = examples[:]
            rng.shuffle(shuffled)
            k = max(1, round(len(shuffled) * holdout))
            held[path.stem] += [(plain(e), intent) for e in shuffled[:k]]
            train_blocks.append(
                {"intent": intent, "examples": "".join(f"- {e}\n" for e in shuffled[k:])}
            )
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


def score(url: str, held: dict[str, list[tuple[str, str]]]) -> list[LanguageScore]:
    """Parse every held-out example and score each language."""
    results = []
    with httpx.Client(timeout=10) as client:
        for lang, items in sorted(held.items()):
            pairs, errors = [], []
            for text, gold in items:
                r = client.post(f"{url}/model/parse", json={"text": text})
                r.raise_for_status()
                predicted = (r.json().get("intent") or {}).get("name") or "none"
                pairs.append((gold, predicted))
                if predicted != gold:
                    errors.append((text, gold, predicted))
            correct = sum(1 for g, p in pairs if g == p)
            confusion = Counter((g, p) for g, p in pairs if g != p)
            results.append(
                LanguageScore(
                    lang, len(pairs), correct / len(pairs), macro_f1(pairs), confusion, errors
                )
            )
    return results


def train_split(
    work: Path, files: list[Path] | None = None
) -> tuple[Path, dict[str, list[tuple[str, str]]]]:
    """Split the shipped data, train on the training part, return (model, held-out)."""
    held = split(files or training.intent_files(), work / "split")
    model = training.train(
        work / "models", files=sorted((work / "split").glob("*.yml")), work_dir=work
    )
    return model, held


def main(argv: list[str] | None = None) -> int:
    """Print held-out accuracy for some or all languages: python -m nlu.evaluate --langs th,zh."""
    import argparse
    import tempfile

    from nlu import server as nlu_server

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--langs", default="", help="comma-separated codes (default: all)")
    parser.add_argument("--show-errors", action="store_true", help="print each misclassified text")
    args = parser.parse_args(argv)
    files = training.intent_files()
    if args.langs:
        wanted = set(args.langs.split(","))
        files = [f for f in files if f.stem in wanted]
    work = Path(tempfile.mkdtemp(prefix="waymark-eval-"))
    model, held = train_split(work, files)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with nlu_server.RasaServer(model, url, work / "rasa.log"):
        for sc in score(url, held):
            worst = ", ".join(f"{g}->{p} x{n}" for (g, p), n in sc.confusion.most_common(6))
            figures = f"n={sc.n} accuracy={sc.accuracy:.3f} macro-F1={sc.macro_f1:.3f}"
            print(f"{sc.language}: {figures}  {worst}")
            if args.show_errors:
                for text, gold, predicted in sc.errors:
                    print(f"    {gold} -> {predicted}: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
