"""Write replies in the script the person writes: Zawgyi Burmese or Traditional Chinese."""

from __future__ import annotations

from collections.abc import Callable

from nlu import burmese, chinese


def reply_converter(
    *, zawgyi: bool, traditional: bool, language: str | None
) -> Callable[[str], str] | None:
    """How to convert a reply in language so the person's phone shows their script; None: keep."""
    if zawgyi:
        return burmese.to_zawgyi
    if traditional and language == "zh":
        return chinese.to_traditional
    return None
