"""The small dialogs of Codebook ▸ Edit (a new code, a new field) and the question
asked before two codes are merged.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from annotator import codebook as cbk
from annotator.gui.codebook_pages import CHOICE_KINDS, plural
from annotator.gui.screen_fit import fit_to_screen
from annotator.services import codebook as ce


def code_name(code: cbk.Code) -> str:
    return f"'{code.label}' ({code.key})"


class NewCodeDialog(QDialog):
    """The label and key of a new code; the key follows the label until edited."""

    def __init__(self, fld: cbk.Field, parent_code: cbk.Code | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.fld = fld
        self.setWindowTitle("Add code")
        where = f"under {code_name(parent_code)}" if parent_code else "at the top level"
        intro = QLabel(f"A new code in field '{fld.label}', {where}.")
        intro.setWordWrap(True)
        self.label_edit = QLineEdit()
        self.key_edit = QLineEdit()
        self.key_edit.setToolTip(
            "The code's stable name in files and exports: lower-case letters, digits, "
            "'_', '.' and '-'. It cannot be changed later."
        )
        self._key_edited = False
        self.label_edit.textChanged.connect(self._suggest)
        self.key_edit.textEdited.connect(self._mark_key_edited)
        if fld.kind == "ordinal":
            # Ordinal codes are keyed by their place on the scale.
            self.key_edit.setText(ce.suggest_code_key(fld, ""))
            self.key_edit.setReadOnly(True)
        form = QFormLayout()
        form.addRow("Label:", self.label_edit)
        form.addRow("Key:", self.key_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(440, self.sizeHint().height())
        fit_to_screen(self)

    def _mark_key_edited(self, _text: str) -> None:
        self._key_edited = True

    def _suggest(self, label: str) -> None:
        if not self._key_edited and self.fld.kind != "ordinal":
            self.key_edit.setText(ce.suggest_code_key(self.fld, label) if label.strip() else "")

    def code(self, parent_key: str | None) -> cbk.Code:
        return cbk.Code(
            key=self.key_edit.text().strip(),
            label=self.label_edit.text().strip(),
            parent=parent_key,
        )


class NewFieldDialog(QDialog):
    """A new field: its label, key, kind, and for choice fields a first code."""

    def __init__(self, book: cbk.Codebook, parent: QWidget) -> None:
        super().__init__(parent)
        self.book = book
        self.setWindowTitle("Add field")
        self.label_edit = QLineEdit()
        self.key_edit = QLineEdit()
        self._key_edited = False
        self.label_edit.textChanged.connect(self._suggest)
        self.key_edit.textEdited.connect(self._mark_key_edited)
        self.kind_box = QComboBox()
        for kind, name in ce.KIND_NAMES.items():
            self.kind_box.addItem(name, kind)
        self.required_box = QCheckBox("Coders must fill it in")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.first_code_edit = QLineEdit()
        self.first_code_edit.setPlaceholderText("Label of the first code")
        self.first_code_label = QLabel("First code:")
        form = QFormLayout()
        form.addRow("Label:", self.label_edit)
        form.addRow("Key:", self.key_edit)
        form.addRow("Kind:", self.kind_box)
        form.addRow("", self.required_box)
        form.addRow("Description:", self.description_edit)
        form.addRow(self.first_code_label, self.first_code_edit)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "Multi-choice, single-choice and ordinal fields need at least one code; add the "
            "others after this one. Yes/no and free-text fields have no codes."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._kind_changed()
        self.resize(500, self.sizeHint().height())
        fit_to_screen(self)

    def _mark_key_edited(self, _text: str) -> None:
        self._key_edited = True

    def _suggest(self, label: str) -> None:
        if not self._key_edited:
            self.key_edit.setText(ce.suggest_field_key(self.book, label) if label.strip() else "")

    def _kind_changed(self, _index: int = 0) -> None:
        has_codes = self.kind_box.currentData() in CHOICE_KINDS
        self.first_code_edit.setVisible(has_codes)
        self.first_code_label.setVisible(has_codes)

    def field(self) -> cbk.Field:
        kind = self.kind_box.currentData()
        fld = cbk.Field(
            key=self.key_edit.text().strip(),
            label=self.label_edit.text().strip(),
            kind=kind,
            description=self.description_edit.toPlainText().strip(),
            required=self.required_box.isChecked(),
        )
        label = self.first_code_edit.text().strip()
        if kind in CHOICE_KINDS and label:
            fld.codes.append(cbk.Code(key=ce.suggest_code_key(fld, label), label=label))
        return fld


def merge_question(source: cbk.Code, target: cbk.Code, counts: ce.MergeCounts) -> str:
    lines = [f"Merge code {code_name(source)} into {code_name(target)}?", ""]
    if counts.annotations:
        lines.append(
            f"{plural(counts.annotations, 'annotation')} by {plural(counts.coders, 'coder')} "
            f"on {plural(counts.recommendations, 'recommendation')} use '{source.label}'."
        )
        lines.append(
            f"{counts.annotations_remapped:,} will be remapped to '{target.label}'"
            + (
                f"; {counts.annotations_removed:,} "
                f"{'is' if counts.annotations_removed == 1 else 'are'} simply removed, because "
                f"the coder already chose '{target.label}' for that recommendation."
                if counts.annotations_removed
                else "."
            )
        )
    else:
        lines.append(f"No annotation uses '{source.label}' yet.")
    if counts.consensus:
        lines.append(
            f"{plural(counts.consensus, 'consensus value')} will be remapped too"
            + (
                f" ({counts.consensus_removed} already had '{target.label}')."
                if counts.consensus_removed
                else "."
            )
        )
    lines += ["", f"'{source.label}' will then be retired. Undo last merge puts everything back."]
    return "\n".join(lines)


def codes_below(fld: cbk.Field, key: str) -> set[str]:
    """The keys of every code under ``key`` (children, theirs, ...)."""
    out: set[str] = set()
    todo = [key]
    while todo:
        parent = todo.pop()
        for code in fld.codes:
            if code.parent == parent and code.key not in out:
                out.add(code.key)
                todo.append(code.key)
    return out


def _depth(fld: cbk.Field, code: cbk.Code) -> int:
    depth, seen, parent = 0, {code.key}, code.parent
    while parent and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = next((c.parent for c in fld.codes if c.key == parent), None)
    return depth


def indented_label(fld: cbk.Field, code: cbk.Code) -> str:
    """A code as offered in a list of choices: indented by its depth in the tree."""
    retired = " (retired)" if code.retired else ""
    return "    " * _depth(fld, code) + f"{code.label} ({code.key}){retired}"
