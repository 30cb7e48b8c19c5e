"""Text out of e-mail bytes: charsets, Unicode normal form, HTML to plain text.

Mail reaches a Vietnamese utility in every encoding of the last thirty years. Whatever a
part declares, decoding never raises: a codec Python lacks (VISCII, TCVN3, VPS) or an
unknown label falls back to UTF-8, then to windows-1252, with replacement characters
rather than a lost message. Everything ends in NFC, because windows-1258 and macOS mail
send tone marks as separate combining characters ("Nguyễn" in NFD is 8 code points).
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from html.parser import HTMLParser

#: Labels seen in real mail that Python does not know by that name.
ALIASES = {
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030", "gbk": "gb18030", "x-sjis": "shift_jis", "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8", "ansi_x3.4-1968": "us-ascii",
}
#: Labels that promise nothing about 8-bit bytes: UTF-8 is tried before windows-1252.
UNSURE = {"", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252",
          "cp1252", "unknown-8bit", "x-unknown", "default"}
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def codec_for(charset: str | None) -> str | None:
    """Python's codec for a MIME charset label, or None when there is none."""
    label = (charset or "").strip().strip('"').lower()
    label = ALIASES.get(label, label)
    if label in UNSURE:
        return None
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):      # unknown, or not even a name ("\x00")
        return None


def decode_bytes(data: bytes | None, charset: str | None = None) -> str:
    """Decode a body or header that says it is in `charset`; never raises, returns NFC."""
    if not data:
        return ""
    codec = codec_for(charset)
    if codec is not None:
        text = data.decode(codec, errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return clean(text.lstrip("\ufeff"))


def clean(text: str | None) -> str:
    """NFC text without lone surrogates (raw 8-bit headers) or control characters."""
    if not text:
        return ""
    if _SURROGATES.search(text):
        try:        # raw 8-bit header bytes kept as surrogates by the parser: usually UTF-8
            text = text.encode("utf-8", "surrogateescape").decode("utf-8")
        except UnicodeError:
            text = _SURROGATES.sub("\ufffd", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", text)


class _TextExtractor(HTMLParser):
    """Plain text of an HTML body: blocks on their own lines, scripts and styles dropped."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
              "blockquote", "pre", "hr", "ul", "ol", "section", "article", "header", "footer"}
    SKIP = {"script", "style", "head", "title", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str | None) -> str:
    """Readable plain text of an HTML mail (for search, previews and SMS-sized replies)."""
    if not html:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):   # html.parser on badly broken markup
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return clean(text.strip())


_IMG_TAG = re.compile(r"<img\b[^>]*", re.I)
_REMOTE_SRC = re.compile(r"""\bsrc\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def remote_images(html: str | None) -> int:
    """How many images the HTML would load from the network (blocked when shown).

    Two linear passes (tags, then each tag's src): one lazy pattern over the whole HTML
    would take quadratic time on mail full of unterminated `<img`.
    """
    return sum(1 for tag in _IMG_TAG.findall(html or "") if _REMOTE_SRC.search(tag))
