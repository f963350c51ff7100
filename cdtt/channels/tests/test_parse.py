"""The chat parser on its own: the words of a catalogue in, a command out; a unit word picks the measure."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cdtt.channels.zalo.commands import Kind, parse

VNEID = SimpleNamespace(code="vneid_guided", reach_measure="people")
PAY_PEOPLE = SimpleNamespace(code="epayment_guided", reach_measure="people")
PAY_HOMES = SimpleNamespace(code="epayment_households_guided", reach_measure="households")
TT_PEOPLE = SimpleNamespace(code="propaganda_people", reach_measure="people")
TT_HOMES = SimpleNamespace(code="propaganda_households", reach_measure="households")
APP_A = SimpleNamespace(code="app_a", reach_measure="people")
APP_B = SimpleNamespace(code="app_b", reach_measure="people")
STALLS = SimpleNamespace(code="stall_homes", reach_measure="households")

WORDS: dict[str, list[Any]] = {
    "vneid": [VNEID],
    "thanh toan": [PAY_PEOPLE, PAY_HOMES],
    "tuyen truyen": [TT_PEOPLE, TT_HOMES],
    "app": [APP_A, APP_B],
    "gian hang": [STALLS],
}


@pytest.mark.parametrize(
    ("text", "indicator", "amount"),
    [
        ("bc thanh toán 3 hộ", PAY_HOMES, 3),
        ("BC Thanh Toán 3 hộ gia đình", PAY_HOMES, 3),
        ("bc thanh toan 3 nguoi", PAY_PEOPLE, 3),
        ("bc thanh toán 7 lượt", PAY_PEOPLE, 7),
        ("bc vneid 5", VNEID, 5),
        ("bc vneid 5 người", VNEID, 5),
        ("tuyên truyền 40 hộ loa", TT_HOMES, 40),
        ("tuyên truyền 40 người họp", TT_PEOPLE, 40),
        ("bc gian hàng 2", STALLS, 2),
        ("bc gian hàng 2 hộ", STALLS, 2),
    ],
)
def test_a_unit_word_picks_the_indicator_of_its_measure(text: str, indicator: Any, amount: int) -> None:
    command = parse(text, WORDS)
    assert command.kind == Kind.REPORT
    assert (command.indicator, command.amount) == (indicator, amount)


def test_without_a_unit_word_people_or_households_is_asked() -> None:
    command = parse("bc thanh toán 3", WORDS)
    assert (command.kind, command.problem, command.amount, command.words) == (Kind.QUESTION, "unit", 3, "thanh toan")
    assert command.choices == [PAY_PEOPLE, PAY_HOMES]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("bc vneid 3 hộ", "households"),  # a household word with only a count of people: asked, not converted
        ("bc gian hàng 2 người", "people"),  # and the other way round
        ("bc app 3", "ambiguous"),  # two counts of people: the code is needed
        ("bc app 3 hộ", "ambiguous"),
        ("bc app 3 người", "ambiguous"),
        ("bc thanh toán 3 hộ ở thôn", "extra_words"),
    ],
)
def test_what_the_words_do_not_settle_is_a_question(text: str, problem: str) -> None:
    command = parse(text, WORDS)
    assert (command.kind, command.problem) == (Kind.QUESTION, problem)


@pytest.mark.parametrize(
    ("text", "problem"), [("bc thanh toán 0 hộ", "not_positive"), ("bc thanh toán 5000 hộ", "too_large")]
)
def test_bad_numbers_are_refused_once_the_indicator_is_known(text: str, problem: str) -> None:
    command = parse(text, WORDS)
    assert (command.kind, command.problem, command.indicator) == (Kind.REFUSED, problem, PAY_HOMES)
