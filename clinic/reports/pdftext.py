"""User text in reportlab paragraphs: shown exactly as written, never read as markup.

reportlab's ``Paragraph`` parses its text as markup (``<b>``, ``<img src>``, ``<a href>``,
entities). Patient text is data: ``Strength R<L`` must print as typed (it used to stop every
report with a syntax error), and ``<img src="/server/file">`` in a note must not embed a server
file. So user text never reaches the parser: :func:`paragraph` parses only the markup the
report adds itself (``lead``, ``<br/>``) around placeholder characters, then puts the user's
lines into the parsed fragments as plain text. Escaping would be safe too, but the parser makes
one fragment per entity, and a note of ``<`` characters took seconds to lay out.

Speed: reportlab re-wraps the remainder of a paragraph each time it splits it across a page,
so one long paragraph costs time that grows with the square of its length (80,000 characters
of short lines took 6 s). :func:`paragraphs` makes a paragraph of each line and cuts lines
longer than CHUNK_CHARS, so the cost grows linearly with the text; a paragraph of one line is
also what reportlab lays out fastest (one fragment, its simple line breaker).

Page furniture drawn on the canvas (``drawString``) and chart labels (``String``) are not
parsed as markup; they only need :func:`clip` to stay on the page.
"""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer

CHUNK_CHARS = 1500  # about 10 lines of body text: short enough to split cheaply, long enough to read
# Private-use code points (U+E000 to U+F8FF) stand for the lines of user text while reportlab
# parses a paragraph.
_PLACEHOLDER_BASE = 0xE000
_PLACEHOLDERS = 0xF8FF - 0xE000 + 1


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def flat(text: str) -> str:
    """``text`` on one line (line breaks become spaces): for table cells, which cannot split."""
    return " ".join(_lines(text))


def clip(text: str, *, max_chars: int) -> str:
    """``text`` on one line, cut to ``max_chars`` with an ellipsis: for page headers and footers."""
    line = flat(text)
    return line if len(line) <= max_chars else line[: max_chars - 1] + "\u2026"


def paragraph(text: str, style: ParagraphStyle, *, lead: str = "") -> Paragraph:
    """A paragraph that shows ``text`` exactly as written, line breaks kept.

    ``lead`` is trusted markup put before the text (for example ``<i>Amendment:</i> ``).
    The parser sees only ``lead`` and one placeholder character per line; the lines are put
    into the parsed fragments afterwards, so no character of ``text`` is ever read as markup.
    """
    lines = _lines(text)
    if len(lines) > _PLACEHOLDERS:
        raise ValueError(f"a paragraph holds at most {_PLACEHOLDERS} lines; use paragraphs()")
    template = lead + "<br/>".join(chr(_PLACEHOLDER_BASE + i) for i in range(len(lines)))
    result = Paragraph(template, style)
    restore = {_PLACEHOLDER_BASE + i: line for i, line in enumerate(lines)}
    for frag in result.frags:
        if isinstance(getattr(frag, "text", None), str):
            frag.text = frag.text.translate(restore)
    return result


def _chunks(line: str, *, chunk_chars: int) -> list[str]:
    """``line`` cut into pieces of at most ``chunk_chars``, at the last space where there is one."""
    pieces = []
    while len(line) > chunk_chars:
        cut = line.rfind(" ", chunk_chars // 2, chunk_chars)
        cut = chunk_chars if cut < 0 else cut + 1
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return pieces


def paragraphs(
    text: str,
    style: ParagraphStyle,
    *,
    lead: str = "",
    chunk_chars: int = CHUNK_CHARS,
) -> list[Flowable]:
    """User ``text`` as one paragraph per line (see :func:`paragraph`), reading as one block.

    A line longer than ``chunk_chars`` is cut at a space into several paragraphs; a blank line
    is a line-high gap. ``lead`` is trusted markup put before the first line. The first
    paragraph uses ``style``, later ones the same style without space before them.
    """
    after = ParagraphStyle(f"{style.name}-continued", parent=style, spaceBefore=0)
    flowables: list[Flowable] = []
    for line in _lines(text):
        if not line.strip() and (flowables or not lead):
            flowables.append(Spacer(1, style.leading))
            continue
        for piece in _chunks(line, chunk_chars=chunk_chars):
            first = not flowables
            flowables.append(paragraph(piece, style if first else after, lead=lead if first else ""))
    return flowables
