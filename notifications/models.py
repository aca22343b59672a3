"""The transactional outbox: a notification is a row written in the same transaction as the
change it announces, and sent later by the worker through a channel (console/log, e-mail; SMS
and WeChat later). `dedupe_key` is unique, so a retried or concurrent sweep never queues the
same notification twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    CONSOLE = "console", _("系统内消息")
    EMAIL = "email", _("电子邮件")


class OutboxMessage(models.Model):
    office = models.ForeignKey(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    available_at = models.DateTimeField(_("可发送时间"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            models.Index(fields=["recipient", "read_at"], name="outbox_inbox"),
        ]

    def __str__(self):
        return self.subject
