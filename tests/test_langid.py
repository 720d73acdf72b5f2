"""Language identification: script rules, priors and a seeded langdetect."""

import pytest

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
