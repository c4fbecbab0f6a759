"""Light and dark palettes; "system" leaves Qt's own (which follows the desktop)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
# A chosen option must be unmistakable in every theme: the selection colour, not a
# faint grey (Fusion's checked push button is barely darker than an unchecked one).
CHOSEN_TINT = QColor(61, 111, 180, 110)
CHOICE_STYLE = """
QPushButton#choice:checked {
    background: palette(highlight); color: palette(highlighted-text);
    border: 1px solid palette(highlight); border-radius: 3px; font-weight: bold;
    padding: 4px;
}
QRadioButton#choice:checked {
    background: rgba(61, 111, 180, 110); border-radius: 3px; font-weight: bold;
}
"""
_system_palette: QPalette | None = None


def apply(name: str) -> None:
    global _system_palette
    app = QApplication.instance()
    if not isinstance(app, QGuiApplication):
        return
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
    if name in ("dark", "light"):
        # Fusion draws check boxes and radio buttons from the palette; other styles
        # keep dark indicators that vanish on a dark background.
        QApplication.setStyle("Fusion")
    if name == "dark":
        app.setPalette(_dark())
    elif name == "light":
        app.setPalette(QApplication.style().standardPalette())
    else:
        app.setPalette(_system_palette)


def _dark() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    # Fusion draws check box outlines from the window colour, darkened: the fields must
    # be darker still (Base) for the outline to show, as in Qt's own dark examples.
    for r, colour in (
        (role.Window, "#353535"),
        (role.WindowText, "#e8e8e8"),
        (role.Base, "#191919"),
        (role.AlternateBase, "#2a2a2a"),
        (role.Text, "#e8e8e8"),
        (role.Button, "#353535"),
        (role.ButtonText, "#e8e8e8"),
        (role.Light, "#5a5a5a"),
        (role.Midlight, "#4a4a4a"),
        (role.Mid, "#444444"),
        (role.Dark, "#9a9a9a"),
        (role.Shadow, "#141414"),
        (role.Highlight, "#3d6fb4"),
        (role.HighlightedText, "#ffffff"),
        (role.ToolTipBase, "#353535"),
        (role.ToolTipText, "#e8e8e8"),
        (role.PlaceholderText, "#9a9a9a"),
        (role.Link, "#7fb2ff"),
    ):
        palette.setColor(r, QColor(colour))
    return palette
