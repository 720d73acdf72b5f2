"""Every indicator cites its UNODC Annex item, and every id the code uses is in the catalogue."""

import re
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT, load_settings
from flows import catalogue
from flows.loader import load_flows
from nlu.indicators import FEATURE_EVIDENCE

REFERENCE = (
    ROOT.parent
    / "shared"
    / "reference"
    / "unodc-2023-casinos-cyber-fraud-trafficking-forced-criminality.txt"
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def test_every_indicator_names_its_annex_element_and_item():
    for iid, ind in catalogue.indicators().items():
        assert (
            iid.split(".")[0] == {"act": "act", "means": "means", "purpose": "purpose"}[ind.element]
        )
        assert re.match(r"^[123]\. (Act|Means|Exploitation)( / .+)? / item \d+", ind.annex), iid


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the checkout")
def test_every_quote_is_in_the_annex():
    text = _squash(REFERENCE.read_text(encoding="utf-8"))
    annex = text[
        text.index("key indicators of trafficking in persons for forced criminality to commit") :
    ]
    data = yaml.safe_load(catalogue.CATALOGUE_PATH.read_text(encoding="utf-8"))
    for iid, entry in data["indicators"].items():
        for fragment in re.split(r" \.\.\. | / ", entry["quote"]):
            fragment = _squash(fragment.strip(' ."'))
            assert fragment in annex, f"{iid}: {fragment!r} is not in the Annex"


def test_ids_used_by_code_config_and_flows_are_in_the_catalogue():
    used = set(FEATURE_EVIDENCE.values())
    used |= set(load_settings().triage.job_offer.weights)
    for flow in load_flows().values():
        for node in flow.nodes.values():
            used |= set(node.skip_if_any)
            for choice in node.choices:
                used |= set(choice.add)
    unknown = sorted(i for i in used if not catalogue.known(i))
    assert unknown == []


def test_lexicons_share_the_english_schema():
    lex_dir = Path(__file__).resolve().parent.parent / "nlu" / "lexicon"
    english = yaml.safe_load((lex_dir / "en.yml").read_text(encoding="utf-8"))["features"]
    for path in lex_dir.glob("*.yml"):
        if path.stem in {"places", "platforms", "countries"}:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["reviewed"] is False or data["reviewed"] is True
        assert set(data["features"]) == set(english), path.name
        for feature, patterns in data["features"].items():
            assert feature in FEATURE_EVIDENCE, feature
            for pattern in patterns:
                re.compile(pattern)
