"""A volunteer who leads a team calls out their own teams' members only: the service refuses
a call-out to everyone, to a compound or to another team, whatever the form offered, and
widening one to everyone; a volunteer who leads no team has none of the team's tools."""

from __future__ import annotations

import pytest

from bot.clock import FrozenClock
from bot.errors import InvalidInput, NotAllowed
from bot.services.callouts import drafts
from bot.services.leader_scope import leader_scope, require_team_tools
from models import Role
from models.db import Database
from tests.rounds_world import actor, lead_team
from tests.seed import seed_account, seed_team, seed_volunteer
from tests.seed_callouts import create

WANG, ZHAO = 601, 602


async def test_a_volunteer_team_leader_calls_out_their_own_teams_only(
    db: Database, clock: FrozenClock
) -> None:
    wang = actor(WANG)
    wang_id = await seed_volunteer(db, WANG, "Wang")
    ours = await seed_team(db, "Sunshine", [wang_id])
    other = await seed_team(db, "Riverside")
    await lead_team(db, ours, WANG)
    now = clock.now()

    for refused in (
        {"everyone": True, "team_ids": [ours]},
        {"everyone": False, "team_ids": [other]},
        {"everyone": False, "team_ids": [ours, other]},
        {"everyone": False, "compounds": ["阳光小区"]},
        {"everyone": False, "party_only": True},
    ):
        with pytest.raises(InvalidInput) as error:
            await create(db, now, actor=wang, **refused)
        assert error.value.key == "callouts.invalid.own_teams"
    assert await create(db, now, actor=wang, everyone=False, team_ids=[ours], party_only=True)

    async with db.session() as session:
        choices = await drafts.creation_choices(session, actor=wang)
        scope = await leader_scope(session, actor=wang)
    assert [t.name for t in choices.teams] == ["Sunshine"] and choices.teams_only
    assert scope.teams == frozenset({ours}) and scope.teams_only


async def test_leaders_keep_the_whole_community_and_plain_volunteers_get_nothing(
    db: Database, clock: FrozenClock
) -> None:
    await seed_account(db, 500, role=Role.LEADER, language="en")
    leader = actor(500, Role.LEADER)
    await seed_volunteer(db, ZHAO, "Zhao")
    team = await seed_team(db, "Sunshine")
    await lead_team(db, team, 500)
    assert await create(db, clock.now(), actor=leader, everyone=True)  # a leader's role: anyone
    async with db.session() as session:
        choices = await drafts.creation_choices(session, actor=leader)
        assert not choices.teams_only
        with pytest.raises(NotAllowed) as refused:
            await require_team_tools(session, actor=actor(ZHAO), action="rounds.today")
    assert refused.value.action == "rounds.today"
