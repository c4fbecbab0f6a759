"""The first-run guide: the three panes of the coding screen and the five keys that
matter. Shown once when the app first opens (its dismissal is remembered), and again
from Help ▸ Getting started. It is never modal: nothing waits on it."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.settings import AppSettings
from annotator.gui.shortcuts import BY_ID, bindings, shown

SEEN_KEY = "guide/seen"
PANES = (
    ("1", "The list", "Your recommendations, with filters and a search above it."),
    ("2", "The recommendation", "Its full text, who made it and the response published."),
    ("3", "The coding form", "Tick themes and choose the response; saved as you go."),
)
# The five a volunteer needs on day one; F1 lists every key.
KEYS = (("next", "previous"), ("theme_filter",), ("done_next",), ("flag",), ("undo",))


def _pane(number: str, title: str, text: str) -> QFrame:
    box = QFrame()
    box.setFrameShape(QFrame.Shape.StyledPanel)
    box.setMinimumHeight(90)
    layout = QVBoxLayout(box)
    heading = QLabel(f"<b>{number}&nbsp;&nbsp;{escape(title)}</b>")
    body = QLabel(escape(text))
    body.setWordWrap(True)
    layout.addWidget(heading)
    layout.addWidget(body, 1, Qt.AlignmentFlag.AlignTop)
    return box


class GettingStarted(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Getting started with UPR Coder")
        intro = QLabel(
            "Pick a recommendation in the list, read it in the middle, code it on the "
            "right. Everything is saved the moment you do it."
        )
        intro.setWordWrap(True)
        diagram = QHBoxLayout()
        self.panes = [_pane(*pane) for pane in PANES]
        for pane, stretch in zip(self.panes, (4, 3, 3), strict=True):
            diagram.addWidget(pane, stretch)
        keys = bindings(settings)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.key_rows: list[tuple[str, str]] = []
        for row, ids in enumerate(KEYS):
            key = " / ".join(shown(keys[i]) for i in ids if keys[i])
            what = " / ".join(BY_ID[i].label.rstrip("…") for i in ids)
            hint = BY_ID[ids[0]].help
            self.key_rows.append((key, what))
            grid.addWidget(QLabel(f"<b>{escape(key)}</b>"), row, 0)
            note = f" <span style='color:gray'>({escape(hint)})</span>" if hint else ""
            grid.addWidget(QLabel(escape(what) + note), row, 1)
        footer = QLabel(
            "A code's own key, shown beside it, ticks it. Esc leaves a text box. "
            f"{escape(shown(keys['shortcuts_help']))} lists every key; this guide is "
            "under Help ▸ Getting started."
        )
        footer.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.close_button = buttons.addButton(
            "Start coding", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(diagram)
        layout.addSpacing(8)
        layout.addWidget(QLabel("<b>The keys that matter</b>"))
        layout.addLayout(grid)
        layout.addSpacing(4)
        layout.addWidget(footer)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.finished.connect(self._dismissed)
        self.resize(640, self.sizeHint().height())
        fit_to_screen(self)

    def _dismissed(self, _result: int) -> None:
        self.settings.set_value(SEEN_KEY, "1")
        self.settings.sync()


def show_guide(settings: AppSettings, parent: QWidget | None = None) -> GettingStarted:
    guide = GettingStarted(settings, parent)
    guide.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    guide.show()  # not exec(): the window stays usable and nothing waits on the guide
    return guide


def show_once(settings: AppSettings, parent: QWidget | None = None) -> GettingStarted | None:
    """The guide on the first run of the app, never again once dismissed."""
    if settings.value(SEEN_KEY) == "1":
        return None
    return show_guide(settings, parent)
