"""Escalation when a call-out is not full in time: the configured waves (``[callouts] waves``),
e.g. after 10 minutes ask the whole community, after 30 remind those who have not answered,
after an hour tell the leader it is still short.

Everything lives in the call-out's row: ``next_wave_at`` says when the next wave is due and
``wave`` how many have run. A wave is claimed by one conditional UPDATE of ``wave`` and runs in
the same transaction, so it happens exactly once, whichever process gets there first and
however often the bot restarts. A wave that finds the call-out full is recorded as not needed;
waves stop once it is closed, cancelled, past its answer deadline or over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.outbox.queue import PRIORITY_ALERT, Outgoing, enqueue
from bot.services import audit
from bot.services.callouts import delivery, roster
from bot.services.callouts.delivery import wave_due_at
from bot.services.callouts.views import CalloutView, Display, WaveAction, WaveRecord
from models import Account, Callout
from models.callouts import CalloutStatus


async def due_escalations(session: AsyncSession, *, now: datetime) -> list[int]:
    """Open call-outs whose next wave is due."""
    rows = await session.exec(
        select(Callout.id)
        .where(
            Callout.status == CalloutStatus.OPEN,
            Callout.next_wave_at.is_not(None),
            Callout.next_wave_at <= now,
        )
        .order_by(Callout.next_wave_at)
    )
    return [callout_id for callout_id in rows.all() if callout_id is not None]


async def run_due_wave(
    session: AsyncSession, *, callout_id: int, now: datetime, display: Display
) -> WaveRecord | None:
    """Run the call-out's next wave if it is due; ``None`` when there was nothing to run (not
    due, run already by someone else, or escalation is over for it)."""
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None or callout.next_wave_at is None or as_utc(callout.next_wave_at) > now:
        return None
    index = callout.wave
    waves = display.callouts.waves
    if index >= len(waves) or _past_asking(callout, now):
        if await _claim(session, callout_id, index, None, advance=False):
            await roster.refresh_card(session, callout_id, now, display)
        return None
    if not await _claim(session, callout_id, index, _following(display, index, callout)):
        return None
    callout = await session.get(Callout, callout_id, populate_existing=True)
    assert callout is not None
    action = WaveAction(waves[index].action)
    if not CalloutView.of(callout).wave_applies(action):  # widen, when everyone was asked
        await roster.refresh_card(session, callout_id, now, display)  # shows the next wave
        return None
    record = await _run(session, callout, action, now, display)
    callout.waves_done = [*(callout.waves_done or []), record.to_json()]
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor=None,
        action="callout.wave",
        target_type="callout",
        target_id=callout_id,
        wave=index + 1,
        step=action.value,
        count=record.count,
        skipped=record.skipped,
    )
    await roster.refresh_card(session, callout_id, now, display)
    return record


def _past_asking(callout: Callout, now: datetime) -> bool:
    """Over, or past the answer deadline: asking more people would not help."""
    ends = as_utc(callout.ends_at)
    deadline = as_utc(callout.response_deadline) if callout.response_deadline else None
    return now >= ends or (deadline is not None and now >= deadline)


def _following(display: Display, index: int, callout: Callout) -> datetime | None:
    delivered_at = as_utc(callout.delivered_at or callout.created_at)
    return wave_due_at(display.callouts, index + 1, delivered_at)


async def _claim(
    session: AsyncSession,
    callout_id: int,
    index: int,
    following: datetime | None,
    *,
    advance: bool = True,
) -> bool:
    """Take wave ``index`` for this transaction (and lock the call-out, as every change of
    its answers does first); False when another run took it. Without ``advance``, escalation
    just ends: no wave runs and none is due any more."""
    claimed = await session.exec(
        update(Callout)
        .where(
            Callout.id == callout_id,
            Callout.wave == index,
            Callout.status == CalloutStatus.OPEN,
            Callout.next_wave_at.is_not(None),
        )
        .values(
            wave=index + 1 if advance else index,
            next_wave_at=following,
            revision=Callout.revision + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)


async def _run(
    session: AsyncSession, callout: Callout, action: WaveAction, now: datetime, display: Display
) -> WaveRecord:
    view = CalloutView.of(callout)
    if view.is_full:
        return WaveRecord(action, now, 0, skipped=True)
    match action:
        case WaveAction.WIDEN:
            count = await delivery.widen(session, callout=callout, now=now, display=display)
        case WaveAction.REMIND:
            count = await delivery.remind(session, callout=callout, now=now, display=display)
        case WaveAction.TELL_LEADER:
            count = await _tell_leader(session, view, now, display)
    return WaveRecord(action, now, count)


async def _tell_leader(
    session: AsyncSession, view: CalloutView, now: datetime, display: Display
) -> int:
    account = await session.get(Account, view.created_by)
    if account is None or account.unreachable_at is not None:
        return 0
    t = display.translator(account.language)
    start = t.when(view.starts_at)
    if view.needed is None:
        text = t(
            "callouts.wave.leader_open", title=view.title, start=start, confirmed=view.confirmed
        )
    else:
        text = t(
            "callouts.wave.leader_short",
            title=view.title,
            start=start,
            confirmed=view.confirmed,
            needed=view.needed,
            short=view.needed - view.confirmed,
        )
    await enqueue(session, now, [Outgoing.message(view.created_by, text, priority=PRIORITY_ALERT)])
    return 1
