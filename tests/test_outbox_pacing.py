"""The sender's global pacing, on a clock the test moves (no sleeping)."""

import pytest

from bot.outbox.pacing import Pacer


def test_requests_start_on_an_even_grid_at_the_configured_pace() -> None:
    pacer = Pacer(per_second=20, concurrency=100)
    starts = []
    now = 0.0
    for _ in range(5):
        now += pacer.delay(now) or 0.0
        starts.append(round(now, 3))
        pacer.started(now)
        pacer.answered(now + 0.001)
    assert starts == [0.0, 0.05, 0.1, 0.15, 0.2]


def test_a_quiet_spell_is_not_made_up_with_a_burst() -> None:
    pacer = Pacer(per_second=10, concurrency=100)
    pacer.started(0.0)
    pacer.answered(0.01)
    now = 60.0  # nothing to send for a minute
    starts_without_waiting = 0
    while pacer.delay(now) == 0:
        pacer.started(now)
        pacer.answered(now)
        starts_without_waiting += 1
    assert starts_without_waiting <= 4  # never a minute's worth of catching up


def test_no_more_than_thirty_requests_can_be_counted_by_telegram_in_any_second() -> None:
    """Slow answers: the pace alone would allow a 31st request within the second, but Telegram
    may have counted all 30 still unanswered ones, so the 31st waits for answers."""
    pacer = Pacer(per_second=30, concurrency=100)
    now = 0.0
    for _ in range(30):
        now += pacer.delay(now) or 0.0
        pacer.started(now)
    assert pacer.delay(now + 0.5) is None  # 30 in flight: wait for an answer
    pacer.answered(1.2)  # the first answer comes back late
    assert pacer.delay(1.2) == pytest.approx(1.002)  # a second after that answer


def test_only_so_many_requests_are_in_flight_at_once() -> None:
    pacer = Pacer(per_second=10_000, concurrency=2)
    pacer.started(0.0)
    pacer.started(0.0)
    assert pacer.delay(0.0) is None
    pacer.answered(0.01)
    assert pacer.delay(0.01) == 0


def test_a_429_stops_everything_for_the_time_it_names() -> None:
    pacer = Pacer(per_second=30, concurrency=8)
    pacer.pause(10.0, 3.0)
    assert pacer.delay(10.0) == 3.0
    assert pacer.delay(13.0) == 0


def test_repeated_failures_back_off_everything_until_a_success() -> None:
    pacer = Pacer(per_second=30, concurrency=8)
    pacer.failed(0.0)
    pacer.failed(0.0)
    assert pacer.delay(0.0) == 0  # two errors may be bad luck
    pacer.failed(0.0)
    pacer.failed(0.0)
    assert pacer.delay(0.0) == 2.0  # Telegram looks down: probe it less and less often
    pacer.succeeded()
    pacer.failed(5.0)
    assert pacer.delay(5.0) == 0


def test_batches_cover_the_starts_due_within_the_horizon() -> None:
    assert Pacer(per_second=30, concurrency=8).batch_size(0.0, 0.2, 64) == 6
    assert Pacer(per_second=10_000, concurrency=8).batch_size(0.0, 0.2, 64) == 64
    paused = Pacer(per_second=30, concurrency=8)
    paused.pause(0.0, 5.0)
    assert paused.batch_size(0.0, 0.2, 64) == 1
