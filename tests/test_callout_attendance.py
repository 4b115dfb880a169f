"""On the day: checking in (when it is open, only the confirmed, by button, by the QR code's
link or /checkin), checking out and the hours it credits, the forgetful checked out at the end,
and a leader correcting hours with a reason that is audit-logged and told to the volunteer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.errors import DomainError, InvalidInput, NotAllowed, NotAsked, NotRegistered, StaleButton
from bot.i18n import Translator
from bot.services import hours, hours_report
from bot.services.accounts import Actor
from bot.services.callouts import checkin, closing, corrections, roster
from bot.services.callouts.checkin import CheckedIn, CheckedOut
from models import AuditEntry, CalloutResponse, Role, ServiceHours
from models.db import Database
from tests.seed import seed_volunteer
from tests.seed_callouts import (
    DISPLAY,
    LEADER,
    create_and_deliver,
    go,
    messages_to,
    seed_leader,
)

VOLUNTEER = Actor(1, "en", Role.VOLUNTEER)


async def a_morning_duty(db: Database, clock: FrozenClock) -> tuple[int, datetime]:
    """Vaccination duty 08:00-12:00 tomorrow; volunteers 1 and 2 confirmed, 3 waiting."""
    await seed_leader(db)
    ids = {n: await seed_volunteer(db, n, f"V{n}", language="en") for n in (1, 2, 3, 4)}
    start = clock.now() + timedelta(hours=23)  # 2026-11-22 08:00 in Shanghai
    callout_id, _ = await create_and_deliver(
        db, clock.now(), starts_at=start, ends_at=start + timedelta(hours=4), needed=2
    )
    for n in (1, 2, 3):
        await go(db, n, callout_id, clock)
    assert ids[1]
    return callout_id, start


async def check_in(
    db: Database, telegram_id: int, callout_id: int, clock: FrozenClock
) -> CheckedIn:
    async with db.session() as session:
        return await checkin.check_in(
            session,
            telegram_id=telegram_id,
            callout_id=callout_id,
            now=clock.now(),
            display=DISPLAY,
        )


async def check_out(db: Database, telegram_id: int, clock: FrozenClock) -> CheckedOut:
    async with db.session() as session:
        return await checkin.check_out(
            session, telegram_id=telegram_id, now=clock.now(), display=DISPLAY
        )


async def minutes_of(db: Database, telegram_id: int, clock: FrozenClock) -> int:
    async with db.session() as session:
        report = await hours_report.my_hours(
            session, telegram_id=telegram_id, now=clock.now(), zone=DISPLAY.zone
        )
    return report.totals.all_time


async def test_check_in_opens_an_hour_before_and_only_for_the_confirmed(
    db: Database, clock: FrozenClock
) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    clock.set(start - timedelta(minutes=61))
    with pytest.raises(DomainError) as early:
        await check_in(db, 1, callout_id, clock)
    assert (early.value.key, early.value.params["opens"]) == (
        "callouts.checkin.too_early",
        start - timedelta(hours=1),  # shown in the reader's language when the error is
    )
    clock.advance(minutes=1)
    done = await check_in(db, 1, callout_id, clock)
    assert (done.at, done.already) == (clock.now(), False)
    again = await check_in(db, 1, callout_id, clock)
    assert again.already and again.at == done.at  # pressing twice is harmless

    for telegram_id, refusal in [(3, "not_confirmed"), (4, "not_confirmed")]:
        with pytest.raises(DomainError) as refused:
            await check_in(db, telegram_id, callout_id, clock)
        assert refused.value.key == f"callouts.checkin.{refusal}"  # waiting; never answered
    with pytest.raises(NotRegistered):
        await check_in(db, 99, callout_id, clock)
    await seed_volunteer(db, 5, "V5", language="en")  # signed up later: never sent it
    with pytest.raises(NotAsked) as forged:
        await check_in(db, 5, callout_id, clock)
    assert forged.value.key == StaleButton.key and not forged.value.params  # no title
    clock.set(start + timedelta(hours=4))
    with pytest.raises(DomainError) as over:
        await check_in(db, 2, callout_id, clock)
    assert over.value.key == "callouts.checkin.over"


async def test_no_check_in_to_a_cancelled_call_out(db: Database, clock: FrozenClock) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    async with db.session() as session:
        await closing.cancel_callout(
            session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )
    clock.set(start)
    with pytest.raises(DomainError) as refused:
        await check_in(db, 1, callout_id, clock)
    assert refused.value.key == "callouts.checkin.cancelled"


async def test_the_qr_codes_link_checks_in_and_only_leaders_get_it(
    db: Database, clock: FrozenClock
) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    with pytest.raises(NotAllowed):
        async with db.session() as session:
            await checkin.checkin_link(
                session,
                actor=VOLUNTEER,
                callout_id=callout_id,
                bot_username="muster_bot",
                now=clock.now(),
            )
    async with db.session() as session:
        link = await checkin.checkin_link(
            session, actor=LEADER, callout_id=callout_id, bot_username="muster_bot", now=clock.now()
        )
    async with db.session() as session:
        same = await checkin.checkin_link(
            session, actor=LEADER, callout_id=callout_id, bot_username="muster_bot", now=clock.now()
        )
    assert link.url == same.url  # a printed sheet keeps working
    assert link.url.startswith("https://t.me/muster_bot?start=ci_")
    assert link.png.startswith(b"\x89PNG")
    payload = link.url.split("start=")[1]

    clock.set(start)
    for forged in ("ci_nope", "ci_", "ci_<b>&amp;</b>", "ci_" + "x" * 80):
        with pytest.raises(DomainError) as unknown:
            async with db.session() as session:
                await checkin.check_in_by_link(
                    session, telegram_id=1, payload=forged, now=clock.now(), display=DISPLAY
                )
        assert unknown.value.key == "callouts.checkin.unknown_code"
    async with db.session() as session:
        done = await checkin.check_in_by_link(
            session, telegram_id=1, payload=payload, now=clock.now(), display=DISPLAY
        )
    assert done.callout.id == callout_id and not done.already


async def test_checkin_finds_the_current_duty_or_says_when_it_opens(
    db: Database, clock: FrozenClock
) -> None:
    callout_id, start = await a_morning_duty(db, clock)

    async def current(telegram_id: int) -> CheckedIn:
        async with db.session() as session:
            return await checkin.check_in_current(
                session, telegram_id=telegram_id, now=clock.now(), display=DISPLAY
            )

    with pytest.raises(DomainError) as early:
        await current(1)
    assert early.value.key == "callouts.checkin.too_early"
    with pytest.raises(DomainError) as nothing:
        await current(4)
    assert nothing.value.key == "callouts.checkin.no_duty"
    clock.set(start + timedelta(minutes=5))
    assert (await current(1)).callout.id == callout_id
    assert (await current(1)).already


async def test_check_out_credits_the_time_served_and_a_location_is_kept(
    db: Database, clock: FrozenClock
) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    clock.set(start - timedelta(minutes=10))
    await check_in(db, 1, callout_id, clock)
    async with db.session() as session:
        await checkin.attach_location(
            session, telegram_id=1, callout_id=callout_id, latitude=30.5928, longitude=114.3055
        )
    with pytest.raises(InvalidInput):
        async with db.session() as session:
            await checkin.attach_location(
                session, telegram_id=1, callout_id=callout_id, latitude=91.0, longitude=0.0
            )

    clock.set(start + timedelta(hours=3, minutes=20))
    out = await check_out(db, 1, clock)
    assert out.minutes == 3 * 60 + 30
    assert await minutes_of(db, 1, clock) == 210
    with pytest.raises(DomainError) as twice:
        await check_out(db, 1, clock)
    assert twice.value.key == "callouts.checkout.none"
    async with db.session() as session:
        response = (
            await session.exec(
                select(CalloutResponse).where(CalloutResponse.checked_in_at.is_not(None))
            )
        ).one()
    assert (response.check_in_latitude, response.check_in_longitude) == (30.5928, 114.3055)
    assert response.checked_out_at == clock.now()


async def test_whoever_forgot_to_check_out_is_checked_out_at_the_end_once(
    db: Database, clock: FrozenClock
) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    clock.set(start + timedelta(minutes=15))
    await check_in(db, 1, callout_id, clock)
    clock.set(start + timedelta(hours=4, minutes=1))

    async def tick() -> int:
        async with db.session() as session:
            over = await checkin.callouts_with_forgotten_check_ins(session, now=clock.now())
        closed = 0
        for over_id in over:
            async with db.session() as session:
                closed += await checkin.close_forgotten_check_ins(
                    session, callout_id=over_id, now=clock.now(), display=DISPLAY
                )
        return closed

    assert await tick() == 1
    assert await tick() == 0
    assert await minutes_of(db, 1, clock) == 3 * 60 + 45  # up to the end, not to now
    [notice] = [m for m in await messages_to(db, 1) if "still checked in" in m]
    assert "<b>3 h 45 min</b> credited" in notice


async def test_a_leader_corrects_hours_with_a_reason_logged_and_told(
    db: Database, clock: FrozenClock
) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    clock.set(start)
    await check_in(db, 1, callout_id, clock)
    clock.set(start + timedelta(hours=2))
    await check_out(db, 1, clock)

    async with db.session() as session:
        sheet = await corrections.hours_sheet(session, actor=LEADER, callout_id=callout_id)
    assert [(p.name, p.minutes) for p in sheet] == [("V1", 120), ("V2", 0)]

    async def correct(volunteer_id: int, minutes: int, reason: str, actor: Actor = LEADER) -> None:
        async with db.session() as session:
            await corrections.correct_hours(
                session,
                actor=actor,
                callout_id=callout_id,
                volunteer_id=volunteer_id,
                minutes=minutes,
                reason=reason,
                now=clock.now(),
                display=DISPLAY,
            )

    v1 = sheet[0].volunteer_id
    await correct(v1, 240, "Stayed to clear up <b>&</b> lock the station")
    await correct(v1, 225, "Left 15 minutes early after all")
    assert await minutes_of(db, 1, clock) == 225
    with pytest.raises(DomainError) as same:
        await correct(v1, 225, "again")
    assert same.value.key == "callouts.hours.unchanged"
    with pytest.raises(InvalidInput):
        await correct(v1, 100, "   ")
    with pytest.raises(NotAllowed):
        await correct(v1, 600, "I deserve it", Actor(1, "en", Role.VOLUNTEER))

    async with db.session() as session:
        rows = (await session.exec(select(ServiceHours).order_by(ServiceHours.id))).all()
        logged = (
            await session.exec(
                select(AuditEntry).where(AuditEntry.action == "callout.correct_hours")
            )
        ).all()
    assert [(r.minutes, r.kind, r.recorded_by) for r in rows] == [
        (120, "credit", None),
        (120, "correction:1", LEADER.telegram_id),
        (-15, "correction:2", LEADER.telegram_id),
    ]
    assert [(e.detail["old_minutes"], e.detail["new_minutes"]) for e in logged] == [
        (120, 240),
        (240, 225),
    ]
    assert logged[0].detail["reason"] == "Stayed to clear up <b>&</b> lock the station"
    notices = [m for m in await messages_to(db, 1) if "changed your hours" in m]
    assert "from 2 h to <b>4 h</b>" in notices[0]
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in notices[0]  # their words, escaped


async def test_hours_show_each_call_out_by_its_title(db: Database, clock: FrozenClock) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    clock.set(start)
    await check_in(db, 2, callout_id, clock)
    clock.set(start + timedelta(minutes=90))
    await check_out(db, 2, clock)
    async with db.session() as session:
        volunteer_id = (
            await corrections.hours_sheet(session, actor=LEADER, callout_id=callout_id)
        )[1].volunteer_id
        await hours.credit(
            session,
            volunteer_id=volunteer_id,
            minutes=30,
            source="visit",
            source_id=5,
            served_at=clock.now(),
            now=clock.now(),
        )
        report = await hours_report.my_hours(
            session, telegram_id=2, now=clock.now(), zone=DISPLAY.zone
        )
    assert (report.totals.month, report.totals.year, report.totals.all_time) == (120, 120, 120)
    assert [(line.source, line.title, line.minutes) for line in report.recent] == [
        ("visit", None, 30),
        ("callout", "Vaccination duty", 90),
    ]


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("2.5", 150), ("2:30", 150), ("150 min", 150), ("2h30", 150), ("2小时30分钟", 150), ("0", 0)],
)
def test_hours_are_typed_as_people_write_them(typed: str, minutes: int) -> None:
    assert corrections.parse_duration(typed) == minutes


@pytest.mark.parametrize("typed", ["", "lots", "-1", "2:75", "99999", "<b>2</b>"])
def test_what_is_not_a_duration_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        corrections.parse_duration(typed)


async def test_a_closed_call_outs_card_keeps_the_days_tools_and_counts_check_ins(
    db: Database, clock: FrozenClock
) -> None:
    callout_id, start = await a_morning_duty(db, clock)
    async with db.session() as session:
        await closing.close_callout(
            session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )
    clock.set(start)
    await check_in(db, 1, callout_id, clock)

    t = Translator("en", DISPLAY.zone)
    async with db.session() as session:
        card = roster.render_card(t, await roster.load_card(session, callout_id), DISPLAY.callouts)
    assert "📍 Checked in: 1 · checked out: 0" in card.html
    assert card.markup is not None
    assert [[b["text"] for b in row] for row in card.markup["inline_keyboard"]] == [
        ["👥 Full list"],
        ["🕒 Change time", "📷 Check-in QR"],
        ["⏱ Correct hours", "📊 Export roster"],
        ["🛑 Cancel", "🔄 Refresh"],
    ]
