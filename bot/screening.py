"""Bulk screening: assess job ads and parse messages from JSON lines, one result per line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from typing import Any

from bot.config import Settings
from flows import triage
from nlu import indicators, langid
from nlu.client import NluClient


def read_records(lines: Iterable[str]) -> Iterator[tuple[Any, str | None, str | None]]:
    """Yield (id, text, error) for each non-blank line; a bad line yields an error, not a stop."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            yield None, None, f"line {number}: not valid JSON"
            continue
        if not isinstance(record, dict):
            yield None, None, f"line {number}: expected a JSON object"
            continue
        rid = record.get("id")
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            yield rid, None, f"line {number}: 'text' must be a non-empty string"
            continue
        yield rid, text, None


def assess_text(text: str, settings: Settings, languages: tuple[str, ...]) -> dict[str, Any]:
    """Assess one ad from its text alone."""
    detection = langid.detect(text, supported=languages)
    language = detection.language if detection else settings.bot.default_language
    job = settings.triage.job_offer
    extraction = indicators.extract(
        text, language, usd_rates=job.usd_rates, high_pay_usd=job.high_pay_usd
    )
    result = triage.assess_offer(
        extraction.evidence, job.weights, job.thresholds, job.min_indicators_for_high
    )
    return {
        "risk": result.risk,
        "score": result.score,
        "indicators": result.indicators,
        "counters": result.counters,
        "language": language,
    }


async def assess_stream(
    lines: Iterable[str], settings: Settings, nlu: NluClient | None, languages: tuple[str, ...]
) -> Iterator[dict]:
    """Assess every record; with NLU, add the intent so non-ads stand out."""
    out = []
    for rid, text, error in read_records(lines):
        if error:
            out.append({"id": rid, "error": error})
            continue
        row = {"id": rid, **assess_text(text, settings, languages)}
        if nlu is not None:
            parsed = await nlu.parse(text)
            row["intent"] = parsed.intent if parsed else None
        out.append(row)
    return iter(out)


async def parse_stream(
    lines: Iterable[str], nlu: NluClient, languages: tuple[str, ...], concurrency: int = 8
) -> list[dict]:
    """Parse every record with the NLU server, keeping input order."""
    records = list(read_records(lines))
    sem = asyncio.Semaphore(concurrency)

    async def one(rid: Any, text: str | None, error: str | None) -> dict:
        if error:
            return {"id": rid, "error": error}
        async with sem:
            parsed = await nlu.parse(text or "")
        detection = langid.detect(text or "", supported=languages)
        if parsed is None:
            return {"id": rid, "error": "NLU server unavailable"}
        return {
            "id": rid,
            "intent": parsed.intent,
            "confidence": round(parsed.confidence, 4),
            "language": detection.language if detection else None,
            "entities": parsed.entities,
        }

    return await asyncio.gather(*(one(*r) for r in records))
