"""Draw the placeholder seal: ``python awards/certificates/assets/make_seal.py [--out PATH] [--text TEXT]``.

A red round seal (ring, five-pointed star, the issuing office along the arc) marked "样章 SPECIMEN" so that
nobody takes it for a real one. A deployment replaces it with the office's own image through
``CERTIFICATE_SEAL_IMAGE``. The image is drawn at four times its size and scaled down for smooth edges, then
stored as a palette PNG with transparency so that it stays small.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT_FILE = HERE.parents[2] / "core" / "fonts" / "wqy-microhei.ttc"
DEFAULT_TEXT = "内蒙古自治区质量强区工作领导小组办公室"
SIZE = 400
SCALE = 4
RED = (205, 22, 32, 255)
CONDENSED = 0.78


def _star(center: tuple[float, float], outer: float, inner: float) -> list[tuple[float, float]]:
    cx, cy = center
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _arc_text(img: Image.Image, text: str, *, radius: float, font: ImageFont.FreeTypeFont, span: float) -> None:
    """Characters upright along the upper arc, from lower left to lower right, spread over ``span`` degrees."""
    center = img.width / 2
    step = span / max(len(text) - 1, 1)
    box = int(font.size * 1.6)
    for i, char in enumerate(text):
        degrees = -90 - span / 2 + i * step  # 0 degrees points right, -90 up
        glyph = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((box / 2, box / 2), char, font=font, fill=RED, anchor="mm")
        # Seal characters are condensed: narrower than they are tall.
        narrow = round(box * CONDENSED)
        glyph = glyph.resize((narrow, box), Image.Resampling.LANCZOS).crop(
            ((narrow - box) // 2, 0, (narrow - box) // 2 + box, box)
        )
        glyph = glyph.rotate(-(degrees + 90), resample=Image.Resampling.BICUBIC)
        x = center + radius * math.cos(math.radians(degrees)) - box / 2
        y = center + radius * math.sin(math.radians(degrees)) - box / 2
        img.alpha_composite(glyph, (round(x), round(y)))


def draw_seal(text: str = DEFAULT_TEXT) -> Image.Image:
    big = SIZE * SCALE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    margin = 6 * SCALE
    ring = 15 * SCALE
    draw.ellipse((margin, margin, big - margin, big - margin), outline=RED, width=ring)
    center = big / 2
    draw.polygon(_star((center, center - 4 * SCALE), 62 * SCALE, 24 * SCALE), fill=RED)
    arc_font = ImageFont.truetype(str(FONT_FILE), 36 * SCALE, index=0)
    _arc_text(img, text, radius=big / 2 - margin - ring - 29 * SCALE, font=arc_font, span=262)
    zh_font = ImageFont.truetype(str(FONT_FILE), 34 * SCALE, index=0)
    en_font = ImageFont.truetype(str(FONT_FILE), 22 * SCALE, index=0)
    draw.text((center, center + 88 * SCALE), "样 章", font=zh_font, fill=RED, anchor="mm")
    draw.text((center, center + 124 * SCALE), "SPECIMEN", font=en_font, fill=RED, anchor="mm")
    return img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def save_small_png(img: Image.Image, path: Path) -> None:
    """One colour with 256 alpha levels: a palette PNG keeps the soft edges at a fraction of the size."""
    alpha = img.getchannel("A")
    palette_img = Image.frombytes("P", img.size, alpha.tobytes())
    palette_img.putpalette(list(RED[:3]) * 256)
    palette_img.save(path, format="PNG", optimize=True, transparency=bytes(range(256)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "seal.png")
    parser.add_argument("--text", default=DEFAULT_TEXT, help="the issuing office, along the arc")
    args = parser.parse_args()
    save_small_png(draw_seal(args.text), args.out)
    print(f"{args.out}: {args.out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
