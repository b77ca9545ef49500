"""Thumbnails of uploaded images, and the check that an image really is one.

A small file can unpack to gigabytes (a 336 KB PNG of 9300 × 9300 transparent pixels
takes 650 MB decoded). Two bounds, both checked from the header before any pixel is
decoded, keep one upload's memory under about 100 MB:

- ``max_pixels`` (IMAGE_MAX_PIXELS, also never above Pillow's ``Image.MAX_IMAGE_PIXELS``);
- ``max_decode_bytes`` (IMAGE_DECODE_MAX_BYTES): the memory making the thumbnail takes,
  estimated per mode and format (``decode_bytes``). JPEGs are decoded at 1/2 to 1/8 scale
  (``draft``), so any JPEG within the pixel limit fits; PNG, GIF and WebP are decoded whole,
  so for them the budget is the tighter bound.
"""

from __future__ import annotations

import math
from io import BytesIO
from pathlib import Path

from PIL import ExifTags, Image

from exchange.documents.filetypes import GIF, JPEG, PNG, WEBP
from exchange.errors import Text

THUMBNAIL_MAX_PX = 320
THUMBNAIL_CONTENT_TYPE = "image/jpeg"
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_DECODE_MAX_BYTES = 80 * 1024 * 1024

_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WEBP"}
# EXIF orientation → the transposition that shows the image upright.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class UnreadableImage(Exception):
    """The bytes look like an image but Pillow cannot (or may not) decode them."""


class ImageTooLarge(UnreadableImage):
    """An image with more pixels than may be decoded (refused before decoding)."""


def decode_bytes(image: Image.Image, content_type: str) -> int:
    """Peak memory (bytes) of making the thumbnail of an opened, not yet decoded image, at
    the size it will be decoded (after ``draft``). Measured with Pillow 13: modes of one
    byte per pixel take 1 byte, the others 4 (Pillow keeps RGB in 4); with transparency
    twice that (resizing premultiplies alpha into a full-size copy); WebP decodes through
    three more full copies (libwebp's buffer, its bytes, the image)."""
    if image.mode in ("1", "L", "P"):
        per_pixel = 1
    elif image.mode in ("LA", "PA", "RGBA"):
        per_pixel = 8
    else:
        per_pixel = 4
    if content_type == WEBP:
        per_pixel = 16
    return image.width * image.height * per_pixel


def _too_large(width: int, height: int, megapixels: float) -> ImageTooLarge:
    return ImageTooLarge(Text(
        "The image has too many pixels (%(width)d × %(height)d): at most %(megapixels)d "
        "megapixels can be processed for this kind of image.",
        width=width, height=height, megapixels=math.floor(megapixels),
    ))


def _check_size(image: Image.Image, content_type: str, max_pixels: int,
                max_decode_bytes: int) -> None:
    """Refuse, from the header alone, an image over the pixel limit or whose thumbnail
    would take more than ``max_decode_bytes``. Reduces JPEGs to their decoding size."""
    width, height = image.size
    if Image.MAX_IMAGE_PIXELS:
        max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS)
    if width * height > max_pixels:
        raise _too_large(width, height, max_pixels / 1e6)
    # JPEG: decode at 1/2 to 1/8 scale, as close above the thumbnail as possible.
    image.draft("RGB", (THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
    needed = decode_bytes(image, content_type)
    if needed > max_decode_bytes:
        per_pixel = needed / (width * height)
        raise _too_large(width, height, min(max_pixels, max_decode_bytes / per_pixel) / 1e6)


def make_thumbnail(path: Path, content_type: str, max_pixels: int = DEFAULT_MAX_PIXELS,
                   max_decode_bytes: int = DEFAULT_DECODE_MAX_BYTES) -> bytes:
    """A JPEG at most THUMBNAIL_MAX_PX on its longer side, upright, on white.

    Decoding the whole image is also the proof that it is one: anything Pillow cannot
    read raises UnreadableImage. Before anything is decoded, an image over ``max_pixels``
    or needing more than ``max_decode_bytes`` raises ImageTooLarge.
    """
    try:
        with Image.open(path, formats=[_PILLOW_FORMATS[content_type]]) as image:
            _check_size(image, content_type, max_pixels, max_decode_bytes)
            # After the check: a PNG's EXIF may sit behind its pixels, read by decoding.
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            image.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
            preview = _on_white(image)
        if orientation in _ORIENTATION:
            preview = preview.transpose(_ORIENTATION[orientation])
        out = BytesIO()
        preview.save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()
    except UnreadableImage:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own bound, twice MAX_IMAGE_PIXELS
        raise ImageTooLarge(Text("The image has too many pixels.")) from exc
    except (OSError, SyntaxError, ValueError, EOFError,
            KeyError, IndexError, TypeError) as exc:
        # Pillow reports broken files through many exception types.
        raise UnreadableImage(Text("The image cannot be read.")) from exc


def _on_white(image: Image.Image) -> Image.Image:
    """An RGB copy; transparent areas become white, as JPEG has no alpha."""
    if image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit and float greyscale: scale to 8 bits before colour conversion.
        return image.convert("I").point(lambda value: value / 256).convert("L").convert("RGB")
    return image.convert("RGB")
