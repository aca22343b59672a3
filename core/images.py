"""A photo without what it says about its taker (issue #3): the EXIF block of a phone's photo
carries where it was taken (GPS), when, and with which camera; XMP, IPTC and comments can carry
the same. `strip_metadata` returns the image without them, checked to decode.

The image itself is kept byte for byte: JPEG segments, PNG chunks and WebP chunks are copied
as they are and only the metadata ones are left out (nothing is re-encoded, so nothing is
lost). Kept are what renders the image: the colour profile (ICC), transparency, gamma, the
JFIF/Adobe colour headers, animation frames. Left out as well: anything after the image's end
(a JPEG's second pictures and depth maps carry their own EXIF) and the embedded thumbnails.

Only a photo whose EXIF orientation asks for turning (a phone held sideways) is decoded, turned
and encoded again, because without the tag it would show sideways: a JPEG with its own
quantisation tables and subsampling (no quality lowered beyond one generation), a PNG and a
lossless WebP losslessly, a lossy WebP at quality 90. Animated images are never re-encoded.

Refusals are `ImageUnreadable` (not a complete image of the type it claims: truncated, corrupt)
and `ImageTooLarge` (Pillow's decompression-bomb limit); callers turn them into messages.
"""

import io
import struct
import warnings
import zlib

from PIL import ExifTags, Image, ImageOps, ImageSequence, JpegImagePlugin

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
STRIPPED_TYPES = frozenset({JPEG, PNG, WEBP})
_PILLOW_FORMATS = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}, WEBP: {"WEBP"}}


class ImageRefused(Exception):
    pass


class ImageUnreadable(ImageRefused):
    """Not a complete, decodable image of the type its first bytes claim."""


class ImageTooLarge(ImageRefused):
    """More pixels than Pillow decodes safely (Image.MAX_IMAGE_PIXELS, twice over)."""


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """`data` (a JPEG, PNG or WebP by its first bytes) without its metadata, turned upright if
    its EXIF orientation said so. Raises ImageUnreadable or ImageTooLarge."""
    strip = _STRIPPERS[content_type]
    try:
        orientation = _orientation(data)
        if orientation not in (None, 1):
            data = _turned_upright(data, content_type)
        cleaned = strip(data)
        _check_decodes(cleaned, content_type)
    except ImageRefused:
        raise
    except Image.DecompressionBombError as error:
        raise ImageTooLarge(str(error)) from error
    except Exception as error:  # Pillow answers a broken file with many kinds of errors
        raise ImageUnreadable(str(error)) from error
    return cleaned


# --- Opening with Pillow -------------------------------------------------------------------------


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # Above MAX_IMAGE_PIXELS Pillow only warns; twice that is DecompressionBombError.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _orientation(data: bytes) -> int | None:
    try:
        with _open(data) as image:
            return image.getexif().get(ExifTags.Base.Orientation)
    except Image.DecompressionBombError:
        raise
    except Exception:  # an unreadable EXIF block is left out anyway; the image is checked later
        return None


def _check_decodes(data: bytes, content_type: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with _open(data) as image:
            if image.format not in _PILLOW_FORMATS[content_type]:
                raise ImageUnreadable(f"{image.format} is not {content_type}")
            if image.format == "JPEG":
                # Every coefficient is still decoded at 1/8 scale: a cut or corrupt file fails.
                image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            for frame in ImageSequence.Iterator(image):
                frame.load()


def _turned_upright(data: bytes, content_type: str) -> bytes:
    with _open(data) as image:
        if getattr(image, "n_frames", 1) > 1:
            return data  # animated: kept as it is (the orientation tag goes with the EXIF)
        image.load()
        options: dict = {}
        if icc := image.info.get("icc_profile"):
            options["icc_profile"] = icc
        if content_type == JPEG:
            options["qtables"] = image.quantization
            sampling = JpegImagePlugin.get_sampling(image)
            if sampling != -1:
                options["subsampling"] = sampling
            options["progressive"] = bool(image.info.get("progressive"))
            if dpi := image.info.get("dpi"):
                options["dpi"] = dpi
        elif content_type == WEBP:
            if any(kind == b"VP8L" for kind, _chunk in _webp_chunks(data)):
                options.update(lossless=True, exact=True)
            else:
                options["quality"] = 90
        upright = ImageOps.exif_transpose(image)
        buffer = io.BytesIO()
        upright.save(buffer, format=image.format if image.format != "MPO" else "JPEG", **options)
        return buffer.getvalue()


# --- JPEG ----------------------------------------------------------------------------------------

# Application segments that render the image: JFIF (density), the ICC profile, Adobe (the colour
# transform of CMYK/YCCK files). Every other APPn (Exif, XMP, IPTC, MPF, …) and COM is left out.
_JPEG_KEPT_APP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
_SOS, _EOI, _COM = 0xDA, 0xD9, 0xFE


def _jpeg_strip(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ImageUnreadable("no SOI")
    out = [b"\xff\xd8"]
    end = len(data)
    pos = 2
    while True:
        # Bytes between segments are skipped, as libjpeg does (it only warns about them): some
        # writers get a segment's length wrong. They are never copied.
        pos = data.find(b"\xff", pos)
        if pos < 0:
            raise ImageUnreadable("cut off before the end of the image")
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= end:
            raise ImageUnreadable("cut off before the end of the image")
        marker = data[pos]
        pos += 1
        if marker == 0x00:  # not a marker
            continue
        if marker == _EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)  # anything after the image's end is left out
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # restart markers, TEM: no length
            out.append(bytes((0xFF, marker)))
            continue
        if pos + 2 > end:
            raise ImageUnreadable("cut off in a segment")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > end:
            raise ImageUnreadable("cut off in a segment")
        payload = data[pos + 2 : pos + length]
        segment_start, pos = pos - 2, pos + length
        if 0xE0 <= marker <= 0xEF or marker == _COM:
            signature = _JPEG_KEPT_APP.get(marker)
            if signature is None or not payload.startswith(signature):
                continue
            if marker == 0xE0 and len(payload) > 14:  # JFIF with a thumbnail: the header only
                out.append(b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00")
                continue
        out.append(data[segment_start:pos])
        if marker == _SOS:
            scan_start, pos = pos, _jpeg_scan_end(data, pos)
            out.append(data[scan_start:pos])


def _jpeg_scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at `pos` ends: at the first 0xFF that begins a
    marker (not a stuffed 0xFF00 or a restart marker)."""
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise ImageUnreadable("cut off in the image data")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos = found + 2
            continue
        return found


# --- PNG -----------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that render the image (critical, colour, transparency, animation); tEXt/zTXt/iTXt
# (XMP too), eXIf, tIME and private chunks are left out.
_PNG_KEPT = frozenset(
    {
        b"IHDR",
        b"PLTE",
        b"IDAT",
        b"IEND",
        b"tRNS",
        b"gAMA",
        b"cHRM",
        b"sRGB",
        b"iCCP",
        b"sBIT",
        b"bKGD",
        b"pHYs",
        b"cICP",
        b"mDCV",
        b"cLLI",
        b"acTL",
        b"fcTL",
        b"fdAT",
    }
)


def _png_strip(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ImageUnreadable("no PNG signature")
    out = [_PNG_SIGNATURE]
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise ImageUnreadable("cut off before IEND")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk_end = pos + 12 + length
        if chunk_end > len(data):
            raise ImageUnreadable("cut off in a chunk")
        if kind in _PNG_KEPT:
            body = data[pos + 4 : chunk_end - 4]
            if zlib.crc32(body) != struct.unpack(">I", data[chunk_end - 4 : chunk_end])[0]:
                raise ImageUnreadable(f"bad CRC in {kind!r}")
            out.append(data[pos:chunk_end])
        pos = chunk_end
        if kind == b"IEND":
            return b"".join(out)


# --- WebP ----------------------------------------------------------------------------------------

# Chunks that render the image; EXIF, "XMP " and unknown chunks are left out.
_WEBP_KEPT = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
_VP8X_EXIF_AND_XMP = 0x08 | 0x04


def _webp_chunks(data: bytes):
    """(fourcc, the whole chunk with its header and padding) of the RIFF container's chunks."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ImageUnreadable("no WebP header")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data):
        raise ImageUnreadable("cut off")
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise ImageUnreadable("cut off in a chunk header")
        kind, size = struct.unpack("<4sI", data[pos : pos + 8])
        if pos + 8 + size > end:
            raise ImageUnreadable("cut off in a chunk")
        chunk_end = min(end, pos + 8 + size + (size & 1))  # chunks are padded to an even size
        yield kind, data[pos:chunk_end]
        pos = chunk_end


def _webp_strip(data: bytes) -> bytes:
    chunks = []
    for kind, chunk in _webp_chunks(data):
        if kind == b"VP8X" and len(chunk) > 8:
            flags = chunk[8] & ~_VP8X_EXIF_AND_XMP
            chunks.append(chunk[:8] + bytes((flags,)) + chunk[9:])
        elif kind in _WEBP_KEPT:
            chunks.append(chunk)
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


_STRIPPERS = {JPEG: _jpeg_strip, PNG: _png_strip, WEBP: _webp_strip}
