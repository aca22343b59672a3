"""A resident's photo does not tell everyone who downloads it where it was taken (issue #3):
JPEG, PNG and WebP attachments are stored without their metadata (EXIF with the GPS position
and the camera, XMP, comments), turned upright when the phone was held sideways, and a file
that only claims to be an image is refused in Chinese with nothing stored — on the request's
page, at intake and through the API."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms

from core.exceptions import ApplicationError
from core.testing import PASSWORD, api_client
from service_requests.attachments import request_attach
from service_requests.choices import Category, Channel, EventType
from service_requests.models import RequestAttachment, RequestEvent, ServiceRequest
from service_requests.services import IntakeData, request_intake

LATITUDE = (22.0, 32.0, 10.5)  # 深圳
GPS_TEXT = b"GPS-SECRET"


def exif(orientation: int = 1) -> Image.Exif:
    data = Image.Exif()
    data[ExifTags.Base.Orientation] = orientation
    data[ExifTags.Base.Make] = "PhoneMaker"
    data[ExifTags.Base.Model] = "Camera-XYZ"
    gps = data.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = LATITUDE
    return data


def picture() -> Image.Image:
    """40×20, red with a blue top-left corner: which way up it is can be seen."""
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 10, 10))
    return image


def phone_photo(image_format="JPEG", orientation=1, **options) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        options.setdefault("comment", GPS_TEXT)
    picture().save(
        buffer,
        image_format,
        exif=exif(orientation),
        xmp=b"<x:xmpmeta><exif:GPSLatitude>" + GPS_TEXT + b"</exif:GPSLatitude></x:xmpmeta>",
        **options,
    )
    return buffer.getvalue()


def upload(content: bytes, name="漏水.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def assert_no_metadata(stored: bytes):
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert b"PhoneMaker" not in stored and b"Camera-XYZ" not in stored
    assert GPS_TEXT not in stored and b"Exif\x00\x00" not in stored


def stored_bytes(attachment: RequestAttachment) -> bytes:
    with attachment.file.open("rb") as stored:
        return stored.read()


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sr(office, household, receptionist):
    return request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.PHONE,
            description="厨房水龙头漏水",
            household=household,
        ),
    )


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- What is stored -----------------------------------------------------------------------------


def test_a_photo_uploaded_on_the_page_is_downloaded_without_its_gps_position(
    client, sr, receptionist, media
):
    original = phone_photo()
    assert GPS_TEXT in original and exif_gps(original) == LATITUDE  # what the phone sent
    login(client, receptionist)
    client.post(
        reverse("service_requests:attachment_upload", args=[sr.pk]),
        {"attach-file": upload(original)},
    )
    attachment = RequestAttachment.objects.get()
    url = reverse("service_requests:attachment_download", args=[sr.pk, attachment.pk])
    downloaded = b"".join(client.get(url).streaming_content)
    assert_no_metadata(downloaded)
    # The picture itself is the same, pixel for pixel (not re-encoded).
    assert (
        Image.open(io.BytesIO(downloaded)).tobytes() == Image.open(io.BytesIO(original)).tobytes()
    )
    # Size and SHA-256 are those of the stored bytes.
    assert attachment.size == len(downloaded) < len(original)
    assert attachment.sha256 == hashlib.sha256(downloaded).hexdigest()
    event = RequestEvent.objects.get(type=EventType.ATTACHMENT_ADDED)
    assert event.data["size"] == attachment.size


def exif_gps(content: bytes):
    gps = Image.open(io.BytesIO(content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return tuple(float(v) for v in gps[ExifTags.GPS.GPSLatitude])


def test_a_sideways_phone_photo_is_stored_upright(sr, receptionist):
    """Orientation 6 (the phone turned a quarter): without the tag the picture would show on
    its side, so it is turned before the tag goes."""
    attachment = request_attach(
        actor=receptionist, request=sr, file=upload(phone_photo(orientation=6, quality=95))
    )
    stored = stored_bytes(attachment)
    assert_no_metadata(stored)
    image = Image.open(io.BytesIO(stored)).convert("RGB")
    assert image.size == (20, 40)
    # The blue corner, top-left as taken, is top-right once turned a quarter clockwise.
    red, _green, blue = image.getpixel((image.width - 3, 3))
    assert blue > 200 and red < 60
    assert attachment.size == len(stored)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()


@pytest.mark.parametrize(
    ("image_format", "name", "content_type", "options"),
    [
        ("PNG", "截图.png", "image/png", {}),
        ("WEBP", "照片.webp", "image/webp", {"quality": 90}),
        ("WEBP", "无损.webp", "image/webp", {"lossless": True}),
    ],
)
def test_png_and_webp_lose_their_metadata_too(
    sr, receptionist, image_format, name, content_type, options
):
    original = phone_photo(image_format, **options)
    assert b"PhoneMaker" in original
    attachment = request_attach(
        actor=receptionist, request=sr, file=upload(original, name, content_type)
    )
    stored = stored_bytes(attachment)
    assert_no_metadata(stored)
    assert attachment.content_type == content_type and attachment.size == len(stored)
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_a_sideways_png_is_turned_losslessly(sr, receptionist):
    attachment = request_attach(
        actor=receptionist,
        request=sr,
        file=upload(phone_photo("PNG", orientation=8), "截图.png", "image/png"),
    )
    stored = Image.open(io.BytesIO(stored_bytes(attachment)))
    assert stored.size == (20, 40)
    assert stored.tobytes() == picture().transpose(Image.Transpose.ROTATE_90).tobytes()


def test_the_colour_profile_is_kept(sr, receptionist):
    """What renders the colours stays; only what describes the taker goes."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = phone_photo(icc_profile=profile)
    attachment = request_attach(actor=receptionist, request=sr, file=upload(original))
    stored = Image.open(io.BytesIO(stored_bytes(attachment)))
    assert stored.info["icc_profile"] == profile


def test_a_photo_attached_at_intake_is_stored_without_metadata(
    client, office, household, receptionist
):
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        {
            "household": household.pk,
            "category": Category.REPAIR,
            "channel": Channel.PHONE,
            "description": "厨房水龙头漏水",
            "contact_phone": "13812345678",
            "file": [upload(phone_photo())],
        },
    )
    assert response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert_no_metadata(stored_bytes(attachment))


def test_api_upload_answers_the_size_and_sha256_of_what_is_downloaded(sr, receptionist):
    client = api_client(receptionist)
    response = client.post(
        f"/api/v1/requests/{sr.pk}/attachments/",
        {"file": upload(phone_photo(orientation=6))},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    downloaded = b"".join(client.get(body["download_url"]).streaming_content)
    assert_no_metadata(downloaded)
    assert body["size"] == len(downloaded)
    assert body["sha256"] == hashlib.sha256(downloaded).hexdigest()


def test_heic_and_pdf_are_stored_as_uploaded(sr, receptionist):
    """Only JPEG, PNG and WebP are rewritten (docs/api.md): HEIC and PDF are kept as sent."""
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    attachment = request_attach(
        actor=receptionist, request=sr, file=upload(heic, "IMG_0001.HEIC", "image/heic")
    )
    assert stored_bytes(attachment) == heic and attachment.size == len(heic)


# --- A file that only claims to be an image -------------------------------------------------------

# Looks like a JPEG for its first bytes (so it passes the type check), but is not one.
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def cut(content: bytes) -> bytes:
    return content[: len(content) * 2 // 3]


def test_a_corrupt_jpeg_is_refused_on_the_page_and_nothing_is_stored(
    client, sr, receptionist, media
):
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:attachment_upload", args=[sr.pk]),
        {"attach-file": upload(FAKE_JPEG, "坏照片.jpg")},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="error-file"' in text
    assert "“坏照片.jpg”不是完整的JPEG图片(文件已损坏或不完整)" in text
    assert RequestAttachment.objects.count() == 0 and stored_files(media) == []
    assert not RequestEvent.objects.filter(type=EventType.ATTACHMENT_ADDED).exists()


@pytest.mark.parametrize(
    ("content", "name", "content_type", "kind"),
    [
        (FAKE_JPEG, "坏照片.jpg", "image/jpeg", "JPEG"),
        (cut(phone_photo()), "传了一半.jpg", "image/jpeg", "JPEG"),
        (cut(phone_photo("PNG")), "截图.png", "image/png", "PNG"),
        (cut(phone_photo("WEBP")), "照片.webp", "image/webp", "WebP"),
    ],
)
def test_api_refuses_a_corrupt_or_cut_image_with_400(
    sr, receptionist, media, content, name, content_type, kind
):
    response = api_client(receptionist).post(
        f"/api/v1/requests/{sr.pk}/attachments/",
        {"file": upload(content, name, content_type)},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == "invalid"
    expected = f"“{name}”不是完整的{kind}图片(文件已损坏或不完整),请重新拍摄或导出后再上传"
    assert body["message"] == expected and body["detail"]["file"] == [expected]
    assert RequestAttachment.objects.count() == 0 and stored_files(media) == []


def test_a_corrupt_photo_at_intake_creates_no_request(client, household, receptionist, media):
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        {
            "household": household.pk,
            "category": Category.REPAIR,
            "channel": Channel.PHONE,
            "description": "厨房水龙头漏水",
            "contact_phone": "13812345678",
            "file": [upload(phone_photo(), "好的.jpg"), upload(FAKE_JPEG, "坏照片.jpg")],
        },
    )
    assert response.status_code == 200
    assert "“坏照片.jpg”不是完整的JPEG图片" in response.content.decode()
    assert ServiceRequest.objects.count() == 0 and stored_files(media) == []


def test_an_image_with_too_many_pixels_is_refused(sr, receptionist, media, monkeypatch):
    """Pillow's decompression-bomb limit (a small file that would need gigabytes to decode)."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # refused above twice this
    with pytest.raises(ApplicationError) as refused:
        request_attach(actor=receptionist, request=sr, file=upload(phone_photo(), "巨图.jpg"))
    assert refused.value.message == "“巨图.jpg”的像素过多,无法处理,请缩小图片尺寸后再上传"
    assert stored_files(media) == []
