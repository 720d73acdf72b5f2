"""Chinese scripts: tell Traditional from Simplified writing, and convert replies."""

from __future__ import annotations

import re
from functools import cache

HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")


@cache
def _converter(config: str):
    from opencc import OpenCC

    return OpenCC(config)


def script(text: str) -> str | None:
    """Return "traditional" or "simplified" by the characters only one script uses; else None.

    Most characters are the same in both scripts (我, 的, 在), so a short message may not tell.
    """
    traditional = simplified = 0
    for ch in set(HAN.findall(text)):
        if _converter("t2s").convert(ch) != ch:
            traditional += 1
        elif _converter("s2t").convert(ch) != ch:
            simplified += 1
    if traditional == simplified:
        return None
    return "traditional" if traditional > simplified else "simplified"


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese in text to Traditional; other text is left as it is."""
    return _converter("s2t").convert(text) if HAN.search(text) else text
