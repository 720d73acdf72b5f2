"""The verdict is deterministic, explainable and not decided by one word."""

import pytest

from bot.config import load_settings
from bot.screening import assess_text
from flows.triage import assess_offer

SCAM = (
    "Customer service in Sihanoukville, $1,500, free food and flights, "
    "contact only on Telegram, no experience needed"
)
BANK = (
    "Bank teller vacancy at ACLEDA Bank Plc, No. 61 Preah Monivong Blvd, Phnom Penh. "
    "Salary according to the bank's scale. Apply through our careers page at www.acledabank.com.kh"
)
HOTEL = (
    "Front desk receptionist at Sokha Beach Resort Co., Ltd, Street 2 Thnou, Sangkat 4, "
    "Sihanoukville. Salary $450 per month, work permit provided by the employer. "
    "Send your CV to hr@sokhahotels.com.kh or walk-in interview at our office."
)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


LANGS = ("en", "zh", "th", "vi", "id", "tl", "km", "my")


def test_scam_ad_is_high(settings):
    result = assess_text(SCAM, settings, LANGS)
    assert result["risk"] == "high"
    assert {
        "act.recruit.chat_app",
        "act.recruit.high_pay_benefits",
        "act.recruit.hotspot_location",
        "act.recruit.low_skill_role",
    } <= set(result["indicators"])


def test_bank_teller_with_employer_address_and_official_channel_is_low(settings):
    result = assess_text(BANK, settings, LANGS)
    assert result["risk"] == "low"
    assert "counter.official_channel" in result["counters"]


def test_legitimate_hotel_job_in_a_hotspot_is_not_high(settings):
    result = assess_text(HOTEL, settings, LANGS)
    assert result["risk"] == "low"
    assert "act.recruit.hotspot_location" in result["indicators"]


@pytest.mark.parametrize("word", ["Sihanoukville", "casino", "Telegram", "$2000", "no experience"])
def test_one_magic_word_is_not_high(settings, word):
    assert assess_text(f"job {word}", settings, LANGS)["risk"] != "high"


def test_high_needs_several_indicators_even_when_weights_are_large():
    result = assess_offer(
        ["act.receipt.passport_handover"],
        {"act.receipt.passport_handover": 10},
        {"medium": 3, "high": 6},
        3,
    )
    assert result.risk == "medium"


def test_assessment_explains_each_term_and_repeats():
    weights = {
        "act.recruit.chat_app": 2.0,
        "counter.work_permit": -2.0,
        "act.recruit.sez_casino": 2.0,
    }
    a = assess_offer(
        {"act.recruit.chat_app", "counter.work_permit", "act.recruit.sez_casino"},
        weights,
        {"medium": 1, "high": 6},
        2,
    )
    b = assess_offer(
        ["act.recruit.sez_casino", "counter.work_permit", "act.recruit.chat_app"],
        weights,
        {"medium": 1, "high": 6},
        2,
    )
    assert a == b
    assert a.contributions == weights and a.score == 2.0 and a.risk == "medium"


def test_unknown_evidence_is_refused():
    with pytest.raises(ValueError):
        assess_offer(["made.up"], {}, {"medium": 1, "high": 2}, 1)


@pytest.mark.parametrize(
    "text,lang",
    [
        ("招聘客服，西港，月薪1500美金，包吃包住包机票，无需经验，联系飞机 @hr_xg88", "zh"),
        (
            "รับสมัครแอดมินตอบแชท ทำงานที่สีหนุวิลล์ เงินเดือน 45,000 บาท ไม่ต้องมีประสบการณ์ ฟรีตั๋วเครื่องบิน ที่พัก อาหาร ติดต่อไลน์",
            "th",
        ),
    ],
)
def test_scam_ads_in_other_languages_are_high(settings, text, lang):
    result = assess_text(text, settings, LANGS)
    assert result["language"] == lang
    assert result["risk"] == "high", result
