"""Where the quoted history of a reply starts, in plain text and in (sanitised) HTML.

Replies carry the whole previous conversation below the new lines. We keep all of it and
only show it folded: these functions find the first line of the history, in the forms the
mail clients our customers use write it (Gmail and Apple "On … wrote:", Gmail in
Vietnamese "Vào … đã viết:", Outlook "-----Original Message-----" or a "From: … Sent: …"
block, and `>` quoted lines).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

#: The attribution line above quoted history; may wrap over two lines.
ATTRIBUTION = re.compile(
    r"^[ \t]*(?:On|Vào|Le|Am|El)\s[^\n]{0,300}?(?:\n[^\n]{0,200}?)?"
    r"(?:wrote|đã viết|a écrit|schrieb|escribió)\s*:[ \t]*$", re.M | re.I)
SEPARATOR = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:Original Message|Forwarded message|Thư gốc|Tin nhắn gốc|"
    r"Thư chuyển tiếp)[ \t]*-{2,}", re.M | re.I)
HEADER_BLOCK = re.compile(
    r"^[ \t]*\*?(?:From|Từ|Người gửi)\s*:\*?[^\n]*\n(?:[^\n]*\n)?[ \t]*\*?"
    r"(?:Sent|Date|Đã gửi|Ngày gửi|Ngày|Thời gian)\s*:", re.M | re.I)
QUOTED_LINE = re.compile(r"^[ \t]*>", re.M)
_OPENING_TAG_AT_END = re.compile(r"<(?:div|p|span|font|b|i|strong|em|hr|br)\b[^<>]*>\s*$",
                                 re.I)


def _quoted_block_start(text: str) -> int | None:
    """The start of a trailing block of `>` lines (bottom-posted replies are left whole)."""
    match = QUOTED_LINE.search(text)
    if match is None:
        return None
    start = text.rfind("\n", 0, match.start()) + 1
    rest = [line for line in text[start:].splitlines() if line.strip()]
    return start if all(line.lstrip().startswith(">") for line in rest) else None


def quote_start(text: str | None) -> int | None:
    """Offset of the first character of the quoted history, or None when there is none.

    None also when the history would be everything (a bare forward has no new part).
    """
    if not text:
        return None
    found = [m.start() for pattern in (ATTRIBUTION, SEPARATOR, HEADER_BLOCK)
             if (m := pattern.search(text))]
    if (block := _quoted_block_start(text)) is not None:
        found.append(block)
    if not found:
        return None
    start = min(found)
    return start if text[:start].strip() else None


class _Positions(HTMLParser):
    """The text of an HTML fragment, with each text node's offset in the source."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.length = 0
        self.nodes: list[tuple[int, int, str]] = []   # (offset in text, in source, text)
        self.blockquotes: list[int] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self.blockquotes.append(self._offset())
        if tag in ("br", "p", "div", "blockquote", "tr", "li", "hr"):
            self._add("\n")

    def handle_data(self, data):
        self.nodes.append((self.length, self._offset(), data))
        self._add(data)

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def html_quote_start(html: str | None) -> int | None:
    """Offset in `html` where the quoted history begins (before the tags that open it)."""
    if not html:
        return None
    parser = _Positions(html)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        return None
    cut = None
    if (at := quote_start(parser.text)) is not None:
        cut = _source_offset(html, parser.nodes, at)
    if parser.blockquotes and (cut is None or parser.blockquotes[0] < cut):
        cut = parser.blockquotes[0]
    if cut is None:
        return None
    # Take the wrapping tags that open right before the history along with it.
    for _tag in range(10):
        m = _OPENING_TAG_AT_END.search(html, max(cut - 400, 0), cut)
        if m is None:
            break
        cut = m.start()
    return cut if _shows_text(html[:cut]) else None


def _source_offset(html: str, nodes: list[tuple[int, int, str]], at: int) -> int | None:
    """The source offset of text offset `at`: exact inside a node written without entities."""
    for pos, src, data in nodes:
        if pos <= at < pos + len(data):
            inside = at - pos
            return src + inside if html[src:src + inside] == data[:inside] else src
        if pos > at:
            return src
    return None


def _shows_text(fragment: str) -> bool:
    """True when the fragment shows any text (the new part of a reply is not empty)."""
    return bool(re.sub(r"<[^>]*>|&nbsp;|\s", "", fragment))
