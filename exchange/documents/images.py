"""Thumbnails of uploaded images, and the check that an image really is one.

Pillow's ``Image.MAX_IMAGE_PIXELS`` bounds the pixels we are willing to decode: an image
above it (a decompression bomb: a small file that unpacks to gigabytes) is refused before
any pixel is decoded.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import ExifTags, Image

from exchange.documents.filetypes import GIF, JPEG, PNG, WEBP
from exchange.errors import Text

THUMBNAIL_MAX_PX = 320
THUMBNAIL_CONTENT_TYPE = "image/jpeg"

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


def make_thumbnail(path: Path, content_type: str) -> bytes:
    """A JPEG at most THUMBNAIL_MAX_PX on its longer side, upright, on white.

    Decoding the whole image is also the proof that it is one: anything Pillow cannot
    read, or that has more pixels than ``Image.MAX_IMAGE_PIXELS``, raises UnreadableImage.
    """
    try:
        with Image.open(path, formats=[_PILLOW_FORMATS[content_type]]) as image:
            limit = Image.MAX_IMAGE_PIXELS
            if limit and image.width * image.height > limit:
                raise UnreadableImage(Text(
                    "The image has too many pixels (%(width)d × %(height)d).",
                    width=image.width, height=image.height,
                ))
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            image.draft("RGB", (THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))  # JPEG: decode smaller
            image.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
            preview = _on_white(image)
        if orientation in _ORIENTATION:
            preview = preview.transpose(_ORIENTATION[orientation])
        out = BytesIO()
        preview.save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()
    except UnreadableImage:
        raise
    except Image.DecompressionBombError as exc:
        raise UnreadableImage(Text("The image has too many pixels.")) from exc
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
