"""Help requests end to end: intake, triage, routing to partner chats, escalation, relay, /clear."""

import asyncio
import hashlib
import hmac
import json

import pytest
from aiohttp import web
from sqlalchemy import func, select

from nlu.indicators import extract_help
from tests.conftest import start_telegram
from tests.tg_dialogue import TelegramDialogue

MEKONG, ARCHIPELAGO, COORDINATOR = -1001, -1002, -1009
STAFF = 555


def partner_settings(settings, sla_minutes=30.0):
    """Give the demo partners approved chats and a coordinator chat."""
    orgs = {p.id: p for p in settings.partners.organisations}
    orgs["demo_mekong"].chat_ids = [MEKONG]
    orgs["demo_archipelago"].chat_ids = [ARCHIPELAGO]
    for p in orgs.values():
        p.ack_sla_minutes = sla_minutes
    settings.partners.coordinator_chat_ids = [COORDINATOR]
    return settings


def answers(lang_text, typed_nationality):
    """The answer to each help question, by the question's text."""
    t = lang_text
    return {
        t("help.ask_who"): ("tap", t("help.who_me")),
        t("help.ask_safe"): ("tap", t("help.safe_yes")),
        t("help.ask_danger"): ("tap", t("common.no")),
        t("help.ask_country"): ("tap", t("country.MM")),
        t("help.ask_area"): ("tap", t("common.skip")),
        t("help.ask_place"): ("tap", t("common.skip")),
        t("help.ask_nationality"): ("say", typed_nationality),
        t("help.ask_people"): ("tap", t("help.people_2_5")),
        t("help.ask_documents"): ("tap", t("help.docs_passport")),
        t("help.ask_leave"): ("tap", t("common.no")),
        t("help.ask_debt"): ("tap", t("common.no")),
        t("help.ask_violence"): ("tap", t("common.no")),
        t("help.ask_contact"): ("tap", t("common.skip")),
        t("help.consent_ngo"): ("tap", t("help.consent_yes_share")),
        t("help.consent_embassy"): ("tap", t("help.consent_no")),
        t("help.consent_police"): ("tap", t("help.consent_no")),
        t("help.consent_identity"): ("tap", t("help.identity_hide")),
    }


async def run_help(api, engine, chat_id, lang, first_message, nationality):
    """Walk a person through the help flow; return the dialogue."""
    t = lambda key, **kw: engine.catalog.text(lang, key, **kw)  # noqa: E731
    d = TelegramDialogue(api, chat_id=chat_id, language_code=lang)
    await d.send(first_message)
    plan = answers(t, nationality)
    for _ in range(25):
        last = api.transcript(chat_id)[-1].text
        if last in plan:
            how, value = plan[last]
            await (d.tap(value) if how == "tap" else d.send(value))
        else:
            break
    return d


@pytest.fixture
async def partnered(settings, key_dir, nlu_url):
    settings.nlu.url = nlu_url
    partner_settings(settings)
    harness = await start_telegram(settings, key_dir)
    yield harness
    await harness.stop()


@pytest.mark.parametrize(
    "lang,first,nationality",
    [
        ("my", "ကူညီပါ၊ ကျွန်တော့်ကို ပိတ်ထားတယ်", "မြန်မာ"),
        ("en", "help me please, they took my passport and I can't leave", "Myanmar"),
        ("id", "tolong saya, paspor saya diambil dan saya tidak bisa keluar", "Indonesia"),
    ],
)
async def test_help_request_reaches_the_right_partner_and_ack_reaches_the_person(
    partnered, engine, update_golden, lang, first, nationality
):
    api = partnered.api
    person = 9100 + len(lang)
    d = await run_help(api, engine, person, lang, first, nationality)
    received = api.transcript(person)[-1].text
    ref = received.split("WM-")[1][:8]
    assert received.startswith(
        engine.catalog.text(lang, "help.received", ref=f"WM-{ref}").split("WM-")[0]
    )
    # Myanmar routes to the partner covering Myanmar and Burmese speakers.
    alerts = await api.wait_for(MEKONG, 1)
    alert = alerts[-1]
    assert f"WM-{ref}" in alert.text and "· P2 ·" in alert.text
    assert "means.confined" in alert.text and "UNODC Annex 2. Means / item 14" in alert.text
    # No Telegram identity in the alert: not the name, not the id.
    assert f"User{person}" not in alert.text and str(person) not in alert.text
    assert api.transcript(ARCHIPELAGO) == [] or all(
        f"WM-{ref}" not in m.text for m in api.transcript(ARCHIPELAGO)
    )
    # The person is told "received" now, and "working on it" only after an acknowledgement.
    working = engine.catalog.text(lang, "help.partner_working", ref=f"WM-{ref}")
    assert all(m.text != working for m in api.transcript(person))
    api.user_taps(
        MEKONG,
        alert,
        next(data for label, data in alert.buttons if data.startswith("pa/ack/")),
        user_id=STAFF,
    )
    await api.wait_for(MEKONG, 2)
    assert "acknowledged" in api.transcript(MEKONG)[-1].text
    msgs = await api.wait_for(person, len(api.transcript(person)) + 1)
    assert msgs[-1].text == working
    d.lines.append(f"< {working}")
    d.lines = [line.replace(ref, "XXXXXXXX") for line in d.lines]
    d.check_golden(f"help_request_{lang}", update_golden)


async def test_relay_both_ways_without_identities(partnered, engine):
    api = partnered.api
    person = 9201
    await run_help(api, engine, person, "en", "help they locked me in", "Myanmar")
    alert = (await api.wait_for(MEKONG, 1))[-1]
    ref = alert.text.split()[1]
    claim = next(data for label, data in alert.buttons if data.startswith("pa/claim/"))
    before = len(api.transcript(person))
    api.user_taps(MEKONG, alert, claim, user_id=STAFF)
    await api.wait_for(MEKONG, 2)
    # Claiming acknowledges: the person is told a partner is working on it.
    await api.wait_for(person, before + 1)
    before = len(api.transcript(person))
    api.group_sends(MEKONG, STAFF, f"/ask {ref} Are you safe tonight? Which building are you in?")
    msgs = await api.wait_for(person, before + 1)
    question = msgs[-1].text
    assert "Are you safe tonight?" in question and "Mekong Response" in question
    assert str(STAFF) not in question and f"User{STAFF}" not in question
    d = TelegramDialogue(api, chat_id=person)
    d._seen = len(api.transcript(person))
    await d.send("yes safe now, building C 5th floor")
    partner_msgs = await api.wait_for(MEKONG, 4)
    reply = partner_msgs[-1].text
    assert reply.startswith(f"Reply on {ref}") and "building C 5th floor" in reply
    assert str(person) not in reply and f"User{person}" not in reply
    # A reply to the alert message works as a question too.
    before = len(api.transcript(person))
    api.group_sends(MEKONG, STAFF, "Stay where you are, we are checking.", reply_to=alert)
    msgs = await api.wait_for(person, before + 1)
    assert "we are checking" in msgs[-1].text


async def test_strangers_get_nothing_and_cannot_act(partnered, engine):
    api = partnered.api
    await run_help(api, engine, 9301, "en", "help they took my passport", "Myanmar")
    alert = (await api.wait_for(MEKONG, 1))[-1]
    ack = next(data for label, data in alert.buttons if data.startswith("pa/ack/"))
    # A private chat that is not a partner forges an Acknowledge on a message in its own chat.
    stranger = TelegramDialogue(api, chat_id=7777)
    await stranger.send("/start")
    api.user_taps(7777, api.transcript(7777)[-1], ack)
    await api.wait_for(7777, 2)
    assert "cannot act" in api.transcript(7777)[-1].text
    replies = await stranger.send(f"/ask {alert.text.split()[1]} where are you")
    assert "cannot act" in replies[-1].text
    # A group that is not a partner: asks, then gets left.
    api.group_sends(-5555, STAFF, f"/ask {alert.text.split()[1]} hello")
    await api.settle()
    assert all("hello" not in m.text for m in api.transcript(9301))
    api.group_sends(-5556, STAFF, "hi bot")
    await api.settle()
    assert -5556 in api.left_chats
    with partnered.runtime.store.sessions() as db:
        from storage.models import Case

        case = db.scalar(select(Case).where(Case.kind == "help"))
        assert case.acknowledged_at is None


async def test_unacknowledged_alert_escalates_once_per_step_across_a_restart(
    settings, key_dir, nlu_url, engine
):
    settings.nlu.url = nlu_url
    partner_settings(settings, sla_minutes=0.05)  # 3 seconds
    harness = await start_telegram(settings, key_dir)
    try:
        await run_help(harness.api, engine, 9401, "en", "help they locked me in", "Myanmar")
        await harness.api.wait_for(MEKONG, 1)
    finally:
        await harness.stop()  # restart inside the SLA window
    harness = await start_telegram(settings, key_dir)
    api = harness.api
    try:
        # The new fake server has a fresh transcript: only what the restarted bot sends shows.
        await api.wait_for(ARCHIPELAGO, 1, timeout=15)
        await api.wait_for(COORDINATOR, 1, timeout=15)
        await asyncio.sleep(4)
        assert (
            len(api.transcript(ARCHIPELAGO)) == 1
            and "escalated (step 1)" in api.transcript(ARCHIPELAGO)[0].text
        )
        assert (
            len(api.transcript(COORDINATOR)) == 1
            and "escalated (step 2)" in api.transcript(COORDINATOR)[0].text
        )
        assert api.transcript(MEKONG) == []
        # Two sweeps racing cannot fire a step twice.
        from storage.models import Escalation

        with harness.runtime.store.sessions() as db:
            fired = db.scalar(
                select(func.count()).select_from(Escalation).where(Escalation.fired_at.is_not(None))
            )
            assert fired == 2
        assert await harness.adapter.jobs.escalate() == 0
    finally:
        await harness.stop()


async def test_acknowledgement_stops_the_chain(settings, key_dir, nlu_url, engine):
    settings.nlu.url = nlu_url
    partner_settings(settings, sla_minutes=0.05)
    harness = await start_telegram(settings, key_dir)
    api = harness.api
    try:
        await run_help(api, engine, 9501, "en", "help they locked me in", "Myanmar")
        alert = (await api.wait_for(MEKONG, 1))[-1]
        api.user_taps(
            MEKONG,
            alert,
            next(d for _, d in alert.buttons if d.startswith("pa/ack/")),
            user_id=STAFF,
        )
        await api.wait_for(MEKONG, 2)
        await asyncio.sleep(5)
        assert api.transcript(ARCHIPELAGO) == [] and api.transcript(COORDINATOR) == []
    finally:
        await harness.stop()


async def test_clear_deletes_the_conversation(partnered, engine):
    api = partnered.api
    d = TelegramDialogue(api, chat_id=9601)
    await d.send("/start")
    await d.tap(engine.catalog.text("en", "main.btn_job"))
    bot_ids = {m.message_id for m in api.transcript(9601)}
    user_ids = {m["message_id"] for m in api.user_messages[9601]}
    replies = await d.send("/clear")
    assert replies[-1].text.startswith("Done. I deleted")
    assert bot_ids | user_ids <= api.deleted[9601]


async def test_close_with_outcome_tells_the_person(partnered, engine):
    api = partnered.api
    await run_help(api, engine, 9701, "en", "help they locked me in", "Myanmar")
    alert = (await api.wait_for(MEKONG, 1))[-1]
    api.user_taps(
        MEKONG, alert, next(d for _, d in alert.buttons if d.startswith("pa/close/")), user_id=STAFF
    )
    picks = (await api.wait_for(MEKONG, 2))[-1]
    api.user_taps(
        MEKONG, picks, next(d for label, d in picks.buttons if d.endswith("/safe")), user_id=STAFF
    )
    await api.wait_for(MEKONG, 3)
    assert "closed: Person safe" in api.transcript(MEKONG)[-1].text
    msgs = await api.wait_for(9701, len(api.transcript(9701)) + 1)
    assert "has closed this request" in msgs[-1].text


async def test_webhook_is_signed_and_carries_an_idempotency_key(
    settings, key_dir, nlu_url, engine, monkeypatch
):
    received = []
    secret = b"s3cret-for-tests"

    async def receiver(request):
        body = await request.read()
        ts = request.headers["X-Waymark-Timestamp"]
        want = "sha256=" + hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        received.append(
            (
                request.headers["X-Waymark-Signature"] == want,
                request.headers["Idempotency-Key"],
                json.loads(body),
            )
        )
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", receiver)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    settings.nlu.url = nlu_url
    partner_settings(settings)
    mekong = next(p for p in settings.partners.organisations if p.id == "demo_mekong")
    mekong.webhook_url = f"http://127.0.0.1:{port}/hook"
    mekong.webhook_secret_env = "WAYMARK_TEST_HOOK_SECRET"
    monkeypatch.setenv("WAYMARK_TEST_HOOK_SECRET", secret.decode())
    harness = await start_telegram(settings, key_dir)
    try:
        await run_help(harness.api, engine, 9801, "en", "help they locked me in", "Myanmar")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.1)
        ok, key, body = received[0]
        assert ok and key == body["idempotency_key"]
        case = body["case"]
        assert (
            case["priority"] == "P2"
            and "means.confined" in case["indicators"]
            and case["identity"] is None
        )
    finally:
        await harness.stop()
        await runner.cleanup()


async def test_invite_code_approves_a_chat_once(partnered):
    from storage import partners as partner_repo

    with partnered.runtime.store.sessions.begin() as db:
        code = partner_repo.create_invite(db, "demo_archipelago")
    api = partnered.api
    api.group_sends(-3003, STAFF, f"/join {code}")
    msgs = await api.wait_for(-3003, 1)
    assert msgs[-1].text == "This chat now receives alerts for Archipelago Assist."
    api.group_sends(-3004, STAFF, f"/join {code}")
    msgs = await api.wait_for(-3004, 1)
    assert "not valid" in msgs[-1].text
    await api.settle()
    assert -3004 in api.left_chats and -3003 not in api.left_chats
    assert partnered.adapter.partners.approved("-3003")


async def test_flow_messages_are_deleted_some_time_after_the_flow_ends(
    settings, key_dir, nlu_url, engine
):
    settings.nlu.url = nlu_url
    settings.cleanup.after_flow_seconds = 1
    settings.alerts.cleanup_check_seconds = 0.2
    harness = await start_telegram(settings, key_dir)
    api = harness.api
    try:
        d = TelegramDialogue(api, chat_id=9901)
        await d.send("/start")
        await d.tap(engine.catalog.text("en", "main.btn_help"))
        await d.tap(engine.catalog.text("en", "help.who_me"))
        await d.tap(engine.catalog.text("en", "help.safe_no"))
        ids = {m.message_id for m in api.transcript(9901)}
        for _ in range(50):
            if ids <= api.deleted[9901]:
                break
            await asyncio.sleep(0.1)
        assert ids <= api.deleted[9901]
    finally:
        await harness.stop()


async def test_zawgyi_help_message_is_understood_and_answered_in_zawgyi(partnered, engine):
    from nlu import burmese

    api = partnered.api
    zawgyi = burmese.to_zawgyi("ကူညီပါ၊ ကျွန်တော့်ကို ပိတ်ထားတယ်")
    assert burmese.is_zawgyi(zawgyi)
    d = TelegramDialogue(api, chat_id=9951, language_code=None)
    replies = await d.send(zawgyi)
    ask_who = engine.catalog.text("my", "help.ask_who")
    # Understood as a help request in Burmese, and answered in Zawgyi so the phone shows it.
    assert replies[-1].text == burmese.to_zawgyi(ask_who)
    assert burmese.to_zawgyi(engine.catalog.text("my", "help.who_me")) in [
        label for label, _ in replies[-1].buttons
    ]
    with partnered.runtime.store.sessions() as db:
        from storage.models import ConversationSession

        row = db.scalars(select(ConversationSession)).all()[-1]
        state = json.loads(partnered.runtime.store.keys.decrypt(row.state))
        assert state["zawgyi"] is True and "means.confined" in state["evidence"]


async def test_traditional_chinese_is_understood_and_answered_in_traditional(partnered, engine):
    from nlu import chinese

    api = partnered.api
    d = TelegramDialogue(api, chat_id=9952, language_code=None)
    replies = await d.send("救命 他們拿走了我的護照")
    ask_who = engine.catalog.text("zh", "help.ask_who")
    assert chinese.script(ask_who) == "simplified"
    # Understood as a help request, and answered in the script the person writes.
    assert replies[-1].text == chinese.to_traditional(ask_who) != ask_who
    assert chinese.to_traditional(engine.catalog.text("zh", "help.who_me")) in [
        label for label, _ in replies[-1].buttons
    ]
    # Characters both scripts share say nothing: the replies stay Traditional.
    replies = await d.send("我自己")
    assert replies[-1].text == chinese.to_traditional(engine.catalog.text("zh", "help.ask_safe"))
    replies = await d.tap(chinese.to_traditional(engine.catalog.text("zh", "help.safe_yes")))
    assert replies[-1].text == chinese.to_traditional(engine.catalog.text("zh", "help.ask_danger"))
    # Writing in Simplified characters ("no" as 没有, not 沒有) switches them back.
    replies = await d.send("没有")
    assert replies[-1].text == engine.catalog.text("zh", "help.ask_country")


async def test_partners_can_list_recruiter_tips_but_strangers_cannot(partnered, engine):
    api = partnered.api
    d = TelegramDialogue(api, chat_id=9961)
    await d.send("/start")
    await d.tap(engine.catalog.text("en", "main.btn_report"))
    await d.send("agent @easyjob_kh on telegram, +855 12 345 678, says casino job in Bavet")
    api.group_sends(MEKONG, STAFF, "/tips")
    msgs = await api.wait_for(MEKONG, 1)
    assert "@easyjob_kh" in msgs[-1].text and "+855 12 345 678" in msgs[-1].text
    assert str(9961) not in msgs[-1].text and "User9961" not in msgs[-1].text
    stranger = TelegramDialogue(api, chat_id=9962)
    replies = await stranger.send("/tips")
    assert "cannot act" in replies[-1].text


def test_every_urgency_signal_has_a_partner_text():
    from bot import partner_text
    from flows import catalogue

    for signal in catalogue.signals():
        assert signal in partner_text.texts(), signal
    payload = {
        "ref": "WM-TEST0000",
        "priority": "P1",
        "case_type": "self",
        "indicators": ["means.confined", "signal.immediate_danger"],
        "location": {},
        "language": "en",
        "consent": {"ngo": True, "embassy": False, "police": False, "identity": False},
        "summary": "Not free to leave; immediate danger",
    }
    text = partner_text.render_alert(payload)
    assert "In danger now (urgency signal" in text
    assert "• signal.immediate_danger" not in text


@pytest.mark.parametrize(
    "text",
    ["他们说我欠公司三万美金，不还不让走", "他們說我欠公司三萬美金，不還不讓走"],
)
def test_invented_debt_with_an_amount_is_debt_bondage_in_both_chinese_scripts(text):
    indicators, _countries = extract_help(text, "zh")
    assert "means.debt_bondage" in indicators
