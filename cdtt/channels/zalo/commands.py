"""Reading a chat message: short commands that ignore case and diacritics; never a guess.

``parse`` only reads the text (the catalogue's words are passed in); ``cdtt.channels.zalo.services``
carries a command out. Anything it cannot read with certainty is UNKNOWN or a question, not a record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cdtt.core.text import fold, nfc

MAX_CHAT_AMOUNT = 1000  # people (or households) in one chat report; more is a typo or belongs in the app
MAX_TEXT = 2000

_NUMBER = re.compile(r"^[+-]?\d+$")
_CODE = re.compile(r"^(?:lk|lien ket|ma|ma lien ket)?\s*(\d{6})$")
_PUNCT = re.compile(r"[.,;!]+$")

PEOPLE, HOUSEHOLDS = "people", "households"  # the two measures a chat report counts (catalog ReachMeasure)
PEOPLE_WORDS = {"nguoi", "luot", "luot nguoi", "nguoi dan"}
HOUSEHOLD_WORDS = {"ho", "ho dan", "ho gia dinh"}
# How propaganda was done (the record needs it): folded words -> cdtt.activities Channel values.
CHANNEL_WORDS = {
    "hop": "meeting",
    "hop dan": "meeting",
    "loa": "loudspeaker",
    "loa phat thanh": "loudspeaker",
    "nhom": "chat_post",
    "zalo": "chat_post",
    "nhom zalo": "chat_post",
    "tan nha": "door_to_door",
    "tung nha": "door_to_door",
}
REPORT_PREFIXES = ("bao cao ", "bc ")
DIFFICULTY_WORDS = {"kho khan", "kk"}


class Kind(StrEnum):
    HELP = "help"
    PROGRESS = "progress"
    UNDO = "undo"
    UNLINK = "unlink"
    LINK = "link"
    REPORT = "report"
    DIFFICULTY = "difficulty"
    UNKNOWN = "unknown"  # answered with the help text
    QUESTION = "question"  # understood in part: ask what was meant (``problem`` says what is missing)
    REFUSED = "refused"  # understood and refused (a negative or absurd number)


@dataclass
class Command:
    kind: Kind
    code: str = ""
    indicator: Any = None
    amount: int = 0
    channel: str = ""
    text: str = ""
    problem: str = ""
    words: str = ""
    choices: list[Any] = field(default_factory=list)


def measure_of(indicator: Any) -> str:
    """What a chat report for ``indicator`` counts: "people" or "households" (its reach measure)."""
    return HOUSEHOLDS if getattr(indicator, "reach_measure", PEOPLE) == HOUSEHOLDS else PEOPLE


def _tail_words(tokens: list[str]) -> tuple[str, str, str]:
    """(unit, channel, leftover) from the words after the number."""
    rest = " ".join(tokens)
    unit = channel = ""
    for words in sorted(PEOPLE_WORDS | HOUSEHOLD_WORDS, key=len, reverse=True):
        if rest == words or rest.startswith(words + " "):
            unit, rest = (PEOPLE if words in PEOPLE_WORDS else HOUSEHOLDS), rest[len(words) :].strip()
            break
    for words in sorted(CHANNEL_WORDS, key=len, reverse=True):
        if rest == words or rest.startswith(words + " "):
            channel, rest = CHANNEL_WORDS[words], rest[len(words) :].strip()
            break
    return unit, channel, rest


def parse(text: str, vocabulary: dict[str, list[Any]]) -> Command:
    """What ``text`` asks for; ``vocabulary`` maps folded words to the indicators they may name."""
    original = nfc(text or "")
    if len(original) > MAX_TEXT:
        return Command(Kind.REFUSED, problem="too_long")
    folded = _PUNCT.sub("", fold(original)).strip()
    if folded in {"?", "hd", "huong dan", "help", "tro giup"}:
        return Command(Kind.HELP)
    if folded in {"tien do", "td", "xem tien do"}:
        return Command(Kind.PROGRESS)
    if folded in {"huy", "huy bo", "undo"}:
        return Command(Kind.UNDO)
    if folded in {"huy lien ket", "bo lien ket"}:
        return Command(Kind.UNLINK)
    if match := _CODE.match(folded):
        return Command(Kind.LINK, code=match.group(1))
    head, colon, tail = original.partition(":")
    if colon and fold(head) in DIFFICULTY_WORDS:
        description = tail.strip(" -–")
    elif folded.split()[:2] == ["kho", "khan"]:
        description = " ".join(original.split()[2:]).strip(" -–:")
    else:
        description = None
    if description is not None:
        if not description:
            return Command(Kind.QUESTION, problem="no_description")
        return Command(Kind.DIFFICULTY, text=description)
    body = folded
    for prefix in REPORT_PREFIXES:
        if body.startswith(prefix):
            body = body[len(prefix) :].strip()
            break
    tokens = body.split()
    numbers = [i for i, token in enumerate(tokens) if _NUMBER.match(token)]
    if not numbers:
        if body in vocabulary:
            return Command(Kind.QUESTION, problem="no_number", words=body)
        return Command(Kind.UNKNOWN)
    if len(numbers) > 1:
        return Command(Kind.QUESTION, problem="several_numbers")
    position = numbers[0]
    name = " ".join(tokens[:position])
    amount = int(tokens[position])
    if not name:
        return Command(Kind.UNKNOWN)
    found = vocabulary.get(name, [])
    if not found:
        return Command(Kind.QUESTION, problem="unknown_word", words=name)
    unit, channel, leftover = _tail_words(tokens[position + 1 :])
    if len(found) > 1:
        # The same words may name a count of people and one of households: the unit word picks one.
        matching = [i for i in found if measure_of(i) == unit] if unit else []
        if len(matching) == 1:
            found = matching
        elif not unit and {measure_of(i) for i in found} == {PEOPLE, HOUSEHOLDS} and len(found) == 2:
            return Command(Kind.QUESTION, problem="unit", amount=amount, words=name, choices=found)
        else:
            return Command(Kind.QUESTION, problem="ambiguous", words=name, choices=matching or found)
    indicator = found[0]
    if amount <= 0:
        return Command(Kind.REFUSED, problem="not_positive", amount=amount, indicator=indicator)
    if amount > MAX_CHAT_AMOUNT:
        return Command(Kind.REFUSED, problem="too_large", amount=amount, indicator=indicator)
    if leftover:
        return Command(Kind.QUESTION, problem="extra_words", words=leftover)
    if unit and unit != measure_of(indicator):
        # "3 ho" for a count of people (or "3 nguoi" for one of households): ask, never convert.
        return Command(Kind.QUESTION, problem=unit, amount=amount, indicator=indicator)
    return Command(Kind.REPORT, indicator=indicator, amount=amount, channel=channel)
