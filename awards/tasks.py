"""Background jobs for certificates, run by Django's tasks framework (settings.TASKS).

In development the immediate backend runs a task at once in the process that enqueues it; in production
the database backend stores it and ``manage.py db_worker`` (a separate process) runs it. Each task calls
the same functions as ``manage.py issue_certificates`` and returns a JSON summary (the task's result).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.tasks import task

from awards.management.commands.issue_certificates import (
    certificates_issue_batch,
    due_awards,
    reissuable_certificates,
)


def _summary(count: int, done: int, failures: list) -> dict[str, Any]:
    return {
        "count": count,
        "done": done,
        "failed": len(failures),
        "failures": [{"item": str(item), "message": message} for item, message in failures],
    }


@task
def certificates_issue_due(*, programme: str | None = None) -> dict[str, Any]:
    """Issue every certificate that is due (optionally of one programme)."""
    items = list(due_awards(programme))
    done, failures = certificates_issue_batch(items, reissue=False)
    return _summary(len(items), done, failures)


@task
def certificates_reissue(
    *, programme: str | None = None, key: str | None = None, numbers: Sequence[str] = (), reason: str = ""
) -> dict[str, Any]:
    """Sign and render again the certificates in force chosen by programme, signing key id and/or numbers
    (e.g. everything a withdrawn key signed)."""
    items = list(reissuable_certificates(programme, key, numbers))
    done, failures = certificates_issue_batch(items, reissue=True, reason=reason or "batch reissue (task)")
    return _summary(len(items), done, failures)
