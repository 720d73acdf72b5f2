"""End to end: the real PTB Application over HTTP against the fake Bot API, with real NLU."""

import asyncio

import pytest

from tests.conftest import start_telegram
from tests.tg_dialogue import TelegramDialogue

ADS = {
    "en": "Customer service in Sihanoukville, $1,500, free food and flights, contact only on Telegram, no experience needed",
    "th": "รับสมัครแอดมินตอบแชท ทำงานที่สีหนุวิลล์ เงินเดือน 1,500 ดอลลาร์ ไม่ต้องมีประสบการณ์ ฟรีตั๋วเครื่องบิน ที่พัก อาหาร ติดต่อทางเทเลแกรมเท่านั้น",
    "zh": "招聘客服，西港，月薪1500美金，包吃包住包机票，无需经验，只用飞机联系 @hr_xg88",
}


@pytest.mark.parametrize("lang", ["en", "th", "zh"])
async def test_job_check_dialogue_golden(telegram, engine, update_golden, lang):
    t = lambda key: engine.catalog.text(lang, key)  # noqa: E731
    d = TelegramDialogue(telegram.api, chat_id=1000 + len(lang) + ord(lang[0]), language_code=lang)
    await d.send("/start")
    await d.tap(t("main.btn_job"))
    await d.send(ADS[lang])
    answers = {
        "job_offer.ask_travel": "job_offer.travel_employer",
        "job_offer.ask_visa": "job_offer.visa_on_arrival",
        "job_offer.ask_transit": "common.no",
        "job_offer.ask_passport": "common.yes",
        "job_offer.ask_fee": "common.not_sure",
        "job_offer.ask_company": "job_offer.company_unverified",
        "job_offer.ask_interview": "job_offer.interview_chat_only",
        "job_offer.ask_contract": "job_offer.contract_on_arrival",
    }
    by_text = {t(k): k for k in answers}
    asked = []
    for _ in range(len(answers)):
        question = by_text.get(telegram.api.transcript(d.chat_id)[-1].text)
        if question is None:
            break
        asked.append(question)
        await d.tap(t(answers[question]))
    assert "job_offer.ask_visa" in asked and "job_offer.ask_passport" in asked
    verdict = next(
        line for line in d.lines if line.startswith("< " + t("job_offer.verdict_high")[:8])
    )
    assert verdict
    assert t("indicator.act.recruit.chat_app") in d.text
    assert t("indicator.act.recruit.hotspot_location") in d.text
    assert t("indicator.act.transport.visa_on_arrival") in d.text
    d.check_golden(f"job_check_{lang}", update_golden)
    sent = telegram.api.transcript(d.chat_id)
    assert all(m.protect_content for m in sent)
    assert all(len(data.encode()) <= 64 for m in sent for _, data in m.buttons)
    # Answered questions lose their keyboards so old taps cannot be made by mistake.
    assert telegram.api.methods("editMessageReplyMarkup")


async def test_nlu_routes_a_short_question_to_the_paste_prompt(telegram, engine):
    d = TelegramDialogue(telegram.api, chat_id=2001)
    replies = await d.send("is this job offer real?")
    assert replies[-1].text == engine.catalog.text("en", "job_offer.ask_paste")


async def test_forwarded_ad_goes_straight_to_the_check(telegram, engine):
    d = TelegramDialogue(telegram.api, chat_id=2002)
    replies = await d.send("Casino job, Bavet", forwarded=True)
    assert replies[0].text == engine.catalog.text("en", "job_offer.questions_intro")


async def test_photo_gets_a_calm_reply(telegram, engine):
    d = TelegramDialogue(telegram.api, chat_id=2003)
    replies = await d.send_photo()
    assert replies[0].text == engine.catalog.text("en", "common.media_unsupported")


async def test_group_messages_get_no_reply(telegram):
    telegram.api.user_sends(
        -100123, "hello", extra={"chat": {"id": -100123, "type": "supergroup", "title": "G"}}
    )
    await telegram.api.settle()
    assert telegram.api.transcript(-100123) == []


async def test_chats_run_concurrently_and_each_stays_in_order(telegram, engine):
    chats = list(range(3000, 3040))
    for chat in chats:
        telegram.api.user_sends(chat, "/start")
        telegram.api.user_sends(chat, "/help")
        telegram.api.user_sends(chat, "/cancel")
    for chat in chats:
        await telegram.api.wait_for(chat, 3, timeout=30)
    want = [engine.catalog.text("en", k) for k in ("main.menu", "common.help", "common.cancelled")]
    for chat in chats:
        assert [m.text for m in telegram.api.transcript(chat)] == want


async def test_nlu_down_the_bot_carries_on_with_buttons(settings, key_dir, engine):
    settings.nlu.url = "http://127.0.0.1:9"  # nothing listens here
    settings.nlu.timeout_seconds = 0.5
    harness = await start_telegram(settings, key_dir)
    try:
        d = TelegramDialogue(harness.api, chat_id=4001)
        replies = await d.send("hello there")
        assert replies[0].text == engine.catalog.text("en", "main.fallback")
        assert [label for label, _ in replies[0].buttons][0] == engine.catalog.text(
            "en", "main.btn_job"
        )
        replies = await d.send(
            ADS["en"] + " Apply now, places are limited, send your passport copy."
        )
        assert replies[0].text == engine.catalog.text("en", "job_offer.questions_intro")
    finally:
        await harness.stop()


async def test_a_failing_turn_gets_an_apology_and_the_bot_keeps_going(telegram, monkeypatch):
    conv = telegram.runtime.conversations
    original = conv.store.run_turn
    calls = {"n": 0}

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return original(*args)

    monkeypatch.setattr(conv.store, "run_turn", flaky)
    d = TelegramDialogue(telegram.api, chat_id=5001)
    first = await d.send("/start")
    assert "something went wrong" in first[0].text
    second = await d.send("/start")
    assert second[0].buttons


async def test_rate_limiter_waits_for_retry_after(telegram):
    telegram.api.fail_next["sendMessage"].append(
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
    )
    d = TelegramDialogue(telegram.api, chat_id=6001)
    replies = await d.send("/help")
    assert len(replies) == 1
    sends = telegram.api.methods("sendMessage")
    assert sends[-1].at - sends[-2].at >= 1.0


async def test_per_chat_sending_is_spaced(settings, key_dir, engine):
    settings.bot.rate_limit.per_chat_burst = 1
    settings.bot.rate_limit.per_chat_per_second = 4
    harness = await start_telegram(settings, key_dir, use_nlu=False)
    try:
        for _ in range(4):
            harness.api.user_sends(7001, "/help")
        await harness.api.wait_for(7001, 4, timeout=10)
        times = [c.at for c in harness.api.methods("sendMessage")]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) >= 0.2
    finally:
        await harness.stop()
    await asyncio.sleep(0)
