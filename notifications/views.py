"""Console inbox (issue #3): the notifications queued for the signed-in user — dispatches,
emergencies, overdue escalations — newest first, with mark-as-read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications.inbox import inbox_get, inbox_list, inbox_mark_read, inbox_unread_count

INBOX_PAGE_SIZE = 30


@login_required
def inbox(request):
    page = Paginator(inbox_list(user=request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": inbox_unread_count(user=request.user)},
    )


@login_required
def unread_badge(request):
    """The top bar's unread count, loaded by htmx so other pages pay no query for it."""
    return render(
        request,
        "notifications/_unread_badge.html",
        {"unread": inbox_unread_count(user=request.user)},
    )


@login_required
@require_POST
def mark_read(request, pk):
    if inbox_get(user=request.user, pk=pk) is None:
        raise Http404
    inbox_mark_read(user=request.user, pk=pk)
    return redirect("notifications:inbox")


@login_required
@require_POST
def open_message(request, pk):
    """Mark read and go to what it is about (a link inside the console only)."""
    message = inbox_get(user=request.user, pk=pk)
    if message is None:
        raise Http404
    inbox_mark_read(user=request.user, pk=pk)
    link = message.link
    if link.startswith("/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    inbox_mark_read(user=request.user)
    return redirect("notifications:inbox")
