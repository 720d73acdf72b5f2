"""Locale catalogs: texts keyed by stable ids, one YAML file per language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

LOCALES_DIR = Path(__file__).parent / "locales"


@dataclass(frozen=True)
class Locale:
    """One language's texts and its review status."""

    code: str
    name: str
    reviewed: bool
    produced_by: str
    texts: dict[str, str]


class Catalog:
    """All shipped locales; lookups never fall back, because the loader checks every key."""

    def __init__(self, locales: dict[str, Locale]):
        self.locales = locales

    def text(self, lang: str, key: str, **params: object) -> str:
        """Return the text for key in lang, with {params} filled in."""
        template = self.locales[lang].texts[key]
        return template.format(**params) if params else template

    def has(self, lang: str, key: str) -> bool:
        """Tell whether lang has key."""
        return key in self.locales[lang].texts

    def name(self, lang: str) -> str:
        """Return the language's own name for itself."""
        return self.locales[lang].name


def load_catalog(codes: list[str], directory: Path = LOCALES_DIR) -> Catalog:
    """Load the named locales; a missing file is an error."""
    locales = {}
    for code in codes:
        path = directory / f"{code}.yml"
        if not path.exists():
            raise FileNotFoundError(f"locale {code!r} is configured but {path} does not exist")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts = {str(k): str(v) for k, v in (data.get("texts") or {}).items()}
        locales[code] = Locale(
            code=code,
            name=str(data.get("name", code)),
            reviewed=bool(data.get("reviewed", False)),
            produced_by=str(data.get("produced_by", "")),
            texts=texts,
        )
    return Catalog(locales)
