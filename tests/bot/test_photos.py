from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.photos import NotAnImage, near_copies, store_photo
from tests.conversation_helpers import jpeg


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
