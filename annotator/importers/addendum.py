"""The state's addendum (A/HRC/NN/X/Add.1) as the UN publishes it: its responses by number.

Two layouts are in use:

* lists under categories (cycles 2 on): a heading or a sentence names the category,
  a sentence lists the numbers ("3. The Government accepts the following
  recommendations 122.1, 122.12, 122.17-18, ..."), and explanations follow under a
  number or a range ("122.14– 15" on its own line, or "Rec. 18  We consider ...");
* one paragraph per number or numbers (cycle 1): "5., 6., 7.   The Slovenian Government
  accepts these recommendations. ..."; its first sentence is the response.

Numbers are written as states write them: "140.35. 140.36" (a full stop between),
abbreviated ranges "122.17-18", "122.62-⏎66", "122.34- 35", "140.82-85, 87" and
"140.120, 209" (the paragraph carried over), or bare serial numbers ("Rec. 18", kept as
written; the import matches them to the report's paragraph). The state's category is
kept as it wrote it (a heading "Accepted recommendations that Slovenia considers already
implemented ..." or the sentence); what it means is decided elsewhere, from one table.
The totals the state announces ("of which 124 are now supported and 33 noted") go into
``batch.announced_totals`` and are compared with what was read.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from annotator.importers.documents import DocLine, DocumentText
from annotator.importers.numbers import MAX_RANGE
from annotator.importers.records import ImportBatch, ResponseRecord

_NUM = r"\d{1,4}(?:\.\d{1,4})?"
_DASH = r"[-–—‐‑‒−]"
# A list of numbers as addenda write them (the pieces are checked one by one later).
_LIST = re.compile(
    rf"{_NUM}(?:(?:\s*{_DASH}\s*|\s*[,;&]\s*|\s+and\s+|\s*\.\s+(?=\d{{1,4}}\.\d)|\s+){_NUM})*"
)
_LIST_LEAD = re.compile(
    r"\b(?:accept\w*|support\w*|note\w*|takes?\s+note\s+of|reject\w*|implement\w*)\b"
    r"(?:[^.:;]*?\brecommendations?\s*:?|[^.:;]*:)\s*(?=\d)",
    re.IGNORECASE,
)
_PARAGRAPH = re.compile(r"^\s*\d{1,2}\.\s+[A-Z]")
_ROMAN = re.compile(r"^\s*[IVX]{1,5}\.\s+")
_LABEL = re.compile(
    rf"^\s*(?:(?P<rec>Recs?\.|Recommendations?)\s*)?(?P<list>{_NUM}(?:\s*{_DASH}\s*{_NUM})?"
    rf"(?:\s*[,;]\s*{_NUM}(?:\s*{_DASH}\s*{_NUM})?)*)\.?(?:\s+(?P<rest>[A-Z“\"(].*))?\s*$"
)
_LIST_GOES_ON = re.compile(rf"\d(?:\s*[,;&]|\s*{_DASH}|\s+and)\s*$")
_NOTES = re.compile(r"^\s*Notes\s*$")
_ENTRY = re.compile(r"^\s*(?P<list>\d{1,3}\.(?:\s*,\s*\d{1,3}\.)*,?)(?:\s+(?P<rest>\S.*))?$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
_CATEGORY_WORDS = re.compile(
    r"\b(?:accept\w*|support\w*|noted|rejected|partially|implement\w*)\b", re.IGNORECASE
)
_TOTAL = re.compile(
    r"(?P<count>\d{1,4})\s+(?:(?:are|were|is|was)\s+)?(?:(?P<when>now|immediately)\s+)?"
    r"(?P<word>supported|accepted|partially accepted|noted|rejected)\b"
    r"|\b(?P<verb>partially accepts|accepts|supports|notes|rejects)\s+(?P<count2>\d{1,4})"
    r"(?!\.\d)(?:\s+recommendations)?\b",
    re.IGNORECASE,
)
_VERB_WORD = {
    "accepts": "accepted",
    "partially accepts": "partially accepted",
    "supports": "supported",
    "notes": "noted",
    "rejects": "rejected",
}


@dataclass
class _Given:
    response: str
    line: int
    page: int | None
    explanation: list[str] = field(default_factory=list)


@dataclass
class _Reader:
    document: DocumentText
    batch: ImportBatch
    given: dict[str, _Given] = field(default_factory=dict)

    def problem(self, line: DocLine | None, message: str, severity: str = "error") -> None:
        self.batch.problem(
            line.line if line else None,
            None,
            message,
            severity=severity,  # type: ignore[arg-type]
            unit="line",
            page=line.page if line else None,
        )

    def give(self, number: str, response: str, line: DocLine) -> None:
        old = self.given.get(number)
        if old is None:
            self.given[number] = _Given(response, line.line, line.page)
        elif old.response == response:
            self.problem(
                line,
                f"{number} is listed again under '{_short(response)}' (first at line "
                f"{old.line}{_page(old.page)}); it is counted once",
                "warning",
            )
        else:
            self.problem(
                line,
                f"{number} is given two responses: '{_short(old.response)}' at line "
                f"{old.line}{_page(old.page)} and '{_short(response)}' here",
            )

    def records(self) -> list[ResponseRecord]:
        return [
            ResponseRecord(
                number,
                g.response,
                "\n\n".join(g.explanation) or None,
                g.line,
                g.page,
            )
            for number, g in self.given.items()
        ]


def _page(page: int | None) -> str:
    return f", page {page}" if page else ""


def _short(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def looks_like_addendum(document: DocumentText) -> bool:
    """Whether the text is a published addendum (rather than a short pasted list)."""
    head = " ".join(document.first_page[:40]).casefold()
    return "addendum" in head or "views on conclusions" in head or "/add." in head


def read(document: DocumentText, batch: ImportBatch) -> None:
    """Read the responses of ``document`` into ``batch`` (responses, totals, problems)."""
    reader = _Reader(document, batch)
    lines = [line for line in document.lines if line.text.strip()]
    if any(_LIST_LEAD.search(text) for text in _paragraph_texts(lines)):
        _read_lists(lines, reader)
    else:
        _read_entries(lines, reader)
    batch.responses = reader.records()
    _announced_totals(lines, reader)


# ---------------------------------------------------------------------------
# Lists under categories


def _paragraph_texts(lines: list[DocLine]) -> list[str]:
    texts: list[str] = []
    for line in lines:
        if _PARAGRAPH.match(line.text) or not texts:
            texts.append(line.text.strip())
        else:
            texts[-1] += " " + line.text.strip()
    return texts


def _is_heading(text: str) -> bool:
    stripped = _ROMAN.sub("", text).strip()
    return (
        bool(stripped)
        and len(stripped.split()) <= 16
        and stripped[0].isupper()
        and not re.search(r"[.;:,]$|\d|\.\s", stripped)
        and "recommendation" in stripped.casefold()
        and bool(_CATEGORY_WORDS.search(stripped))
    )


def _heading_continues(text: str) -> bool:
    stripped = text.strip()
    return (
        bool(stripped)
        and stripped[0].islower()
        and len(stripped.split()) <= 12
        and not re.search(r"[.;:,]$|\d", stripped)
    )


@dataclass
class _Block:
    kind: str  # "heading", "paragraph", "label"
    lines: list[DocLine]
    numbers_text: str = ""  # a label's numbers, as written
    rest: str = ""

    @property
    def text(self) -> str:
        return " ".join(line.text.strip() for line in self.lines)


def _blocks(lines: list[DocLine]) -> list[_Block]:
    blocks: list[_Block] = []
    for line in lines:
        text = line.text
        last = blocks[-1] if blocks else None
        if last is not None and last.kind == "heading" and _heading_continues(text):
            last.lines.append(line)
            continue
        if last is not None and last.kind == "label" and not last.rest:
            last.rest = text.strip()  # a number on its own line: its explanation follows
            last.lines.append(line)
            continue
        if _NOTES.match(text):
            break  # the footnotes' heading; the footnotes themselves were left out
        if _is_heading(text):
            blocks.append(_Block("heading", [line]))
            continue
        if last is not None and last.kind == "paragraph" and _LIST_GOES_ON.search(last.text):
            last.lines.append(line)  # "122.148,⏎122.150, ..." : the list goes on
            continue
        label = _LABEL.match(text)
        if label and (label.group("rec") or "." in label.group("list").split()[0].strip(".")):
            blocks.append(
                _Block("label", [line], label.group("list"), (label.group("rest") or "").strip())
            )
            continue
        if _PARAGRAPH.match(text) or last is None:
            blocks.append(_Block("paragraph", [line]))
            continue
        if last.kind == "heading":
            blocks.append(_Block("paragraph", [line]))
            continue
        if last.kind == "label":
            last.rest = (last.rest + " " + text.strip()).strip()
        last.lines.append(line)
    return blocks


def _read_lists(lines: list[DocLine], reader: _Reader) -> None:
    heading: str | None = None  # the category heading, until a list has used it
    explanations: list[tuple[_Block, list[str]]] = []
    for block in _blocks(lines):
        if block.kind == "heading":
            heading = _ROMAN.sub("", block.text).strip()
            continue
        if block.kind == "label":
            numbers = _expand(block.numbers_text, block.lines[0], reader)
            if numbers is not None:
                explanations.append((block, numbers))
            continue
        joined, starts = _joined(block.lines)
        for lead in _LIST_LEAD.finditer(joined):
            listed = _LIST.match(joined, lead.end())
            if listed is None:
                continue
            line = block.lines[bisect.bisect_right(starts, lead.end()) - 1]
            placed = _expand_placed(listed.group(0), line, reader)
            if placed is None:
                continue
            sentence = _sentence_before(joined, lead.start(), lead.end())
            response = heading or sentence
            for number, offset in placed:
                at = block.lines[bisect.bisect_right(starts, listed.start() + offset) - 1]
                reader.give(number, response, at)
            heading = None
    for block, numbers in explanations:
        text = block.rest.strip()
        if not text:
            continue
        for number in numbers:
            given = reader.given.get(number)
            if given is None:
                reader.problem(
                    block.lines[0],
                    f"explains {number}, but no list gives {number} a response; "
                    "the explanation was not read",
                    "warning",
                )
                continue
            given.explanation.append(text)


def _joined(lines: list[DocLine]) -> tuple[str, list[int]]:
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        text = line.text.strip()
        parts.append(text)
        offset += len(text) + 1
    return " ".join(parts), starts


def _sentence_before(text: str, start: int, end: int) -> str:
    """The sentence that introduces a list, as written, without its paragraph number."""
    begin = max(text.rfind(". ", 0, start), -1) + 1
    sentence = text[begin:end].strip()
    sentence = re.sub(r"^\d{1,2}\.\s+", "", sentence)
    return sentence.rstrip(": ")


# ---------------------------------------------------------------------------
# One paragraph per number (cycle 1)


def _read_entries(lines: list[DocLine], reader: _Reader) -> None:
    entries: list[tuple[DocLine, list[str], list[str]]] = []
    used: set[int] = set()
    open_list = False  # the numbers of the entry go on on the next line ("40., 41., 42.,")
    for line in lines:
        match = _ENTRY.match(line.text)
        if match is not None:
            found = [n.strip() for n in match.group("list").split(",") if n.strip()]
            values = [int(n.rstrip(".")) for n in found]
            rest = (match.group("rest") or "").strip()
            fresh = not used & set(values) and values[0] <= max(used, default=0) + 20
            if open_list and entries and fresh:
                entries[-1][1].extend(str(v) for v in values)
                if rest:
                    entries[-1][2].append(rest)
                used.update(values)
                open_list = match.group("list").endswith(",")
                continue
            if fresh:
                entries.append((line, [str(v) for v in values], [rest] if rest else []))
                used.update(values)
                open_list = match.group("list").endswith(",")
                continue
        open_list = False
        if entries:
            entries[-1][2].append(line.text.strip())
    for line, numbers, parts in entries:
        text = " ".join(parts).strip()
        if not text:
            reader.problem(line, f"{', '.join(numbers)}: no response is given", "error")
            continue
        sentences = _SENTENCE_END.split(text, maxsplit=1)
        response = sentences[0].strip()
        explanation = sentences[1].strip() if len(sentences) > 1 else ""
        for number in numbers:
            reader.give(number, response, line)
            if explanation:
                reader.given[number].explanation = [explanation]


# ---------------------------------------------------------------------------
# Numbers as written


_PIECE = re.compile(rf"({_NUM})(?:\s*{_DASH}\s*({_NUM}))?")


def _expand(text: str, line: DocLine, reader: _Reader) -> list[str] | None:
    """The numbers a list names; a bare number or range end takes the paragraph of the
    number before it ("122.17-18", "140.82-85, 87"). None (and an error) if malformed."""
    placed = _expand_placed(text, line, reader)
    return None if placed is None else [number for number, _ in placed]


def _expand_placed(text: str, line: DocLine, reader: _Reader) -> list[tuple[str, int]] | None:
    """As :func:`_expand`, each number with the offset in ``text`` it was written at."""
    numbers: list[tuple[str, int]] = []
    parent: str | None = None
    for piece in _PIECE.finditer(text):
        start, end = piece.group(1), piece.group(2)
        if "." in start:
            parent = start.split(".")[0]
        elif parent is not None:
            start = f"{parent}.{start}"
        if end is None:
            numbers.append((start, piece.start()))
            continue
        if "." not in end and "." in start:
            end = f"{start.split('.')[0]}.{end}"
        first, last = _split(start), _split(end)
        if first[0] != last[0]:
            reader.problem(
                line,
                f"the range {piece.group(0)} runs from paragraph {first[0]} into "
                f"paragraph {last[0]}; it is not read",
            )
            return None
        if last[1] < first[1] or last[1] - first[1] >= MAX_RANGE:
            reader.problem(line, f"the range {piece.group(0)} cannot be right; it is not read")
            return None
        prefix = f"{first[0]}." if first[0] else ""
        numbers.extend((f"{prefix}{n}", piece.start()) for n in range(first[1], last[1] + 1))
    return numbers


def _split(number: str) -> tuple[str, int]:
    if "." in number:
        parent, child = number.split(".", 1)
        return parent, int(child)
    return "", int(number)


# ---------------------------------------------------------------------------
# What the state says it did


def _announced_totals(lines: list[DocLine], reader: _Reader) -> None:
    """Totals such as "124 are now supported and 33 noted", "accepts 142 recommendations".

    Only the document's own opening paragraphs are read (before the first list); a
    total "immediately supported" (at the review) is the report's, not the addendum's.
    """
    opening = " ".join(line.text.strip() for line in lines[:60])
    totals: dict[str, int] = {}
    for match in _TOTAL.finditer(opening):
        if match.group("verb"):
            word = _VERB_WORD[match.group("verb").casefold()]
            count = int(match.group("count2"))
        else:
            if (match.group("when") or "").casefold() == "immediately":
                continue
            word, count = match.group("word").casefold(), int(match.group("count"))
        totals.setdefault(word, count)
    reader.batch.announced_totals = totals


def compare_totals(batch: ImportBatch, categories: dict[str, str]) -> None:
    """Warn when what was read differs from what the state announces.

    ``categories`` maps each response wording read to its category ("accepted",
    "noted", "rejected", ...); announced "supported" and "accepted" count everything
    accepted (implemented or not, and in part unless the state counts those apart).
    """
    if not batch.announced_totals:
        return
    batch.totals_checked = True
    partial_apart = "partially accepted" in batch.announced_totals
    read: dict[str, int] = {}
    for record in batch.responses:
        category = categories.get(record.response) or ""
        accepted = category.startswith("accepted") or (
            category.startswith("partially") and not partial_apart
        )
        key = "accepted" if accepted else category
        read[key] = read.get(key, 0) + 1
    for word, announced in batch.announced_totals.items():
        key = "accepted" if word in ("accepted", "supported") else word
        found = read.get(key, 0)
        if found != announced:
            batch.problem(
                None,
                None,
                f"the state announces {announced} recommendations {word}, but {found} "
                f"are listed as {word} in the document",
                severity="warning",
            )
