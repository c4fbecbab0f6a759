"""Every field and code of every shipped codebook gets a key, and no key does two things."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.codebook import builtin_codebook, load_yaml
from annotator.codebook.keys import HELD_BACK, assign_keys, key_id

WINDOW = [
    "Ctrl+Down",
    "Ctrl+Return",
    "Ctrl+T",
    "F1",
    "F5",
    "Ctrl++",
    "Alt+F",
    "Alt+E",
    "Alt+G",
    "Alt+C",
    "Alt+B",
    "Alt+D",
    "Alt+R",
    "Alt+V",
    "Alt+H",
]
BOOKS = sorted(Path("resources").rglob("*.yaml")) + sorted(Path("tests/data").rglob("*.yaml"))


@pytest.mark.parametrize("path", BOOKS, ids=str)
def test_keys_cover_every_choice_and_never_clash(path):
    book = load_yaml(path)
    keys = assign_keys(book.fields, WINDOW)
    every = [key_id(k) for k in keys.all_keys()]
    assert len(every) == len(set(every))
    assert not set(every) & {key_id(k) for k in WINDOW}
    for fld in book.fields:
        assert fld.key in keys.fields
        if fld.kind in ("single", "ordinal"):
            assert all(keys.code_key(fld.key, c.key) for c in fld.codes if not c.retired)


def test_the_builtin_codebook_keeps_its_own_keys_one_family_per_field():
    book = builtin_codebook()
    keys = assign_keys(book.fields, WINDOW)
    assert keys.code_key("published_response", "noted") == "5"
    assert keys.code_key("position", "supported") == "Alt+6"
    assert keys.code_key("position", "no_clear_response") == "Alt+0"
    assert keys.code_key("assessment", "genuine_acceptance") == "Ctrl+Alt+1"
    assert keys.code_key("action", "3") == "Ctrl+3"
    assert keys.fields["themes"] == "Alt+T"


def test_no_builtin_key_takes_the_theme_suggestion_keys_and_none_clash():
    book = builtin_codebook()
    own = [c.shortcut for f in book.fields for c in f.codes if c.shortcut and not c.retired]
    every = [key_id(k) for k in assign_keys(book.fields, WINDOW).all_keys()]
    held = {key_id(k) for k in HELD_BACK}
    assert held == {key_id(f"Alt+{d}") for d in "12345"}
    assert not {key_id(k) for k in own} & held
    assert not set(every) & held
    assert len(every) == len(set(every))
