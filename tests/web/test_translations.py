"""The English catalogue: complete, faithful to each msgid's placeholders, and in use."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")
#: The keywords `make extract-messages` passes on top of Babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# `%(name)s`, `%(seconds).1f`, a literal `%%`; `{name}` and the bare `{}` the scripts fill in.
PERCENT = re.compile(r"%%|%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]")
BRACES = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f)


def _translated():
    return [m for m in _catalog() if m.id]


def _forms(message) -> list[tuple[str, str]]:
    """(source, translation) pairs: one per plural form, each against the matching msgid."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [(ids[min(i, len(ids) - 1)], text) for i, text in enumerate(strings)]


def _tokens(pattern: re.Pattern, text: str) -> list[str]:
    return sorted(pattern.findall(text))


def _source_msgids() -> set[tuple[str, str | None]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.add((msgid, context))
    return found


def test_every_entry_has_an_english_translation_and_none_is_fuzzy():
    catalog = _catalog()
    assert not catalog.fuzzy
    untranslated = [m.id for m in _translated() if not all(text.strip() for _, text in _forms(m))]
    fuzzy = [m.id for m in _translated() if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("pattern", [PERCENT, BRACES, TAG], ids=["percent", "braces", "markup"])
def test_each_translation_keeps_the_placeholders_and_markup_of_its_msgid(pattern):
    wrong = [(source, text) for m in _translated() for source, text in _forms(m)
             if _tokens(pattern, source) != _tokens(pattern, text)]
    assert wrong == []


def test_the_catalogue_covers_every_string_the_source_tree_marks_for_translation():
    in_po = {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context) for m in _translated()}
    missing = sorted(msgid for msgid, _context in _source_msgids() - in_po)
    assert missing == [], "run `make extract-messages` and translate: " + repr(missing)


@pytest.fixture
def compiled_catalogue():
    """The .mo the app reads, rebuilt when missing or older than the .po (as `make install` does)."""
    if not MO_FILE.exists() or MO_FILE.stat().st_mtime < PO_FILE.stat().st_mtime:
        with MO_FILE.open("wb") as f:
            write_mo(f, _catalog())


@pytest.mark.usefixtures("compiled_catalogue")
def test_switching_language_shows_the_inbox_in_english_then_back_in_vietnamese(client, login, make):
    login(make.user())

    assert client.post("/lang/en").status_code in (302, 303)
    english = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert ">Inbox</a>" in english
    assert "Ticket inbox" in english and "Sign out" in english
    assert "Hộp thư" not in english and "Đăng xuất" not in english

    assert client.post("/lang/vi").status_code in (302, 303)
    vietnamese = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese
    assert ">Hộp thư</a>" in vietnamese and "Đăng xuất" in vietnamese
    assert "Inbox" not in vietnamese and "Sign out" not in vietnamese
