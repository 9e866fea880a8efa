"""Draw the integration's brand images into custom_components/whatsminer/brand/.

The design is the project's own (no vendor artwork): an amber ASIC chip with a house and a
lightning bolt on a dark rounded square. Run with `.venv/bin/python scripts/make_brand.py`;
the PNGs are committed, so this only needs to run when the design changes.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "whatsminer" / "brand"
SCALE = 4  # draw large, then downsample: cheap anti-aliasing

NAVY = (17, 34, 58, 255)
AMBER = (247, 166, 0, 255)
AMBER_DARK = (190, 120, 0, 255)
LIGHT = (236, 240, 245, 255)


def draw_icon(size: int) -> Image.Image:
    """The square icon, `size` pixels wide, transparent outside the rounded square."""
    s = size * SCALE
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def px(v: float) -> int:
        return round(v * s)

    d.rounded_rectangle((0, 0, s - 1, s - 1), radius=px(0.2), fill=NAVY)

    # The chip's pins: four on every side.
    pin_w, pin_l = 0.05, 0.09
    for i in range(4):
        c = 0.305 + i * 0.13
        a, b = c - pin_w / 2, c + pin_w / 2
        for box in (
            (a, 0.15 - pin_l / 2, b, 0.22),  # top
            (a, 0.78, b, 0.85 + pin_l / 2),  # bottom
            (0.15 - pin_l / 2, a, 0.22, b),  # left
            (0.78, a, 0.85 + pin_l / 2, b),  # right
        ):
            x0, y0, x1, y1 = (px(v) for v in box)
            d.rounded_rectangle((x0, y0, x1, y1), radius=px(0.015), fill=AMBER)
    # The chip's body.
    d.rounded_rectangle((px(0.2), px(0.2), px(0.8), px(0.8)), radius=px(0.07), fill=AMBER)
    d.rounded_rectangle(
        (px(0.235), px(0.235), px(0.765), px(0.765)),
        radius=px(0.05),
        outline=AMBER_DARK,
        width=px(0.012),
    )

    # A house: roof and walls in navy on the chip.
    roof = [(px(0.5), px(0.27)), (px(0.72), px(0.47)), (px(0.28), px(0.47))]
    d.polygon(roof, fill=NAVY)
    d.rectangle((px(0.33), px(0.46), px(0.67), px(0.72)), fill=NAVY)

    # A lightning bolt inside the house.
    bolt = [
        (0.535, 0.43),
        (0.425, 0.6),
        (0.49, 0.6),
        (0.455, 0.71),
        (0.575, 0.545),
        (0.51, 0.545),
        (0.545, 0.43),
    ]
    d.polygon([(px(x), px(y)) for x, y in bolt], fill=AMBER)

    return img.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def draw_logo(height: int, text_color: tuple[int, int, int, int] = NAVY) -> Image.Image:
    """The icon followed by the name, on a transparent background."""
    s = height * SCALE
    icon = draw_icon(height).resize((s, s), Image.Resampling.LANCZOS)
    font = _font(round(s * 0.42))
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), "WhatsMiner", font=font)
    gap = round(s * 0.18)
    width = s + gap + (right - left) + round(s * 0.05)
    img = Image.new("RGBA", (width, s), (0, 0, 0, 0))
    img.alpha_composite(icon, (0, 0))
    d = ImageDraw.Draw(img)
    y = (s - (bottom - top)) // 2 - top
    d.text((s + gap - left, y), "WhatsMiner", font=font, fill=text_color)
    return img.resize((width // SCALE, height), Image.Resampling.LANCZOS)


def main() -> None:
    """Write every brand image."""
    BRAND.mkdir(parents=True, exist_ok=True)
    draw_icon(256).save(BRAND / "icon.png", optimize=True)
    draw_icon(512).save(BRAND / "icon@2x.png", optimize=True)
    draw_logo(128).save(BRAND / "logo.png", optimize=True)
    draw_logo(256).save(BRAND / "logo@2x.png", optimize=True)
    draw_logo(128, LIGHT).save(BRAND / "dark_logo.png", optimize=True)
    draw_logo(256, LIGHT).save(BRAND / "dark_logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
