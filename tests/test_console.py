"""The console chat runs the same engine, storage and NLU as Telegram."""

import os
import subprocess
import sys

from bot.config import ROOT


def test_console_dialogue_through_the_real_cli(nlu_url, tmp_path):
    env = {
        **os.environ,
        "WAYMARK_NLU_URL": nlu_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/console.db",
        "WAYMARK_ID_SECRET": "test-secret",
        "WAYMARK_DATA_KEY": "kE0xJ1Z9Nw2yG8bVbQ2H3nqkS0p7c6m5a4r3t2y1u0I=",
    }
    typed = (
        "\n".join(
            [
                "1",  # Check a job offer
                "Customer service in Sihanoukville, $1,500, free food and flights, contact only on Telegram, no experience needed",
                "2",  # visa: arranged after arrival
                "/photo",
                "/quit",
            ]
        )
        + "\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input=typed,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Check a job offer" in out
    assert "Which visa did they say you will travel on?" in out
    assert "Do you have to go through another country first" in out
    assert "Sorry, I can only read text" in out
    assert "Sihanoukville" not in result.stderr
