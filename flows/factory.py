"""Build a validated engine from settings: the one place that loads flows and locales."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.engine import ContactInfo, Engine, EngineSettings
from flows.loader import load_flows, validate
from flows.locales import load_catalog
from flows.urgency import UrgencyRule

if TYPE_CHECKING:
    from bot.config import Settings


def engine_settings(settings: Settings) -> EngineSettings:
    """Project the parts of config.yml the engine reads."""
    job = settings.triage.job_offer
    return EngineSettings(
        languages=tuple(settings.languages),
        default_language=settings.bot.default_language,
        long_text_chars=settings.bot.long_text_chars,
        confidence_threshold=settings.nlu.confidence_threshold,
        weights=dict(job.weights),
        thresholds=dict(job.thresholds),
        min_indicators_for_high=job.min_indicators_for_high,
        high_pay_usd=job.high_pay_usd,
        usd_rates=dict(job.usd_rates),
        contacts=tuple(
            ContactInfo(
                name=c.name,
                phone=c.phone,
                url=c.url,
                source=str(c.source),
                countries=tuple(c.countries),
                languages=tuple(c.languages),
            )
            for c in settings.contacts
        ),
        urgency_rules=tuple(
            UrgencyRule(priority=r.priority, any=tuple(r.any), meaning=r.meaning)
            for r in settings.urgency.rules
        ),
        urgency_default=settings.urgency.default,
    )


def build_engine(settings: Settings) -> Engine:
    """Load flows and locales, refuse them if inconsistent, and return the engine."""
    flows = load_flows()
    catalog = load_catalog(list(settings.languages))
    validate(flows, catalog, list(settings.languages))
    unknown = set(settings.triage.job_offer.weights) - _known_ids()
    if unknown:
        raise ValueError(f"config.yml weights name unknown evidence ids: {sorted(unknown)}")
    return Engine(flows, catalog, engine_settings(settings))


def _known_ids() -> set[str]:
    """Return every indicator and counter-signal id."""
    from flows import catalogue

    return set(catalogue.indicators()) | set(catalogue.counter_signals())
