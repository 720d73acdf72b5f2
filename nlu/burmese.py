"""Burmese font encodings: much Burmese is still typed in Zawgyi, which Unicode text breaks."""

from __future__ import annotations

import re
from functools import cache

MYANMAR = re.compile("[\u1000-\u109f]")
# Google's detector gives a probability; Zawgyi text scores near 1, Unicode near 0.
ZAWGYI_THRESHOLD = 0.95


@cache
def _detector():
    from myanmartools import ZawgyiDetector

    return ZawgyiDetector()


def is_zawgyi(text: str) -> bool:
    """Tell whether Burmese text is in the Zawgyi encoding."""
    if not MYANMAR.search(text):
        return False
    return _detector().get_zawgyi_probability(text) >= ZAWGYI_THRESHOLD


def to_unicode(text: str) -> str:
    """Convert Zawgyi text to Unicode."""
    from mmfont.converter import zg12uni51

    return zg12uni51(text)


def to_zawgyi(text: str) -> str:
    """Convert Unicode text to Zawgyi, for people whose phones show only Zawgyi."""
    from mmfont.converter import uni512zg1

    return uni512zg1(text) if MYANMAR.search(text) else text
