"""A violation case's photos do not tell everyone who downloads them where and with what they
were taken (SOP.md §8 records; core/images.py, as for requests' attachments): JPEG, PNG and WebP
photos are stored without their EXIF (GPS position, camera), XMP and comments, turned upright,
with the size and SHA-256 of the stored bytes; a file that only claims to be an image is refused
in Chinese and nothing is stored — at registration, on the case page and on the console."""

import hashlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from core.exceptions import ApplicationError
from core.testing import PASSWORD
from violations import services
from violations.choices import SubKind
from violations.models import CaseEvent, CasePhoto, ViolationCase
from violations.tests.conftest import NOW, register

SECRET = b"GPS-SECRET-WHERE"


def phone_photo(image_format="JPEG", orientation=1) -> bytes:
    """40×20 with the camera, a GPS position and an XMP packet naming it."""
    data = Image.Exif()
    data[ExifTags.Base.Orientation] = orientation
    data[ExifTags.Base.Make] = "PhoneMaker"
    gps = data.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (22.0, 32.0, 10.5)
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, image_format, exif=data, xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>")
    return buffer.getvalue()


def assert_no_metadata(stored: bytes):
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert b"PhoneMaker" not in stored and SECRET not in stored
    assert b"Exif\x00\x00" not in stored


def stored_bytes(photo: CasePhoto) -> bytes:
    with photo.file.open("rb") as stored:
        return stored.read()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def case_data(household):
    return services.CaseData(
        household=household,
        sub_kind=SubKind.HYGIENE_FROM_HEIGHT,
        place="3栋楼下",
        occurred_at=NOW,
        description="高空抛物",
        reported_by="保洁 赵阿姨",
    )


@pytest.mark.parametrize(
    ("image_format", "suffix"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")]
)
def test_a_registered_photo_is_stored_without_its_metadata(
    receptionist, office, household, image_format, suffix
):
    original = phone_photo(image_format)
    assert b"PhoneMaker" in original  # the EXIF block is there before
    case = services.case_register(
        actor=receptionist,
        office=office,
        data=case_data(household),
        photos=[SimpleUploadedFile(f"现场{suffix}", original)],
        now=NOW,
    )
    photo = case.photos.get()
    stored = stored_bytes(photo)
    assert_no_metadata(stored)
    assert photo.file.name.endswith(suffix) and photo.original_name == f"现场{suffix}"
    assert (photo.size, photo.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    assert Image.open(io.BytesIO(stored)).size == (40, 20)


def test_a_sideways_phone_photo_is_turned_upright(receptionist, office, household):
    """Orientation 6 (held sideways): without the tag it must be turned, or it shows sideways."""
    case = register(receptionist, office, household)
    services.case_add_photos(
        actor=receptionist,
        case=case,
        photos=[SimpleUploadedFile("侧拍.jpg", phone_photo(orientation=6))],
        now=NOW,
    )
    stored = stored_bytes(case.photos.get())
    assert_no_metadata(stored)
    assert Image.open(io.BytesIO(stored)).size == (20, 40)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (phone_photo()[:300], "“坏.jpg”不是完整的JPEG图片(文件已损坏或不完整)"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "“坏.jpg”不是完整的JPEG图片"),
    ],
    ids=["cut off", "only a JPEG's first bytes"],
)
def test_a_corrupt_photo_is_refused_and_nothing_is_written(
    receptionist, office, household, media, content, message
):
    good = SimpleUploadedFile("好.png", phone_photo("PNG"))
    with pytest.raises(ApplicationError, match=re.escape(message)) as exc:
        services.case_register(
            actor=receptionist,
            office=office,
            data=case_data(household),
            photos=[good, SimpleUploadedFile("坏.jpg", content)],
            now=NOW,
        )
    assert exc.value.code == "invalid_file" and list(exc.value.field_errors) == ["photos"]
    assert not ViolationCase.objects.exists() and not CasePhoto.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]

    case = register(receptionist, office, household)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(ApplicationError, match=re.escape(message)):
        services.case_add_photos(
            actor=receptionist,
            case=case,
            photos=[
                SimpleUploadedFile("好.png", phone_photo("PNG")),
                SimpleUploadedFile("坏.jpg", content),
            ],
            now=NOW,
        )
    assert not CasePhoto.objects.exists()
    assert CaseEvent.objects.filter(case=case).count() == events
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_console_upload_strips_the_photo_and_refuses_a_corrupt_one(
    client, receptionist, office, household, media
):
    case = register(receptionist, office, household)
    assert client.login(username=receptionist.username, password=PASSWORD)
    url = reverse("violations:case_action", args=[case.pk, "photos"])
    refused = client.post(
        url, {"photos-photos": [SimpleUploadedFile("坏.jpg", phone_photo()[:300])]}
    )
    assert refused.status_code == 400
    assert "“坏.jpg”不是完整的JPEG图片" in refused.content.decode()
    assert not CasePhoto.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]

    response = client.post(url, {"photos-photos": [SimpleUploadedFile("现场.jpg", phone_photo())]})
    assert response.status_code == 302
    photo = case.photos.get()
    served = client.get(reverse("violations:photo_download", args=[case.pk, photo.pk]))
    body = b"".join(served.streaming_content)
    assert_no_metadata(body)
    assert body == stored_bytes(photo)
