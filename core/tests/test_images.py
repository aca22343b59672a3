"""core.images.strip_metadata on the files phones and editors really write: every kind of JPEG
keeps its picture byte for byte, a JPEG's second pictures (MPO, depth maps) and trailing data go,
animations keep their frames, and a broken file is refused."""

import io

import pytest
from PIL import ExifTags, Image

from core.images import ImageUnreadable, strip_metadata


def picture(mode="RGB") -> Image.Image:
    return Image.effect_mandelbrot((96, 64), (-2, -1, 1, 1), 60).convert(mode)


def encoded(image: Image.Image, image_format="JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def pixels(content: bytes) -> bytes:
    return Image.open(io.BytesIO(content)).tobytes()


def gps_exif() -> Image.Exif:
    data = Image.Exif()
    data.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (22.0, 32.0, 10.0)
    return data


@pytest.mark.parametrize(
    ("mode", "options"),
    [
        ("RGB", {"progressive": True}),
        ("RGB", {"restart_marker_blocks": 2}),
        ("RGB", {"optimize": True, "quality": 40}),
        ("RGB", {"subsampling": 0}),
        ("L", {}),
        ("CMYK", {}),
    ],
)
def test_every_kind_of_jpeg_keeps_its_picture_unchanged(mode, options):
    original = encoded(picture(mode), exif=gps_exif(), **options)
    stripped = strip_metadata(original, "image/jpeg")
    assert pixels(stripped) == pixels(original)
    assert b"Exif\x00\x00" not in stripped and len(stripped) < len(original)


def test_a_jpegs_second_pictures_and_trailing_data_are_left_out():
    """A multi-picture file (MPO: a phone's depth map or second lens) has its own EXIF in the
    pictures after the first one's end."""
    first = picture()
    original = encoded(
        first, "MPO", save_all=True, append_images=[first.rotate(90)], exif=gps_exif()
    )
    stripped = strip_metadata(original + b"trailing", "image/jpeg")
    image = Image.open(io.BytesIO(stripped))
    assert image.format == "JPEG" and getattr(image, "n_frames", 1) == 1
    assert stripped.endswith(b"\xff\xd9") and b"Exif" not in stripped and b"MPF" not in stripped
    assert pixels(stripped) == pixels(encoded(first))


@pytest.mark.parametrize(
    ("image_format", "content_type"), [("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_animations_keep_their_frames(image_format, content_type):
    frames = [picture(), picture().rotate(180)]
    original = encoded(
        frames[0],
        image_format,
        save_all=True,
        append_images=frames[1:],
        duration=100,
        exif=gps_exif(),
    )
    stripped = strip_metadata(original, content_type)
    image = Image.open(io.BytesIO(stripped))
    assert image.n_frames == 2 and dict(image.getexif()) == {}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "image/jpeg"),
        (b"\xff\xd8\xff\xdb\xff\xff", "image/jpeg"),
        (encoded(picture())[:-300], "image/jpeg"),
        (encoded(picture(), "PNG")[:-20], "image/png"),
        (encoded(picture(), "WEBP")[:-20], "image/webp"),
        (b"RIFF\x04\x00\x00\x00WEBP", "image/webp"),
    ],
)
def test_a_broken_or_cut_file_is_refused(content, content_type):
    with pytest.raises(ImageUnreadable):
        strip_metadata(content, content_type)


def test_a_png_with_a_damaged_chunk_is_refused():
    original = bytearray(encoded(picture(), "PNG"))
    original[40] ^= 0xFF  # inside the image data: its CRC no longer matches
    with pytest.raises(ImageUnreadable):
        strip_metadata(bytes(original), "image/png")
