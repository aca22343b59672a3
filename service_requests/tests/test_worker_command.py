"""`manage.py worker` (issue #3): one failing job does not stop the others — notifications are
still sent when a sweep fails — and `--once` then exits with an error, so cron notices. A
running worker logs the failure and tries again next cycle (with real processes on
PostgreSQL: test_worker_processes.py)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from notifications.models import OutboxMessage
from service_requests.management.commands import worker
from service_requests.tests.test_sweep import NOW, request_  # noqa: F401 (fixture)

LATER = "2026-11-23T10:06:00+08:00"  # the first reply (5 minutes) is missed


def test_a_failing_job_does_not_stop_the_others_and_fails_the_run(
    request_,  # noqa: F811
    supervisor,
    monkeypatch,
    caplog,
):
    def broken(now):
        raise RuntimeError("返修联系单表不可用")

    monkeypatch.setattr(worker, "sweep_repair_slips", broken)
    out = io.StringIO()
    with pytest.raises(CommandError, match="a job failed"):
        call_command("worker", "--once", "--now", LATER, stdout=out)
    assert "1 missed, 1 escalated" in out.getvalue()
    assert "failed: repair slips" in out.getvalue()
    assert "返修联系单表不可用" in caplog.text  # the traceback is logged
    message = OutboxMessage.objects.get(recipient=supervisor, channel="console")
    assert message.sent_at is not None  # the jobs after it ran


def test_batch_size_must_be_positive(db):
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("worker", "--once", "--batch-size", "0", stdout=io.StringIO())
