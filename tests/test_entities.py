"""Places, platforms, money and contacts are found in the scripts people write."""

import pytest

from nlu import entities
from nlu.indicators import extract


@pytest.mark.parametrize(
    "text,amount,currency",
    [
        ("salary $1,500 per month", 1500, "USD"),
        ("月薪8000元", 8000, "CNY"),
        ("gaji RM5000 sebulan", 5000, "MYR"),
        ("เงินเดือน 45,000 บาท", 45000, "THB"),
        ("lương 1.500 USD", 1500, "USD"),
        ("gaji Rp 20 juta", 20_000_000, "IDR"),
        ("1万5 是不行的, 月薪1.5万元", 15000, "CNY"),
    ],
)
def test_money(text, amount, currency):
    found = entities.find_money(text)
    assert any(m.amount == amount and m.currency == currency for m in found), found


@pytest.mark.parametrize(
    "text,place",
    [
        ("work in 西港", "sihanoukville"),
        ("ทำงานที่สีหนุวิลล์", "sihanoukville"),
        ("ကျွန်တော် မြဝတီ မှာ", "myawaddy"),
        ("KK Park company", "kk_park"),
        ("job in Shwe Kokko", "shwe_kokko"),
        ("ក្រុងព្រះសីហនុ", "sihanoukville"),
    ],
)
def test_places_in_local_scripts(text, place):
    assert place in [e.value for _, e in entities.find_places(text)]


def test_platform_acronyms_do_not_fire_inside_words():
    assert entities.find_platforms("online deadline") == []
    assert [e.value for e in entities.find_platforms("contact me on LINE or WhatsApp")] == [
        "line",
        "whatsapp",
    ]


def test_contacts_and_money_do_not_overlap():
    found = entities.find_contacts(
        "call +855 12 345 678, pay Rp 20.000.000, t.me/jobs_kh, @hr_team88"
    )
    kinds = {(e.type, e.value) for e in found}
    assert ("phone", "+855 12 345 678") in kinds
    assert ("handle", "@hr_team88") in kinds
    assert any(t == "url" for t, _ in kinds)
    assert not any("20.000.000" in v for _, v in kinds)


def test_transit_hub_beside_compound_country():
    assert (
        "act.transport.transit_country"
        in extract("fly to Dubai first then Cambodia", "en").evidence
    )
    assert "act.transport.transit_country" not in extract("hotel job in Dubai", "en").evidence


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("عرض عمل في دبي براتب عالي", "dubai"),
        ("بدبي", "dubai"),
        ("タイで働きませんか", "thailand"),
        ("미야와디에 갇혀 있어요", "myawaddy"),
        ("меня держат в Сиануквиле", "sihanoukville"),
    ],
)
def test_place_names_in_local_scripts(text, place):
    assert place in {p.id for p, _ in entities.find_places(text)}


@pytest.mark.parametrize("text", ["نادي أدبي", "タイムカードを押す"])
def test_place_names_are_not_read_inside_ordinary_words(text):
    assert entities.find_places(text) == []
