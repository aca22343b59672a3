"""Attachments of help and report requests (issue #3; SOP.md §2 记录): a photo of the leak, a
scanned letter. Writes and the reads the console and the API share.

A file is checked before anything is stored: its size and the number of attachments against the
office's policy (`request.attachment_max_mb`, `request.attachments_max_count`), its type by its
first bytes (never by the name or the browser's content type). A JPEG, PNG or WebP photo is
stored without its metadata (EXIF GPS position, camera, XMP, comments; core/images.py), turned
upright if its orientation said so, and only if it decodes as the image it claims to be; its
size and SHA-256 are those of the stored bytes. HEIC photos and PDFs are stored as uploaded.
It is stored under MEDIA_ROOT in
the request's folder with a random name and the extension of the type found, and served only
through the views that check the user may see the request (never from MEDIA publicly).

A stored file whose database rows do not commit is removed again: every write runs inside
`_removed_on_failure`, and the outermost one deletes what was stored when anything fails — the
intake with files included, so a bad third file leaves neither a request nor two files behind.
"""

import contextlib
import contextvars
import datetime
import hashlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.images import STRIPPED_TYPES, ImageTooLarge, ImageUnreadable, strip_metadata
from policies.selectors import Policy, policy_for_office
from service_requests.choices import EventType
from service_requests.models import RequestAttachment, ServiceRequest
from service_requests.selectors import request_queryset
from service_requests.services import (
    IntakeData,
    _event,
    _get_in_scope,
    _require_worker,
    request_intake,
)

MB = 1024 * 1024
CAPTION_MAX_LENGTH = RequestAttachment._meta.get_field("caption").max_length
NAME_MAX_LENGTH = RequestAttachment._meta.get_field("original_name").max_length

# The types a resident's photo or a scan comes in: content type → extension of the stored file.
ALLOWED_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
}
# HEIF brands of iPhone photos (ISO/IEC 23008-12): still images and sequences.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
# Images a browser shows inline as a thumbnail (most cannot show HEIC).
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
SNIFF_BYTES = 16


def sniff_content_type(head: bytes) -> str | None:
    """The allowed type these first bytes belong to, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _allowed_types_text() -> str:
    return _("只能上传 JPEG、PNG、WebP、HEIC 图片或 PDF 文件")


def _size_text(size: int) -> str:
    return f"{size / MB:.1f}MB" if size >= MB / 10 else f"{max(1, round(size / 1024))}KB"


# --- Checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    file: object  # an UploadedFile (or any django File): what will be stored
    name: str
    content_type: str
    size: int  # of what will be stored


def _file_name(file) -> str:
    name = os.path.basename(getattr(file, "name", "") or "").strip() or _("未命名")
    return name[-NAME_MAX_LENGTH:]


def _count_errors(*, policy: Policy, existing: int, new: int) -> list[str]:
    max_count = policy.integer("request.attachments_max_count")
    if existing + new <= max_count:
        return []
    return [
        _("每个求助最多%(max)s个附件(策略“每个求助的附件数上限”),已有%(have)s个,本次%(new)s个")
        % {"max": max_count, "have": existing, "new": new}
    ]


def image_without_metadata(
    file, *, name: str, content_type: str
) -> tuple[ContentFile | None, str | None]:
    """The photo as it will be stored (core/images.py), or a Chinese message refusing it. Shared
    with the other uploads of photos (violations.services: a violation case's evidence)."""
    file.seek(0)
    try:
        cleaned = strip_metadata(file.read(), content_type)
    except ImageUnreadable:
        kind = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}[content_type]
        message = _("“%(name)s”不是完整的%(kind)s图片(文件已损坏或不完整),请重新拍摄或导出后再上传")
        return None, message % {"name": name, "kind": kind}
    except ImageTooLarge:
        message = _("“%(name)s”的像素过多,无法处理,请缩小图片尺寸后再上传")
        return None, message % {"name": name}
    finally:
        file.seek(0)
    return ContentFile(cleaned, name=name), None


def _file_errors(files: list, *, policy: Policy) -> tuple[list[_Checked], list[str]]:
    """Check every file without storing anything (the count is checked apart, under the
    request's lock); (checked files, Chinese messages)."""
    max_mb = policy.integer("request.attachment_max_mb")
    errors: list[str] = []
    checked: list[_Checked] = []
    for file in files:
        name = _file_name(file)
        size = file.size or 0
        if size == 0:
            errors.append(_("“%(name)s”是空文件") % {"name": name})
            continue
        if size > max_mb * MB:
            errors.append(
                _("文件超过%(max)sMB(策略“求助附件大小上限”):“%(name)s”有%(size)s,请压缩后再上传")
                % {"max": max_mb, "name": name, "size": _size_text(size)}
            )
            continue
        file.seek(0)
        content_type = sniff_content_type(file.read(SNIFF_BYTES))
        file.seek(0)
        if content_type is None:
            errors.append(
                _("“%(name)s”不是允许的文件类型:%(allowed)s")
                % {"name": name, "allowed": _allowed_types_text()}
            )
            continue
        if content_type in STRIPPED_TYPES:
            file, error = image_without_metadata(file, name=name, content_type=content_type)
            if error:
                errors.append(error)
                continue
            size = file.size
        checked.append(_Checked(file, name, content_type, size))
    return checked, errors


def _refuse(errors: list[str]):
    raise ApplicationError(errors[0], field_errors={"file": errors})


# --- Storing -------------------------------------------------------------------------------------

# Names stored by the outermost write still running in this context (None: none running).
_stored: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "request_attachments_stored", default=None
)


@contextlib.contextmanager
def _removed_on_failure():
    """Delete the files stored inside this block if it ends with an exception — including a
    failed commit of the transaction opened inside it. Nested blocks leave it to the outermost.
    """
    if _stored.get() is not None:
        yield
        return
    names: list[str] = []
    token = _stored.set(names)
    try:
        yield
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise
    finally:
        _stored.reset(token)


def _store(request: ServiceRequest, checked: _Checked) -> str:
    name = (
        f"service_requests/{request.office_id}/{request.pk}/"
        f"{uuid.uuid4().hex}{ALLOWED_TYPES[checked.content_type]}"
    )
    checked.file.seek(0)
    stored = default_storage.save(name, checked.file)
    _stored.get().append(stored)
    return stored


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(MB), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _add(request, checked: _Checked, *, actor, caption: str, supersedes, now) -> RequestAttachment:
    stored = _store(request, checked)
    attachment = RequestAttachment.objects.create(
        request=request,
        file=stored,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=_sha256(checked.file),
        caption=caption,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=now,
        supersedes=supersedes,
    )
    _event(
        request,
        EventType.ATTACHMENT_ADDED,
        actor,
        at=now,
        before=request.status,
        after=request.status,
        internal=caption,
        data={
            "attachment": attachment.pk,
            "name": checked.name,
            "size": checked.size,
            **({"supersedes": supersedes.pk} if supersedes else {}),
        },
    )
    return attachment


def _check_caption(caption: str) -> str:
    caption = caption.strip()
    if len(caption) > CAPTION_MAX_LENGTH:
        message = _("附件说明不能超过%(n)s字") % {"n": CAPTION_MAX_LENGTH}
        raise ApplicationError(message, field_errors={"caption": [message]})
    return caption


# --- Services ------------------------------------------------------------------------------------


def request_attach(
    *,
    actor,
    request: ServiceRequest,
    file,
    caption: str = "",
    supersedes: RequestAttachment | None = None,
    now: datetime.datetime | None = None,
) -> RequestAttachment:
    """Attach a photo or scan to a request (anyone who may work on it). `supersedes` names an
    earlier attachment of the same request that this one corrects: nothing is ever removed."""
    _get_in_scope(actor, request)
    _require_worker(actor, request, _("上传附件"))
    if file is None:
        raise ApplicationError(
            _("请选择要上传的文件"), field_errors={"file": [_("请选择要上传的文件")]}
        )
    caption = _check_caption(caption)
    if supersedes is not None and supersedes.request_id != request.pk:
        message = _("只能更正本求助的附件")
        raise ApplicationError(message, field_errors={"supersedes": [message]})
    now = now or timezone.now()
    policy = policy_for_office(request.office)
    # Checked (a photo decoded and its metadata removed) before the request is locked.
    checked, file_errors = _file_errors([file], policy=policy)
    with _removed_on_failure(), transaction.atomic():
        # Lock the request so two uploads at once cannot pass the count limit (or correct the
        # same attachment) together.
        ServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
        corrected = RequestAttachment.objects.filter(supersedes=supersedes)
        if supersedes is not None and corrected.exists():
            message = _("该附件已被更正过,请更正最新的一份")
            raise ApplicationError(message, field_errors={"supersedes": [message]})
        existing = RequestAttachment.objects.filter(request=request).count()
        errors = _count_errors(policy=policy, existing=existing, new=1) + file_errors
        if errors:
            _refuse(errors)
        return _add(
            request, checked[0], actor=actor, caption=caption, supersedes=supersedes, now=now
        )


def request_intake_with_attachments(
    *, actor, office, data: IntakeData, files: Iterable = (), now: datetime.datetime | None = None
) -> ServiceRequest:
    """Intake (services.request_intake) with the photos the resident brought, all or nothing:
    a file that is refused means no request is created. The refusal names the intake's fields
    and the files together, so the receptionist corrects everything at once."""
    files = list(files)
    if not files:
        return request_intake(actor=actor, office=office, data=data, now=now)
    now = now or timezone.now()
    policy = policy_for_office(office)
    checked, file_errors = _file_errors(files, policy=policy)
    file_errors = _count_errors(policy=policy, existing=0, new=len(files)) + file_errors
    with _removed_on_failure(), transaction.atomic():
        try:
            request = request_intake(actor=actor, office=office, data=data, now=now)
        except ApplicationError as error:
            if file_errors and error.field_errors:  # a refused field, not "not allowed"
                error.field_errors.setdefault("file", file_errors)
            raise
        if file_errors:
            _refuse(file_errors)
        for item in checked:
            _add(request, item, actor=actor, caption="", supersedes=None, now=now)
        return request


# --- Reads ---------------------------------------------------------------------------------------


def attachment_list(*, request: ServiceRequest) -> list[RequestAttachment]:
    """A request's attachments in upload order (the caller already read the request through a
    scoped selector), each with `corrected_by_id` for the "corrected" mark."""
    attachments = list(
        RequestAttachment.objects.filter(request=request).order_by("uploaded_at", "id")
    )
    corrected = {a.supersedes_id: a.pk for a in attachments if a.supersedes_id}
    for attachment in attachments:
        attachment.superseded_by_id = corrected.get(attachment.pk)
    return attachments


def attachment_get(*, user, request_pk, pk) -> RequestAttachment:
    """One attachment of a request the user may see; Http404 for a missing one and for another
    office's (or, for a resident, another household's) alike."""
    try:
        return RequestAttachment.objects.select_related("request").get(
            pk=pk, request_id=request_pk, request__in=request_queryset(user=user)
        )
    except (RequestAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def attachment_response(attachment: RequestAttachment) -> FileResponse:
    """The stored file with the type found at upload. Images open inline (thumbnails); a PDF is
    downloaded. Sandboxed and never cached by shared caches."""
    inline = attachment.content_type in THUMBNAIL_TYPES
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:  # lost from the disk (a restore without MEDIA_ROOT)
        raise Http404 from None
    response = FileResponse(
        stored,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
