"""Home Assistant shows the integration's own icon and logos (custom_components/.../brand/)."""

from __future__ import annotations

from http import HTTPStatus
import io
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

BRAND = Path(__file__).resolve().parents[2] / "custom_components" / "whatsminer" / "brand"


@pytest.mark.parametrize(
    ("image", "size"),
    [
        ("icon.png", (256, 256)),
        ("icon@2x.png", (512, 512)),
        ("logo.png", None),
        ("logo@2x.png", None),
        ("dark_logo.png", None),
        ("dark_logo@2x.png", None),
    ],
)
async def test_brand_image_served(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    socket_enabled: None,
    image: str,
    size: tuple[int, int] | None,
) -> None:
    """The frontend gets our own file, not the placeholder from the brands CDN."""
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    resp = await client.get(f"/api/brands/integration/whatsminer/{image}")
    assert resp.status == HTTPStatus.OK
    body = await resp.read()
    assert body == (BRAND / image).read_bytes()
    png = Image.open(io.BytesIO(body))
    assert png.format == "PNG"
    assert png.mode == "RGBA"  # transparent around the rounded square
    if size is not None:
        assert png.size == size
    else:  # logos: landscape, 128 px (256 px at @2x) high
        assert png.height in (128, 256)
        assert png.width > png.height
