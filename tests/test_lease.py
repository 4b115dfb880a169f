"""The lease that lets exactly one process of several run the outbox sender and the scheduler:
taken, renewed, expired, taken over, lost, released, and the fence that keeps a holder which
lost it from recording anything. On SQLite and PostgreSQL, with frozen clocks."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.clock import FrozenClock
from bot.config import ReplicasConfig
from bot.replicas.fenced import FencedDatabase
from bot.replicas.holder import Holder
from bot.replicas.keeper import AnotherProcessServes, LeaseKeeper
from bot.replicas.lease import LeaseLost, Term, acquire, current_holder, fence, release, renew
from models import OutboxMessage, OutboxState
from models.db import Database
from tests.fake_telegram import FakeTelegram
from tests.outbox_support import call_out, outbox, put, running_sender, settled, volunteers

TTL = timedelta(seconds=10)
REPLICAS = ReplicasConfig(lease_seconds=10, renew_seconds=3)
ANNA = "host-a/101/0/aaaa"  # two replicas, as the lease names them
BORIS = "host-b/202/0/bbbb"


def fenced(db: Database, held: Term) -> FencedDatabase:
    async def check(connection):  # type: ignore[no-untyped-def]
        await fence(connection, held)

    return FencedDatabase(db, check)


# -- the lease row ----------------------------------------------------------------------------


async def test_the_first_replica_takes_the_lease_and_the_second_waits(
    db: Database, clock: FrozenClock
) -> None:
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna == Term("singletons", ANNA, 1, clock.now() + TTL)
    assert await acquire(db, BORIS, clock.now(), TTL) is None
    clock.advance(seconds=9)
    assert await acquire(db, BORIS, clock.now(), TTL) is None  # not expired yet


async def test_a_holder_that_renews_keeps_the_lease_past_its_first_expiry(
    db: Database, clock: FrozenClock
) -> None:
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna is not None
    for _ in range(5):  # 15 seconds, renewed every 3
        clock.advance(seconds=3)
        renewed = await renew(db, anna, clock.now(), TTL)
        assert renewed is not None and renewed.term == anna.term
        anna = renewed
        assert await acquire(db, BORIS, clock.now(), TTL) is None
    assert anna.expires_at == clock.now() + TTL


async def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew_it(
    db: Database, clock: FrozenClock
) -> None:
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna is not None
    clock.advance(seconds=10)  # Anna died, or stalled, and never renewed
    boris = await acquire(db, BORIS, clock.now(), TTL)
    assert boris is not None and boris.term == 2
    assert await renew(db, anna, clock.now(), TTL) is None
    lease = await current_holder(db)
    assert lease is not None and (lease.holder, lease.term) == (BORIS, 2)


async def test_a_lease_that_expired_without_anyone_taking_it_is_still_its_holders(
    db: Database, clock: FrozenClock
) -> None:
    """Nobody else has run the singletons in between, so nothing stands in the way."""
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna is not None
    clock.advance(seconds=30)
    renewed = await renew(db, anna, clock.now(), TTL)
    assert renewed is not None and renewed.term == anna.term
    assert await acquire(db, BORIS, clock.now(), TTL) is None


async def test_a_released_lease_is_taken_over_at_once(db: Database, clock: FrozenClock) -> None:
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna is not None
    await release(db, anna, clock.now())
    assert await acquire(db, BORIS, clock.now(), TTL) is not None


async def test_a_stale_holders_release_does_not_free_the_new_holders_lease(
    db: Database, clock: FrozenClock
) -> None:
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna is not None
    clock.advance(seconds=10)
    assert await acquire(db, BORIS, clock.now(), TTL) is not None
    await release(db, anna, clock.now())  # Anna wakes up and shuts down
    assert await acquire(db, ANNA, clock.now(), TTL) is None


async def test_under_the_one_process_rule_a_holder_that_died_here_is_replaced_at_once(
    db: Database, clock: FrozenClock
) -> None:
    """SQLite's rule: a process of this machine that no longer exists holds nothing."""
    finished = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await finished.wait()
    dead = str(Holder(Holder.this_process().host, finished.pid, 0, "dead"))
    assert await acquire(db, dead, clock.now(), TTL) is not None
    assert await acquire(db, BORIS, clock.now(), TTL) is None  # without the rule: wait
    assert await acquire(db, BORIS, clock.now(), TTL, exclusive=True) is not None


async def test_under_the_one_process_rule_a_holder_whose_id_went_to_another_is_replaced(
    db: Database, clock: FrozenClock
) -> None:
    """A restarted container often runs the bot under the same process id as before."""
    me = Holder.this_process()
    earlier_life = replace(me, started=me.started - 100, token="earlier")
    assert await acquire(db, str(earlier_life), clock.now(), TTL) is not None
    assert await acquire(db, str(me), clock.now(), TTL, exclusive=True) is not None


async def test_under_the_one_process_rule_a_live_holder_here_keeps_it_past_expiry(
    db: Database, clock: FrozenClock
) -> None:
    """A long transaction may hold up its renewals; it is still there, still sending."""
    alive = str(Holder.this_process())
    assert await acquire(db, alive, clock.now(), TTL) is not None
    clock.advance(seconds=60)
    assert await acquire(db, BORIS, clock.now(), TTL, exclusive=True) is None


# -- the fence ----------------------------------------------------------------------------------


async def test_the_fence_lets_the_holder_through_and_stops_it_once_taken_over(
    db: Database, clock: FrozenClock
) -> None:
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna is not None
    async with db.engine.begin() as connection:
        await fence(connection, anna)
    clock.advance(seconds=10)
    assert await acquire(db, BORIS, clock.now(), TTL) is not None
    with pytest.raises(LeaseLost):
        async with db.engine.begin() as connection:
            await fence(connection, anna)


async def test_a_sender_that_lost_its_lease_cannot_claim_or_record_anything(
    db: Database, clock: FrozenClock
) -> None:
    """Anna's sender delivers while she holds the lease. Boris takes over while she is
    stalled: her sender, still running, neither sends the new call-out nor marks it."""
    async with FakeTelegram() as server:
        volunteers(server, [301, 302])
        anna = await acquire(db, ANNA, clock.now(), TTL)
        assert anna is not None
        async with running_sender(server, fenced(db, anna), clock) as sender:
            await put(db, clock.now(), call_out(301))
            sender.wake()
            await settled(db)
            clock.advance(seconds=10)
            assert await acquire(db, BORIS, clock.now(), TTL) is not None
            await put(db, clock.now(), call_out(302))
            sender.wake()
            await asyncio.sleep(0.5)  # several loops of the sender: it must do nothing
        assert [m.chat_id for m in server.sent()] == [301]
    states = {row.chat_id: row.state for row in await outbox(db)}
    assert states == {301: OutboxState.SENT, 302: OutboxState.PENDING}


async def test_sessions_of_the_fenced_database_are_fenced_too(
    db: Database, clock: FrozenClock
) -> None:
    anna = await acquire(db, ANNA, clock.now(), TTL)
    assert anna is not None
    view = fenced(db, anna)
    async with view.session() as session:
        await session.exec(select(func.count()).select_from(OutboxMessage))  # type: ignore[attr-defined]
    clock.advance(seconds=10)
    assert await acquire(db, BORIS, clock.now(), TTL) is not None
    with pytest.raises(LeaseLost):
        async with view.session():
            pass


# -- keeping the lease ------------------------------------------------------------------------


@dataclass
class Recorder:
    """Singletons that only say when they were started and stopped."""

    events: list[str] = field(default_factory=list)

    async def start(self, fenced: FencedDatabase) -> None:
        self.events.append("start")

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109
        self.events.append(f"stop within {timeout:g}s")


def replica(db: Database, clock: FrozenClock, holder: str, **kw: bool) -> LeaseKeeper:
    identity = Holder.parse(holder)
    assert identity is not None
    return LeaseKeeper(db, Recorder(), REPLICAS, clock=clock, holder=identity, **kw)


def events(keeper: LeaseKeeper) -> list[str]:
    assert isinstance(keeper.singletons, Recorder)
    return keeper.singletons.events


async def test_the_holder_runs_the_singletons_and_the_standby_does_not(
    db: Database, clock: FrozenClock
) -> None:
    anna, boris = replica(db, clock, ANNA), replica(db, clock, BORIS)
    await anna.step()
    await boris.step()
    for _ in range(4):
        clock.advance(seconds=3)
        await anna.step()
        await boris.step()
    assert (anna.holding, events(anna)) == (True, ["start"])
    assert (boris.holding, events(boris)) == (False, [])


async def test_a_standby_takes_over_when_the_holder_stops_renewing(
    db: Database, clock: FrozenClock
) -> None:
    anna, boris = replica(db, clock, ANNA), replica(db, clock, BORIS)
    await anna.step()
    await boris.step()
    clock.advance(seconds=10)  # Anna was killed
    await boris.step()
    assert (boris.holding, events(boris)) == (True, ["start"])


async def test_a_holder_whose_database_is_away_gives_up_before_its_lease_expires(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """Renewals fail; Anna keeps going while nobody may take over yet, and stops with 3
    seconds left, so that her sends in flight can still be recorded."""
    anna = replica(db, clock, ANNA)
    await anna.step()
    anna.db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'muster.db'}")  # away
    clock.advance(seconds=3)
    with pytest.raises(OperationalError):
        await anna.step()
    assert anna.holding and events(anna) == ["start"]
    clock.advance(seconds=4)
    with pytest.raises(OperationalError):  # stops, and tries to take it again, in vain
        await anna.step()
    assert not anna.holding and events(anna) == ["start", "stop within 3s"]
    await anna.db.dispose()


async def test_under_the_one_process_rule_a_renewal_held_up_keeps_the_lease(
    db: Database, clock: FrozenClock
) -> None:
    anna = replica(db, clock, ANNA, exclusive=True)
    await anna.step()
    clock.advance(seconds=45)  # a long export held the database
    await anna.step()
    assert anna.holding and events(anna) == ["start"]


async def test_a_holder_told_at_renewal_that_another_took_over_stops_at_once(
    db: Database, clock: FrozenClock
) -> None:
    """Anna's clock runs behind: by Boris's clock her lease expired and he took it; by hers
    it has not. Her next renewal finds the lease gone and she stops without waiting."""
    anna_clock = FrozenClock(clock.now())
    anna, boris = replica(db, anna_clock, ANNA), replica(db, clock, BORIS)
    await anna.step()
    clock.advance(seconds=10)
    await boris.step()
    anna_clock.advance(seconds=3)
    await anna.step()
    assert events(anna) == ["start", "stop within 0s"]
    assert not anna.holding and boris.holding


async def test_stopping_the_holder_hands_the_lease_to_the_standby_at_its_next_try(
    db: Database, clock: FrozenClock
) -> None:
    anna, boris = replica(db, clock, ANNA), replica(db, clock, BORIS)
    await anna.step()
    await boris.step()
    await anna.stop()
    await boris.step()
    assert events(anna) == ["start", "stop within 5s"]
    assert boris.holding


async def test_the_keeper_renews_on_its_own_while_the_process_runs(
    db: Database, clock: FrozenClock
) -> None:
    fast = ReplicasConfig(lease_seconds=1, renew_seconds=0.1)
    anna = LeaseKeeper(db, Recorder(), fast, holder=Holder("host-a", 101, 0, "aaaa"))
    await anna.start()
    try:
        first = await current_holder(db)
        await asyncio.sleep(0.35)
        later = await current_holder(db)
        assert first is not None and later is not None
        assert later.expires_at > first.expires_at and later.term == first.term
        assert anna.state == "holding"
    finally:
        await anna.stop()
    assert anna.state == "stopped"


async def test_under_sqlites_one_process_rule_a_second_process_is_refused_in_one_line(
    db: Database, clock: FrozenClock
) -> None:
    running = str(Holder.this_process())  # alive: this very test process
    assert await acquire(db, running, clock.now(), TTL) is not None
    second = LeaseKeeper(db, Recorder(), REPLICAS, clock=clock, exclusive=True)
    with pytest.raises(AnotherProcessServes) as refused:
        await second.start()
    message = str(refused.value)
    assert "\n" not in message
    assert "another muster run" in message and "SQLite serves one process at a time" in message
