"""The project's own Rasa components, run in Rasa's environment and through the real server."""

import json
import os
import subprocess

import pytest

from nlu import training

RASA_PYTHON = training.RASA.parent / "python"

PROBE = """
import json, sys
from folded_count_vectors_featurizer import fold
from normalising_tokenizer import NormalisingWhitespaceTokenizer, normalise
from rasa.shared.nlu.training_data.message import Message

words = json.loads(sys.argv[1])
tokenizer = NormalisingWhitespaceTokenizer(NormalisingWhitespaceTokenizer.get_default_config())
message = Message(data={"text": "Heeeelp 我們的護照 👍🏽 여권"})
tokens = [(t.text, t.lemma, t.start, t.end) for t in tokenizer.tokenize(message, "text")]
intent = [t.text for t in tokenizer.tokenize(Message(data={"intent": "ＡＢ"}), "intent")]
print(json.dumps({"normalise": [normalise(w) for w in words], "fold": [fold(w) for w in words],
                  "tokens": tokens, "intent": intent}))
"""


def _probe(words: list[str]) -> dict:
    env = {**os.environ, **training.RASA_ENV}
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", PROBE, json.dumps(words)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_normalise_and_fold_in_rasas_environment():
    words = [
        "護照",
        "ＨＥＬＰ",
        "أَرْجُوكَ",
        "مـسـاعـدة",
        "ещё",
        "nooooo",
        "1000",
        "giúp",
        "여권",
        "が",
    ]
    out = _probe(words)
    assert out["normalise"][:7] == ["护照", "help", "أرجوك", "مساعدة", "еще", "noo", "1000"]
    # Folding keeps the base letters: Vietnamese without its accents, Hangul as its jamo.
    assert out["fold"][7] == "giup"
    assert out["fold"][8] == "\u110b\u1167\u1100\u116f\u11ab"
    assert out["fold"][9] == "か"
    # Token text is normalised, offsets stay those of the original message; intents are untouched.
    # Chinese and Korean words beside a Latin one are kept (Rasa's tokenizer drops them as
    # emoji); the emoji itself is not a word.
    # The featurizers count lemmas, so the lemma is the normalised word too.
    assert out["tokens"] == [
        ["heelp", "heelp", 0, 7],
        ["我们的护照", "我们的护照", 8, 13],
        ["여권", "여권", 17, 19],
    ]
    assert out["intent"] == ["ＡＢ"]


@pytest.mark.parametrize(
    "variant,canonical",
    [
        ("我們的護照被老闆拿走了，請幫幫我", "我们的护照被老板拿走了，请帮帮我"),
        ("ＨＥＬＰ ｍｅ ｐｌｅａｓｅ", "help me please"),
        ("heeeeelp meeee", "heelp mee"),
        ("سَاعِدُونِي أَرْجُوكُمْ", "ساعدوني ارجوكم"),
    ],
)
async def test_spelling_variants_parse_exactly_like_their_normal_form(
    nlu_client, variant, canonical
):
    a, b = await nlu_client.parse(variant), await nlu_client.parse(canonical)
    assert a is not None and b is not None
    assert (a.intent, round(a.confidence, 6)) == (b.intent, round(b.confidence, 6))


KEY_PROBE = """
import sys
from rasa.engine.training.fingerprinting import calculate_fingerprint_key
from normalising_tokenizer import NormalisingWhitespaceTokenizer as T
print(calculate_fingerprint_key(T, T.get_default_config(), {}))
"""


def test_rasas_training_cache_notices_a_change_outside_the_component_class(tmp_path):
    for path in training.COMPONENTS.glob("*.py"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    env = {**os.environ, **training.RASA_ENV, "PYTHONPATH": str(tmp_path)}

    def key() -> str:
        run = subprocess.run(
            [str(RASA_PYTHON), "-c", KEY_PROBE],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return run.stdout.strip().splitlines()[-1]

    before = key()
    module = tmp_path / "normalising_tokenizer.py"
    source = module.read_text(encoding="utf-8")
    module.write_text(source.replace('"ё", "е"', '"ё", "ё"'), encoding="utf-8")
    assert module.read_text(encoding="utf-8") != source
    assert key() != before
