"""The bar that says why a recommendation was not marked done (required fields empty)
and offers to flag it instead.

It sits above the coding form, where the coder is looking. Shown, it takes the focus
on "Flag instead", so the keyboard answers it: Enter or Space flags, Tab reaches
"Dismiss", Esc dismisses and puts the focus on the first empty field to fill in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from annotator.gui.messages import MessageLine
from annotator.services.completeness import IncompleteDone


def flag_reason(fields: tuple[str, ...]) -> str:
    """The flag's reason, which the coordinator reads in the list and the export."""
    return f"Required fields empty: {', '.join(fields)}"


class DoneRefusalBar(QFrame):
    flag_instead = Signal(str)  # the flag's reason
    dismissed = Signal(str)  # the label of the first empty field

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: tuple[str, ...] = ()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.line = MessageLine()
        self.flag_button = QPushButton("Flag instead")
        self.flag_button.setAutoDefault(True)  # Enter presses it, as Space does
        self.flag_button.clicked.connect(self._flag)
        self.close_button = QPushButton("Dismiss")
        self.close_button.setAutoDefault(True)
        self.close_button.setToolTip("Dismiss (Esc) and fill in the first empty field")
        self.close_button.clicked.connect(self.dismiss)
        # The words above the buttons: the coding pane is narrow, and the words matter.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(4)
        layout.addWidget(self.line)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.flag_button)
        layout.addLayout(buttons)
        self.setVisible(False)

    def show_refusal(self, refusal: IncompleteDone) -> None:
        self.fields = refusal.fields
        self.line.say(str(refusal), error=True)
        self.flag_button.setToolTip(f'Flag it with the reason "{flag_reason(refusal.fields)}"')
        self.setVisible(True)
        self.flag_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _flag(self) -> None:
        reason = flag_reason(self.fields)
        self.setVisible(False)
        self.flag_instead.emit(reason)

    def dismiss(self) -> None:
        first = self.fields[0] if self.fields else ""
        self.setVisible(False)
        self.dismissed.emit(first)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.dismiss()
            return
        super().keyPressEvent(event)
