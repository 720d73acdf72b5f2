"""The drafted intent examples: every language complete, no example twice."""

from __future__ import annotations

import unicodedata

import pytest

from bot.config import load_settings
from nlu import training
from nlu.evaluate import examples_of, plain

FILES = {path.stem: path for path in training.intent_files()}


def normalised(example: str) -> str:
    """Lower-case text with entity markup, punctuation and symbols removed."""
    text = unicodedata.normalize("NFKC", plain(example)).lower()
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text)
    return " ".join(kept.split()) or text.strip()


def test_every_served_language_has_intent_data():
    assert set(FILES) == set(load_settings().languages)


@pytest.mark.parametrize("lang", sorted(FILES))
def test_examples_are_plentiful_and_never_repeated(lang):
    examples = examples_of(FILES[lang])
    intents = set(examples_of(FILES["en"]))
    assert set(examples) == intents
    seen: dict[str, str] = {}
    for intent, lines in examples.items():
        assert len(lines) >= 120, f"{lang}/{intent}: only {len(lines)} examples"
        for line in lines:
            # Rasa reads "/name" as an intent shortcut, so such a line never trains the classifier.
            assert not line.startswith("/"), f"{lang}/{intent}: {line!r}"
            key = normalised(line)
            assert key not in seen, f"{lang}: {line!r} under {intent} repeats one under {seen[key]}"
            seen[key] = intent
