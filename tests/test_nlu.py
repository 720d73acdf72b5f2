"""A small model trained by the suite, queried through the real Rasa HTTP server."""

import json
import os
import subprocess
import sys

import pytest

from bot.config import ROOT
from nlu.client import NluClient

WAYMARK = [sys.executable, "-m", "bot.cli"]


@pytest.mark.parametrize(
    "text,intent",
    [
        ("help me please they took my passport", "request_help"),
        ("is this job offer real? customer service in cambodia", "check_job_offer"),
        ("ช่วยด้วย เขายึดพาสปอร์ตฉัน ออกไปไม่ได้", "request_help"),
        ("这个工作是真的吗", "check_job_offer"),
        ("ကူညီပါ၊ ကျွန်တော့်ကို ပိတ်ထားတယ်", "request_help"),
        ("hello", "greet"),
    ],
)
async def test_parse_over_http(nlu_client, text, intent):
    parsed = await nlu_client.parse(text)
    assert parsed is not None and parsed.intent == intent, parsed


async def test_entities_from_lookups_and_regexes(nlu_client):
    parsed = await nlu_client.parse("招聘客服 西港 月薪1500美金 联系 @hr_xg88")
    kinds = {(e["entity"], e["value"]) for e in parsed.entities}
    assert ("destination", "西港") in kinds
    assert ("handle", "@hr_xg88") in kinds


async def test_server_down_returns_none_quickly():
    client = NluClient("http://127.0.0.1:9", timeout=0.5)
    try:
        assert await client.parse("hello") is None
    finally:
        await client.close()


def _cli(args, stdin, env_extra):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        WAYMARK + args, input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )


def test_cli_nlu_parse_jsonl(nlu_url):
    lines = "\n".join(
        [
            json.dumps({"id": "a", "text": "help me they locked me in"}),
            "{broken",
            json.dumps({"id": "c", "text": "สวัสดีครับ"}),
        ]
    )
    result = _cli(["nlu", "parse", "--jsonl"], lines, {"WAYMARK_NLU_URL": nlu_url})
    assert result.returncode == 0, result.stderr
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, "c"]
    assert rows[0]["intent"] == "request_help" and rows[0]["language"] == "en"
    assert "error" in rows[1]
    assert rows[2]["language"] == "th" and set(rows[2]) == {
        "id",
        "intent",
        "confidence",
        "language",
        "entities",
    }


def test_cli_assess_jsonl(nlu_url):
    lines = "\n".join(
        [
            json.dumps(
                {
                    "id": 1,
                    "text": "Customer service in Sihanoukville, $1,500, free food and flights, contact only on Telegram, no experience needed",
                }
            ),
            json.dumps(
                {
                    "id": 2,
                    "text": "Bank teller vacancy at ACLEDA Bank Plc, No. 61 Preah Monivong Blvd, Phnom Penh. Apply through our careers page at www.acledabank.com.kh",
                }
            ),
            json.dumps({"id": 3}),
        ]
    )
    result = _cli(["assess", "--jsonl"], lines, {"WAYMARK_NLU_URL": nlu_url})
    assert result.returncode == 0, result.stderr
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert rows[0]["risk"] == "high" and rows[0]["language"] == "en"
    assert {"id", "risk", "score", "indicators", "language"} <= set(rows[0])
    assert rows[1]["risk"] == "low"
    assert rows[2]["id"] == 3 and "error" in rows[2]
    # Nothing of the ads reaches the logs.
    assert "Sihanoukville" not in result.stderr and "ACLEDA" not in result.stderr


def test_cli_run_without_token_says_so():
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        WAYMARK + ["run"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
