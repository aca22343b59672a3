"""The console inbox (issue #3): a user's console notifications — dispatches, emergencies,
overdue escalations — newest first, marked read one by one or all at once; the top bar shows
the unread count."""

import datetime

from django.urls import reverse
from django.utils import timezone

from core.testing import PASSWORD, make_office, make_staff
from notifications.models import Channel, OutboxMessage


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def message(user, subject, *, minutes_ago=0, channel=Channel.CONSOLE, link="/requests/1/"):
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return OutboxMessage.objects.create(
        channel=channel,
        recipient=user,
        subject=subject,
        body="内容",
        link=link,
        dedupe_key=f"test:{user.pk}:{subject}:{channel}",
        created_at=at,
        available_at=at,
    )


def test_inbox_lists_my_console_messages_newest_first(client, db):
    office = make_office()
    me = make_staff("cs_staff", offices=[office])
    other = make_staff("cs_staff", offices=[office])
    message(me, "旧消息", minutes_ago=30)
    message(me, "新派工", minutes_ago=1)
    message(me, "邮件副本", channel=Channel.EMAIL)
    message(other, "别人的消息")
    login(client, me)
    response = client.get(reverse("notifications:inbox"))
    assert [m.subject for m in response.context["page"]] == ["新派工", "旧消息"]
    text = response.content.decode()
    assert "别人的消息" not in text and "邮件副本" not in text
    assert "2 条未读" in text


def test_unread_count_in_the_top_bar(client, db):
    me = make_staff("cs_staff", offices=[make_office()])
    message(me, "一")
    message(me, "二")
    login(client, me)
    page = client.get(reverse("core:home")).content.decode()
    assert f'hx-get="{reverse("notifications:unread_badge")}"' in page
    badge = client.get(reverse("notifications:unread_badge")).content.decode()
    assert 'data-testid="unread-count">2<' in badge


def test_mark_one_then_all_as_read(client, db):
    me = make_staff("cs_staff", offices=[make_office()])
    first = message(me, "一")
    message(me, "二")
    login(client, me)
    client.post(reverse("notifications:mark_read", args=[first.pk]))
    first.refresh_from_db()
    assert first.read_at is not None
    assert OutboxMessage.objects.filter(recipient=me, read_at__isnull=True).count() == 1
    client.post(reverse("notifications:mark_all_read"))
    assert not OutboxMessage.objects.filter(recipient=me, read_at__isnull=True).exists()
    badge = client.get(reverse("notifications:unread_badge")).content.decode()
    assert "unread-count" not in badge


def test_opening_a_message_marks_it_read_and_follows_only_console_links(client, db):
    me = make_staff("cs_staff", offices=[make_office()])
    inside = message(me, "派工", link="/requests/7/")
    outside = message(me, "外链", link="https://evil.example/")
    login(client, me)
    response = client.post(reverse("notifications:open", args=[inside.pk]))
    assert response.status_code == 302 and response.url == "/requests/7/"
    response = client.post(reverse("notifications:open", args=[outside.pk]))
    assert response.url == reverse("notifications:inbox")
    assert not OutboxMessage.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_message_is_404_and_stays_unread(client, db):
    office = make_office()
    me = make_staff("cs_staff", offices=[office])
    theirs = message(make_staff("cs_staff", offices=[office]), "别人的")
    login(client, me)
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inbox_needs_a_login(client, db):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_long_digest_can_be_read_in_full_on_the_inbox(client, db):
    """An escalation digest lists every overdue request, one per line: the inbox shows its start
    and the whole list on one click, line by line, without leaving the page."""
    me = make_staff("cs_supervisor", offices=[make_office()])
    lines = [f"QZ20261123-{n:06d} 首次答复 逾期" for n in range(1, 44)]
    digest = message(me, "逾期升级(1级):43条求助已超时")
    digest.body = "\n".join(lines)
    digest.save(update_fields=["body"])
    login(client, me)
    text = client.get(reverse("notifications:inbox")).content.decode()
    assert 'data-testid="inbox-body"' in text
    assert "QZ20261123-000043 首次答复 逾期" in text  # the last line, past the 80 characters
    assert "QZ20261123-000001 首次答复 逾期<br>QZ20261123-000002" in text
