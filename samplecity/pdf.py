"""A small deterministic PDF writer: Chinese text lines and ruled tables in a text layer.

Text uses the non-embedded Adobe-GB1 font STSong-Light with the UniGB-UCS2-H CMap, the way
many 政务 PDFs are made: every viewer substitutes a Song font and text extractors (pdfminer,
pdfplumber) map the codes back to Unicode with the CMaps they ship. Tables are drawn with a
ruling line round every cell, so pdfplumber's default (lines) strategy finds each cell.
No timestamps, no IDs and no compression: the same input gives the same bytes everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN = 56
HALF = 500  # width (1/1000 em) of ASCII glyphs: UniGB-UCS2-H maps U+0020-007E to CIDs 1-95
_TOKEN = re.compile(r"[!-~]+| |.", re.S)  # an ASCII run never breaks across lines


@dataclass
class Table:
    """A ruled table: rows of cell texts, relative column widths and the cell font size."""

    rows: list[list[str]]
    weights: list[float] | None = None
    size: float = 9


Block = str | Table


def _width(text: str, size: float) -> float:
    """Return the advance width of text in points (CJK full width, ASCII half width)."""
    return sum(HALF if " " <= ch <= "~" else 1000 for ch in text) * size / 1000


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Break text into lines no wider than width, never inside an ASCII word or number."""
    lines, cur = [], ""
    for tok in _TOKEN.findall(text):
        if cur and _width(cur + tok, size) > width:
            lines.append(cur.rstrip())
            cur = tok.lstrip()
        else:
            cur += tok
        while _width(cur, size) > width and len(cur) > 1:  # an over-long ASCII run: cut it
            cut = max(i for i in range(1, len(cur)) if _width(cur[:i], size) <= width)
            lines.append(cur[:cut])
            cur = cur[cut:]
    return [*lines, cur] if cur or not lines else lines


def _num(v: float) -> str:
    """Format a coordinate with at most two decimals and no trailing zeros."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _hex(text: str) -> str:
    """Encode text as a UCS-2 big-endian hex string (the codes UniGB-UCS2-H expects)."""
    if any(ord(ch) > 0xFFFF for ch in text):
        raise ValueError(f"character outside the BMP in {text!r}")
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


class _Pages:
    """Lay out blocks top to bottom, starting a new page when one is full."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.y = PAGE_H - MARGIN

    def room(self, height: float) -> None:
        """Start a new page unless height still fits above the bottom margin."""
        if self.y - height < MARGIN and self.pages[-1]:
            self.pages.append([])
            self.y = PAGE_H - MARGIN

    def text(self, x: float, baseline: float, size: float, line: str) -> None:
        """Place one line of text with its baseline at the given height."""
        if line:
            self.pages[-1].append(
                f"BT /F1 {_num(size)} Tf 1 0 0 1 {_num(x)} {_num(baseline)} Tm {_hex(line)} Tj ET"
            )

    def para(self, text: str, size: float, center: bool = False) -> None:
        """Place a wrapped paragraph (centred if asked)."""
        lead = size * 1.6
        for line in _wrap(text, PAGE_W - 2 * MARGIN, size):
            self.room(lead)
            x = (PAGE_W - _width(line, size)) / 2 if center else MARGIN
            self.text(x, self.y - size, size, line)
            self.y -= lead

    def table(self, t: Table) -> None:
        """Place a table row by row; a row never splits across pages."""
        n = max(len(r) for r in t.rows)
        weights = t.weights or [1.0] * n
        total = PAGE_W - 2 * MARGIN
        widths = [total * w / sum(weights) for w in weights]
        pad, lead = 3.0, t.size * 1.3
        self.y -= t.size * 0.6
        for row in t.rows:
            cells = [*row, *[""] * (n - len(row))]
            wrapped = [_wrap(c, w - 2 * pad, t.size) for c, w in zip(cells, widths, strict=True)]
            height = max(len(w) for w in wrapped) * lead + 2 * pad
            self.room(height)
            x = MARGIN
            for lines, w in zip(wrapped, widths, strict=True):
                ops = self.pages[-1]
                ops.append(f"{_num(x)} {_num(self.y - height)} {_num(w)} {_num(height)} re S")
                for i, line in enumerate(lines):
                    self.text(x + pad, self.y - pad - t.size * 0.9 - i * lead, t.size, line)
                x += w
            self.y -= height
        self.y -= t.size * 0.6


def pdf_document(blocks: Sequence[Block], title: str = "", size: float = 10.5) -> bytes:
    """Return a PDF of the blocks: strings are paragraphs, Table blocks ruled tables."""
    layout = _Pages()
    if title:
        layout.para(title, size * 1.5, center=True)
    for block in blocks:
        if isinstance(block, Table):
            layout.table(block)
        else:
            layout.para(block, size)
    n = len(layout.pages)
    # Objects: 1 catalog, 2 page tree, 3 Type0 font, 4 CID font, 5 descriptor, 6 info,
    # then a page and its content stream per page.
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [{}] /Count {} >>".format(
            " ".join(f"{7 + 2 * i} 0 R" for i in range(n)), n
        ),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        " /DescendantFonts [4 0 R] >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        " /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
        f" /FontDescriptor 5 0 R /DW 1000 /W [1 95 {HALF}] >>",
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6"
        " /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120"
        " /CapHeight 880 /StemV 93 >>",
        f"<< /Title <FEFF{title.encode('utf-16-be').hex().upper()}> /Producer (gongkai samplecity) >>",
    ]
    for i, ops in enumerate(layout.pages):
        stream = "\n".join(["0.5 w", *ops]).encode("ascii")
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}]"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {8 + 2 * i} 0 R >>"
        )
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{off:010d} 00000 n \n".encode("ascii") for off in offsets)
    trailer = f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 6 0 R >>\n"
    out += f"{trailer}startxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)
