"""Score a job offer from its evidence: deterministic, and explained term by term."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows import catalogue


@dataclass(frozen=True)
class Assessment:
    """A verdict with the terms that produced it."""

    risk: str
    score: float
    indicators: list[str] = field(default_factory=list)
    counters: list[str] = field(default_factory=list)
    contributions: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "risk": self.risk,
            "score": self.score,
            "indicators": self.indicators,
            "counters": self.counters,
            "contributions": self.contributions,
        }


def assess_offer(
    evidence: set[str] | list[str],
    weights: dict[str, float],
    thresholds: dict[str, float],
    min_indicators_for_high: int,
) -> Assessment:
    """Sum the weights of the evidence and compare the score with the thresholds."""
    ids = sorted(set(evidence))
    unknown = [i for i in ids if not catalogue.known(i)]
    if unknown:
        raise ValueError(f"evidence ids not in the catalogue: {unknown}")
    contributions = {i: float(weights.get(i, 0.0)) for i in ids}
    score = round(sum(contributions.values()), 2)
    indicators = [i for i in ids if i in catalogue.indicators()]
    counters = [i for i in ids if i in catalogue.counter_signals()]
    if score >= thresholds["high"] and len(indicators) >= min_indicators_for_high:
        risk = "high"
    elif score >= thresholds["medium"]:
        risk = "medium"
    else:
        risk = "low"
    # Most weighty first, so the explanation leads with what mattered.
    indicators.sort(key=lambda i: (-contributions[i], i))
    counters.sort(key=lambda i: (contributions[i], i))
    return Assessment(risk, score, indicators, counters, contributions)
