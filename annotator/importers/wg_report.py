"""The recommendations of a UPR Working Group report (PDF, .docx, .txt or pasted text).

A whole report is read through :mod:`annotator.importers.documents` (page furniture
removed); only its section "Conclusions and/or recommendations" is read, up to the
paragraph "All conclusions and/or recommendations contained in the present report
reflect ...": the body before it has lines that begin with figures ("4.5 percentage
points") that are not recommendations. Text without that heading (a pasted list) is
read whole.

Cycles 2-4 number recommendations under a parent paragraph ("150.1 Ratify ...");
cycle 1 numbers them 1, 2, 3 ... under the parent paragraph ("111. The recommendations
... listed below will be examined by ...", then "1. To ratify ..."), and they are
numbered "111.1", "111.2" here, as the UN's later documents cite them.

The section is a run of numbered paragraphs under a parent paragraph::

    150. The following recommendations will be examined by X, which will provide
    responses in due time ...:
    150.1 Ratify the Optional Protocol ... (France);
    150.2 Consider ... (Brazil) (Chile);

A recommendation may be wrapped over several lines (text copied from the PDF) or
paragraphs, its number may stand on its own paragraph or be followed by a tab. The
parent paragraph, intro sentences ("The recommendations below enjoy the support of X")
and what follows the section ("151. All conclusions and/or recommendations ...",
"Annex") are skipped. The caller names the review; the masthead's symbol, date,
session and state go into ``batch.document``.

Each parent paragraph's intro gives the report's preliminary position, kept in
``response``: "enjoy the support of X" gives "supported at the review", "did not enjoy
the support of X" / "noted by X" gives "noted", "will be examined by X" gives none (the
addendum answers). The intro itself, as written, is kept as a ``wg_section`` tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docx.text.paragraph import Paragraph

from annotator import upr_calendar
from annotator.importers import brackets, containers, documents
from annotator.importers.files import SourceFileError, check_cell, expect, sniff
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    SourceDocument,
    SourceTagRecord,
)
from annotator.states import match_state

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


SUPPORTED_AT_REVIEW = "supported at the review"
NOTED_AT_REVIEW = "noted"

_SECTION_HEADING = re.compile(
    r"^\s*(?:[IVX]+\.\s*)?Conclusions\s+and/or\s+recommendations\W*$", re.IGNORECASE
)
_SECTION_END = re.compile(
    r"^\s*(?:\d{1,4}\.\s+)?All\s+conclusions\s+and/or\s+recommendations\b", re.IGNORECASE
)
_NEXT_HEADING = re.compile(r"^\s*(?:[IVX]+\.\s+[A-Z]|Annex\b)")
_CYCLE1_ITEM = re.compile(r"^(\s*)(\d{1,3})\.(\s+)(\S.*)$")
_NOT_SUPPORTED = re.compile(
    r"\b(?:did|do|does) not (?:enjoy|receive)\b|\bnot (?:enjoy|supported)\b|\bnoted\b",
    re.IGNORECASE,
)
_SUPPORTED = re.compile(r"\benjoy(?:s|ed)? the support\b|\bare supported\b", re.IGNORECASE)


@dataclass
class _Line:
    index: int  # paragraph or line number in the source, 1-based
    text: str
    page: int | None = None


def preliminary_position(intro: str | None) -> str | None:
    """The position a parent paragraph's intro gives its recommendations, or None."""
    if not intro:
        return None
    if _NOT_SUPPORTED.search(intro):
        return NOTED_AT_REVIEW
    if _SUPPORTED.search(intro):
        return SUPPORTED_AT_REVIEW
    return None


@dataclass
class _Pending:
    """A recommendation being collected over one or more lines."""

    parent: str
    sub: str
    row: int
    parts: list[str] = field(default_factory=list)
    section: str | None = None
    page: int | None = None

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
    sniffed = sniff(path)
    expect(sniffed, "pdf", "docx", "text")
    if sniffed.kind in {"pdf", "text"}:
        # A file that cannot be read says so before anything is asked about it.
        document = documents.read_document(path)
        lines = [_Line(line.line, line.text, line.page) for line in document.lines]
        source = _source_document(document.first_page, [x.text for x in lines[:200]])
        review = _require_review(path.name, review or _review_of(source))
        batch = _parse(path.name, lines, review, "line", progress, hint="")
        batch.document = source
        return batch
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
    texts = [line.text for line in lines[:200]]
    source = _source_document(texts[:60], texts)
    review = _require_review(path.name, review or _review_of(source))
    batch = _parse(path.name, lines, review, "paragraph", progress, hint=hint)
    batch.document = source
    return batch


def _review_of(document: SourceDocument) -> ReviewRecord | None:
    """The review a report names on its own first pages: the state under review and the
    Working Group session (whose cycle and year the UPR calendar gives); None when the
    document does not say both."""
    if not document.state_name or document.session is None:
        return None
    state = match_state(document.state_name)
    if state is None:
        return None
    try:
        cycle = upr_calendar.cycle_of_session(document.session)
    except ValueError:
        return None
    return ReviewRecord(
        state.iso3,
        cycle,
        session=document.session,
        year=upr_calendar.session_year(document.session),
        report_symbol=document.symbol,
    )


def _source_document(first_page: list[str], opening: list[str]) -> SourceDocument:
    head = documents.masthead(first_page)
    session, review_date = documents.introduction_facts(opening)
    return SourceDocument(
        kind="report",
        symbol=head.symbol,
        date=head.date,
        title=head.title,
        session=session,
        state_name=head.state_name,
        council_session=head.session,
        review_date=review_date,
    )


def _section(lines: list[_Line]) -> list[_Line]:
    """The lines of "Conclusions and/or recommendations", or all lines if no such heading.

    The table of contents names the section too ("II. Conclusions and/or
    recommendations ....... 115-116 13"); only a line that is the heading alone counts,
    and the last such line is the section (the contents come first).
    """
    starts = [i for i, line in enumerate(lines) if _SECTION_HEADING.match(line.text)]
    if not starts:
        return lines
    section: list[_Line] = []
    for line in lines[starts[-1] + 1 :]:
        if _SECTION_END.match(line.text) or _NEXT_HEADING.match(line.text):
            break
        section.append(line)
    return section


def _cycle1_numbers(lines: list[_Line]) -> list[_Line]:
    """Cycle 1's "1. To ratify ..." under "111. The recommendations ..." become "111.1 ..."

    Only when the section has no "150.1"-style numbers at all. An item continues the
    count under the current parent paragraph (1, 2, 3 ...); a number above the parent's
    is the next parent paragraph.
    """
    if any(_REC.match(line.text) for line in lines):
        return lines
    out: list[_Line] = []
    parent: int | None = None
    expected = 1
    for line in lines:
        match = _CYCLE1_ITEM.match(line.text)
        if match is None:
            out.append(line)
            continue
        indent, number, space, rest = match.groups()
        value = int(number)
        if parent is None or value > parent:
            parent, expected = value, 1
            out.append(line)
        elif value == expected:
            expected += 1
            out.append(_Line(line.index, f"{indent}{parent}.{value}{space}{rest}", line.page))
        else:
            out.append(line)
    return out


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
    document = documents.from_text(text, name)
    lines = [_Line(line.line, line.text, line.page) for line in document.lines]
    batch = _parse(name, lines, review, "line", progress, hint="")
    batch.document = _source_document(document.first_page, [x.text for x in lines[:200]])
    return batch


def _require_review(name: str, review: ReviewRecord | None) -> ReviewRecord:
    if review is None:
        raise SourceFileError(
            f"{name}: this Working Group report does not say which review it belongs to "
            "(no state under review and session on its first pages). Say which review "
            "this is (state under review and cycle) and import it again."
        )
    return review


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
    lines = _cycle1_numbers(_section(lines))
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
                page=item.page,
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
            current = _Pending(
                rec.group(1), rec.group(2), line.index, section=section, page=line.page
            )
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
                page=item.page,
            )
        elif sub < previous:
            batch.problem(
                item.row,
                None,
                f"recommendation {item.number} comes after {item.parent}.{previous}",
                severity="warning",
                unit=unit,
                page=item.page,
            )
        last[item.parent] = max(sub, previous)


def _record(
    item: _Pending, review: ReviewRecord, batch: ImportBatch, unit: str
) -> RecommendationRecord | None:
    text = " ".join(item.parts).strip()
    if not text:
        batch.problem(
            item.row, None, f"recommendation {item.number} has no text", unit=unit, page=item.page
        )
        return None
    too_long = check_cell(text)
    if too_long:
        batch.problem(
            item.row, None, f"recommendation {item.number} {too_long}", unit=unit, page=item.page
        )
        return None
    found = brackets.recommending_states(text)
    for message in found.warnings:
        batch.problem(
            item.row,
            None,
            f"recommendation {item.number}: {message}",
            severity="warning",
            unit=unit,
            page=item.page,
        )
    tags = [SourceTagRecord(FORMAT, "wg_section", item.section)] if item.section else []
    return RecommendationRecord(
        review=review,
        text=text,
        number=item.number,
        recommending_text=found.text,
        recommending_names=found.names,
        recommending_iso3=found.iso3,
        response=preliminary_position(item.section),
        tags=tags,
        source=FORMAT,
        row=item.row,
    )
