"""Extract trafficking indicators and counter-signals from the text of a job offer."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlu import entities as ent
from nlu import lexicon

# Lexicon feature -> evidence id (an Annex indicator in flows/indicators.yml, or a counter-signal).
FEATURE_EVIDENCE = {
    "no_experience": "act.recruit.low_skill_role",
    "low_skill_role": "act.recruit.low_skill_role",
    "free_benefits": "act.recruit.high_pay_benefits",
    "casino": "act.recruit.sez_casino",
    "visa_on_arrival": "act.transport.visa_on_arrival",
    "tourist_visa": "act.transport.tourist_visa",
    "transit": "act.transport.transit_country",
    "passport_handover": "act.receipt.passport_handover",
    "fee": "means.debt_bondage",
    "contract_on_arrival": "means.contract_switch",
    "travel_paid": "act.recruit.travel_paid",
    "remote_interview": "act.recruit.remote_interview_only",
    "named_employer": "counter.named_employer",
    "registered_address": "counter.registered_address",
    "official_channel": "counter.official_channel",
    "work_permit": "counter.work_permit",
    "in_person_interview": "counter.in_person_interview",
    "self_paid_travel": "counter.self_paid_travel",
    "market_salary": "counter.market_salary",
}


# Help-request cue -> evidence id (Annex indicator or urgency signal).
HELP_EVIDENCE = {
    "confined": "means.confined",
    "documents_taken": "means.documents_confiscated",
    "violence": "means.violence",
    "threatened": "means.threatened",
    "debt": "means.debt_bondage",
    "sold": "means.sold",
    "ransom": "means.ransom",
    "forced_scam": "purpose.forced_scamming",
    "danger": "signal.immediate_danger",
    "medical": "signal.medical_need",
}


def extract_help(text: str, language: str) -> tuple[set[str], list[str]]:
    """Return (evidence ids, country codes) named in a help request."""
    text = ent.normalise(text)
    evidence: set[str] = set()
    for lang in [language] if language == "en" else [language, "en"]:
        for feature, patterns in lexicon.load(lang).help_features.items():
            if feature in HELP_EVIDENCE and any(p.search(text) for p in patterns):
                evidence.add(HELP_EVIDENCE[feature])
    countries = list(dict.fromkeys(p.country for p, _ in ent.find_places(text)))
    return evidence, countries


@dataclass
class Extraction:
    """What one text says: evidence ids, with the features and entities behind them."""

    evidence: set[str] = field(default_factory=set)
    features: set[str] = field(default_factory=set)
    places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    contacts: list[ent.Entity] = field(default_factory=list)
    money: list[ent.Entity] = field(default_factory=list)


def monthly_usd(money: ent.Entity, rates: dict[str, float]) -> float | None:
    """Convert an amount to US dollars with the configured rates, or None for unknown currency."""
    rate = rates.get(money.currency or "")
    return None if rate is None or money.amount is None else money.amount * rate


def extract(
    text: str,
    language: str,
    *,
    usd_rates: dict[str, float] | None = None,
    high_pay_usd: float = 800.0,
) -> Extraction:
    """Find indicators in a text with the lexicon of its language plus English."""
    text = ent.normalise(text)
    out = Extraction()
    languages = [language] if language == "en" else [language, "en"]
    for lang in languages:
        for feature, patterns in lexicon.load(lang).features.items():
            if feature not in out.features and any(p.search(text) for p in patterns):
                out.features.add(feature)
    out.evidence.update(FEATURE_EVIDENCE[f] for f in out.features if f in FEATURE_EVIDENCE)

    found_places = ent.find_places(text)
    out.places = list(dict.fromkeys(p.id for p, _ in found_places))
    out.countries = list(dict.fromkeys(p.country for p, _ in found_places))
    if any(p.hotspot for p, _ in found_places):
        out.evidence.add("act.recruit.hotspot_location")
    hotspot_countries = {p.country for p, _ in found_places if p.hotspot}
    # A transit hub named beside a compound country reads as "fly via Dubai first".
    if hotspot_countries and any(
        p.transit and p.country not in hotspot_countries for p, _ in found_places
    ):
        out.evidence.add("act.transport.transit_country")

    out.platforms = list(dict.fromkeys(e.value for e in ent.find_platforms(text)))
    out.contacts = ent.find_contacts(text)
    handles = any(c.type == "handle" for c in out.contacts)
    if out.platforms or handles:
        out.evidence.add("act.recruit.chat_app")

    out.money = ent.find_money(text)
    rates = usd_rates or {"USD": 1.0}
    if any((monthly_usd(m, rates) or 0) >= high_pay_usd for m in out.money):
        out.evidence.add("act.recruit.high_pay_benefits")

    # A company that names itself, gives an address and an official channel can be checked.
    if {"counter.named_employer", "counter.registered_address"} <= out.evidence:
        out.evidence.add("counter.verified_company")
    return out
