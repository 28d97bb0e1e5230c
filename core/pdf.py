"""Shared ReportLab helpers: the embedded CJK font, markup escaping, a glyph check and a fast QR code.

ReportLab embeds only fonts with TrueType outlines (CFF/OTF fonts such as Noto CJK fail, and the built-in
``STSong-Light`` CID font is never embedded, so a reader without CJK fonts sees boxes). The repository ships
WenQuanYi Micro Hei (``core/fonts/``, Apache-2.0), which embeds as a subset. A character the font lacks
vanishes silently from the page, so callers check user text with ``missing_glyphs`` and refuse it.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from pathlib import Path

from reportlab import rl_config

# Attribute validation on every graphics shape is a development aid that costs a third of a chart's drawing
# time; our shapes are built by code. Set before this module imports reportlab.graphics (ReportLab reads it
# when reportlab.graphics.shapes is first imported, and again at each attribute assignment).
rl_config.shapeChecking = 0
# Binary streams: ASCII85 makes every embedded image and font a quarter larger, and without ReportLab's
# optional C accelerator its pure-Python encoder costs more than drawing the page.
rl_config.useA85 = 0

from django.utils.html import escape  # noqa: E402
from reportlab.graphics.barcode import qrencoder  # noqa: E402
from reportlab.graphics.barcode.qr import QrCodeWidget  # noqa: E402
from reportlab.lib.colors import Color, black  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import paragraph  # noqa: E402

FONT_DIR = Path(__file__).resolve().parent / "fonts"
CJK_FONT_FILE = FONT_DIR / "wqy-microhei.ttc"
CJK_FONT_SUBFONT_INDEX = 0  # the collection holds "Micro Hei" (0) and "Micro Hei Mono" (1)
CJK_FONT = "WenQuanYiMicroHei"
# The font has one weight: <b>, <i> and <b><i> map to the same face (ReportLab raises without a mapping).
CJK_FONT_BOLD = CJK_FONT

# Full-width punctuation that must not start a line (ReportLab's list lacks these; FIELD_NOTES).
NO_LINE_START = "，；：？！、。）》」』】”’"

_lock = threading.Lock()
_font: TTFont | None = None
# ReportLab subsets a TrueType font through parser state kept on the shared font object (its read position
# in the font file): two documents saved at once in two threads corrupt each other's subset (a KeyError in
# ttfonts.makeSubset, seen in the parallel-rendering test). Hold this lock while building and saving any
# document that uses the CJK font. Processes (gunicorn sync workers) do not share it and run in parallel.
DOCUMENT_LOCK = threading.RLock()


def register_cjk_font() -> str:
    """Register the CJK font and its family once per process (thread-safe); returns the font name."""
    global _font
    if _font is not None:
        return CJK_FONT
    with _lock:
        if _font is None:
            font = TTFont(CJK_FONT, str(CJK_FONT_FILE), subfontIndex=CJK_FONT_SUBFONT_INDEX)
            pdfmetrics.registerFont(font)
            pdfmetrics.registerFontFamily(
                CJK_FONT, normal=CJK_FONT, bold=CJK_FONT_BOLD, italic=CJK_FONT, boldItalic=CJK_FONT_BOLD
            )
            missing = "".join(ch for ch in NO_LINE_START if ch not in paragraph.ALL_CANNOT_START)
            paragraph.ALL_CANNOT_START += missing
            _font = font
    return CJK_FONT


def cjk_font() -> TTFont:
    register_cjk_font()
    assert _font is not None
    return _font


def escape_markup(text: object) -> str:
    """Text made literal for a Paragraph: ``<font>``, ``<img src=...>`` and ``&`` are printed, not obeyed."""
    return str(escape("" if text is None else text))


def missing_glyphs(text: str) -> set[str]:
    """The characters of ``text`` that the CJK font cannot show (they would vanish from the page).

    Whitespace is ignored: it is never drawn as a glyph."""
    char_map = cjk_font().face.charToGlyph
    return {ch for ch in set(text or "") if ord(ch) not in char_map and not ch.isspace()}


# --- QR codes ----------------------------------------------------------------------------------------------
#
# ReportLab's QrCodeWidget encodes the text and places the modules. Its make() is slow where it does arithmetic
# in pure Python: Reed-Solomon through polynomial objects (a new generator polynomial for every block), and the
# mask search, which places and scores the whole symbol eight times; its draw() then makes a validated Rect
# shape per run of dark modules. Here the error-correction codewords come from a table-driven division over
# ReportLab's own field tables, the symbol is placed once, the eight masks are scored with the standard penalty
# rules (ISO/IEC 18004, 7.8.3) on rows held as integers, ReportLab writes the format bits of the best mask, and
# the modules go onto the page as one path. The result is one of the eight symbols ReportLab's own make() can
# produce, with its codewords (tests/test_certificate_pdf.py checks both), about five times faster.

_DARK_RUN = re.compile(r"1+")
_FINDER_LIKE = ("10111010000", "00001011101")  # neither overlaps itself, so str.count finds them all
_TO_BITS = bytes.maketrans(b"\x00\x01", b"01")
_EXP, _LOG = qrencoder.EXP_TABLE, qrencoder.LOG_TABLE


@functools.lru_cache(maxsize=64)
def _generator_logs(ec_count: int) -> tuple[int, ...]:
    """Logarithms of the Reed-Solomon generator polynomial's coefficients after the leading 1."""
    return tuple(_LOG[k] for k in qrencoder.QRUtil.getErrorCorrectPolynomial(ec_count).num[1:])


def _error_correction(data: list[int], ec_count: int) -> list[int]:
    """The remainder of data(x) * x^ec_count divided by the generator polynomial, in GF(256)."""
    logs = _generator_logs(ec_count)
    remainder = [0] * ec_count
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = [*remainder[1:], 0]
        if factor:
            shift = _LOG[factor]
            remainder = [r ^ _EXP[(shift + g) % 255] for r, g in zip(remainder, logs, strict=True)]
    return remainder


class _BitBuffer:
    """What ReportLab's data segments write into (``put``), keeping the bits in one integer."""

    def __init__(self) -> None:
        self.bits = 0
        self.length = 0

    def put(self, number: int, length: int) -> None:
        self.bits = (self.bits << length) | (number & ((1 << length) - 1))
        self.length += length

    def getLengthInBits(self) -> int:  # ReportLab's name
        return self.length

    def to_bytes(self) -> list[int]:
        padding = -self.length % 8
        return list((self.bits << padding).to_bytes((self.length + padding) // 8, "big"))


def qr_codewords(qr: qrencoder.QRCode) -> list[int]:
    """The data and error-correction codewords interleaved by block, as ReportLab's ``QRCode.createData``."""
    blocks = qrencoder.QRRSBlock.getRSBlocks(qr.version, qr.errorCorrectLevel)
    capacity = sum(block.dataCount for block in blocks)
    buffer = _BitBuffer()
    for segment in qr.dataList:
        segment.write(buffer, qr.version)
    if buffer.length > capacity * 8:
        raise ValueError(f"QR code overflow: {buffer.length} bits > {capacity * 8}")
    buffer.put(0, min(4, capacity * 8 - buffer.length))  # terminator
    data = buffer.to_bytes()
    data += [0xEC, 0x11] * ((capacity - len(data)) // 2) + [0xEC] * ((capacity - len(data)) % 2)
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        data_blocks.append(data[offset : offset + block.dataCount])
        ec_blocks.append(_error_correction(data_blocks[-1], block.totalCount - block.dataCount))
        offset += block.dataCount
    interleaved = itertools.chain(itertools.zip_longest(*data_blocks), itertools.zip_longest(*ec_blocks))
    return [byte for column in interleaved for byte in column if byte is not None]


@functools.lru_cache(maxsize=16)
def _data_positions(version: int, level: int) -> tuple[tuple[int, int], ...]:
    """Where the data modules of a symbol go, in placement order, as ReportLab places them."""
    probe = qrencoder.QRCode(version, level)
    probe.moduleCount = version * 4 + 17
    return tuple(probe.dataPosIterator())


@functools.lru_cache(maxsize=16)
def _mask_rows(version: int, level: int) -> tuple[tuple[int, ...], ...]:
    """For each of the eight masks, the data modules it darkens, one integer per row (column 0 first)."""
    size = version * 4 + 17
    masks = []
    for pattern in range(8):
        mask = qrencoder.QRUtil.getMask(pattern)
        rows = [0] * size
        for col, row in _data_positions(version, level):
            if mask(row, col):
                rows[row] |= 1 << (size - 1 - col)
        masks.append(tuple(rows))
    return tuple(masks)


def _runs_penalty(rows: list[int], full: int) -> int:
    """Rule 1 on bits, every row and then every column at once: a run of n >= 5 same-coloured modules costs
    3 + (n - 5), that is its number of five-module windows plus 2."""
    score = 0
    for row in rows:
        same = ~(row ^ (row >> 1)) & (full >> 1)
        windows = same & (same >> 1) & (same >> 2) & (same >> 3)
        score += windows.bit_count() + 2 * (windows & ~(windows >> 1)).bit_count()
    same = [~(upper ^ lower) & full for upper, lower in itertools.pairwise(rows)]
    windows = [a & b & c & d for a, b, c, d in zip(same, same[1:], same[2:], same[3:], strict=False)]
    for window, below in itertools.zip_longest(windows, windows[1:], fillvalue=0):
        score += window.bit_count() + 2 * (window & ~below).bit_count()
    return score


def qr_penalty(rows: list[int], size: int) -> int:
    """The ISO/IEC 18004 mask penalty: runs of five or more, 2x2 blocks, finder-like patterns, dark balance."""
    full = (1 << size) - 1
    score = _runs_penalty(rows, full)
    for upper, lower in itertools.pairwise(rows):
        same = ~(upper ^ lower) & full
        score += 3 * (same & (same >> 1) & ~(upper ^ (upper >> 1)) & (full >> 1)).bit_count()
    lines = [format(row, f"0{size}b") for row in rows]
    text = "\n".join(lines + ["".join(column) for column in zip(*lines, strict=True)])
    score += 40 * sum(text.count(pattern) for pattern in _FINDER_LIKE)
    dark = sum(row.bit_count() for row in rows)
    return score + 10 * (abs(dark * 100 // (size * size) - 50) // 5)


def qr_code_rows(text: str, level: str = "M") -> list[str]:
    """The rows of a QR code for ``text`` ("1" is dark, column 0 first), encoded by ReportLab's widget."""
    qr = QrCodeWidget(text, barLevel=level).qr
    qr.version = qr.calculate_version()
    # ReportLab caches both on the instance; filling them from our caches skips its slow paths.
    qr._dataPosList = list(_data_positions(qr.version, qr.errorCorrectLevel))
    qr.dataCache = qr_codewords(qr)
    qr.makeImpl(True, 0)  # format and version bits blank while masks are compared, as in ReportLab's make()
    size = qr.moduleCount
    masks = _mask_rows(qr.version, qr.errorCorrectLevel)
    unmasked = [int(bytes(row).translate(_TO_BITS), 2) ^ m for row, m in zip(qr.modules, masks[0], strict=True)]
    candidates = [[row ^ m for row, m in zip(unmasked, mask, strict=True)] for mask in masks]
    best = min(range(8), key=lambda k: qr_penalty(candidates[k], size))
    qr.modules = [[bit == "1" for bit in format(row, f"0{size}b")] for row in candidates[best]]
    qr.setupTypeInfo(False, best)
    if qr.version >= 7:
        qr.setupTypeNumber(False)
    return [bytes(row).translate(_TO_BITS).decode("ascii") for row in qr.modules]


def draw_qr_code(
    c: Canvas,
    text: str,
    *,
    x: float,
    y: float,
    size: float,
    level: str = "M",
    quiet_zone: int = 2,
    color: Color = black,
) -> None:
    """A QR code ``size`` points square (quiet zone included) with its lower left corner at (x, y)."""
    rows = qr_code_rows(text, level)
    box = size / (len(rows) + 2 * quiet_zone)
    # In module units with rows counted downwards, one rectangle per run of dark modules, as literal operators:
    # formatting thousands of coordinates through the path API costs as much as the rest of a page.
    runs = "\n".join(
        f"{run.start()} {r} {run.end() - run.start()} 1 re"
        for r, row in enumerate(rows)
        for run in _DARK_RUN.finditer(row)
    )
    c.saveState()
    c.setFillColor(color)
    c.translate(x + quiet_zone * box, y + size - quiet_zone * box)
    c.scale(box, -box)
    c.addLiteral(f"{runs}\nf")
    c.restoreState()
