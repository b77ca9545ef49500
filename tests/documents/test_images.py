"""Decompression bombs: the memory one image upload may take, measured in a process of its
own (Pillow allocates pixels outside Python's allocator, so tracemalloc would not see them).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from exchange.documents import images
from tests.documents.samples import blank_png

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 100

# Peak memory of making one thumbnail with the app's defaults, beyond the process's memory
# before: its peak resident size (VmHWM; ru_maxrss would start from the parent's at fork)
# less its resident size before, so that the imports' own peak cannot hide anything.
PROBE = """
import sys
from pathlib import Path
from exchange.documents import images

def status_kb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))

before_kb = status_kb("VmRSS:")
try:
    images.make_thumbnail(Path(sys.argv[1]), sys.argv[2])
    outcome = "thumbnail"
except images.ImageTooLarge:
    outcome = "too-large"
print(outcome, (status_kb("VmHWM:") - before_kb) / 1024)
"""

# A JPEG of 40 megapixels takes 160 MB to draw: drawn in a process of its own.
MAKE_JPEG = """
import sys
from PIL import Image
Image.new("RGB", (int(sys.argv[2]), int(sys.argv[3])), (120, 160, 90)).save(sys.argv[1], "JPEG")
"""


def _pillow_bytes(fmt: str, mode: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


def _peak(path: Path, content_type: str) -> tuple[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), content_type],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=True,
    )
    outcome, megabytes = result.stdout.split()
    return outcome, float(megabytes)


@pytest.mark.parametrize(("content_type", "build", "expected"), [
    # The attack: 336 KB, 86 megapixels, 650 MB decoded whole.
    ("image/png", lambda: blank_png(9300, 9300, "RGBA"), "too-large"),
    # Within the pixel limit, but 144 MB decoded whole: over the decoding budget.
    ("image/png", lambda: blank_png(6000, 6000, "RGB", level=1), "too-large"),
    # The largest PNGs within the budget, with and without transparency.
    ("image/png", lambda: blank_png(3200, 3200, "RGBA", level=1), "thumbnail"),
    ("image/png", lambda: blank_png(5000, 4000, "RGB", level=1), "thumbnail"),
    # One byte per pixel: up to the pixel limit.
    ("image/gif", lambda: _pillow_bytes("GIF", "P", (6000, 6000)), "thumbnail"),
    ("image/webp", lambda: _pillow_bytes("WEBP", "RGBA", (2200, 2200)), "thumbnail"),
    # A JPEG of almost 40 megapixels is decoded at 1/8 scale (draft).
    ("image/jpeg", None, "thumbnail"),
])
def test_one_image_takes_less_than_100_mb(tmp_path, content_type, build, expected):
    path = tmp_path / "upload"
    if build is None:
        subprocess.run([sys.executable, "-c", MAKE_JPEG, str(path), "7000", "5700"],
                       check=True, timeout=120)
    else:
        path.write_bytes(build())
    outcome, megabytes = _peak(path, content_type)
    assert outcome == expected
    assert megabytes < PEAK_LIMIT_MB


def test_a_bomb_is_refused_from_its_header_naming_its_size(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(blank_png(9300, 9300, "RGBA"))
    with pytest.raises(images.ImageTooLarge) as refused:
        images.make_thumbnail(path, "image/png")
    message = refused.value.args[0]
    assert "9300 × 9300" in message and "at most 40 megapixels" in message


def test_the_limits_are_configurable(tmp_path):
    path = tmp_path / "plan.png"
    path.write_bytes(blank_png(2000, 1000, "RGB", level=1))  # 2 megapixels, 8 MB decoded
    assert images.make_thumbnail(path, "image/png")
    with pytest.raises(images.ImageTooLarge, match="at most 1 megapixels"):
        images.make_thumbnail(path, "image/png", max_pixels=1_000_000)
    with pytest.raises(images.ImageTooLarge, match="at most 1 megapixels"):
        images.make_thumbnail(path, "image/png", max_decode_bytes=4 * 1024 * 1024)
