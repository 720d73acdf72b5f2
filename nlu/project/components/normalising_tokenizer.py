"""A Rasa whitespace tokenizer whose tokens carry a normalised spelling of each word.

People write the same word in several spellings: full-width or half-width letters, Traditional
or Simplified Chinese characters, Arabic and Urdu words with or without short vowels, Russian
ё or е, and stretched letters ("nooooo", "ช่วยยยยย"). Counting these as one word lets the
featurizers match a spelling the training data never showed. It also keeps the Chinese, Japanese
and Korean words that Rasa's tokenizer drops as emoji (see remove_emoji). Offsets stay those of
the original text, so entity positions are unchanged, and only the TEXT attribute is normalised.

This file runs inside Rasa's own environment (``.venv-nlu``); the bot never imports it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from source_fingerprint import WholeFileFingerprint

# Short vowels, shadda, sukun, superscript alef and tatweel: optional in everyday writing.
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
# What an emoji-only word is made of: pictographs and flags (So), skin tones (Sk), joiners and
# variation selectors (Cf, Mn) and keycaps (Me).
EMOJI_PARTS = frozenset({"So", "Sk", "Cf", "Mn", "Me"})
# Three or more of one letter: stretched for emphasis; two keep words that double a letter.
STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")


@cache
def _to_simplified():
    """OpenCC's Traditional-to-Simplified converter, loaded on first use."""
    # Not declared in required_packages: Rasa checks that list both as module names and as
    # distribution names, and this package's module (opencc) and distribution differ.
    from opencc import OpenCC

    return OpenCC("t2s")


def normalise(word: str) -> str:
    """Return the spelling of word that the featurizers count."""
    word = unicodedata.normalize("NFKC", word).lower()
    word = ARABIC_MARKS.sub("", word).replace("ё", "е")
    word = STRETCHED.sub(r"\1\1", word)
    if CJK.search(word):
        word = _to_simplified().convert(word)
    return word or "_"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalisingWhitespaceTokenizer(WholeFileFingerprint, WhitespaceTokenizer):
    """Split on whitespace like Rasa's tokenizer, then normalise each token's text."""

    def remove_emoji(self, text: str) -> str:
        """Return "" for a word made only of emoji, else the word.

        Rasa's emoji pattern spans U+24C2 to U+1F251, which holds every Chinese, Japanese and
        Korean letter: it drops such words whenever the message also has a Latin word or a
        number ("여권 뺏겼어요 help" keeps only "help"). This asks Unicode's categories instead.
        """
        categories = {unicodedata.category(ch) for ch in text}
        return "" if categories <= EMOJI_PARTS else text

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenize like WhitespaceTokenizer; normalise the words of the message text."""
        tokens = super().tokenize(message, attribute)
        if attribute == TEXT:
            for token in tokens:
                # The featurizers count the lemma (use_lemma is on by default), so set both.
                token.text = token.lemma = normalise(token.text)
        return tokens
