"""Light and dark palettes; "system" leaves Qt's own (which follows the desktop)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
_system_palette: QPalette | None = None


def apply(name: str) -> None:
    global _system_palette
    app = QApplication.instance()
    if not isinstance(app, QGuiApplication):
        return
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
    if name == "dark":
        app.setPalette(_dark())
    elif name == "light":
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(_system_palette)


def _dark() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#2b2d30"),
        (role.WindowText, "#e6e6e6"),
        (role.Base, "#1f2023"),
        (role.AlternateBase, "#27292c"),
        (role.Text, "#e6e6e6"),
        (role.Button, "#35373b"),
        (role.ButtonText, "#e6e6e6"),
        (role.Highlight, "#3d6fb4"),
        (role.HighlightedText, "#ffffff"),
        (role.ToolTipBase, "#35373b"),
        (role.ToolTipText, "#e6e6e6"),
        (role.PlaceholderText, "#9a9a9a"),
        (role.Link, "#7fb2ff"),
    ):
        palette.setColor(r, QColor(colour))
    return palette
