"""Opening source files safely: what a file really is, its encoding, its size.

Every reader starts here, so a renamed PDF, a password-protected or damaged workbook,
an empty file or a 200 MB file gets one clear message naming the file, and nothing in
any file is ever evaluated (formulas are read as their cached values or not at all).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

# No UPR source comes near this (the whole UPR Info export is 11 MB as CSV).
MAX_FILE_BYTES = 100 * 1024 * 1024
# The longest real recommendation is a few thousand characters.
MAX_CELL_CHARS = 20_000

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


class SourceFileError(ValueError):
    """A file that cannot be imported at all; the message names it and says why."""


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
        return SniffedFile(path, _zip_kind(path), size)
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
                mimetype = archive.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mimetype:
                    return "ods"
    except (zipfile.BadZipFile, OSError):
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


def read_text(path: Path) -> str:
    """The text of a file in whatever encoding it has, with line endings made \\n.

    UPR Info's CSV exports are Mac Roman or Windows-1252 with bare CR line endings;
    charset-normalizer recognises the encoding, and CR and CRLF become LF.
    """
    sniffed = sniff(path)
    expect(sniffed, "text")
    data = path.read_bytes()
    text = _decode(data)
    if text is None:
        raise SourceFileError(f"{path.name}: the text encoding could not be recognised.")
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Sources that are not UTF-8 are, in practice, Mac Roman (classic Mac line endings:
    # bare CR) or Windows-1252. A general guess among all single-byte code pages picks
    # cp775 or cp1250 for real UPR Info exports (à -> ŕ, è -> č), so these two are tried
    # first, told apart by the line endings.
    classic_mac = b"\r" in data and b"\n" not in data
    for encoding in ("mac_roman", "cp1252") if classic_mac else ("cp1252", "mac_roman"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else None


def check_cell(value: str, limit: int = MAX_CELL_CHARS) -> str | None:
    """A message if a cell is too long to be a recommendation, else None."""
    if len(value) > limit:
        return f"holds {len(value):,} characters; a recommendation has at most {limit:,}"
    return None
