"""Make the Windows .ico and the macOS .icns from resources/icons/upr-coder.svg.

Run from the repository after changing the SVG (the outputs are committed, so a build
needs neither Qt's SVG renderer nor this script):
    python packaging/make_icons.py
Qt draws the SVG at each size (a small icon drawn small is sharper than a big one
shrunk); Pillow writes both containers.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(data.data()))).convert("RGBA")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "upr-coder.svg"))
    if not renderer.isValid():
        print(f"{ICONS / 'upr-coder.svg'}: not a valid SVG", file=sys.stderr)
        return 1
    ico = [render(renderer, size) for size in ICO_SIZES]
    ico[-1].save(ICONS / "upr-coder.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=ico[:-1])
    icns = [render(renderer, size) for size in ICNS_SIZES]
    icns[-1].save(ICONS / "upr-coder.icns", append_images=icns[:-1])
    for name in ("upr-coder.ico", "upr-coder.icns"):
        print(f"{ICONS / name}: {(ICONS / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
