"""core.clock: the current second, worked out once per second, equal to what Django's functions give."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.http import http_date

from core import clock


def test_the_second_agrees_with_djangos_clock(monkeypatch):
    epoch = 1_795_881_599  # 2026-11-28 23:59:59 in Asia/Shanghai (15:59:59 UTC)
    monkeypatch.setattr("time.time", lambda: epoch + 0.75)
    second = clock.now()
    local = timezone.localtime(datetime.fromtimestamp(epoch, UTC))
    assert second.epoch == epoch
    assert second.local_date == local.date() and str(second.local_date) == "2026-11-28"
    assert second.local_text == "2026-11-28 23:59:59"
    assert second.http_date == http_date(epoch) == "Sat, 28 Nov 2026 15:59:59 GMT"


def test_a_new_second_is_worked_out_again_and_the_same_second_is_reused(monkeypatch):
    now = [1_795_881_599.1]
    monkeypatch.setattr("time.time", lambda: now[0])
    first = clock.now()
    now[0] = 1_795_881_599.9
    assert clock.now() is first
    now[0] = 1_795_881_600.0  # midnight in Shanghai: a new day
    after = clock.now()
    assert after.local_text == "2026-11-29 00:00:00" and str(after.local_date) == "2026-11-29"
