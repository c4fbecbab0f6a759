"""Hostile input files, made on the spot (for the regression tests and the memory benchmark).

Each one reproduces a finding of issue 13: small files that made a reader abort the
process or eat gigabytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def far_cell_xlsx(path: Path, *, declared: bool = True, cell: str = "XFD1048576") -> Path:
    """5 KB: a header row and one far-away cell (calamine allocated 512 GB for XFD1048576).

    ``declared=False`` leaves out the sheet's <dimension>, so only the cell tells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Para", "Recommendation", "State"])
    sheet.append(["1.1", "Ratify the Convention", "France"])
    sheet[cell] = "far away"
    book.save(path)
    if not declared:
        rewrite_part(
            path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml)
        )
    return path


def rewrite_part(path: Path, part: str, change) -> Path:
    """Replace one part of a zip container by ``change(old bytes)``."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def ods(path: Path, table_body: str) -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Sheet1">{table_body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return path


def _cell(text: str, repeat: int = 1) -> str:
    extra = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell office:value-type="string"{extra}>'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def repeated_ods(path: Path) -> Path:
    """Under 2 KB: 10,000 rows of 9,000 repeated filled cells, 90 million in all."""
    header = "<table:table-row>" + _cell("Para") + _cell("Recommendation") + "</table:table-row>"
    bomb = (
        '<table:table-row table:number-rows-repeated="10000">'
        + _cell("x", 9000)
        + "</table:table-row>"
    )
    return ods(path, header + bomb)


def plain_ods(path: Path, rows: list[list[str]]) -> Path:
    """A small ods as LibreOffice writes it, trailing empty repeats included."""
    body = "".join(
        "<table:table-row>"
        + "".join(_cell(c) for c in row)
        + '<table:table-cell table:number-columns-repeated="1020"/></table:table-row>'
        for row in rows
    )
    body += (
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    return ods(path, body)


def _docx_bytes() -> dict[str, bytes]:
    document = docx.Document()
    document.add_paragraph("Recommendations")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_with(path: Path, part: str, data: bytes) -> Path:
    """A real .docx whose ``part`` is replaced by ``data``."""
    parts = _docx_bytes()
    parts[part] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def zip_bomb_docx(path: Path, unpacked_mb: int = 300, *, zip64: bool = True) -> Path:
    """A .docx whose document part unpacks to ``unpacked_mb`` MB (1 MB packed per GB)."""
    parts = _docx_bytes()
    head, tail = parts["word/document.xml"].split(b"<w:body>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if name != "word/document.xml":
                archive.writestr(name, content)
        with archive.open("word/document.xml", "w", force_zip64=zip64) as stream:
            stream.write(head + b"<w:body>")
            filler = b"<w:p/>" * (1 << 17)  # 768 KB
            for _ in range(unpacked_mb * 4 // 3):
                stream.write(filler)
            stream.write(tail)
    return path


def forged_size_docx(path: Path) -> Path:
    """A zip bomb whose headers claim its document part unpacks to 1 KB."""
    zip_bomb_docx(path, 100, zip64=False)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    # (signature, offset of the name length, of the name, of the uncompressed size)
    for signature, length_at, name_at, size_at in (
        (b"PK\x03\x04", 26, 30, 22),  # local header
        (b"PK\x01\x02", 28, 46, 24),  # central directory
    ):
        position = 0
        while (position := data.find(signature, position)) != -1:
            length = int.from_bytes(data[position + length_at : position + length_at + 2], "little")
            if data[position + name_at : position + name_at + length] == name:
                data[position + size_at : position + size_at + 4] = (1024).to_bytes(4, "little")
            position += 4
    path.write_bytes(bytes(data))
    return path


def billion_laughs_docx(path: Path) -> Path:
    """A .docx whose document declares nested entities (10^9 "lol"s if expanded)."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<!DOCTYPE w:document [{entities}]>"
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    return docx_with(path, "word/document.xml", document.encode())


def malformed_docx(path: Path) -> Path:
    """A .docx whose document part is not XML at all."""
    return docx_with(path, "word/document.xml", b"<w:document><w:body><w:p>never closed")


def many_parts_zip(path: Path, parts: int) -> Path:
    parts_data = _docx_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts_data.items():
            archive.writestr(name, content)
        for index in range(parts):
            archive.writestr(f"word/media/x{index}.bin", b"")
    return path
