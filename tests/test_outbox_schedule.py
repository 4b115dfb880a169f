"""Which message the sender sends next, on a clock the test moves."""

from bot.outbox.queue import PRIORITY_BULK, PRIORITY_NOTICE, PRIORITY_REPLY
from bot.outbox.schedule import Schedule, Ticket

ALICE, BOB, CAROL, TEAM_GROUP = 1, 2, 3, -100


def schedule_of(*tickets: Ticket, now: float = 0.0) -> Schedule:
    schedule = Schedule()
    schedule.replace(tickets, now)
    return schedule


def test_a_reply_to_someone_waiting_goes_before_a_broadcast_enqueued_earlier() -> None:
    schedule = schedule_of(
        Ticket(1, ALICE, PRIORITY_BULK), Ticket(2, BOB, PRIORITY_BULK), Ticket(3, CAROL, 0)
    )
    assert [t.chat_id for t in schedule.pick(0.0, 3)] == [CAROL, ALICE, BOB]


def test_a_chat_reads_in_order_even_when_its_later_message_is_urgent() -> None:
    """Alice's call-out was enqueued before her reply: the call-out goes first, but her chat
    jumps the queue of the broadcast because of the reply."""
    schedule = schedule_of(
        Ticket(1, BOB, PRIORITY_BULK),
        Ticket(2, ALICE, PRIORITY_BULK),
        Ticket(3, ALICE, PRIORITY_REPLY),
    )
    first = schedule.pick(0.0, 1)
    assert first == [Ticket(2, ALICE, PRIORITY_BULK)]
    schedule.done(first[0], 0.0, rest=1.0)
    assert schedule.pick(0.1, 1) == [Ticket(1, BOB, PRIORITY_BULK)]
    assert schedule.pick(0.5, 1) == []  # Alice's chat rests a second
    assert schedule.pick(1.0, 1) == [Ticket(3, ALICE, PRIORITY_REPLY)]


def test_one_message_per_chat_at_a_time() -> None:
    schedule = schedule_of(Ticket(1, ALICE, 5), Ticket(2, ALICE, 5), Ticket(3, BOB, 5))
    assert [t.id for t in schedule.pick(0.0, 10)] == [1, 3]
    assert schedule.pick(0.0, 10) == []  # Alice's second waits for her first


def test_a_group_rests_longer_than_a_private_chat() -> None:
    schedule = schedule_of(Ticket(1, TEAM_GROUP, PRIORITY_NOTICE), Ticket(2, TEAM_GROUP, 3))
    (card,) = schedule.pick(0.0, 1)
    schedule.done(card, 0.2, rest=60 / 19)
    assert schedule.pick(3.0, 1) == []
    assert schedule.next_ready_at() == 0.2 + 60 / 19
    assert [t.id for t in schedule.pick(3.4, 1)] == [2]


def test_a_message_to_retry_stays_ahead_of_the_rest_of_its_chat() -> None:
    schedule = schedule_of(Ticket(1, ALICE, 5), Ticket(2, ALICE, 5))
    (first,) = schedule.pick(0.0, 1)
    schedule.retry(first, 0.0, after=2.0)
    assert schedule.pick(1.0, 5) == []
    schedule.replace([Ticket(2, ALICE, 5)], 1.5)  # the database still sees it as in flight
    assert schedule.pick(2.0, 5) == [first]


def test_an_unreachable_chat_gets_nothing_more() -> None:
    schedule = schedule_of(Ticket(1, ALICE, 5), Ticket(2, ALICE, 5), Ticket(3, BOB, 5))
    (_alices_first, bobs) = schedule.pick(0.0, 2)
    schedule.drop_chat(ALICE)
    schedule.done(bobs, 0.0, rest=0.0)
    assert schedule.pick(5.0, 5) == []


def test_messages_no_longer_pending_are_forgotten_and_free_their_chat() -> None:
    schedule = schedule_of(Ticket(1, ALICE, 5), Ticket(2, ALICE, 5))
    picked = schedule.pick(0.0, 1)
    schedule.forget(picked, 0.0)
    assert schedule.pick(0.0, 1) == [Ticket(2, ALICE, 5)]


def test_a_private_chat_takes_a_short_burst_then_one_a_second() -> None:
    """One step of a conversation (an edit and the next question) goes out at once; a long run
    of messages to one person then goes at 1 a second."""
    schedule = schedule_of(*[Ticket(i, ALICE, PRIORITY_REPLY) for i in range(1, 6)])
    sent_at = []
    now = 0.0
    while len(sent_at) < 5:
        picked = schedule.pick(now, 1)
        if not picked:
            now = schedule.next_ready_at() or now
            continue
        sent_at.append(round(now, 2))
        schedule.done(picked[0], now + 0.05, rest=1.0, burst=3)  # answered 50 ms later
        now += 0.05
    assert sent_at == [0.0, 0.05, 0.1, 1.05, 2.05]


def test_a_chat_quiet_for_a_while_has_its_burst_again() -> None:
    schedule = schedule_of(Ticket(1, ALICE, 0), Ticket(2, ALICE, 0))
    for now in (0.0, 0.0):
        (ticket,) = schedule.pick(now, 1)
        schedule.done(ticket, now, rest=1.0, burst=3)
    schedule.replace([Ticket(3, ALICE, 0), Ticket(4, ALICE, 0), Ticket(5, ALICE, 0)], 10.0)
    for _ in range(3):
        (ticket,) = schedule.pick(10.0, 1)
        schedule.done(ticket, 10.0, rest=1.0, burst=3)
    assert schedule.next_ready_at() is None  # nothing left to send


def test_a_group_has_no_burst() -> None:
    schedule = schedule_of(Ticket(1, TEAM_GROUP, 3), Ticket(2, TEAM_GROUP, 3))
    (card,) = schedule.pick(0.0, 1)
    schedule.done(card, 0.0, rest=60 / 19, burst=1)
    assert schedule.pick(0.1, 1) == []
