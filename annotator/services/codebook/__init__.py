"""The project's codebook: storing it, editing its codes and fields, merging codes.

- ``store``: a codebook file or ``annotator.codebook.Codebook`` into the project's rows
  and back (the one conversion between the two);
- ``changes``: what every saved edit shares (the check, the new version, the audit event);
- ``edits``: adding, changing, moving, retiring and deleting codes; adding fields;
- ``usage``: how many annotations use a code;
- ``merges``: merging one code into another, and undoing it;
- ``editor``: the codebook editor's calls (each change as plain values, saved in its
  own unit of work; what the editor reads in one go).

Every edit works inside the caller's transaction (the caller commits) and either saves
one new version of the codebook or raises ``CodebookEditError`` and changes nothing.
"""

from annotator.services.codebook.changes import (
    EDIT,
    EDITABLE_ATTRIBUTES,
    MERGE,
    UNDO_MERGE,
    CodebookEditError,
    SavedChange,
)
from annotator.services.codebook.editor import (
    AddCode,
    AddField,
    CodebookChange,
    EditCode,
    EditorState,
    MergeCodes,
    MoveCode,
    RetireCode,
    SetParent,
    UndoMerge,
    editor_state,
    preview_merge,
    save_change,
)
from annotator.services.codebook.edits import (
    add_code,
    add_field,
    delete_code,
    edit_code,
    move_code,
    move_code_down,
    move_code_up,
    rename_code,
    restore_code,
    retire_code,
    set_parent,
    siblings,
    suggest_code_key,
    suggest_field_key,
)
from annotator.services.codebook.merges import (
    MergeCounts,
    MergeInfo,
    last_merge,
    merge_codes,
    merge_preview,
    undo_merge,
)
from annotator.services.codebook.store import (
    KEYWORD_SEPARATOR,
    active_codebook,
    active_codebook_row,
    codebook_from_row,
    load_codebook_file,
    store_codebook,
)
from annotator.services.codebook.usage import CodeUsage, code_usage, usage_counts
from annotator.vocabulary import KIND_LABELS

# The codebook editor's name for the kind labels (one table: annotator.vocabulary).
KIND_NAMES = KIND_LABELS

__all__ = [
    "EDIT",
    "EDITABLE_ATTRIBUTES",
    "KEYWORD_SEPARATOR",
    "KIND_NAMES",
    "MERGE",
    "UNDO_MERGE",
    "AddCode",
    "AddField",
    "CodeUsage",
    "CodebookChange",
    "CodebookEditError",
    "EditCode",
    "EditorState",
    "MergeCodes",
    "MergeCounts",
    "MergeInfo",
    "MoveCode",
    "RetireCode",
    "SavedChange",
    "SetParent",
    "UndoMerge",
    "active_codebook",
    "active_codebook_row",
    "add_code",
    "add_field",
    "code_usage",
    "codebook_from_row",
    "delete_code",
    "edit_code",
    "editor_state",
    "last_merge",
    "load_codebook_file",
    "merge_codes",
    "merge_preview",
    "move_code",
    "move_code_down",
    "move_code_up",
    "preview_merge",
    "rename_code",
    "restore_code",
    "retire_code",
    "save_change",
    "set_parent",
    "siblings",
    "store_codebook",
    "suggest_code_key",
    "suggest_field_key",
    "undo_merge",
    "usage_counts",
]
