"""The recommendations section of a UPR Working Group report (.docx, .txt or pasted text).

The section is a run of numbered paragraphs under a parent paragraph::

    150. The following recommendations will be examined by X, which will provide
    responses in due time ...:
    150.1 Ratify the Optional Protocol ... (France);
    150.2 Consider ... (Brazil) (Chile);

A recommendation may be wrapped over several lines (text copied from the PDF) or
paragraphs, its number may stand on its own paragraph or be followed by a tab. The
parent paragraph, intro sentences ("The recommendations below enjoy the support of X")
and what follows the section ("151. All conclusions and/or recommendations ...",
"Annex") are skipped. A report does not say which review it belongs to in this section,
so the caller must name it; and it holds no responses (``response`` stays None; an intro
such as "will be examined by X" is not a position). The intro of each section is kept as
a ``wg_section`` tag so that nothing it says is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from docx.text.paragraph import Paragraph

from annotator.importers import brackets, containers
from annotator.importers.files import SourceFileError, check_cell, expect, read_text, sniff
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    SourceTagRecord,
)

FORMAT = "wg-report"
PROGRESS_EVERY = 200
# A paragraph number that is not a recommendation's parent may end the section only if
# it comes soon after that parent ("151. All conclusions ..." after 150.x); a year at the
# start of a wrapped line ("2015. It also ...") is far from it.
_NEXT_PARAGRAPH_SPAN = 5

_SPACE = r"[\s\u00a0]"
_REC = re.compile(rf"^{_SPACE}*(\d{{1,4}})\.(\d{{1,4}})\.?(?:{_SPACE}+|$|(?=[A-Z“\"']))(.*)$")
_PARENT = re.compile(rf"^{_SPACE}*(\d{{1,4}})\.(?:{_SPACE}+|$)(.*)$")
_HEADING = re.compile(r"^\s*(?:[IVXLC]+\.\s+\S|(?:Annex|Appendix)(?:\s+[IVXLC\d]+)?\s*$)")
_INTRO_START = re.compile(r"^\s*(?:The|All|These|Recommendations|Following)\b")
_INTRO_WORDS = re.compile(
    r"\brecommendations?\b.*\b(?:enjoy|enjoyed|support|supported|examined|noted|considered"
    r"|accepted|rejected|reflect|respon\w*)\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class _Line:
    index: int  # paragraph or line number in the source, 1-based
    text: str


@dataclass
class _Pending:
    """A recommendation being collected over one or more lines."""

    parent: str
    sub: str
    row: int
    parts: list[str] = field(default_factory=list)
    section: str | None = None

    @property
    def number(self) -> str:
        return f"{self.parent}.{self.sub}"


def read(
    path: Path,
    *,
    review: ReviewRecord | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """Read a Working Group report's recommendations from a .docx or a text file."""
    review = _require_review(path.name, review)
    sniffed = sniff(path)
    expect(sniffed, "docx", "text")
    if sniffed.kind == "text":
        lines = list(_text_lines(read_text(path)))
        return _parse(path.name, lines, review, "line", progress, hint="")
    document = containers.open_docx(path)  # every python-docx failure as SourceFileError
    lines = []
    auto_numbered = 0
    for index, paragraph in enumerate(document.paragraphs, start=1):
        if _auto_numbered(paragraph):
            auto_numbered += 1
        lines.extend(_Line(index, part) for part in paragraph.text.split("\n"))
    hint = ""
    if document.tables and not any(line.text.strip() for line in lines):
        hint = (
            " It holds only a table; an OHCHR matrix (thematic list of recommendations) "
            "is imported with the 'ohchr-matrix' format."
        )
    elif auto_numbered:
        hint = (
            f" {auto_numbered} paragraph(s) are numbered by Word's automatic numbering, "
            "which is not part of the text: copy the section and paste it as plain text."
        )
    return _parse(path.name, lines, review, "paragraph", progress, hint=hint)


def _auto_numbered(paragraph: Paragraph) -> bool:
    """Whether Word numbers the paragraph itself (directly or through its style)."""
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:  # styles inherit; a loop is a damaged file
        style_properties = style.element.pPr
        if style_properties is not None and style_properties.numPr is not None:
            return True
        style = style.base_style
        seen += 1
    return False


def read_text_input(
    text: str,
    *,
    review: ReviewRecord | None,
    name: str = "pasted text",
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """Read recommendations pasted by a user (copied from the report's PDF or web page)."""
    review = _require_review(name, review)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise SourceFileError(f"{name} is empty.")
    return _parse(name, list(_text_lines(text)), review, "line", progress, hint="")


def _require_review(name: str, review: ReviewRecord | None) -> ReviewRecord:
    if review is None:
        raise SourceFileError(
            f"{name}: a Working Group report's recommendations do not say which review "
            "they belong to. Say which review this is (state under review and cycle) "
            "and import it again."
        )
    return review


def _text_lines(text: str) -> Iterator[_Line]:
    for index, line in enumerate(text.split("\n"), start=1):
        yield _Line(index, line)


def _real_parents(lines: list[_Line]) -> set[str]:
    """Parent numbers that really head recommendations.

    A parent counts when a paragraph of its own introduces it ("150. The following ...")
    or when at least two recommendations carry it; a lone "1.5 million ..." at the start
    of a wrapped line does neither. If nothing qualifies, every candidate counts (a
    single pasted recommendation).
    """
    rec_parents: dict[str, int] = {}
    heading_parents: set[str] = set()
    for line in lines:
        rec = _REC.match(line.text)
        if rec is not None:
            rec_parents[rec.group(1)] = rec_parents.get(rec.group(1), 0) + 1
            continue
        parent = _PARENT.match(line.text)
        if parent is not None:
            heading_parents.add(parent.group(1))
    real = {p for p, count in rec_parents.items() if count >= 2 or p in heading_parents}
    return real or set(rec_parents)


def _is_intro(text: str) -> bool:
    stripped = text.strip()
    if brackets.ends_with_states(stripped):
        return False
    if stripped.endswith(":") and "recommendation" in stripped.casefold():
        return True
    return bool(_INTRO_START.match(stripped) and _INTRO_WORDS.search(stripped))


def _parse(
    name: str,
    lines: list[_Line],
    review: ReviewRecord,
    unit: str,
    progress: Callable[[int, int], None] | None,
    *,
    hint: str,
) -> ImportBatch:
    batch = ImportBatch(file=name, format=FORMAT)
    pending = _collect(lines, unit, batch, progress)
    if not pending:
        raise SourceFileError(
            f"{name} has no numbered recommendations (paragraphs such as "
            f"'150.1 Ratify the Convention ... (France);').{hint}"
        )
    _check_numbers(pending, batch, unit)
    seen: dict[str, int] = {}
    for item in pending:
        if item.number in seen:
            batch.problem(
                item.row,
                None,
                f"recommendation {item.number} appears twice (first at {unit} {seen[item.number]})",
                unit=unit,
            )
            continue
        seen[item.number] = item.row
        record = _record(item, review, batch, unit)
        if record is not None:
            batch.recommendations.append(record)
    return batch


def _collect(
    lines: list[_Line],
    unit: str,
    batch: ImportBatch,
    progress: Callable[[int, int], None] | None,
) -> list[_Pending]:
    """Group lines into recommendations, skipping intro and outro text."""
    parents = _real_parents(lines)
    found: list[_Pending] = []
    current: _Pending | None = None
    section: str | None = None  # the intro of the current section, as written
    current_parent: int | None = None
    after_blank = False
    in_intro = False
    skipped = 0
    for done, line in enumerate(lines, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(lines))
        text = line.text
        if not text.strip():
            after_blank = True
            continue
        rec = _REC.match(text)
        parent = _PARENT.match(text) if rec is None else None
        if rec is not None and rec.group(1) in parents:
            current = _Pending(rec.group(1), rec.group(2), line.index, section=section)
            if rec.group(3).strip():
                current.parts.append(rec.group(3).strip())
            found.append(current)
            current_parent = int(rec.group(1))
            in_intro = False
        elif parent is not None and _ends_section(parent.group(1), parents, current_parent):
            current = None
            section = _section_text(parent.group(2))
            current_parent = int(parent.group(1))
            in_intro = True
        elif _HEADING.match(text):
            current, section, in_intro = None, None, False
            skipped += 1
        elif _is_intro(text):
            current, section, in_intro = None, _section_text(text), True
        elif current is not None and not (after_blank and _complete(current)):
            current.parts.append(text.strip())
        elif in_intro and not after_blank:
            # The intro wraps over several lines: "150. The following ... by X, which will
            # provide responses in due time ...:"
            section = _section_text(f"{section or ''} {text}")
        else:
            current, in_intro = None, False
            skipped += 1
        after_blank = False
    if progress is not None:
        progress(len(lines), len(lines))
    if skipped:
        batch.notes.append(f"{skipped} {unit}(s) of text outside the recommendations skipped")
    return found


def _ends_section(number: str, parents: set[str], current_parent: int | None) -> bool:
    if number in parents or current_parent is None:
        return True
    return current_parent < int(number) <= current_parent + _NEXT_PARAGRAPH_SPAN


def _section_text(text: str) -> str | None:
    return " ".join(text.split()) or None


def _complete(item: _Pending) -> bool:
    """Whether a recommendation already ends with its states (so a blank line ends it)."""
    return bool(item.parts) and brackets.ends_with_states(" ".join(item.parts))


def _check_numbers(pending: list[_Pending], batch: ImportBatch, unit: str) -> None:
    """Warn about numbers that skip ("150.3 missing") or go backwards."""
    last: dict[str, int] = {}
    for item in pending:
        if not item.sub.isdigit():
            continue
        sub = int(item.sub)
        previous = last.get(item.parent, 0)
        if sub > previous + 1:
            gap = [f"{item.parent}.{n}" for n in range(previous + 1, sub)]
            shown = gap[0] if len(gap) == 1 else f"{gap[0]} to {gap[-1]}"
            batch.problem(
                item.row,
                None,
                f"{shown} missing (the numbers go from {item.parent}.{previous} to {item.number})"
                if previous
                else f"{shown} missing (the first recommendation is {item.number})",
                severity="warning",
                unit=unit,
            )
        elif sub < previous:
            batch.problem(
                item.row,
                None,
                f"recommendation {item.number} comes after {item.parent}.{previous}",
                severity="warning",
                unit=unit,
            )
        last[item.parent] = max(sub, previous)


def _record(
    item: _Pending, review: ReviewRecord, batch: ImportBatch, unit: str
) -> RecommendationRecord | None:
    text = " ".join(item.parts).strip()
    if not text:
        batch.problem(item.row, None, f"recommendation {item.number} has no text", unit=unit)
        return None
    too_long = check_cell(text)
    if too_long:
        batch.problem(item.row, None, f"recommendation {item.number} {too_long}", unit=unit)
        return None
    found = brackets.recommending_states(text)
    for message in found.warnings:
        batch.problem(
            item.row,
            None,
            f"recommendation {item.number}: {message}",
            severity="warning",
            unit=unit,
        )
    tags = [SourceTagRecord(FORMAT, "wg_section", item.section)] if item.section else []
    return RecommendationRecord(
        review=review,
        text=text,
        number=item.number,
        recommending_text=found.text,
        recommending_names=found.names,
        recommending_iso3=found.iso3,
        response=None,
        tags=tags,
        source=FORMAT,
        row=item.row,
    )
