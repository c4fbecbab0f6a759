"""Windows that fit the screen they open on: sizes capped to its available area.

A volunteer's 13-inch laptop gives 1280x720 or 1366x768 minus a taskbar; a window
that opens taller than that hides its buttons and status bar off-screen. Every window
and dialog calls ``fit_to_screen`` once, after its own ``resize``; content that cannot
shrink goes into ``scrolling``.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMargins, QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

# Room left for a window manager's title bar and borders, which are not known before a
# window is first shown (the offscreen platform draws none at all).
DECORATION = QMargins(8, 36, 8, 8)


def screen_of(widget: QWidget) -> QScreen:
    parent = widget.parentWidget()
    screen = (parent.window() if parent is not None else widget).screen()
    return screen or QGuiApplication.primaryScreen()


def room_on(available: QRect) -> QRect:
    """The part of ``available`` a window's own area may take, its frame around it."""
    return available.marginsRemoved(DECORATION)


def fit_to_screen(
    widget: QWidget, preferred: QSize | None = None, available: QRect | None = None
) -> QSize:
    """Cap ``widget`` (its size now, or ``preferred``) to the available area of its
    screen (or ``available``); a window without parent is also centred on it (a dialog
    is placed by Qt over its parent, kept on screen). Returns the size given."""
    area = available if available is not None else screen_of(widget).availableGeometry()
    room = room_on(area)
    wanted = preferred if preferred is not None else widget.size()
    # An explicit minimum is a comfort; the screen is not.
    minimum = widget.minimumSize()
    widget.setMinimumSize(min(minimum.width(), room.width()), min(minimum.height(), room.height()))
    size = wanted.boundedTo(room.size())
    widget.resize(size)
    if widget.parentWidget() is None:
        left = room.x() + (room.width() - size.width()) // 2
        top = room.y() + (room.height() - size.height()) // 2
        widget.move(left - DECORATION.left(), top - DECORATION.top())
    return size


def fits(rect: QRect) -> bool:
    """Whether a window's own area lies inside the available area of some screen."""
    return any(s.availableGeometry().contains(rect) for s in QGuiApplication.screens())


def restore_or_fit(widget: QWidget, saved: QByteArray | None, preferred: QSize) -> None:
    """The size and place the window had last time, if it still fits a screen now
    (a laptop taken off its big monitor does not); else ``preferred``, fitted."""
    if saved is not None and widget.restoreGeometry(saved) and fits(widget.geometry()):
        return
    fit_to_screen(widget, preferred)


def scrolling(content: QWidget) -> QScrollArea:
    """``content`` in a frameless scroll area: it scrolls where the screen is shorter."""
    area = QScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(content)
    return area
