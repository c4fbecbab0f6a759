"""The text of a UN document (PDF, Word or plain text) as lines with their page numbers.

The Working Group report and the state's addendum are published as PDF; coordinators
also have them as Word files or as text copied out of the PDF. Whatever the file, the
readers get the same thing: the document's lines in reading order, each with its line
number and page, with the page furniture taken out first:

* running headers and footers: the document symbol ("A/HRC/43/15/Add.1"), the job
  number ("GE.20-02535(E)"), page numbers;
* footnotes and footnote markers ("recommendations.1");
* a word hyphenated or broken over a line or a page is joined onto the first line.

The kind of file is told from its bytes, never from its name. PDFs are read with
pdfplumber (MIT licence), chosen by measured accuracy on real UN documents (see
docs/importing.md): it keeps the reading order and the lines of the layout, and it
gives each character's font size, which tells footnotes and superscript markers
(smaller than the body text) from the text itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.importers.files import SourceFileError, expect, read_text, sniff

# A Working Group report is 20-40 pages, an addendum 5-30; a 2,000-page PDF is not
# one of them, and reading it would take minutes.
MAX_PDF_PAGES = 400
# A page of a UN document holds ~500 words; a page with fewer characters than this
# and an image is taken as scanned.
_SCANNED_CHARS = 20
# Characters this much smaller than the body text are superscripts (footnote markers).
_SUPERSCRIPT_RATIO = 0.75

_SYMBOL = re.compile(r"\bA/(?:HRC|[A-Z]{1,4})(?:/[A-Z0-9.]+)+(?:/Add\.\d+)?", re.IGNORECASE)
_JOB_NUMBER = re.compile(r"^\s*GE\.\d{2}-\d{4,6}\s*(?:\(\s*[A-Z]\s*\))?(?:\s+\S.*)?$")
_SYMBOL_LINE = re.compile(r"^\s*A/HRC/\d+/[\w./]+\s*$")
# The page number and the running header side by side, as some extractors give them
# ("11A/HRC/43/15", "A/HRC/43/15 11").
_HEADER_WITH_PAGE = re.compile(
    r"^\s*(?:\d{1,3}\s*A/HRC/\d+/[\w./]+|A/HRC/\d+/[\w./]+?\s+\d{1,3})\s*$"
)
_PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_NOT_EDITED = re.compile(r"^\s*\*\s*The present document was not edited", re.IGNORECASE)
# A footnote marker glued to a word and a full stop or comma: "recommendations.1"
_MARKER = re.compile(
    r"(?<![Aa]dd\.)(?<![Nn]o\.)(?<!Corr\.)(?<!Rev\.)(?<=[a-z)][.,;:])\d{1,2}(?=\s|$)"
)
# Barcode and symbol fonts map their glyphs to the private use area.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_HYPHEN_END = re.compile(r"(?<=[A-Za-z])[-‐]\s*$")
_LOWER_START = re.compile(r"^\s*([a-z][\w’']*[,.;:]?)(\s+|$)")

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DATE = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(m.capitalize() for m in MONTHS) + r")\s+((?:19|20)\d{2})\b"
)
_ORDINALS = {
    word: n
    for n, word in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
        ],
        start=1,
    )
}
_TENS = {
    "twent": 20,
    "thirt": 30,
    "fort": 40,
    "fift": 50,
    "sixt": 60,
    "sevent": 70,
    "eight": 80,
    "ninet": 90,
}
_SESSION = re.compile(
    r"^\s*(?P<words>[A-Za-z]+(?:-[A-Za-z]+)?)\s+session\b|\b(?P<number>\d{1,3})(?:st|nd|rd|th)"
    r"\s+session\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DocLine:
    """One line of the document: its text, its line number (1-based) and its page."""

    text: str
    line: int
    page: int | None = None


@dataclass
class DocumentText:
    """A document's lines in reading order, page furniture removed."""

    name: str
    kind: str  # "pdf", "docx" or "text"
    lines: list[DocLine] = field(default_factory=list)
    pages: int = 0
    first_page: list[str] = field(default_factory=list)  # as printed, for the metadata
    removed: int = 0  # lines of page furniture (headers, footers, footnotes) taken out

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def place(self, line: int) -> str:
        """'line 12, page 3' for the line numbered ``line``."""
        for item in self.lines:
            if item.line == line:
                return f"line {line}" + (f", page {item.page}" if item.page else "")
        return f"line {line}"


def read_document(path: Path) -> DocumentText:
    """The lines of ``path`` (a PDF, a .docx or a text file), furniture removed."""
    sniffed = sniff(path)
    expect(sniffed, "pdf", "docx", "text")
    if sniffed.kind == "pdf":
        (first_page, *pages), small_type = pdf_pages(path)
        document = _assemble(path.name, "pdf", pages)
        document.removed += small_type
        document.first_page = [_PRIVATE_USE.sub("", line) for line in first_page if line.strip()]
        return document
    if sniffed.kind == "docx":
        return _assemble(path.name, "docx", [_docx_lines(path)], paged=False)
    return from_text(read_text(path), path.name)


def from_text(text: str, name: str) -> DocumentText:
    """Text extracted from a PDF (or pasted): pages are told by the running headers."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if "\f" in text:
        # pdftotext ends each page with a form feed; a line stays one line (so that
        # line numbers are those of the file), on the page its text is on.
        pages: list[list[str]] = [[]]
        for line in text.split("\n"):
            before, feed, after = line.partition("\f")
            if feed and not before.strip():
                pages.append([after.replace("\f", "")])
            else:
                pages[-1].append(line.replace("\f", ""))
                if feed:
                    pages.append([])
        while len(pages) > 1 and not any(line.strip() for line in pages[-1]):
            pages.pop()  # the form feed after the last page
        return _assemble(name, "text", pages)
    return _assemble(name, "text", [text.split("\n")], split_pages=True)


# ---------------------------------------------------------------------------
# PDF


def pdf_pages(path: Path) -> tuple[list[list[str]], int]:
    """The first page's lines as printed, then the text lines of each page of a PDF,
    footnotes and superscripts dropped; and how many lines in small type were dropped.

    Raises SourceFileError, naming the file, for a PDF that is encrypted, damaged or
    truncated, has too many pages, or has no text layer (a scan).
    """
    name = path.name
    with _opened_pdf(path) as pdf:
        count = len(pdf.pages)
        if count == 0:
            raise SourceFileError(f"{name} is a PDF with no pages.")
        if count > MAX_PDF_PAGES:
            raise SourceFileError(
                f"{name} has {count} pages; PDFs of more than {MAX_PDF_PAGES} pages are "
                "not imported (a Working Group report or an addendum has far fewer)."
            )
        first_page = [line["text"] for line in pdf.pages[0].extract_text_lines()]
        # One pass, a page at a time (its layout freed after it): each line with the
        # largest type in it; the body's size is known only at the end.
        sized_pages: list[list[tuple[str, float]]] = []
        sizes: Counter[float] = Counter()
        empty_with_images = 0
        for page in pdf.pages:
            chars = [c for c in page.chars if c.get("text", "").strip()]
            if len(chars) < _SCANNED_CHARS and page.images:
                empty_with_images += 1
            page_sizes = Counter(round(float(c.get("size", 0)), 1) for c in chars)
            sizes.update(page_sizes)
            sized_pages.append(_sized_lines(page, page_sizes))
            page.close()
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    pages: list[list[str]] = []
    small_type = 0
    for sized in sized_pages:
        kept = [text for text, size in sized if not body or size >= body - 0.25]
        small_type += len(sized) - len(kept)
        pages.append(kept)
    if not any(line.strip() for page in pages for line in page):
        if empty_with_images:
            raise SourceFileError(
                f"{name} is a scanned PDF: its {count} page(s) are pictures with no text "
                "layer, so there is no text to read. Get the text version from the UN "
                "(documents.un.org) or run it through text recognition (OCR) first."
            )
        raise SourceFileError(f"{name} is a PDF with no text in it.")
    return [first_page, *pages], small_type


def pdf_first_page(path: Path) -> list[str]:
    """The first page's lines (to tell what the document is without reading it all);
    SourceFileError for a PDF that cannot be read, as :func:`pdf_pages`."""
    with _opened_pdf(path) as pdf:
        if not pdf.pages:
            raise SourceFileError(f"{path.name} is a PDF with no pages.")
        lines = pdf.pages[0].extract_text_lines()
        return [_PRIVATE_USE.sub("", line["text"]) for line in lines]


@contextmanager
def _opened_pdf(path: Path) -> Iterator[Any]:
    """pdfplumber's PDF, every error of a damaged or protected file made one message."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    name = path.name
    try:
        with pdfplumber.open(str(path)) as pdf:
            yield pdf
    except SourceFileError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise SourceFileError(_PROTECTED.format(name=name)) from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AssertionError) as error:
        raise SourceFileError(_DAMAGED.format(name=name, why=_why(error))) from None
    except Exception as error:
        # pdfminer raises many types of its own for broken files (and pdfplumber wraps
        # some in its own); none of them must reach the user as a traceback.
        if not type(error).__module__.startswith(("pdfminer", "pdfplumber")):
            raise
        inner = error.args[0] if error.args and isinstance(error.args[0], Exception) else None
        if isinstance(inner, PDFPasswordIncorrect | PDFEncryptionError):
            raise SourceFileError(_PROTECTED.format(name=name)) from None
        if inner is not None:
            error = inner
        if "encrypt" in str(error).casefold() or "password" in str(error).casefold():
            raise SourceFileError(_PROTECTED.format(name=name)) from None
        raise SourceFileError(_DAMAGED.format(name=name, why=_why(error))) from None


_PROTECTED = (
    "{name} is protected by a password; open it, save a copy without the password "
    "(or print it to a new PDF) and import that."
)
_DAMAGED = (
    "{name} is a damaged or incomplete PDF (it may have been cut off while downloading): "
    "{why}. Download it again."
)


def _why(error: Exception) -> str:
    text = str(error).strip().rstrip(".!?") or type(error).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def _sized_lines(page: Any, page_sizes: Counter[float]) -> list[tuple[str, float]]:
    """A page's lines with the largest type in each, superscripts (footnote markers,
    much smaller than the page's usual type) left out."""
    usual = page_sizes.most_common(1)[0][0] if page_sizes else 0.0
    if usual:
        page = page.filter(
            lambda obj: (
                obj.get("object_type") != "char"
                or float(obj.get("size", usual)) >= usual * _SUPERSCRIPT_RATIO
            )
        )
    lines: list[tuple[str, float]] = []
    for line in page.extract_text_lines(layout=False, strip=True, return_chars=True):
        chars = [c for c in line["chars"] if c.get("text", "").strip()]
        size = max((float(c["size"]) for c in chars), default=0.0)
        lines.append((_indent(line) + _PRIVATE_USE.sub("", line["text"]), size))
    return lines


def _indent(line: dict) -> str:
    # Keep a hint of the layout: an indented line starts with spaces, as pdftotext
    # -layout would print it (72 points an inch, about 6 points a space in 10-point type).
    return " " * max(0, min(40, int(float(line.get("x0", 0)) // 6)))


# ---------------------------------------------------------------------------
# Word


def _docx_lines(path: Path) -> list[str]:
    import zipfile

    import docx

    try:
        document = docx.Document(str(path))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as error:
        raise SourceFileError(f"{path.name} is damaged: {_why(error)}") from None
    lines: list[str] = []
    for paragraph in document.paragraphs:
        lines.extend(paragraph.text.split("\n"))
    return lines


# ---------------------------------------------------------------------------
# Furniture, hyphenation, pages


def _is_furniture(text: str) -> bool:
    return bool(
        _JOB_NUMBER.match(text)
        or _SYMBOL_LINE.match(text)
        or _HEADER_WITH_PAGE.match(text)
        or _PAGE_NUMBER.match(text)
        or _NOT_EDITED.match(text)
    )


def _assemble(
    name: str,
    kind: str,
    pages: list[list[str]],
    *,
    paged: bool = True,
    split_pages: bool = False,
) -> DocumentText:
    if split_pages:
        pages = _split_at_running_headers(pages[0])
        # Text with no running headers (a pasted list) has no pages to name.
        paged = paged and len(pages) > 1
    document = DocumentText(name=name, kind=kind, pages=len(pages) if paged else 0)
    document.first_page = [line for line in pages[0] if line.strip()] if pages else []
    number = 0
    kept: list[DocLine] = []
    for page_number, page in enumerate(pages, start=1):
        for text in page:
            number += 1
            if paged and _is_furniture(text):
                document.removed += 1
                continue
            clean = _MARKER.sub("", text.rstrip())
            kept.append(DocLine(clean, number, page_number if paged else None))
    document.lines = _join_broken_words(kept)
    return document


def _split_at_running_headers(lines: list[str]) -> list[list[str]]:
    """Pages of text extracted without form feeds, told by the running header that
    starts every page after the first (the document symbol alone on its line)."""
    pages: list[list[str]] = [[]]
    for index, line in enumerate(lines):
        if (_SYMBOL_LINE.match(line) or _HEADER_WITH_PAGE.match(line)) and index > 0 and pages[-1]:
            # The footer (page number, job number) stays on the page it ends.
            pages.append([])
        pages[-1].append(line)
    return pages


def _join_broken_words(lines: list[DocLine]) -> list[DocLine]:
    """Join "under-⏎represented" (over a line or a page) onto the first line."""
    out = list(lines)
    for index, line in enumerate(out):
        if not _HYPHEN_END.search(line.text):
            continue
        following = _next_text(out, index)
        if following is None:
            continue
        j, nxt = following
        match = _LOWER_START.match(nxt.text)
        if match is None:
            continue
        word = match.group(1)
        out[index] = DocLine(line.text.rstrip() + word, line.line, line.page)
        out[j] = DocLine(nxt.text[match.end() :], nxt.line, nxt.page)
    return out


def _next_text(lines: list[DocLine], index: int) -> tuple[int, DocLine] | None:
    for j in range(index + 1, min(len(lines), index + 6)):
        if lines[j].text.strip():
            return j, lines[j]
    return None


# ---------------------------------------------------------------------------
# What the document says it is


@dataclass(frozen=True)
class Masthead:
    """The facts a UN document prints on its first page."""

    symbol: str | None
    date: dt.date | None
    session: int | None
    state_name: str | None
    title: str | None
    addendum: bool


def masthead(lines: Iterable[str]) -> Masthead:
    """Symbol, date, session and state under review from a document's first page."""
    from annotator.states import match_state

    first = [" ".join(line.split()) for line in lines if line.strip()][:60]
    symbol = _masthead_symbol(first)
    date = next((d for line in first if (d := _parse_date(line)) is not None), None)
    session = next((s for line in first if (s := session_number(line)) is not None), None)
    state_name = None
    title = None
    for index, line in enumerate(first):
        if line.casefold().startswith("report of the working group"):
            title = line
            following = first[index + 1] if index + 1 < len(first) else ""
            if not title.rstrip("*").endswith("Review") and following.rstrip("* ") == "Review":
                title += " Review"  # the title wraps before its last word
            for candidate in first[index + 1 : index + 5]:
                cleaned = candidate.rstrip("*").strip()
                if cleaned and match_state(cleaned) is not None:
                    state_name = cleaned
                    break
            break
    addendum = bool(symbol and "/add." in symbol.casefold()) or any(
        line.casefold() == "addendum" for line in first
    )
    return Masthead(symbol, date, session, state_name, title, addendum)


def _masthead_symbol(first: list[str]) -> str | None:
    # The masthead prints the "A" of the symbol in large type, so a PDF's text has it
    # on a line of its own, a line or two before the "/HRC/43/15" that completes it.
    for index, line in enumerate(first[:8]):
        if line == "A" or line.endswith(" A"):
            for later in first[index + 1 : index + 4]:
                if later.startswith("/"):
                    match = _SYMBOL.match("A" + later.split()[0])
                    if match:
                        return match.group(0).rstrip(".")
    match = next((m for line in first if (m := _SYMBOL.search(line))), None)
    return match.group(0).rstrip(".") if match else None


_WG_SESSION = re.compile(r"\bheld its (?P<ordinal>[a-z]+(?:-[a-z]+)?) session\b", re.IGNORECASE)
_REVIEW_DATE = re.compile(
    r"\bThe review of .{2,80}? was held at the \w+ meeting,? on (?P<date>\d{1,2} [A-Z][a-z]+ \d{4})"
)


def introduction_facts(lines: Iterable[str]) -> tuple[int | None, dt.date | None]:
    """The Working Group session and the date of the review, from a report's
    introduction ("... held its thirty-fourth session from 4 to 15 November 2019. The
    review of Slovenia was held at the 13th meeting, on 12 November 2019.")."""
    text = " ".join(" ".join(line.split()) for line in lines)
    session = None
    if found := _WG_SESSION.search(text):
        session = session_number(f"{found.group('ordinal')} session")
    day = None
    if found := _REVIEW_DATE.search(text):
        day = _parse_date(found.group("date"))
    return session, day


def _parse_date(text: str) -> dt.date | None:
    found = _DATE.search(text)
    if found is None:
        return None
    day, month, year = found.groups()
    try:
        return dt.date(int(year), MONTHS.index(month.casefold()) + 1, int(day))
    except ValueError:
        return None


def session_number(line: str) -> int | None:
    """26 for "Twenty-sixth session" or "26th session"; None if the line says neither."""
    match = _SESSION.search(line)
    if match is None:
        return None
    if match.group("number"):
        return int(match.group("number"))
    words = match.group("words").casefold()
    if words in _ORDINALS:
        return _ORDINALS[words]
    tens_word, _, unit_word = words.partition("-")
    for stem, tens in _TENS.items():
        if tens_word.startswith(stem):
            if not unit_word:
                return tens if tens_word.endswith("ieth") else None
            unit = _ORDINALS.get(unit_word)
            return tens + unit if unit is not None and unit < 10 else None
    return None
