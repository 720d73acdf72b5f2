"""The console chat runs the same engine, storage and NLU as Telegram."""

import os
import subprocess
import sys

from bot.config import ROOT


def console_env(nlu_url, tmp_path):
    """Environment for a console run on its own database, with fixed keys."""
    return {
        **os.environ,
        "WAYMARK_NLU_URL": nlu_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/console.db",
        "WAYMARK_ID_SECRET": "test-secret",
        "WAYMARK_DATA_KEY": "kE0xJ1Z9Nw2yG8bVbQ2H3nqkS0p7c6m5a4r3t2y1u0I=",
    }


def test_console_dialogue_through_the_real_cli(nlu_url, tmp_path):
    env = console_env(nlu_url, tmp_path)
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
    # Log lines of routine work (the scheduler's runs, requests) would bury the chat.
    assert " INFO " not in result.stderr


def test_console_shows_the_partner_side(nlu_url, tmp_path):
    env = console_env(nlu_url, tmp_path)
    typed = (
        "\n".join(
            [
                "help me they locked me in",
                "1",  # Me
                "1",  # safe
                "3",  # not in danger
                "2",  # Myanmar
                "1",  # area: skip
                "1",  # place: skip
                "Myanmar",
                "1",  # only me
                "1",  # passport taken
                "4",  # no debt or threats
                "2",  # no violence
                "1",  # contact: skip
                "1",  # share with the partner
                "1",  # not the embassy
                "1",  # not the police
                "1",  # identity hidden
                "!2",  # partner: Claim
                "!ask Are you safe?",
                "yes for now",
                "/quit",
            ]
        )
        + "\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    lines = typed.splitlines(keepends=True)
    import time

    for line in lines:
        proc.stdin.write(line)
        proc.stdin.flush()
        time.sleep(0.8)
    stdout, stderr = proc.communicate(timeout=60)
    out = stdout
    assert proc.returncode == 0, stderr
    assert "[partner demo_mekong] Alert WM-" in out and "· P2 ·" in out
    assert "claimed by Mekong Response" in out
    assert "Update on WM-" in out and "a partner organisation is working on your request" in out
    assert "Are you safe?" in out
    assert "[partner demo_mekong] Reply on WM-" in out and "yes for now" in out
