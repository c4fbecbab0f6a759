"""Responses as text: numbers listed under a category, and explanations by number."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from annotator.importers import files
from annotator.importers.numbers import parse_number_list
from annotator.importers.records import (
    Severity,
)
from annotator.importers.responses.collect import (
    CATEGORIES,
    Collector,
    Place,
    category_of,
    listish,
    report_progress,
    short,
)

MAX_HEADING_WORDS = 40


# ---------------------------------------------------------------------------
# Text that lists numbers under categories

_NUMBER_IN_TEXT = re.compile(r"(?<![0-9.])[1-9][0-9]{0,3}\.[1-9][0-9]{0,3}(?![0-9])")
_ENUMERATION = re.compile(
    r"^(?:\(?[0-9]{1,3}[.)]|\(?[a-z][.)]|\(?[ivxlc]{1,6}[.)]|[•·▪‣◦*]|[-–—])\s+",
    re.IGNORECASE,
)
_EXPLANATION = re.compile(
    r"^(?:(?:recommendations?|paragraph|para\.?|no\.)\s*)?"
    r"(?P<number>[1-9][0-9]{0,3}\.[1-9][0-9]{0,3})\.?"
    r"\s*(?:[:–—\-‐‑‒−)]\s*|\s+)"
    r"(?P<rest>[^\W\d_\s].*|[\"“‘'(].*)$",
    re.IGNORECASE,
)
_LIST_CONTINUES = re.compile(r"(?:and|to|through|thru|&)\s*[0-9]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"])")
_RANGE_AT_END = re.compile(r"(?:[-–—‐‑‒−]|\bto|\bthrough)\s*$", re.IGNORECASE)


def text_blocks(text: str) -> list[tuple[Place, str]]:
    """Lines with their numbers; a line that ends inside a range ("28.3–") is joined to
    the next one, as happens when text copied from a PDF is wrapped."""
    lines = text.split("\n")
    blocks: list[tuple[Place, str]] = []
    i = 0
    while i < len(lines):
        place, line = Place(i + 1, "line"), lines[i]
        while (
            _RANGE_AT_END.search(line)
            and i + 1 < len(lines)
            and lines[i + 1].lstrip()[:1].isdigit()
        ):
            i += 1
            line = line.rstrip() + " " + lines[i].strip()
        blocks.append((place, line))
        i += 1
    return blocks


def _last_sentence(text: str) -> str:
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    return _ENUMERATION.sub("", sentences[-1]).strip() if sentences else ""


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text, maxsplit=1)[0].strip()


@dataclass
class _Category:
    response: str
    sentence: str


@dataclass
class _Explanation:
    number: str
    text: str
    place: Place


@dataclass
class _Prose:
    """Reads blocks (lines or paragraphs) one by one, remembering the current category."""

    collector: Collector
    current: _Category | None = None
    unfinished: str | None = None  # the previous prose block, when it stopped mid-sentence
    explanations: list[_Explanation] = field(default_factory=list)
    explaining: _Explanation | None = None  # an explanation that stopped mid-sentence

    def problem(self, place: Place, text: str, message: str, severity: Severity = "error") -> None:
        self.collector.problem(place, f'"{short(text)}": {message}', severity=severity)

    def feed(self, place: Place, raw: str) -> None:
        text = " ".join(raw.split())
        if not text:
            self.unfinished = self.explaining = None
            return
        body = _ENUMERATION.sub("", text).strip() or text
        stops = bool(re.search(r"[.:;!?]$", body))
        explanation = self._explanation(place, body)
        if explanation is not None:
            self.unfinished = None
            self.explaining = None if stops else explanation
            return
        if self._colon(place, body) or self._list(place, body):
            self.unfinished = self.explaining = None
            return
        if self.explaining is not None:
            # A wrapped line that goes on with the explanation above it.
            self.explaining.text += " " + body
            self.explaining = None if stops else self.explaining
            return
        self._prose(place, body)
        # Only prose goes on in the next block (a category sentence wrapped over two
        # lines); lists and categories are complete in themselves.
        self.unfinished = None if stops else body

    # -- the forms a block can take, tried in this order --

    def _explanation(self, place: Place, body: str) -> _Explanation | None:
        match = _EXPLANATION.match(body)
        if not match or listish(body):
            return None
        number, rest = match.group("number"), match.group("rest").strip()
        if _LIST_CONTINUES.match(rest):
            return None  # "28.1 and 28.2: noted" lists numbers, it explains none
        # "28.13 – China accepts ..." is explained by what follows the number;
        # "Recommendation 28.27 is rejected because ..." reads well only whole.
        explanation = _Explanation(number, body if match.start("number") else rest, place)
        self.explanations.append(explanation)
        return explanation

    def _colon(self, place: Place, body: str) -> bool:
        if ":" not in body:
            return False
        head, tail = (part.strip() for part in body.rsplit(":", 1))
        if not tail:
            category = self._category(head)
            if category is None:
                return False
            self.current = category
            return True
        if listish(head) and not listish(tail):
            return self._numbers_then_category(place, body, head, tail)
        listed = _first_sentence(tail)
        if not _NUMBER_IN_TEXT.search(listed):
            return False
        category = self._category(head)
        if not listish(listed):
            if category is None:
                return False  # prose with a colon that mentions numbers; warned later
            self._list_error(place, body, listed)
            return True
        numbers = self._parse(place, body, listed)
        if numbers is None:
            return True
        if category is None:
            sentence = _last_sentence(head)
            category = _Category(sentence, sentence)
            self.problem(
                place,
                body,
                f"'{short(sentence)}' is none of the known categories "
                f"({', '.join(CATEGORIES)}); it is kept as written",
                "warning",
            )
        self.current = category
        self._give(numbers, category, place)
        return True

    def _numbers_then_category(self, place: Place, body: str, head: str, tail: str) -> bool:
        numbers = self._parse(place, body, head)
        if numbers is None:
            return True
        response = category_of(tail)
        sentence = _first_sentence(tail).rstrip(".")
        if response is None:
            self.problem(
                place,
                body,
                f"'{short(sentence)}' is none of the known categories "
                f"({', '.join(CATEGORIES)}); it is kept as written",
                "warning",
            )
        self._give(numbers, _Category(response or sentence, sentence), place)
        return True

    def _list(self, place: Place, body: str) -> bool:
        if not listish(body) or ":" in body:
            return False
        numbers = self._parse(place, body, body)
        if numbers is None:
            return True
        if self.current is None:
            self.problem(
                place,
                body,
                "lists numbers, but no category (accepted, noted, ...) comes before them",
            )
            return True
        self._give(numbers, self.current, place)
        return True

    def _prose(self, place: Place, body: str) -> None:
        # A one-sentence paragraph ("The following recommendations are noted.") names
        # the category of the numbers below it; a longer paragraph is an introduction
        # or an explanation, and its wording must not decide anything.
        if len(_SENTENCE_END.split(body)) == 1 and len(body.split()) <= MAX_HEADING_WORDS:
            category = self._category(body.rstrip(":"))
            if category is not None:
                self.current = category
        mentioned = _NUMBER_IN_TEXT.findall(body)
        if mentioned:
            self.problem(
                place,
                body,
                f"mentions {', '.join(dict.fromkeys(mentioned))} but not as a list under a "
                "category or as an explanation starting with the number; it was not read",
                "warning",
            )

    # -- helpers --

    def _category(self, head: str) -> _Category | None:
        if self.unfinished is not None:
            # The sentence began on the previous line (text wrapped mid-sentence).
            head = self.unfinished + " " + head
        sentence = _last_sentence(head)
        response = category_of(sentence)
        return _Category(response, sentence) if response is not None else None

    def _parse(self, place: Place, body: str, listed: str) -> list[str] | None:
        try:
            numbers = parse_number_list(listed)
        except ValueError as error:
            self.problem(place, body, f"cannot be read as a list of numbers: {error}")
            return None
        return numbers

    def _list_error(self, place: Place, body: str, listed: str) -> None:
        try:
            parse_number_list(listed)
        except ValueError as error:
            self.problem(place, body, f"cannot be read as a list of numbers: {error}")
            return
        self.problem(place, body, "cannot be read as a list of numbers")

    def _give(self, numbers: list[str], category: _Category, place: Place) -> None:
        # "Rejected: 28.19" says no more than the category; a sentence such as "China
        # accepts the following recommendations and is implementing them" is kept.
        sentence = category.sentence.strip(" .:")
        redundant = sentence.casefold() in ("", category.response.casefold())
        explanation = None if redundant else sentence
        for number in numbers:
            self.collector.give(number, category.response, explanation, place)

    def finish(self) -> None:
        """Attach each explanation to its number, once every list has been read."""
        for item in self.explanations:
            given = self.collector.given.get(item.number)
            if given is not None:
                parts = [given.explanation, item.text]
                given.explanation = "\n\n".join(p for p in parts if p)
                continue
            response = category_of(item.text)
            if response is None:
                self.problem(
                    item.place,
                    item.text,
                    f"explains {item.number}, but no list gives {item.number} a response; "
                    "the explanation was not read",
                    "warning",
                )
                continue
            # "28.1: noted" states the response; only longer wording explains it.
            plain = item.text.strip(" .").casefold() == response
            self.collector.give(item.number, response, None if plain else item.text, item.place)


def read_prose(
    blocks: list[tuple[Place, str]],
    collector: Collector,
    progress: Callable[[int, int], None] | None,
) -> None:
    prose = _Prose(collector)
    for done, (place, text) in enumerate(blocks, start=1):
        report_progress(progress, done, len(blocks))
        too_long = files.check_cell(text)
        if too_long:
            collector.problem(place, too_long)
            continue
        prose.feed(place, text)
    prose.finish()
