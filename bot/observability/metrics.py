"""Prometheus metrics: what an operator watches on a dashboard.

They live in the process's default registry and are served at ``/metrics`` (``server``).
Counters that follow a change in the database are counted only once that change commits
(``count_after_commit``), so work that rolls back is not counted.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session

UPDATES_HANDLED = Counter(
    "muster_updates_handled",
    "Updates handled, by handler and outcome (ok, refused: a domain error, failed: a crash).",
    ["handler", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "muster_handler_seconds",
    "Time from an update reaching its handler to its replies committed to the outbox.",
    ["handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OUTBOX_PENDING = Gauge(
    "muster_outbox_pending", "Messages waiting in the outbox (measured at each scrape)."
)
HEALTHY = Gauge("muster_healthy", "1 when /healthz would answer 200 (measured at each scrape).")
HEALTH_CHECK = Gauge(
    "muster_health_check",
    "Each /healthz check, 1 when it passes: database, writes, sender, scheduler, lease.",
    ["check"],
)
MESSAGES_SENT = Counter("muster_messages_sent", "Messages Telegram accepted from the outbox.")
MESSAGES_REJECTED = Counter(
    "muster_messages_rejected", "Messages given up for good (a 400, or too many failures)."
)
RATE_LIMITED = Counter("muster_telegram_rate_limited", "429 (Too Many Requests) answers received.")
BLOCKED_USERS = Counter(
    "muster_blocked_users",
    "403 answers: the person blocked the bot or deleted their account, or a group removed it.",
)
VISITS_DUE = Counter("muster_round_visits_due", "Door-knock visits whose prompt went out.")
VISITS_CONFIRMED = Counter(
    "muster_round_visits_confirmed",
    "Door-knock visits answered by a visitor or leader, by answer.",
    ["answer"],
)
VISITS_MISSED = Counter(
    "muster_round_visits_missed", "Door-knock visits whose window passed without an answer."
)

_SEND_OUTCOMES = {
    "sent": MESSAGES_SENT,
    "rejected": MESSAGES_REJECTED,
    "rate_limited": RATE_LIMITED,
    "unreachable": BLOCKED_USERS,
}


def outbox_outcome(kind: str) -> None:
    """The sender calls this with each answer's kind (``bot.outbox.verdicts.Kind`` value);
    retries are not counted, their final outcome is."""
    counter = _SEND_OUTCOMES.get(kind)
    if counter is not None:
        counter.inc()


# -- counting what a transaction did, once it commits ---------------------------------------

_AFTER_COMMIT = "muster_metrics_after_commit"


def count_after_commit(session: Any, counter: Any, amount: float = 1) -> None:
    """Increment ``counter`` (a metric or a labelled child) by ``amount`` when ``session``'s
    transaction commits; nothing if it rolls back. Takes a sync or an async session."""
    if amount <= 0:
        return
    sync: Session = getattr(session, "sync_session", session)
    sync.info.setdefault(_AFTER_COMMIT, []).append((counter, amount))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for counter, amount in session.info.pop(_AFTER_COMMIT, ()):
        counter.inc(amount)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


# -- door-knock rounds (called by bot.services.rounds) --------------------------------------


def visits_due(session: Any, count: int) -> None:
    count_after_commit(session, VISITS_DUE, count)


def visit_confirmed(session: Any, answer: str) -> None:
    count_after_commit(session, VISITS_CONFIRMED.labels(answer))


def visits_missed(session: Any, count: int) -> None:
    count_after_commit(session, VISITS_MISSED, count)
