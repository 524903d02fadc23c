"""Evidence photos: checked with Pillow, stored under the data folder named by their SHA-256.

A perceptual hash (dHash, 64 bits) is kept with each photo so that a near-copy of a photo already
used in another customer's case can be noticed (resized, recompressed, lightly cropped).

An image is measured from its header before anything is decoded: over `MAX_PIXELS` it is refused
(`TooLarge`), since a small file can decode to gigabytes. The hash is computed from a reduced
decode (JPEG's `draft`, then `thumbnail`), so a photo costs memory in proportion to its pixels at
most once, never a greyscale copy at full size as well.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, UnidentifiedImageError

EXTENSIONS: Final = {
    "JPEG": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "HEIF": "heic",
    "BMP": "bmp",
}
NEAR_COPY_BITS: Final = 6  # dHash bits that may differ between a photo and its near-copy
MAX_PIXELS: Final = 25_000_000  # a 24-megapixel camera's photo; Pillow's own limit is 89 million
HASH_SOURCE: Final = 64  # pixels a side the image is brought down to before hashing


class NotAnImage(ValueError):
    """The bytes are not an image Pillow can read."""


class TooLarge(Exception):
    """The image has more pixels than `MAX_PIXELS` (checked before decoding it)."""


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    sha256: str
    path: Path
    perceptual_hash: str


def store_photo(data: bytes, photos_dir: Path) -> StoredPhoto:
    """Checks that `data` is an image and stores it as `photos_dir/<sha256>.<ext>` (once)."""
    try:
        with Image.open(io.BytesIO(data)) as image:  # the header only
            _check_size(image)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            fingerprint = dhash(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooLarge(str(error)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise NotAnImage(str(error)) from None
    sha256 = hashlib.sha256(data).hexdigest()
    photos_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # customers' photos: ours alone
    path = photos_dir / f"{sha256}.{EXTENSIONS.get(image_format, 'img')}"
    if not path.exists():
        partial = path.with_suffix(".part")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(data)
        partial.replace(path)
    return StoredPhoto(sha256=sha256, path=path, perceptual_hash=fingerprint)


def _check_size(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise TooLarge(f"{width}×{height} pixels")


def dhash(image: Image.Image) -> str:
    """Difference hash: 64 bits saying whether each pixel is brighter than its right neighbour."""
    image.draft("L", (HASH_SOURCE, HASH_SOURCE))  # JPEG: decoded at 1/2 to 1/8 of its size
    if image.mode not in ("L", "RGB"):  # palettes resize by nearest pixel; alpha and the rest
        image = image.convert("L")
    image.thumbnail((HASH_SOURCE, HASH_SOURCE), Image.Resampling.LANCZOS)
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(small.tobytes())
    bits = 0
    for row in range(8):
        for column in range(8):
            left, right = pixels[row * 9 + column], pixels[row * 9 + column + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def near_copies(first: str, second: str) -> bool:
    """Whether two perceptual hashes are of the same picture, give or take a recompression."""
    if not first or not second:
        return False
    return bin(int(first, 16) ^ int(second, 16)).count("1") <= NEAR_COPY_BITS
