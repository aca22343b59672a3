"""Attachments of help and report requests (issue #3: "an oversized description or attachment"
gets a clear error and writes nothing; SOP.md §2 记录): a photo attached at intake, on the
request's page and through the API; size, type (by content) and count refused in Chinese with
nothing stored; files served only to users who may see the request; never deleted."""

import io

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from core.exceptions import ApplicationError
from core.testing import (
    PASSWORD,
    api_client,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_resident_account,
    make_staff,
    make_superuser,
    owner,
)
from policies.services import policy_update
from service_requests.attachments import request_attach, sniff_content_type
from service_requests.choices import Category, Channel, EventType
from service_requests.models import RequestAttachment, RequestEvent, ServiceRequest
from service_requests.services import IntakeData, request_intake


def _image(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, image_format)
    return buffer.getvalue()


# Real (tiny) images: a photo must decode to be stored (core/images.py); these carry no
# metadata, so they are stored byte for byte. test_attachment_metadata.py has the stripping.
JPEG = _image("JPEG")
PNG = _image("PNG")
WEBP = _image("WEBP")
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
MB = 1024 * 1024


def photo(name="漏水.jpg", content=JPEG, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def big_photo(size):
    return photo("大照片.jpg", JPEG + b"\x00" * (size - len(JPEG)))


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def one_mb_limit(office, manager):
    """The office allows 1 MB per file (SOP.md §2 记录; 管理处自定)."""
    policy_update(
        actor=manager,
        office=office,
        changes={"request.attachment_max_mb": 1},
        note="附件上限1MB",
    )


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def intake(actor, office, household=None):
    return request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.PHONE,
            description="厨房水龙头漏水",
            household=household,
        ),
    )


def intake_post(household, **overrides):
    data = {
        "household": household.pk,
        "category": Category.REPAIR,
        "channel": Channel.PHONE,
        "description": "厨房水龙头漏水",
        "contact_phone": "13812345678",
    }
    data.update(overrides)
    return data


# --- Types by content ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (WEBP, "image/webp"),
        (HEIC, "image/heic"),
        (PDF, "application/pdf"),
        (EXE, None),
        (b"GIF89a" + b"\x00" * 10, None),
        (b"", None),
    ],
)
def test_the_type_is_found_from_the_first_bytes(content, expected):
    assert sniff_content_type(content[:16]) == expected


# --- Intake with files (console) ------------------------------------------------------------------


def test_a_photo_attached_at_intake_is_stored_with_the_request(
    client, office, household, receptionist, media
):
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        intake_post(household, file=[photo(), photo("信.pdf", PDF, "application/pdf")]),
    )
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302
    first, second = RequestAttachment.objects.order_by("id")
    assert (first.request, first.original_name, first.content_type) == (
        sr,
        "漏水.jpg",
        "image/jpeg",
    )
    assert (second.original_name, second.content_type) == ("信.pdf", "application/pdf")
    assert first.size == len(JPEG) and first.uploaded_by == receptionist and len(first.sha256) == 64
    # Per-request folder, random name, the extension of the type found (not the one sent).
    assert first.file.name.startswith(f"service_requests/{office.pk}/{sr.pk}/")
    assert "漏水" not in first.file.name and first.file.name.endswith(".jpg")
    assert len(stored_files(media)) == 2
    events = RequestEvent.objects.filter(request=sr, type=EventType.ATTACHMENT_ADDED)
    assert sorted(e.data["name"] for e in events) == ["信.pdf", "漏水.jpg"]


def test_intake_page_posts_files_as_multipart(client, office, receptionist):
    login(client, receptionist)
    text = client.get(reverse("service_requests:request_new")).content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert 'type="file" name="file"' in text and "multiple" in text


def test_an_oversized_file_at_intake_creates_no_request_and_stores_nothing(
    client, office, household, receptionist, one_mb_limit, media
):
    """Issue #3: an oversized attachment gets a clear error next to the file and writes nothing."""
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        intake_post(household, file=[photo(), big_photo(int(1.5 * MB))]),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="error-file"' in text
    assert "文件超过1MB" in text and "大照片.jpg" in text and "1.5MB" in text
    assert ServiceRequest.objects.count() == 0
    assert RequestAttachment.objects.count() == 0 and RequestEvent.objects.count() == 0
    assert stored_files(media) == []


def test_a_bad_description_and_a_bad_file_are_shown_together(
    client, office, household, receptionist, media
):
    """The description limit (2000 characters) is shown next to its field, the file's next to
    the file field; nothing is written."""
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        intake_post(household, description="漏" * 2001, file=[photo("病毒.jpg", EXE)]),
    )
    text = response.content.decode()
    assert 'data-testid="error-description"' in text and "求助内容不能超过2000字" in text
    assert (
        'data-testid="error-file"' in text and "只能上传 JPEG、PNG、WebP、HEIC 图片或 PDF" in text
    )
    assert ServiceRequest.objects.count() == 0 and stored_files(media) == []


def test_an_upload_larger_than_djangos_memory_limits_reaches_the_policy_check(
    client, settings, office, household, receptionist, one_mb_limit, media
):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields, not files, and larger files are
    streamed to a temporary file: the refusal is the policy's Chinese message, not a raw 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100 * 1024
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        intake_post(household, file=[big_photo(3 * MB)]),
    )
    assert response.status_code == 200
    assert "文件超过1MB" in response.content.decode()
    assert ServiceRequest.objects.count() == 0 and stored_files(media) == []


# --- The request's page ---------------------------------------------------------------------------


def test_a_photo_uploaded_on_the_request_page_is_listed_with_a_protected_thumbnail(
    client, office, household, receptionist, media
):
    sr = intake(receptionist, office, household)
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:attachment_upload", args=[sr.pk]),
        {"attach-file": photo(), "attach-caption": "厨房天花板"},
        follow=True,
    )
    attachment = RequestAttachment.objects.get()
    assert attachment.caption == "厨房天花板"
    text = response.content.decode()
    url = reverse("service_requests:attachment_download", args=[sr.pk, attachment.pk])
    assert f'<img src="{url}"' in text and "漏水.jpg" in text and "张婷" in text
    assert "/media/" not in text
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert b"".join(download.streaming_content) == JPEG
    assert "sandbox" in download["Content-Security-Policy"]


def test_an_exe_renamed_jpg_is_refused_on_the_request_page(
    client, office, household, receptionist, media
):
    sr = intake(receptionist, office, household)
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:attachment_upload", args=[sr.pk]),
        {"attach-file": photo("照片.jpg", EXE, "image/jpeg")},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "“照片.jpg”不是允许的文件类型" in text and 'data-testid="error-file"' in text
    assert RequestAttachment.objects.count() == 0 and stored_files(media) == []


def test_another_offices_user_gets_404_for_the_page_and_the_file(
    client, office, household, receptionist
):
    sr = intake(receptionist, office, household)
    attachment = request_attach(actor=receptionist, request=sr, file=photo())
    stranger = make_staff("cs_staff", offices=[make_office("翠湖花园管理处")], name="外人")
    login(client, stranger)
    url = reverse("service_requests:attachment_download", args=[sr.pk, attachment.pk])
    assert client.get(url).status_code == 404
    upload = reverse("service_requests:attachment_upload", args=[sr.pk])
    assert client.post(upload, {"attach-file": photo()}).status_code == 404
    assert RequestAttachment.objects.count() == 1


# --- The service ----------------------------------------------------------------------------------


def test_an_oversized_file_is_refused_and_nothing_is_stored(
    office, household, receptionist, one_mb_limit, media
):
    """SOP.md §2 记录; 管理处自定: the office's limit (here 1 MB) is the policy's."""
    sr = intake(receptionist, office, household)
    events = RequestEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        request_attach(actor=receptionist, request=sr, file=big_photo(int(1.5 * MB)))
    assert refused.value.message.startswith("文件超过1MB")
    assert refused.value.field_errors["file"] == [refused.value.message]
    assert RequestAttachment.objects.count() == 0 and RequestEvent.objects.count() == events
    assert stored_files(media) == []


def test_the_default_limit_is_10_mb(office, household, receptionist, media):
    sr = intake(receptionist, office, household)
    with pytest.raises(ApplicationError, match="文件超过10MB"):
        request_attach(actor=receptionist, request=sr, file=big_photo(10 * MB + 1))
    assert stored_files(media) == []


def test_the_number_of_attachments_is_limited_by_the_policy(
    office, household, receptionist, manager, media
):
    policy_update(
        actor=manager, office=office, changes={"request.attachments_max_count": 2}, note="两张"
    )
    sr = intake(receptionist, office, household)
    request_attach(actor=receptionist, request=sr, file=photo())
    request_attach(actor=receptionist, request=sr, file=photo("2.png", PNG, "image/png"))
    with pytest.raises(ApplicationError, match="每个求助最多2个附件"):
        request_attach(actor=receptionist, request=sr, file=photo("3.jpg"))
    assert RequestAttachment.objects.count() == 2 and len(stored_files(media)) == 2


def test_every_allowed_type_is_accepted(office, household, receptionist):
    sr = intake(receptionist, office, household)
    for name, content in [("a.jpg", JPEG), ("b.png", PNG), ("c.webp", WEBP), ("d.heic", HEIC)]:
        request_attach(actor=receptionist, request=sr, file=photo(name, content, "x/y"))
    request_attach(actor=receptionist, request=sr, file=photo("e.pdf", PDF, "application/pdf"))
    assert sorted(RequestAttachment.objects.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/heic",
        "image/jpeg",
        "image/png",
        "image/webp",
    ]


def test_scope_is_checked_before_authority(office, household, receptionist, media):
    """Another office's request is "not found", even for a role that could not upload anyway."""
    from core.authz import ObjectNotFoundError
    from core.exceptions import PermissionDeniedError

    sr = intake(receptionist, office, household)
    stranger = make_staff("cleaning", offices=[make_office("翠湖花园管理处")])
    with pytest.raises(ObjectNotFoundError):
        request_attach(actor=stranger, request=sr, file=photo())
    cleaner = make_staff("cleaning", offices=[office])
    with pytest.raises(PermissionDeniedError):
        request_attach(actor=cleaner, request=sr, file=photo())
    assert stored_files(media) == []


def test_a_failed_database_write_removes_the_stored_file(
    office, household, receptionist, media, monkeypatch
):
    sr = intake(receptionist, office, household)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("service_requests.attachments._event", broken)
    with pytest.raises(RuntimeError):
        request_attach(actor=receptionist, request=sr, file=photo())
    assert RequestAttachment.objects.count() == 0
    assert stored_files(media) == []


# --- Append-only ----------------------------------------------------------------------------------


def test_attachments_cannot_be_changed_or_deleted(office, household, receptionist):
    sr = intake(receptionist, office, household)
    attachment = request_attach(actor=receptionist, request=sr, file=photo())
    with pytest.raises(TypeError):
        attachment.delete()
    with pytest.raises(TypeError):
        RequestAttachment.objects.filter(pk=attachment.pk).delete()
    with pytest.raises(TypeError):
        RequestAttachment.objects.filter(pk=attachment.pk).update(caption="改")
    attachment.caption = "改"
    with pytest.raises(TypeError):
        attachment.save()
    model_admin = admin.site._registry[RequestAttachment]
    http_request = RequestFactory().get("/admin/")
    http_request.user = make_superuser()
    assert not model_admin.has_delete_permission(http_request, attachment)
    assert not model_admin.has_change_permission(http_request, attachment)
    assert not model_admin.has_add_permission(http_request)


def test_a_wrong_upload_is_superseded_not_removed(office, household, receptionist):
    sr = intake(receptionist, office, household)
    wrong = request_attach(actor=receptionist, request=sr, file=photo("错的.jpg"))
    right = request_attach(actor=receptionist, request=sr, file=photo("对的.jpg"), supersedes=wrong)
    assert right.supersedes == wrong and RequestAttachment.objects.count() == 2
    with pytest.raises(ApplicationError, match="已被更正过"):
        request_attach(actor=receptionist, request=sr, file=photo(), supersedes=wrong)


# --- API -----------------------------------------------------------------------------------------


def api_url(sr, attachment=None):
    base = f"/api/v1/requests/{sr.pk}/attachments/"
    return f"{base}{attachment.pk}/" if attachment else base


def test_api_upload_answers_201_and_the_detail_lists_it(office, household, receptionist, media):
    sr = intake(receptionist, office, household)
    client = api_client(receptionist)
    response = client.post(api_url(sr), {"file": photo(), "caption": "天花板"}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["content_type"], body["size"]) == (
        "漏水.jpg",
        "image/jpeg",
        len(JPEG),
    )
    assert body["caption"] == "天花板" and body["uploaded_by_name"] == "张婷"
    assert body["download_url"] == api_url(sr, RequestAttachment.objects.get())
    detail = client.get(f"/api/v1/requests/{sr.pk}/").json()
    assert [a["id"] for a in detail["attachments"]] == [body["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == JPEG


def test_api_refuses_an_exe_renamed_jpg_with_a_chinese_message(
    office, household, receptionist, media
):
    sr = intake(receptionist, office, household)
    response = api_client(receptionist).post(
        api_url(sr), {"file": photo("照片.jpg", EXE)}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "不是允许的文件类型" in body["message"]
    assert "JPEG、PNG、WebP、HEIC" in body["detail"]["file"][0]
    assert stored_files(media) == []


def test_api_refuses_an_oversized_file(office, household, receptionist, one_mb_limit, media):
    sr = intake(receptionist, office, household)
    response = api_client(receptionist).post(
        api_url(sr), {"file": big_photo(int(1.5 * MB))}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["message"].startswith("文件超过1MB")
    assert stored_files(media) == []


def test_api_another_offices_user_gets_404(office, household, receptionist):
    sr = intake(receptionist, office, household)
    attachment = request_attach(actor=receptionist, request=sr, file=photo())
    stranger = api_client(
        make_staff("cs_staff", offices=[make_office("翠湖花园管理处")], name="外人")
    )
    assert stranger.get(api_url(sr, attachment)).status_code == 404
    assert stranger.post(api_url(sr), {"file": photo()}, format="multipart").status_code == 404
    # The same answer as an attachment that does not exist.
    assert api_client(receptionist).get(f"{api_url(sr)}999999/").status_code == 404


def test_a_resident_sees_the_attachments_of_their_own_request_only(office, household, receptionist):
    mine = intake(receptionist, office, household)
    mine_photo = request_attach(actor=receptionist, request=mine, file=photo())
    neighbour = make_household(
        make_building(make_estate(office, "翠湖"), "5"), "101", residents=[owner("李四")]
    )
    theirs = intake(receptionist, office, neighbour)
    their_photo = request_attach(actor=receptionist, request=theirs, file=photo("邻居.jpg"))
    resident = api_client(make_resident_account(household))
    detail = resident.get(f"/api/v1/requests/{mine.pk}/").json()
    assert [a["name"] for a in detail["attachments"]] == ["漏水.jpg"]
    assert detail["attachments"][0]["uploaded_by_name"] is None
    assert resident.get(api_url(mine, mine_photo)).status_code == 200
    assert resident.get(api_url(theirs, their_photo)).status_code == 404
    assert resident.get(f"{api_url(mine)}{their_photo.pk}/").status_code == 404
