"""Language identification: script rules, marker words, py3langid for Latin script, priors."""

import subprocess
import sys
import time

import pytest

from nlu import langid
from nlu.langid import detect, langdetect_only

ALL = (
    "en",
    "zh",
    "th",
    "vi",
    "id",
    "ms",
    "tl",
    "km",
    "my",
    "lo",
    "hi",
    "ne",
    "bn",
    "ur",
    "sw",
    "am",
    "ar",
    "ru",
    "tr",
    "es",
    "pt",
    "ja",
    "ko",
)


@pytest.mark.parametrize(
    "text,lang",
    [
        ("ជួយខ្ញុំផង", "km"),
        ("ကူညီပါ၊ ကျွန်တော့်ကို ပိတ်ထားတယ်", "my"),
        ("ຊ່ວຍແດ່", "lo"),
        ("እርዳታ እፈልጋለሁ", "am"),
        ("ช่วยด้วย", "th"),
        ("도와주세요", "ko"),
        ("助けてください", "ja"),
        ("救命 我被关起来了", "zh"),
        ("میری مدد کریں، پاسپورٹ لے لیا", "ur"),
        ("ساعدني من فضلك", "ar"),
        ("помогите мне пожалуйста", "ru"),
    ],
)
def test_script_rules(text, lang):
    d = detect(text, supported=ALL)
    assert d is not None and d.language == lang


def test_langdetect_alone_cannot_see_khmer():
    assert langdetect_only("ជួយខ្ញុំផង") is None


def test_short_latin_text_uses_the_prior_and_is_not_confident():
    d = detect("ok", supported=ALL, chosen="tl")
    assert d.language == "tl" and not d.confident


def test_malay_and_indonesian_markers():
    assert (
        detect("Saya nak tanya pasal kerja ni, boleh percaya tak?", supported=ALL).language == "ms"
    )
    assert (
        detect("Saya mau tanya, lowongan kerja ini bisa dipercaya nggak?", supported=ALL).language
        == "id"
    )


def test_deterministic():
    text = "Necesito ayuda, me quitaron el pasaporte"
    assert len({detect(text, supported=ALL) for _ in range(5)}) == 1


def test_no_letters():
    assert detect("12345 !!!", supported=ALL) is None


def test_latin_script_goes_to_py3langid():
    d = detect("Necesito ayuda, me quitaron el pasaporte", supported=ALL)
    assert d == langid.Detection("es", True, "py3langid")
    d = detect("My employer took my passport and will not pay me", supported=ALL)
    assert d == langid.Detection("en", True, "py3langid")
    d = detect("Nataka msaada, mwajiri wangu amechukua pasipoti yangu", supported=ALL)
    assert d.language == "sw" and d.method == "py3langid"


def test_latin_falls_back_to_langdetect_without_py3langid(monkeypatch):
    monkeypatch.setattr(langid, "latin_model", lambda: None)
    d = detect("Necesito ayuda, me quitaron el pasaporte", supported=ALL)
    assert d.language == "es" and d.method == "langdetect"


def test_pruned_model_agrees_with_py3langid():
    """Our numpy-free reading of py3langid's model ranks like py3langid itself."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    latin = langid.SCRIPT_CANDIDATES["LATIN"]
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(latin))
    model = langid.latin_model()
    for text in [
        "Tôi cần giúp đỡ, họ giữ hộ chiếu của tôi",
        "Kailangan ko ng tulong, kinuha nila ang pasaporte ko",
        "Yardıma ihtiyacım var, pasaportumu aldılar",
        "Preciso de ajuda, pegaram o meu passaporte",
        "Saya perlu bantuan",
        "salamat po",
        "Asante sana rafiki",
        "NECESITO AYUDA AHORA",
    ]:
        expected_lang, expected_p = reference.classify(text)
        (lang, p), *_ = model.probabilities(text, latin)
        assert lang == expected_lang, text
        assert p == pytest.approx(expected_p, abs=1e-3), text


def test_pruned_model_does_not_import_numpy():
    code = "import sys; from nlu import langid; langid.latin_model(); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_short_latin_text_follows_the_history():
    d = detect("ok lang", supported=ALL, history=["tl", "tl", "tl"])
    assert d == langid.Detection("tl", False, "history")


def test_history_uses_the_most_frequent_recent_language_of_the_same_script():
    assert detect("ok", supported=ALL, history=["tl", "sw", "sw", "th"]).language == "sw"
    # ties go to the latest message
    assert detect("ok", supported=ALL, history=["sw", "tl"]).language == "tl"
    # only the last few messages count
    assert detect("ok", supported=ALL, history=["sw"] * 5 + ["tl"] * 5).language == "tl"


def test_history_in_another_script_is_ignored():
    d = detect("ok", supported=ALL, history=["th", "th", "th"])
    assert d.method != "history"


def test_chosen_language_beats_history_and_history_beats_client():
    assert detect("ok", supported=ALL, chosen="tl", history=["sw", "sw"]).language == "tl"
    d = detect("ok", supported=ALL, client="en-US", history=["sw", "sw"])
    assert d == langid.Detection("sw", False, "history")
    d = detect("ok", supported=ALL, client="en-US")
    assert d == langid.Detection("en", False, "prior")


def test_long_confident_text_overrides_history_and_prior():
    text = "My employer took my passport and will not pay me"
    d = detect(text, supported=ALL, chosen="tl", history=["tl", "tl", "tl"])
    assert d == langid.Detection("en", True, "py3langid")


def test_history_decides_malay_against_indonesian():
    assert detect("saya perlu bantuan", supported=ALL, history=["ms", "ms"]).language == "ms"
    assert detect("saya perlu bantuan", supported=ALL, history=["id", "id"]).language == "id"


def test_hindi_and_nepali_function_words():
    assert detect("म ठीक छु, मलाई मद्दत चाहिन्छ", supported=ALL).language == "ne"
    assert detect("मैं ठीक हूँ, मुझे मदद चाहिए", supported=ALL).language == "hi"
    d = detect("तपाईंको नाम के हो?", supported=ALL, chosen="hi")
    assert d.language == "ne" and d.method == "words"


def test_nepali_case_suffixes_joined_to_the_noun():
    assert detect("मैले उनीहरूलाई बोलाएँ", supported=ALL).language == "ne"
    assert detect("हप्ताको अन्तिम दिन", supported=ALL).language == "ne"
    # Hindi writes these pronouns joined to को; they are not Nepali's genitive.
    assert detect("उसको किताब", supported=ALL).language == "hi"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("cứu", "vi"),
        ("được", "vi"),
        ("ışık", "tr"),
        ("değil", "tr"),
        ("niño", "es"),
        ("¿qué?", "es"),
    ],
)
def test_letters_only_one_latin_language_writes(text, lang):
    d = detect(text, supported=ALL, history=["en", "en"])
    assert d.language == lang and d.method == "letters"


def test_letters_of_two_languages_decide_nothing():
    assert langid._letter_language("ñ ş") is None
    assert langid._letter_language("hello") is None


def test_hindi_spellings_nepali_does_not_use():
    assert detect("डॉक्टर", supported=ALL, chosen="ne").language == "hi"
    assert detect("ज़रूरत", supported=ALL, history=["ne"]).language == "hi"


def test_short_devanagari_without_marker_words_follows_the_prior():
    assert detect("नमस्ते", supported=ALL, chosen="ne").language == "ne"
    assert detect("नमस्ते", supported=ALL, history=["hi", "hi"]).language == "hi"


def test_arabic_letters_urdu_never_uses():
    d = detect("أين جواز سفري", supported=ALL, chosen="ur")
    assert d == langid.Detection("ar", True, "script")


def test_restricted_to_supported_languages():
    d = detect("Necesito ayuda, me quitaron el pasaporte", supported=("en", "tl"))
    assert d.language in {"en", "tl"}


def test_latin_detection_is_fast():
    texts = ["ok po", "salamat po sa tulong", "I need help please", "nataka msaada tafadhali"]
    detect(texts[0], supported=ALL)  # loads the model
    start = time.perf_counter()
    for _ in range(25):
        for text in texts:
            detect(text, supported=ALL)
    assert (time.perf_counter() - start) / 100 < 0.005


def test_zawgyi_is_detected_and_converted_both_ways():
    from nlu import burmese

    unicode_text = "ကူညီပါ၊ ကျွန်တော့်ကို ပိတ်ထားတယ်"
    zawgyi_text = burmese.to_zawgyi(unicode_text)
    assert zawgyi_text != unicode_text
    assert burmese.is_zawgyi(zawgyi_text) and not burmese.is_zawgyi(unicode_text)
    assert burmese.to_unicode(zawgyi_text) == unicode_text
    assert not burmese.is_zawgyi("hello")
