"""Telling Traditional from Simplified Chinese, and converting replies."""

import pytest

from nlu import chinese
from nlu.scripts import reply_converter


@pytest.mark.parametrize(
    "text,script",
    [
        ("我們的護照被老闆拿走了", "traditional"),
        ("我们的护照被老板拿走了", "simplified"),
        ("沒有", "traditional"),
        ("我的", None),  # the same characters in both scripts
        ("help", None),
    ],
)
def test_script(text, script):
    assert chinese.script(text) == script


def test_replies_are_converted_only_for_chinese():
    to_traditional = reply_converter(zawgyi=False, traditional=True, language="zh")
    assert to_traditional is not None
    assert to_traditional("你的编号是 WM-AB12") == "你的編號是 WM-AB12"
    assert reply_converter(zawgyi=False, traditional=True, language="ja") is None
    assert reply_converter(zawgyi=False, traditional=False, language="zh") is None
