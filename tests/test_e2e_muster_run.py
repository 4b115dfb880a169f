"""The foundation's acceptance test, against the real program: `muster run` as its own process,
reaching the fake Bot API through `base_url`. A volunteer signs up through the whole
conversation, with the process killed half-way; an administrator sees the registry; a volunteer
is refused it."""

from __future__ import annotations

import signal
from pathlib import Path

from sqlmodel import select

from models import AuditEntry, Volunteer
from models.db import Database
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.operations_support import QUICK_OUTBOX, muster_run, polled, write_config
from tests.test_e2e_signup import (
    answer_up_to_skills_in_english,
    finish_in_english_after_skills,
    prompt,
)

ADMIN = 9100


async def test_muster_run_signs_up_a_volunteer_across_a_kill_and_serves_leaders(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as telegram:
        admins = f"[bot]\nadmins = [{ADMIN}]\n"
        config = write_config(tmp_path, telegram, sections=QUICK_OUTBOX + admins)
        alice: FakeUser = telegram.user(301, "Alice", language_code="en")

        async with muster_run(config, polled(telegram)) as first:
            await answer_up_to_skills_in_english(alice)
            first.send_signal(signal.SIGKILL)  # no graceful stop: state must already be saved
            await first.wait()

        async with muster_run(config, polled(telegram)):
            await alice.press("First aid")  # the skills question from before the kill
            await alice.press("Done ✓")
            await prompt(alice, "✓ Skills: First aid")
            await finish_in_english_after_skills(alice, "Weekends")

            admin = telegram.user(ADMIN, "Admin", language_code="en")
            await admin.send("/volunteers")
            await admin.expect_message("Volunteer registry")
            await admin.press("📋 List and filters")
            listing = await admin.expect_message("1 found")
            assert "Alice Chen" in listing.text and "+8613800138000" in listing.text

            bob = telegram.user(302, "Bob", language_code="en")
            await bob.send("/volunteers")
            await bob.expect_message("not allowed")

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
    try:
        async with db.session() as session:
            alice_row = (
                await session.exec(select(Volunteer).where(Volunteer.telegram_id == 301))
            ).one()
            refusals = (
                await session.exec(select(AuditEntry).where(AuditEntry.allowed.is_(False)))
            ).all()
    finally:
        await db.dispose()
    assert (alice_row.name, alice_row.phone) == ("Alice Chen", "+8613800138000")
    assert [(r.actor_telegram_id, r.allowed) for r in refusals] == [(302, False)]
