"""Opening source files safely: what a file really is, its encoding, its size.

Every reader starts here, so a renamed PDF, a password-protected or damaged workbook,
an empty file or a 200 MB file gets one clear message naming the file, and nothing in
any file is ever evaluated (formulas are read as their cached values or not at all).
"""

from __future__ import annotations

import codecs
import csv
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from annotator.importers.errors import SourceFileError
from annotator.limits import MAX_FILE_BYTES, MAX_RECOMMENDATION_TEXT

MAX_CELL_CHARS = MAX_RECOMMENDATION_TEXT
# The csv module refuses fields over 131,072 characters with a bare "field larger than
# field limit"; a field can be as long as the file, and a too-long text is then
# reported where it is (row and column) by the length check every importer applies.
csv.field_size_limit(MAX_FILE_BYTES)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

KIND_LABELS = {
    "docx": "a Word document (.docx)",
    "xlsx": "an Excel workbook (.xlsx)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "xls": "an old Excel workbook (.xls)",
    "doc": "an old Word document (.doc)",
    "text": "a text file",
    "pdf": "a PDF",
    "encrypted": "a password-protected Office file",
    "zip": "a zip archive",
    "binary": "a binary file",
}


@dataclass(frozen=True)
class SniffedFile:
    path: Path
    kind: str  # a key of KIND_LABELS
    size: int

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def sniff(path: Path) -> SniffedFile:
    """What ``path`` really holds, judged by its bytes, not its name."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SourceFileError(f"{path.name}: there is no such file ({path}).") from None
    if path.is_dir():
        raise SourceFileError(f"{path.name} is a folder, not a file.")
    if size == 0:
        raise SourceFileError(f"{path.name} is empty.")
    if size > MAX_FILE_BYTES:
        raise SourceFileError(
            f"{path.name} is {size / 2**20:.0f} MB; files over "
            f"{MAX_FILE_BYTES // 2**20} MB are not imported (no UPR source is that large)."
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"%PDF"):
        return SniffedFile(path, "pdf", size)
    if head.startswith(OLE2_MAGIC):
        return SniffedFile(path, _ole2_kind(path), size)
    if head.startswith(ZIP_MAGIC):
        kind = _zip_kind(path)
        if kind in {"docx", "xlsx", "ods"}:
            from annotator.importers import containers

            containers.check(path, kind)
        return SniffedFile(path, kind, size)
    if b"\x00" in head and not _utf16(head):
        return SniffedFile(path, "binary", size)
    return SniffedFile(path, "text", size)


def _utf16(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _ole2_kind(path: Path) -> str:
    # Encrypted .xlsx/.docx files are OLE2 containers holding an "EncryptedPackage"
    # stream; stream names are stored in UTF-16 in the directory sectors.
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    return "xls"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(100)  # not read() whole: it could be a bomb
                if b"opendocument.spreadsheet" in mimetype:
                    return "ods"
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError):
        return "binary"
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return "zip"


def expect(sniffed: SniffedFile, *kinds: str) -> None:
    """Refuse a file that is not one of ``kinds``, saying what it really is."""
    if sniffed.kind in kinds:
        return
    wanted = " or ".join(KIND_LABELS[k] for k in kinds)
    name = sniffed.path.name
    if sniffed.kind == "encrypted":
        raise SourceFileError(
            f"{name} is protected by a password. Open it in Excel or Word, remove the "
            "password (File ▸ Info ▸ Protect), save, and import it again."
        )
    if sniffed.kind == "binary" and sniffed.path.suffix.lower() in {".xlsx", ".docx", ".ods"}:
        raise SourceFileError(
            f"{name} is damaged: it is not a readable {sniffed.path.suffix} file."
        )
    raise SourceFileError(f"{name} is {sniffed.label}, not {wanted}.")


@dataclass(frozen=True)
class BadBytes:
    """A place where a mostly UTF-8 file holds bytes that are not UTF-8."""

    line: int
    offset: int  # from the start of the file, counting from 0
    data: bytes

    def message(self) -> str:
        return (
            f"byte offset {self.offset:,}: {self.data.hex(' ')} is not UTF-8 text (the rest "
            "of the file is); the character there was lost. Correct it in the file (save it "
            "as UTF-8 from the program that made it) and import again"
        )


@dataclass(frozen=True)
class DecodedText:
    text: str  # line endings made \n, no byte-order mark
    encoding: str  # as a person names it: "UTF-8", "Mac Roman", "Windows-1252"
    guessed: bool  # True when the file is not UTF-8 and the encoding was guessed
    bad: tuple[BadBytes, ...] = ()


_decoded: dict[tuple[str, int, int], DecodedText] = {}


def read_text(path: Path) -> str:
    """The text of a file in whatever encoding it has, with line endings made \\n.

    UPR Info's CSV exports are Mac Roman or Windows-1252 with bare CR line endings;
    CR and CRLF become LF. A file that is UTF-8 except for a few bytes stays UTF-8 (the
    bad bytes become U+FFFD, and ``decoded`` names them); see ``decode``.
    """
    return decoded(path).text


def decoded(path: Path) -> DecodedText:
    """How ``path`` was (or is now) read as text; cached by path, size and mtime."""
    sniffed = sniff(path)
    expect(sniffed, "text")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _decoded:
        result = decode(path.read_bytes())
        if result is None:
            raise SourceFileError(f"{path.name}: the text encoding could not be recognised.")
        if len(_decoded) > 64:
            _decoded.clear()
        _decoded[key] = result
    return _decoded[key]


def cached_decoding(path: Path) -> DecodedText | None:
    """The decoding of ``path`` if a reader read it as text, else None (no reading)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _decoded.get((str(path.resolve()), stat.st_size, stat.st_mtime_ns))


def decode(data: bytes) -> DecodedText | None:
    """Text from bytes: UTF-16 by its mark; UTF-8 when the file is UTF-8, even with a
    few bad bytes (named); another encoding only when the file is not UTF-8 at all."""

    def clean(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return DecodedText(clean(data.decode("utf-16")), "UTF-16", False)
        except UnicodeDecodeError:
            return None
    try:
        return DecodedText(clean(data.decode("utf-8")), "UTF-8", False)
    except UnicodeDecodeError:
        pass
    places: list[tuple[int, int]] = []
    _recording.places = places
    text = data.decode("utf-8", errors="annotator-record")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    well_formed = non_ascii - text.count("\ufffd")
    if well_formed > len(places):
        # More characters are proper UTF-8 than there are bad places: a UTF-8 file
        # damaged in a few places, not a file in another encoding.
        return DecodedText(clean(text), "UTF-8", False, _bad_places(data, places))
    guess = _single_byte(data)
    if guess is None:
        return None
    encoding, text = guess
    return DecodedText(clean(text), encoding, True)


_recording = threading.local()  # the bad places of the decoding under way in this thread


def _record(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    _recording.places.append((error.start, error.end))
    return "\ufffd", error.end


codecs.register_error("annotator-record", _record)


def _bad_places(data: bytes, places: list[tuple[int, int]]) -> tuple[BadBytes, ...]:
    bad = []
    line, counted = 1, 0
    for start, end in places:
        segment = data[counted:start]
        line += segment.count(b"\n") + segment.count(b"\r") - segment.count(b"\r\n")
        counted = start
        bad.append(BadBytes(line, start, data[start:end]))
    return tuple(bad)


def _single_byte(data: bytes) -> tuple[str, str] | None:
    # Sources that are not UTF-8 are, in practice, Mac Roman (classic Mac line endings:
    # bare CR) or Windows-1252. A general guess among all single-byte code pages picks
    # cp775 or cp1250 for real UPR Info exports (à -> ŕ, è -> č), so these two are tried
    # first, told apart by the line endings.
    names = {"mac_roman": "Mac Roman", "cp1252": "Windows-1252"}
    classic_mac = b"\r" in data and b"\n" not in data
    for encoding in ("mac_roman", "cp1252") if classic_mac else ("cp1252", "mac_roman"):
        try:
            return names[encoding], data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    return best.encoding, str(best)


def check_cell(value: str, limit: int = MAX_CELL_CHARS) -> str | None:
    """A message if a cell is too long to be a recommendation, else None."""
    if len(value) > limit:
        return f"holds {len(value):,} characters; a recommendation has at most {limit:,}"
    return None
