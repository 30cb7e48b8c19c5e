"""Accent folding for Vietnamese search: "Nguyễn Văn Đức" → "nguyen van duc".

The same folding runs in Python (queries, SQLite's FTS triggers) and, as PostgreSQL's
`unaccent` behind an IMMUTABLE wrapper, in the database; both map đ to d and drop every
combining mark, so NFC and NFD input fold alike.
"""
from __future__ import annotations

import re
import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L"})
_TOKEN = re.compile(r"[0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower-case, accent-free text with single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def plain(text: str | None) -> str:
    """The text without diacritics, case and spacing kept: "Mất điện" → "Mat dien".

    SMS with any diacritic is sent as UCS-2 (70 characters a segment instead of 160).
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed
                                                 if not unicodedata.combining(ch)))


def tokens(text: str | None, limit: int = 8) -> list[str]:
    """The searchable words of a query, folded, at most `limit` of them."""
    return _TOKEN.findall(fold(text))[:limit]


def pg_tsquery(words: list[str]) -> str:
    """`to_tsquery('simple', ...)` text: every word required, the last one as a prefix."""
    return " & ".join(words[:-1] + [words[-1] + ":*"])


def fts5_query(words: list[str]) -> str:
    """SQLite FTS5 MATCH text with the same meaning as `pg_tsquery`."""
    return " ".join([f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*'])
