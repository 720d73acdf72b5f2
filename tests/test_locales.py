"""Every key in every shipped locale; drafts are marked and shown as drafts in the README."""

import re

import yaml

from bot.config import ROOT, load_settings
from flows.loader import FlowError, load_flows, validate
from flows.locales import LOCALES_DIR, load_catalog

README = ROOT / "README.md"


def shipped() -> list[str]:
    return sorted(p.stem for p in LOCALES_DIR.glob("*.yml"))


def test_every_configured_language_has_a_locale():
    assert set(load_settings().languages) <= set(shipped())


def test_every_key_exists_in_every_shipped_locale():
    codes = shipped()
    validate(load_flows(), load_catalog(codes), codes)


def test_each_locale_declares_its_review_status_and_how_it_was_made():
    for code in shipped():
        data = yaml.safe_load((LOCALES_DIR / f"{code}.yml").read_text(encoding="utf-8"))
        assert data["language"] == code
        assert isinstance(data["reviewed"], bool)
        assert data["produced_by"].strip()


def test_loader_refuses_a_missing_key(tmp_path):
    catalog = load_catalog(["en"])
    del catalog.locales["en"].texts["job_offer.ask_fee"]
    try:
        validate(load_flows(), catalog, ["en"])
    except FlowError as exc:
        assert "job_offer.ask_fee" in str(exc)
    else:
        raise AssertionError("a missing key was accepted")


def test_loader_refuses_an_unknown_node(tmp_path):
    for path in (ROOT / "flows" / "definitions").glob("*.yml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "report.yml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("next: thanks", "next: nowhere"),
        encoding="utf-8",
    )
    try:
        validate(load_flows(tmp_path), load_catalog(["en"]), ["en"])
    except FlowError as exc:
        assert "nowhere" in str(exc)
    else:
        raise AssertionError("an unknown node was accepted")


def language_table() -> str:
    rows = ["| code | language | flow texts | reviewed |", "| --- | --- | --- | --- |"]
    for code in shipped():
        data = yaml.safe_load((LOCALES_DIR / f"{code}.yml").read_text(encoding="utf-8"))
        status = "yes" if data["reviewed"] else "no (draft)"
        rows.append(f"| {code} | {data['name']} | {data['produced_by']} | {status} |")
    return "\n".join(rows)


def test_readme_language_table_matches_the_files(update_golden):
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(r"(<!-- languages:start -->\n)(.*?)(\n<!-- languages:end -->)", re.S)
    want = language_table()
    if update_golden:
        README.write_text(
            pattern.sub(lambda m: m.group(1) + want + m.group(3), text), encoding="utf-8"
        )
        text = README.read_text(encoding="utf-8")
    assert pattern.search(text).group(2) == want, (
        "run pytest --update-golden to refresh the README table"
    )


def test_loader_refuses_an_unknown_evidence_id_to_clear(tmp_path):
    for path in (ROOT / "flows" / "definitions").glob("*.yml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "help.yml"
    text = broken.read_text(encoding="utf-8")
    assert "clear: [signal.immediate_danger" in text
    broken.write_text(
        text.replace("clear: [signal.immediate_danger", "clear: [signal.made_up"), encoding="utf-8"
    )
    try:
        validate(load_flows(tmp_path), load_catalog(["en"]), ["en"])
    except FlowError as exc:
        assert "signal.made_up" in str(exc)
    else:
        raise AssertionError("an unknown evidence id was accepted")
