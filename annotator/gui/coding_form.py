"""The coding form, generated from the project's codebook.

Each field kind gets its widget (gui/field_widgets.py), laid out in codebook order with
the field's focus key beside its name. Nothing here is specific to the UPR codebook:
a new field or code in the codebook is a new widget after ``build``.

The form never saves. It reports what the coder changed through ``edited`` (field,
value before, value after); the window saves it through an undoable command and
hands values back with ``set_value``.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.field_widgets import (
    QUIET_GREY,
    BooleanWidget,
    ChoiceWidget,
    FieldWidget,
    LeaveOnEscape,
    MultiChoiceWidget,
    TextWidget,
    code_tooltip,
    shortcut_text,
)
from annotator.gui.theme import CHOICE_STYLE
from annotator.services.coding import EMPTY, FieldSpec, FieldValue, FormSpec

__all__ = ["CodingForm", "code_tooltip"]

# The pane never narrows past what the form needs (its longest option with its key), so
# nothing is cut off at the right; a codebook with very long labels is capped here.
MAX_MIN_WIDTH = 480
WINDOW_MARGIN = 40  # the window's frame and the splitter's margins, with room to spare


class CodingForm(QScrollArea):
    """All fields of the codebook; ``edited(field_id, before, after)`` on every change,
    ``values_shown`` whenever what the form shows changes (the summary follows it)."""

    edited = Signal(int, object, object)
    values_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # The form narrows with its pane; a sideways scroll would hide the codes' ends.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop per field, none for the form
        self.spec: FormSpec = FormSpec("", 0, ())
        self.widgets: dict[int, FieldWidget] = {}
        self.titles: dict[int, QLabel] = {}
        self.leave_text_box = lambda _watched: None  # set by the window (where Esc goes)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._follow_focus)

    def build(self, spec: FormSpec, focus_keys: dict[str, str] | None = None) -> None:
        """(Re)make the widgets for ``spec``: called at start and after codebook edits.
        ``focus_keys`` (field key -> key) are shown beside each field's name."""
        self.spec = spec
        self.widgets, self.titles = {}, {}
        focus_keys = focus_keys or {}
        body = QWidget()
        body.setStyleSheet(CHOICE_STYLE)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 6, 10, 10)
        escape_filter = LeaveOnEscape(lambda w: self.leave_text_box(w), body)
        for field_spec in spec.fields:
            widget = _widget_for(field_spec)
            widget.changed.connect(
                lambda before, after, fid=field_spec.id: self.edited.emit(fid, before, after)
            )
            widget.changed.connect(lambda *_: self.values_shown.emit())
            self.widgets[field_spec.stored_id] = widget
            key = focus_keys.get(field_spec.key)
            if field_spec.kind != "boolean":
                title = QLabel(_title_html(field_spec.label, key))
                title.setToolTip(field_spec.description)
                layout.addWidget(title)
                self.titles[field_spec.stored_id] = title
            elif key and isinstance(widget, BooleanWidget):
                widget.box.setText(f"{field_spec.label}  ({shortcut_text(key)})")
            layout.addWidget(widget, 1 if field_spec.kind == "multi" else 0)
            layout.addSpacing(6)
            if isinstance(widget, TextWidget):
                widget.box.installEventFilter(escape_filter)
            if isinstance(widget, MultiChoiceWidget):
                widget.filter.installEventFilter(escape_filter)
        if not spec.fields:
            layout.addWidget(QLabel("This project has no codebook yet."))
        self.setWidget(body)
        self.updateGeometry()  # a new codebook may need a wider pane

    def minimumSizeHint(self) -> QSize:
        """As wide as the form's widest line plus the scroll bar: the window's splitter
        gives the other panes the rest, rather than cut the form off on the right."""
        hint = super().minimumSizeHint()
        body = self.widget()
        if body is None:
            return hint
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        wanted = body.minimumSizeHint().width() + scroll_bar + 2 * self.frameWidth()
        return QSize(max(hint.width(), min(wanted, MAX_MIN_WIDTH, self._room())), hint.height())

    def _room(self) -> int:
        """What the screen leaves the form beside the window's other panes' minimums: on a
        screen too narrow for all three the form scrolls sideways rather than push the
        window past the screen's edge."""
        pane: QWidget = self
        splitter = self.parentWidget()
        while splitter is not None and not isinstance(splitter, QSplitter):
            pane, splitter = splitter, splitter.parentWidget()
        screen = self.screen()
        if splitter is None or screen is None:
            return MAX_MIN_WIDTH
        others = 0
        for i in range(splitter.count()):
            widget = splitter.widget(i)
            if widget is not None and widget is not pane:
                others += widget.minimumSizeHint().width() + splitter.handleWidth()
        return screen.availableGeometry().width() - others - WINDOW_MARGIN

    def restyle(self) -> None:
        """After a theme change: the checked style takes the new palette's colours."""
        body = self.widget()
        if body is not None:
            body.setStyleSheet("")
            body.setStyleSheet(CHOICE_STYLE)

    def focus_field(self, field_id: int) -> None:
        """What a field's key does: the keyboard to the field's own Tab stop."""
        widget = self.widgets.get(field_id)
        if widget is not None and self.isEnabled():
            widget.focus_target().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The focused field scrolls into view, so a note is seen as it is typed."""
        body = self.widget()
        if new is None or body is None or not body.isAncestorOf(new):
            return
        field = next((w for w in self.widgets.values() if w.isAncestorOf(new)), None)
        if field is not None:
            title = self.titles.get(field.spec.stored_id)
            self.ensureWidgetVisible(title or field, 0, 4)
            if field.height() < self.viewport().height():
                self.ensureWidgetVisible(field, 0, 4)
        self.ensureWidgetVisible(new, 0, 4)

    def set_values(self, values: dict[int, FieldValue]) -> None:
        """Show a recommendation's values; the theme finder starts empty for it."""
        for widget in self.widgets.values():
            if isinstance(widget, MultiChoiceWidget):
                widget.filter.clear()
        for field_id, widget in self.widgets.items():
            widget.set_value(values.get(field_id, EMPTY))
        self.values_shown.emit()

    def set_value(self, field_id: int, value: FieldValue) -> None:
        widget = self.widgets.get(field_id)
        if widget is not None:
            widget.set_value(value)
            self.values_shown.emit()

    def values(self) -> dict[int, FieldValue]:
        return {fid: w.value() for fid, w in self.widgets.items()}

    def toggle_code(self, code_id: int) -> None:
        field_spec, _code = self.spec.code(code_id)
        self.widgets[field_spec.stored_id].toggle(code_id)

    def flush_text(self) -> None:
        """Save what is typed in any text box now (before moving to another recommendation)."""
        for widget in self.widgets.values():
            if isinstance(widget, TextWidget):
                widget.flush()

    def first_multi(self) -> MultiChoiceWidget | None:
        return next((w for w in self.widgets.values() if isinstance(w, MultiChoiceWidget)), None)

    def first_text(self) -> TextWidget | None:
        return next((w for w in self.widgets.values() if isinstance(w, TextWidget)), None)


def _title_html(label: str, key: str | None) -> str:
    if not key:
        return f"<b>{escape(label)}</b>"
    shown = escape(shortcut_text(key))
    return f"<b>{escape(label)}</b>&nbsp;&nbsp;<span style='color:{QUIET_GREY}'>{shown}</span>"


def _widget_for(spec: FieldSpec) -> FieldWidget:
    if spec.kind == "multi":
        return MultiChoiceWidget(spec)
    if spec.kind in ("single", "ordinal"):
        return ChoiceWidget(spec)
    if spec.kind == "boolean":
        return BooleanWidget(spec)
    return TextWidget(spec)
