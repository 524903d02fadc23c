from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot.photos import MAX_PIXELS, NotAnImage, TooLarge, near_copies, store_photo
from tests.conversation_helpers import jpeg
from tests.helpers import ROOT, blank_png


def test_an_image_is_stored_under_its_sha256(tmp_path: Path) -> None:
    data = jpeg()

    stored = store_photo(data, tmp_path / "photos")

    assert stored.path == tmp_path / "photos" / f"{stored.sha256}.jpg"
    assert stored.path.read_bytes() == data
    assert len(stored.perceptual_hash) == 16
    assert store_photo(data, tmp_path / "photos") == stored


def test_anything_else_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAnImage):
        store_photo(b"%PDF-1.4 not a picture", tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_resized_recompressed_copy_is_a_near_copy_and_another_picture_is_not(
    tmp_path: Path,
) -> None:
    original = store_photo(jpeg(), tmp_path)
    image = Image.open(io.BytesIO(jpeg())).resize((128, 96))
    out = io.BytesIO()
    image.save(out, "PNG")
    copy = store_photo(out.getvalue(), tmp_path)
    flipped = Image.open(io.BytesIO(jpeg())).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    out = io.BytesIO()
    flipped.save(out, "JPEG")
    other = store_photo(out.getvalue(), tmp_path)

    assert copy.sha256 != original.sha256
    assert near_copies(original.perceptual_hash, copy.perceptual_hash)
    assert not near_copies(original.perceptual_hash, other.perceptual_hash)


def test_an_image_over_the_pixel_limit_is_refused_from_its_header_alone(tmp_path: Path) -> None:
    with pytest.raises(TooLarge):
        store_photo(blank_png(20000, 20000, pixels=False), tmp_path)
    with pytest.raises(TooLarge):
        store_photo(blank_png(MAX_PIXELS // 1000 + 1, 1000, pixels=False), tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_large_photo_is_hashed_from_a_reduced_decode(tmp_path: Path) -> None:
    """A 24-megapixel JPEG: decoded at full size it takes 72 MB, and its greyscale copy 24 more."""
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (6000, 4000), "teal").save(photo, "JPEG")
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from bot.photos import store_photo\n"
        "data = Path(sys.argv[1]).read_bytes()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "store_photo(data, Path(sys.argv[2]))\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) // 1024)\n"
    )
    grown = subprocess.run(
        [sys.executable, "-c", script, str(photo), str(tmp_path / "photos")],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert int(grown.stdout) < 30, f"peak memory grew by {grown.stdout.strip()} MB"


def test_photos_are_readable_by_the_bot_alone(tmp_path: Path) -> None:
    stored = store_photo(jpeg(), tmp_path / "photos")
    assert stat.S_IMODE(stored.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o600
