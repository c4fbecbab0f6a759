"""Every field and code of every shipped codebook gets a key, and no key does two things."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.codebook import builtin_codebook, load_yaml
from annotator.codebook.keys import assign_keys, key_id

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


def test_the_builtin_codebook_keeps_its_own_keys_and_gets_digits_for_position():
    book = builtin_codebook()
    keys = assign_keys(book.fields, WINDOW)
    assert keys.code_key("published_response", "noted") == "Alt+5"
    assert keys.code_key("position", "supported") == "1"
    assert keys.code_key("assessment", "genuine_acceptance") == "Ctrl+Alt+1"
    assert keys.fields["themes"] == "Alt+T"
