"""The leader's side: the roster card's counts and edits, reminding, widening, closing,
cancelling and the exported roster."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig, Config
from bot.errors import DomainError, NotAllowed
from bot.outbox.cards import CardRefresher, Refresh
from bot.services.accounts import Actor
from bot.services.callouts import closing, delivery, export, roster
from bot.services.callouts.filling import Outcome
from bot.services.callouts.roster import RosterCounts, roster_cards
from models import Callout, OutboxMessage, OutboxState, Role
from models.callouts import CalloutStatus, ResponseState, Urgency
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import (
    DISPLAY,
    LEADER,
    create_and_deliver,
    decline,
    go,
    messages_to,
    seed_leader,
    states,
    withdraw,
)

VOLUNTEER = Actor(1, "en", Role.VOLUNTEER)
CONFIG = Config(community=CommunityConfig(name="Sunshine"))


async def card_counts(db: Database, callout_id: int) -> RosterCounts:
    async with db.session() as session:
        return (await roster.load_card(session, callout_id)).counts


async def mark_sends(db: Database, callout_id: int, *states: OutboxState) -> None:
    """The sender's work on the invitations, in order of the outbox rows."""
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage.id)
            .where(OutboxMessage.topic == f"callout:{callout_id}")
            .order_by(OutboxMessage.id)
        )
        for row_id, state in zip(rows.all(), states, strict=False):
            await session.exec(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(state=state)
            )


async def card_sends(db: Database, callout_id: int) -> list[OutboxMessage]:
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.topic == f"callout-card:{callout_id}")
            .order_by(OutboxMessage.id)
        )
        return list(rows.all())


async def refresh(db: Database, callout_id: int, clock: FrozenClock) -> Refresh:
    async with db.session() as session:
        return await roster.refresh_card(session, callout_id, clock.now(), DISPLAY)


async def the_sender_sent_the_card(db: Database, callout_id: int, message_id: int) -> None:
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(OutboxMessage.topic == f"callout-card:{callout_id}")
            .values(state=OutboxState.SENT, sent_message_id=message_id)
        )


async def test_the_card_counts_answers_and_delivery(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    for person in range(1, 8):
        await seed_volunteer(db, person, f"V{person}")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=2)
    for person in (1, 2, 3, 4):
        await go(db, person, callout_id, clock)  # 1, 2 confirmed; 3, 4 waiting
    await decline(db, 5, callout_id, clock)
    await withdraw(db, 4, callout_id, "waiting", clock)
    await mark_sends(db, callout_id, *[OutboxState.SENT] * 5, OutboxState.FAILED)

    assert await card_counts(db, callout_id) == RosterCounts(
        confirmed=2,
        waiting=1,
        declined=1,
        withdrawn=1,
        no_answer=2,
        delivered=5,
        pending=1,
        undelivered=1,
    )


async def test_a_card_changed_while_its_first_send_goes_out_is_edited_once_it_is_sent(
    db: Database, clock: FrozenClock
) -> None:
    """Its message id is not known while it goes out: the refresher looks again at its next
    pass, though the call-out's revision has not moved since."""
    await seed_leader(db)
    for person in (1, 2):
        await seed_volunteer(db, person, f"V{person}")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=2)
    refresher = CardRefresher(db, clock, [roster_cards(CONFIG)])
    async with db.session() as session:  # the sender has claimed the card
        await session.exec(
            update(OutboxMessage)
            .where(OutboxMessage.topic == f"callout-card:{callout_id}")
            .values(state=OutboxState.SENDING)
        )
    await go(db, 1, callout_id, clock)

    assert await refresher.refresh_changed() == 0  # nothing to edit yet
    await the_sender_sent_the_card(db, callout_id, message_id=78)
    assert await refresher.refresh_changed() == 1
    [card, edit] = await card_sends(db, callout_id)
    assert "Confirmed: 0" in card.payload["text"]
    assert edit.payload["message_id"] == 78 and "Confirmed: 1" in edit.payload["text"]
    assert await refresher.refresh_changed() == 0


async def test_the_card_goes_out_once_and_is_then_edited_in_place(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    for person in (1, 2, 3):
        await seed_volunteer(db, person, f"V{person}")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=2)
    refresher = CardRefresher(db, clock, [roster_cards(CONFIG)])

    await go(db, 1, callout_id, clock)  # before the card is sent: the pending card changes
    [card] = await card_sends(db, callout_id)
    assert "Confirmed: 0" in card.payload["text"]  # the press only marked the card stale
    assert await refresher.refresh_changed() == 1
    [card] = await card_sends(db, callout_id)
    assert "Confirmed: 1" in card.payload["text"]

    await the_sender_sent_the_card(db, callout_id, message_id=77)
    await go(db, 2, callout_id, clock)
    await go(db, 3, callout_id, clock)  # two changes, one refresh: one edit
    assert await refresher.refresh_changed() == 1
    assert await refresher.refresh_changed() == 0  # nothing moved since: nothing looked at
    [_, edit] = await card_sends(db, callout_id)
    assert edit.method == "edit_message_text" and edit.payload["message_id"] == 77
    assert "Confirmed: 2" in edit.payload["text"] and "Waiting list: 1" in edit.payload["text"]
    assert await refresh(db, callout_id, clock) is Refresh.NOTHING  # nothing changed: nothing sent

    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None and callout.roster_message_id == 77


async def test_a_stale_card_is_refreshed_after_a_restart_by_a_new_refresher(
    db: Database, clock: FrozenClock
) -> None:
    """The stale mark is in the database: a press whose card the old refresher never saw
    (it stopped, or another replica took over) is found by the new one's first pass."""
    await seed_leader(db)
    for person in (1, 2):
        await seed_volunteer(db, person, f"V{person}")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=2)
    await the_sender_sent_the_card(db, callout_id, message_id=31)
    before = CardRefresher(db, clock, [roster_cards(CONFIG)])
    assert await before.refresh_changed() == 0  # nothing to show yet

    await go(db, 1, callout_id, clock)  # ...and the process stops before the next pass
    after = CardRefresher(db, clock, [roster_cards(CONFIG)])
    assert await after.refresh_changed() == 1
    edit = (await card_sends(db, callout_id))[-1]
    assert edit.payload["message_id"] == 31 and "Confirmed: 1" in edit.payload["text"]
    assert await after.refresh_changed() == 0


async def test_a_card_being_sent_is_edited_once_the_sender_has_its_id(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "V1")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=2)
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(OutboxMessage.topic == f"callout-card:{callout_id}")
            .values(state=OutboxState.SENDING)
        )

    await go(db, 1, callout_id, clock)  # the card is in flight: cannot be changed now
    assert len(await card_sends(db, callout_id)) == 1

    await the_sender_sent_the_card(db, callout_id, message_id=12)
    # what the scheduler does on its next tick:
    assert await refresh(db, callout_id, clock) is Refresh.QUEUED
    edit = (await card_sends(db, callout_id))[-1]
    assert edit.payload["message_id"] == 12 and "Confirmed: 1" in edit.payload["text"]


@pytest.mark.parametrize(
    "action",
    [
        delivery.remind_non_responders,
        delivery.widen_to_everyone,
        closing.close_callout,
        closing.cancel_callout,
        roster.open_card,
        roster.show_card,
    ],
)
async def test_every_roster_action_is_for_leaders_only(
    db: Database, clock: FrozenClock, action: object
) -> None:
    await seed_leader(db)
    callout_id, _ = await create_and_deliver(db, clock.now())
    with pytest.raises(NotAllowed):
        async with db.session() as session:
            await action(  # type: ignore[operator]
                session, actor=VOLUNTEER, callout_id=callout_id, now=clock.now(), display=DISPLAY
            )
    with pytest.raises(NotAllowed):
        async with db.session() as session:
            await export.export_roster(
                session,
                actor=VOLUNTEER,
                callout_id=callout_id,
                t=DISPLAY.translator("en"),
                now=clock.now(),
            )


async def test_remind_asks_again_only_those_who_have_not_answered(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    for person in (1, 2, 3):
        await seed_volunteer(db, person, f"V{person}", language="en")
    callout_id, _ = await create_and_deliver(db, clock.now())
    await go(db, 1, callout_id, clock)

    async with db.session() as session:
        reminded = await delivery.remind_non_responders(
            session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )
    async with db.session() as session:
        again = await delivery.remind_non_responders(
            session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )

    assert (reminded, again) == (2, 0)  # a double press does not message them twice
    assert "we still need your answer" in (await messages_to(db, 2))[-1]
    assert "Reminder" not in (await messages_to(db, 1))[-1]


async def test_widen_asks_the_rest_of_the_community(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    in_team = await seed_volunteer(db, 1, "In team")
    await seed_volunteer(db, 2, "Elsewhere")
    team = await seed_team(db, "Patrol", [in_team])
    callout_id, _ = await create_and_deliver(db, clock.now(), everyone=False, team_ids=(team,))

    async with db.session() as session:
        widened = await delivery.widen_to_everyone(
            session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )

    assert widened == 1
    assert set(await states(db, callout_id)) == {1, 2}


async def test_cancelling_tells_everyone_who_said_yes_or_was_waiting(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang", language="zh")
    await seed_volunteer(db, 2, "Alice", language="en")
    await seed_volunteer(db, 3, "Li", language="zh")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1)
    await go(db, 1, callout_id, clock)
    await go(db, 2, callout_id, clock)  # waiting
    await decline(db, 3, callout_id, clock)

    async with db.session() as session:
        cancelled = await closing.cancel_callout(
            session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )

    assert cancelled.told == 2
    assert "已取消" in (await messages_to(db, 1))[-1]
    assert "has been cancelled" in (await messages_to(db, 2))[-1]
    assert "取消" not in (await messages_to(db, 3))[-1]
    assert (await go(db, 3, callout_id, clock)).outcome == Outcome.NOT_OPEN
    with pytest.raises(DomainError):  # cancelling twice changes nothing
        async with db.session() as session:
            await closing.cancel_callout(
                session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
            )


async def test_closing_keeps_the_confirmed_and_releases_the_waiting_line(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    for person in (1, 2, 3):
        await seed_volunteer(db, person, f"V{person}", language="en")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1)
    await go(db, 1, callout_id, clock)
    await go(db, 2, callout_id, clock)  # waiting

    async with db.session() as session:
        closed = await closing.close_callout(
            session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )

    assert closed.told == 1
    assert "is closed" in (await messages_to(db, 2))[-1]
    assert (await go(db, 3, callout_id, clock)).outcome == Outcome.NOT_OPEN
    await withdraw(db, 1, callout_id, "confirmed", clock)  # no promotion once closed
    assert await states(db, callout_id) == {
        1: ResponseState.WITHDRAWN,
        2: ResponseState.WAITING,
        3: ResponseState.INVITED,
    }
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None and callout.status == CalloutStatus.CLOSED


async def test_the_export_lists_everyone_asked_with_phones_only_of_those_who_agreed(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang Fang", phone="+8613800000001", consent=False)
    await seed_volunteer(db, 2, "Li Na", phone="+8613800000002", consent=False)
    await seed_volunteer(db, 3, "Zhao Lei", phone="+8613800000003", consent=False)
    await seed_volunteer(db, 4, "Chen Jie", phone="+8613800000004", consent=True)
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1, urgency=Urgency.EMERGENCY)
    await go(db, 1, callout_id, clock, eta=15)
    await go(db, 2, callout_id, clock)  # waiting
    await decline(db, 3, callout_id, clock)
    await decline(db, 4, callout_id, clock)

    async with db.session() as session:
        sheet = await export.export_roster(
            session,
            actor=LEADER,
            callout_id=callout_id,
            t=DISPLAY.translator("en"),
            now=clock.now(),
        )

    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Name", "Phone", "Answer", "Waiting no.", "Arrival (min)")
    by_name = {row[0]: row for row in rows[1:]}
    # Said No to sharing their phone: pressing "I'll go" does not change that.
    assert by_name["Wang Fang"][1:5] in ((None, "Confirmed", None, 15), ("", "Confirmed", None, 15))
    assert by_name["Li Na"][1] in (None, "") and by_name["Li Na"][2:4] == ("Waiting list", 1)
    assert by_name["Zhao Lei"][1] in (None, "")  # declined, not visible: name only
    assert by_name["Chen Jie"][1] == "+8613800000004"  # agreed to be visible
    answered = by_name["Wang Fang"][5]
    assert answered == (clock.now() + timedelta(hours=8)).replace(tzinfo=None)  # Shanghai
    assert rows[1][0] == "Wang Fang"  # the confirmed first
    assert sheet.filename.endswith(".xlsx")


async def test_the_card_offers_asking_more_only_while_the_call_out_is_short(
    db: Database, clock: FrozenClock
) -> None:
    """Remind while someone has not answered, Widen while others could be asked, and the
    next wave's line, only until the places are taken: full, they would only lengthen the
    waiting line (and the wave would not run)."""
    await seed_leader(db)
    first, second = await seed_volunteer(db, 1, "First"), await seed_volunteer(db, 2, "Second")
    await seed_volunteer(db, 3, "Elsewhere")
    team = await seed_team(db, "Patrol", [first, second])
    callout_id, _ = await create_and_deliver(
        db, clock.now(), needed=1, everyone=False, team_ids=(team,)
    )
    t = DISPLAY.translator("en")

    async def first_row_and_text() -> tuple[list[str], str]:
        async with db.session() as session:
            card = await roster.load_card(
                session, callout_id, clock.now(), viewer=LEADER.telegram_id
            )
        rendered = roster.render_card(t, card, CONFIG.callouts)
        return [label for label, _ in roster.card_buttons(t, card)[0]], rendered.html

    row, html = await first_row_and_text()
    assert row == ["🔔 Remind (2)", "📢 Widen to the whole community"]
    assert "⏭" in html  # the next wave, "if still short"

    await go(db, 1, callout_id, clock)  # the one place is taken
    row, html = await first_row_and_text()
    assert "🔔 Remind (1)" not in row and "📢 Widen to the whole community" not in row
    assert "⏭" not in html
