"""Dialogues with the engine: feed inputs, assert the transcript."""

import pytest

from flows.model import Assessed, FlowEnded, TipReported
from tests.dialogue import Dialogue

SCAM = (
    "Customer service in Sihanoukville, $1,500, free food and flights, "
    "contact only on Telegram, no experience needed"
)


def test_menu_then_job_check_asks_only_what_the_text_left_open(engine):
    d = Dialogue(engine)
    d.command("start")
    assert d.buttons() == [
        "Check a job offer",
        "I need help",
        "Report a recruiter",
        "Language",
        "Clear chat",
    ]
    d.tap("Check a job offer")
    d.say(SCAM)
    # Travel was answered by "free flights": the first question is the visa.
    assert d.last[-1].key == "job_offer.ask_visa"
    assert "Skip" in d.buttons() and "Stop" in d.buttons()
    for label in [
        "Arranged after arrival",
        "No",
        "Skip",
        "No",
        "Not sure",
        "Only by chat or video",
        "Not sure",
    ]:
        d.tap(label)
    verdict = next(r for r in d.events if getattr(r, "key", "").startswith("job_offer.verdict_"))
    assert verdict.key == "job_offer.verdict_high"
    assert "Contact only through a chat app or social media" in verdict.text
    assert 'Work visa "arranged after arrival"' in verdict.text
    assessed = [e for e in d.events if isinstance(e, Assessed)]
    assert assessed[0].risk == "high" and "act.transport.visa_on_arrival" in assessed[0].indicators
    assert d.last[-1].key == "job_offer.ask_report"


def test_long_pasted_text_goes_straight_to_the_job_check(engine):
    d = Dialogue(engine)
    d.say(SCAM + " " + SCAM)  # no NLU at all, over the long-text limit
    assert d.last[0].key == "job_offer.questions_intro"


def test_forwarded_message_goes_straight_to_the_job_check(engine):
    d = Dialogue(engine)
    d.say("Hiring now, casino in Bavet", forwarded=True)
    assert d.last[0].key == "job_offer.questions_intro"


def test_without_nlu_the_menu_is_offered(engine):
    d = Dialogue(engine)
    d.say("hmm")
    assert d.last[0].key == "main.fallback"
    assert "Check a job offer" in d.buttons()


def test_low_confidence_is_never_guessed(engine):
    d = Dialogue(engine)
    d.say("they took it", intent="request_help", confidence=0.2)
    assert d.last[0].key == "main.fallback"


def test_free_text_answers_and_stale_buttons(engine):
    d = Dialogue(engine)
    d.command("start")
    d.tap("Check a job offer")
    d.say(SCAM)
    d.tap("Tourist visa")
    stale = d.lines[-4:]
    assert d.last[-1].key == "job_offer.ask_transit"
    d.say("yes", intent="affirm")
    assert d.last[-1].key == "job_offer.ask_passport"
    d.say("no")  # matches the button label, no NLU needed
    assert d.last[-1].key == "job_offer.ask_fee"
    d.say("what?")
    assert [r.key for r in d.last] == ["common.use_buttons", "job_offer.ask_fee"]
    # An old button from an earlier question does not change the answer already given.
    from flows.model import Inbound

    d.session, events = engine.step(
        d.session, Inbound(kind="choice", choice="job_offer/q_visa/arr")
    )
    assert [e.key for e in events] == ["common.stale_button", "job_offer.ask_fee"]
    assert "act.transport.visa_on_arrival" not in d.session.evidence
    assert stale


def test_stop_button_and_stop_intent_end_quietly(engine):
    d = Dialogue(engine)
    d.command("start")
    d.tap("Check a job offer")
    d.tap("Stop")
    assert d.last[0].key == "common.stopped" and d.session.flow is None
    assert any(isinstance(e, FlowEnded) and e.outcome == "stopped" for e in d.events)
    d.say(SCAM, forwarded=True)
    d.say("stop", intent="stop")
    assert d.last[0].key == "common.stopped" and d.session.evidence == {}


def test_media_gets_a_calm_reply_and_the_question_again(engine):
    d = Dialogue(engine)
    d.command("start")
    d.tap("Check a job offer")
    d.media()
    assert [r.key for r in d.last] == ["common.media_unsupported", "job_offer.ask_paste"]


def test_commands(engine):
    d = Dialogue(engine)
    d.command("help")
    assert d.last[0].key == "common.help"
    d.command("cancel")
    assert d.last[0].key == "common.cancelled"
    d.command("frobnicate")
    assert d.last[0].key == "common.unknown_command"


def test_report_stores_identifiers_as_a_tip(engine):
    d = Dialogue(engine)
    d.command("start")
    d.tap("Report a recruiter")
    d.say("Agent @easyjob_kh on Telegram, phone +855 12 345 678, page fb.com/easyjobkh")
    tip = next(e for e in d.events if isinstance(e, TipReported))
    assert tip.handles == ("@easyjob_kh",) and tip.phones == ("+855 12 345 678",)
    assert "telegram" in tip.platforms
    assert d.last[-1].key == "report.thanks"


def test_help_starts_with_who_then_safety_and_not_safe_ends_in_one_neutral_line(engine):
    d = Dialogue(engine)
    d.say("help me", intent="request_help")
    assert d.last[-1].key == "help.ask_who"
    d.tap("Me")
    assert d.last[-1].key == "help.ask_safe"
    d.tap("Not now")
    assert [r.key for r in d.last] == ["help.unsafe_ack"] and d.last[0].buttons == ()
    assert d.session.flow is None and d.session.slots == {}


HELP_PLAN = {
    "help.ask_who": "Me",
    "help.ask_safe": "Yes, it is safe",
    "help.ask_danger": "No",
    "help.ask_country": "Cambodia",
    "help.ask_area": "say:Sihanoukville",
    "help.ask_place": "Skip",
    "help.ask_nationality": "say:I am from Kenya",
    "help.ask_people": "Only me",
    "help.ask_documents": "Skip",
    "help.ask_leave": "Skip",
    "help.ask_debt": "Skip",
    "help.ask_violence": "Skip",
    "help.ask_contact": "Skip",
    "help.consent_ngo": "Yes, share",
    "help.consent_embassy": "No",
    "help.consent_police": "No",
    "help.consent_identity": "No, keep it hidden",
}


def _help_submit(d, **changes):
    d.answer({**HELP_PLAN, **changes})
    from flows.model import HelpSubmitted

    return next(e for e in d.events if isinstance(e, HelpSubmitted))


def test_text_of_the_first_message_counts_and_answers_already_given_are_not_asked(engine):
    d = Dialogue(engine)
    d.say("help they took my passport and locked me in", intent="request_help")
    assert {"means.documents_confiscated", "means.confined"} <= set(d.session.evidence)
    for label in ["Me", "Yes, it is safe", "No", "Cambodia", "Skip", "Skip", "Skip", "2 to 5"]:
        d.tap(label)
    # Documents and freedom to leave were said already: next is debt.
    assert d.last[-1].key == "help.ask_debt"


@pytest.mark.parametrize("plan", [[], ["Me"]])
def test_words_the_bot_cannot_place_at_a_branching_help_question_ask_it_again(engine, plan):
    d = Dialogue(engine)
    d.say("help they locked me in", intent="request_help")
    for label in plan:
        d.tap(label)
    asked = d.last[-1].key
    assert asked in {"help.ask_who", "help.ask_safe"}
    d.say("well it depends on the guards, ok now i think")
    assert [r.key for r in d.last] == ["common.use_buttons", asked]
    assert d.session.flow == "help" and "means.confined" in d.session.evidence


def test_an_explicit_no_to_danger_outweighs_a_cry_for_help_in_the_first_message(engine):
    d = Dialogue(engine)
    d.say("emergency!! they locked me in", intent="request_help")
    assert d.session.evidence["signal.immediate_danger"] == "text"
    sub = _help_submit(d)
    assert "signal.immediate_danger" not in sub.evidence
    assert sub.priority == "P2" and "means.confined" in sub.evidence


def test_danger_confirmed_or_skipped_keeps_the_first_message_signal(engine):
    for answer in ("In danger now", "Skip"):
        d = Dialogue(engine)
        d.say("emergency!! they locked me in", intent="request_help")
        sub = _help_submit(d, **{"help.ask_danger": answer})
        assert "signal.immediate_danger" in sub.evidence and sub.priority == "P1", answer


def test_help_submission_is_p2_when_confined_and_carries_no_identity_without_consent(engine):
    d = Dialogue(engine)
    d.say("help they locked me in", intent="request_help")
    sub = _help_submit(d)
    assert sub.priority == "P2" and sub.country == "KH" and sub.nationality == "KE"
    assert sub.consent == {"ngo": True, "embassy": False, "police": False, "identity": False}
    assert sub.identity is None
    assert d.last[-1].key == "help.received" and sub.ref in d.last[-1].text
    assert d.session.slots == {} and d.session.evidence == {}


def test_no_consent_means_nothing_is_shared(engine):
    d = Dialogue(engine)
    d.say("i need help", intent="request_help")
    sub = _help_submit(d, **{"help.consent_ngo": "No"})
    assert sub.consent["ngo"] is False
    assert d.last[-1].key == "help.received_not_shared"


def test_identity_only_with_consent(engine):
    from flows.model import Inbound

    d = Dialogue(engine)
    d.say("i need help", intent="request_help")
    plan = dict(HELP_PLAN)
    del plan["help.consent_identity"]
    d.answer(plan)
    button = next(
        b for r in d.last for row in r.buttons for b in row if b.label == "Yes, show my name"
    )
    d.session, events = engine.step(
        d.session, Inbound(kind="choice", choice=button.data, identity="Ana (@ana)")
    )
    sub = next(e for e in events if type(e).__name__ == "HelpSubmitted")
    assert sub.identity == "Ana (@ana)" and sub.consent["identity"] is True


def test_location_is_kept_only_to_the_consented_precision(engine):
    from flows.model import Inbound

    d = Dialogue(engine)
    d.say("help", intent="request_help")
    for label in ["Me", "Yes, it is safe", "No", "Cambodia"]:
        d.tap(label)
    d.session, events = engine.step(
        d.session, Inbound(kind="location", latitude=10.627543, longitude=103.522222)
    )
    assert events[-1].key == "help.ask_precision"
    d.last = [e for e in events if type(e).__name__ == "Reply"]
    d.tap("Only the area (about 1 km)")
    assert d.session.slots["location"] == [10.63, 103.52] and "_location" not in d.session.slots


def test_on_behalf_asks_about_ransom_and_advises_not_to_pay(engine):
    d = Dialogue(engine)
    d.say("my brother is trapped in Myawaddy", intent="request_help")
    d.tap("Someone I know")
    assert d.last[0].key == "help_other.intro"
    d.answer(
        {
            "help_other.ask_danger": "No",
            "help_other.ask_country": "Myanmar",
            "help_other.ask_area": "Skip",
            "help_other.ask_nationality": "say:Vietnam",
            "help_other.ask_documents": "Yes",
            "help_other.ask_leave": "No",
            "help_other.ask_violence": "No",
            "help_other.ask_contact_how": "By chat app",
            "help_other.ask_ransom": "Yes",
        }
    )
    assert d.last[0].key == "help_other.advice_no_pay"
    d.answer({"help_other.ask_contact": "Skip", **HELP_PLAN})
    sub = next(e for e in d.events if type(e).__name__ == "HelpSubmitted")
    assert sub.case_type == "on_behalf" and sub.priority == "P2" and "means.ransom" in sub.evidence
    assert sub.nationality == "VN" and sub.details["in_contact"] == "chat"
    assert sub.country == "MM"


def test_relay_replies_go_to_the_partner_until_cancel(engine):
    from flows.model import RelayReply

    d = Dialogue(engine)
    d.session.relay = "WM-ABCDEFGH"
    d.say("we are on the 5th floor")
    assert any(isinstance(e, RelayReply) and e.text == "we are on the 5th floor" for e in d.events)
    assert d.last[0].key == "help.reply_sent"
    d.command("cancel")
    assert d.session.relay is None


def test_language_menu_switches_language(engine):
    d = Dialogue(engine)
    d.command("language")
    names = d.buttons()
    assert "English" in names and len(names) == len(engine.settings.languages)
    d.tap(engine.catalog.name("th"))
    assert d.session.lang == "th" and d.session.lang_chosen
    assert d.last[0].text == engine.catalog.text("th", "language.changed")


def test_every_flow_completes_in_every_language(engine):
    for lang in engine.settings.languages:
        d = Dialogue(engine, client_language=lang)
        d.command("start")
        d.tap(engine.catalog.text(lang, "main.btn_job"))
        d.tap(engine.catalog.text(lang, "common.skip"))
        while (
            d.last
            and d.last[-1].key.startswith("job_offer.ask_")
            and d.last[-1].key != "job_offer.ask_report"
        ):
            d.tap(engine.catalog.text(lang, "common.skip"))
        assert any(isinstance(e, Assessed) for e in d.events), lang
        d.tap(engine.catalog.text(lang, "job_offer.report_yes"))
        d.say("@recruiter_x +66 81 234 5678")
        assert d.last[-1].key == "report.thanks", lang


def test_text_at_the_menu_is_routed_not_refused(engine):
    d = Dialogue(engine)
    d.command("start")
    d.say(
        "is this job real? typing job in Cambodia, 1800 usd, contact on whatsapp",
        intent="check_job_offer",
    )
    assert d.last[0].key == "job_offer.questions_intro"
    assert "act.recruit.chat_app" in d.session.evidence


def test_a_bare_yes_is_not_taken_as_the_ad(engine):
    d = Dialogue(engine)
    d.command("start")
    d.tap("Check a job offer")
    d.say("yes", intent="affirm")
    assert [r.key for r in d.last] == ["common.use_buttons", "job_offer.ask_paste"]


def test_malay_or_indonesian_can_be_corrected_in_one_tap(engine):
    d = Dialogue(engine, client_language=None)
    d.say(
        "Saya mau tanya, lowongan kerja ini bisa dipercaya nggak?",
        intent="check_job_offer",
        language="id",
    )
    assert d.session.lang == "id"
    assert "Bahasa Melayu" in d.buttons()
    key = d.last[-1].key
    d.tap("Bahasa Melayu")
    assert d.session.lang == "ms" and d.session.lang_chosen
    assert d.last[-1].key == key and "Bahasa Melayu" not in d.buttons()
    assert d.last[-1].text == engine.catalog.text("ms", key)


def test_help_questions_accept_words(engine):
    d = Dialogue(engine)
    d.say("help", intent="request_help")
    d.answer({k: v for k, v in HELP_PLAN.items() if k != "help.ask_documents"})
    assert d.last[-1].key == "help.ask_documents"
    d.say("they took my phone and my passport")
    assert "means.documents_confiscated" in d.session.evidence
    assert d.last[-1].key == "help.ask_leave"
