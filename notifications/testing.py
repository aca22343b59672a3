"""Test helpers for the notification channels, usable in worker processes the tests start.

`RecordingEmailBackend` (EMAIL_BACKEND=notifications.testing.RecordingEmailBackend) appends
one JSON line per e-mail it is asked to send to the file named by ESTATEDESK_TEST_MAIL_LOG
(pid, Message-ID, recipients, subject), so a test can count what several processes sent,
even a process it killed (each line is written before the next e-mail is taken).

ESTATEDESK_TEST_MAIL_HANG_AFTER=N makes the process hang on its (N+1)th e-mail, after writing
a `{"hanging": pid, "message_id": …}` line: the message is claimed but never sent, the moment
a test kills the worker in.
"""

import json
import os
import time

from django.core.mail.backends.base import BaseEmailBackend

LOG_ENV = "ESTATEDESK_TEST_MAIL_LOG"
HANG_ENV = "ESTATEDESK_TEST_MAIL_HANG_AFTER"


def _append(line: dict) -> None:
    with open(os.environ[LOG_ENV], "a", encoding="utf-8") as log:
        log.write(json.dumps(line, ensure_ascii=False) + "\n")


class RecordingEmailBackend(BaseEmailBackend):
    sent_by_process = 0

    def send_messages(self, email_messages):
        hang_after = os.environ.get(HANG_ENV)
        for message in email_messages:
            message_id = message.extra_headers.get("Message-ID", "")
            cls = type(self)
            if hang_after is not None and cls.sent_by_process >= int(hang_after):
                _append({"hanging": os.getpid(), "message_id": message_id})
                while True:  # until the test kills the process
                    time.sleep(60)
            _append(
                {
                    "pid": os.getpid(),
                    "message_id": message_id,
                    "to": message.to,
                    "subject": message.subject,
                }
            )
            cls.sent_by_process += 1
        return len(email_messages)


def read_mail_log(path) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as log:
        return [json.loads(line) for line in log if line.strip()]
