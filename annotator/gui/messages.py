"""The line where a dialog says what just happened, and the one way a refusal reaches it.

A change the store or a service refuses (a wrong value, a locked or busy project, a
missing permission) is shown there in red and nothing is half-done: the services run
each change in one transaction, so catching here is all a dialog has to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from annotator.store.errors import ProjectBusy, ProjectError

ERROR_STYLE = "color: #a40000;"

T = TypeVar("T")


def not_saved(error: Exception) -> str:
    """The words for a change the project refused to store."""
    detail = getattr(error, "orig", None) or error
    return (
        f"The change could not be saved, so nothing was changed ({detail}). "
        "If another window or coder is saving at the same moment, try again."
    )


class MessageLine(QLabel):
    """A wrapped, selectable line of text that turns red for a refusal. ``describe``
    words a project error for what the dialog was doing (saving, by default)."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        describe: Callable[[ProjectError], str] = not_saved,
    ) -> None:
        super().__init__(text, parent)
        self.is_error = False
        self.describe = describe
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def say(self, text: str, *, error: bool = False) -> None:
        self.is_error = error
        self.setStyleSheet(ERROR_STYLE if error else "")
        self.setText(text)


def guarded(line: MessageLine, work: Callable[[], T]) -> T | None:
    """What ``work`` returns, or None once its refusal is on the line: a wrong value or
    a busy project in its own words, any other project error as the line words it."""
    try:
        return work()
    except (ValueError, ProjectBusy) as error:
        line.say(str(error), error=True)
    except ProjectError as error:
        line.say(line.describe(error), error=True)
    return None
