"""The leaders' board over HTTP: every request proves who sent it with Telegram's initData
(missing, forged or stale: 401), the role and scope are the database's (a volunteer: 403; a
team's leader: their team only), and each view returns what the database holds."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from bot.clock import FrozenClock
from bot.dashboard import auth, server
from bot.services.hours import credit
from models import Account, AuditEntry, Callout, CalloutResponse, OutboxMessage, Team, TeamMember
from models.db import Database
from models.elders import Alert
from tests.dashboard_support import TOKEN, Board, World, build_world, init_data, open_board
from tests.rounds_world import ADMIN_ID
from tests.seed import SEEDED_AT
from tests.seed_callouts import decline

GETS = ["/me", "/version", "/now", "/callouts/{callout}", "/rounds", "/volunteers", "/hours"]
POSTS = [
    ("/callouts/{callout}/remind", {}),
    ("/callouts/{callout}/widen", {}),
    ("/callouts/{callout}/close", {}),
    ("/callouts/{callout}/cancel", {}),
    ("/callouts/{callout}/export", {}),
    ("/callouts/{callout}/time", {"starts_at": "2026-11-25T08:00", "ends_at": "2026-11-25T10:00"}),
    ("/alerts/{alert}/close", {"outcome": "visited_well"}),
]
EXPORT = ("/volunteers/export", {"format": "xlsx"})
API = "/dashboard/api"


@pytest.fixture
async def board(db: Database, clock: FrozenClock) -> AsyncIterator[Board]:
    opened = await open_board(db, clock)
    yield opened
    await opened.stop()


@pytest.fixture
async def world(db: Database, clock: FrozenClock, board: Board) -> World:
    return await build_world(db, clock, board.runtime.config)


def paths(world: World, template: str, callout: int | None = None) -> str:
    return API + template.format(callout=callout or world.sunshine_callout, alert=world.alert_id)


def forge(raw: str, **changes: str) -> str:
    """initData with fields changed after Telegram signed it."""
    fields = dict(parse_qsl(raw))
    fields.update(changes)
    return urlencode(fields)


# -- the check itself ------------------------------------------------------------------------


def test_init_data_is_checked_as_telegram_documents(clock: FrozenClock) -> None:
    raw = init_data(7000, clock.now())
    fields = dict(parse_qsl(raw))
    received = fields.pop("hash")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items())).encode()
    key = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    assert hmac.new(key, check, hashlib.sha256).hexdigest() == received

    user = auth.validate(raw, token=TOKEN, now=clock.now(), max_age=60)
    assert (user.id, user.first_name, user.language_code) == (7000, "Lin", "en")
    for refused, reason in (
        (forge(raw, user=json.dumps({"id": 500})), "forged"),
        (forge(raw, hash="0" * 64), "forged"),
        (init_data(7000, clock.now(), token="654321:another-bot"), "forged"),
        (raw + "&user=%7B%22id%22%3A500%7D", "forged"),  # a second user field
        (init_data(7000, clock.now() - timedelta(seconds=61)), "stale"),
        (init_data(7000, clock.now() + timedelta(minutes=5)), "stale"),
    ):
        with pytest.raises(auth.Unauthorized) as caught:
            auth.validate(refused, token=TOKEN, now=clock.now(), max_age=60)
        assert caught.value.reason == reason


# -- refusals --------------------------------------------------------------------------------


async def test_every_endpoint_refuses_missing_forged_and_stale_init_data(
    board: Board, world: World, clock: FrozenClock
) -> None:
    good = init_data(world.community_leader, clock.now())
    stale = init_data(world.community_leader, clock.now() - timedelta(days=1, seconds=1))
    before = (await board.get(f"{API}/version", good)).json()["version"]
    cases = {
        None: "missing",
        "Bearer x": "missing",
        forge(good, user=json.dumps({"id": ADMIN_ID, "first_name": "X"})): "forged",
        init_data(world.community_leader, clock.now(), token="1:not-this-bot"): "forged",
        "not initData at all": "forged",
        stale: "stale",
    }
    for given, reason in cases.items():
        for template in GETS:
            response = await board.get(paths(world, template), given)
            assert (response.status_code, response.json()) == (
                401,
                {"error": "unauthorized", "reason": reason},
            ), template
        for template, body in [*POSTS, EXPORT]:
            response = await board.post(paths(world, template), given, body)
            assert response.status_code == 401, template
            assert response.json()["reason"] == reason
    assert (await board.get(f"{API}/version", good)).json()["version"] == before


async def test_a_volunteer_is_refused_everything_and_it_is_audit_logged(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    wang = init_data(world.volunteer, clock.now(), first_name="Wang")
    for template in GETS:
        response = await board.get(paths(world, template), wang)
        assert response.status_code == 403, template
        assert response.json()["error"] == "forbidden"
    for template, body in [*POSTS, EXPORT]:
        response = await board.post(paths(world, template), wang, body)
        assert response.status_code == 403, template
    async with db.session() as session:
        refusals = list(
            await session.exec(
                select(AuditEntry.actor_telegram_id, AuditEntry.action).where(
                    AuditEntry.allowed == False  # noqa: E712
                )
            )
        )
    assert refusals.count((world.volunteer, "dashboard.open")) == len(GETS) + len(POSTS) + 1


# -- what the views show ---------------------------------------------------------------------


async def test_now_shows_the_open_callouts_alerts_and_todays_rounds(
    board: Board, world: World, clock: FrozenClock
) -> None:
    response = await board.get(f"{API}/now", init_data(world.community_leader, clock.now()))
    assert response.status_code == 200
    now = response.json()
    assert now["today"] == "2026-11-23"
    sunshine, riverside = now["callouts"]
    assert (sunshine["id"], riverside["id"]) == (world.sunshine_callout, world.riverside_callout)
    assert {k: sunshine[k] for k in ("needed", "confirmed", "waiting", "checked_in", "short")} == {
        "needed": 3,
        "confirmed": 2,
        "waiting": 0,
        "checked_in": 0,
        "short": 1,
    }
    assert sunshine["names"]["confirmed"] == ["Wang", "Zhao"]
    assert sunshine["starts_at"].endswith("+08:00")
    [alert] = now["alerts"]
    assert alert["id"] == world.alert_id
    assert alert["elder"] == {"id": world.grandma_li, "name": "Grandma Li"}
    assert (alert["reason"], alert["step"], alert["holders"]) == ("no_answer", "backup", ["Zhao"])
    assert alert["since"] == "2026-11-23T09:10:00+08:00"
    assert now["rounds"]["totals"] == {
        "due": 2,
        "visited": 0,
        "pending": 1,
        "late": 0,
        "missed": 0,
        "needs_help": 0,
        "no_answer": 1,
    }
    compounds = {c["compound"]: c["buildings"] for c in now["rounds"]["compounds"]}
    assert compounds["Sunshine Garden"] == [
        {
            "building": "3",
            "due": 1,
            "visited": 0,
            "pending": 0,
            "late": 0,
            "missed": 0,
            "needs_help": 0,
            "no_answer": 1,
        }
    ]
    assert now["version"]


async def test_a_teams_leader_sees_and_acts_on_their_team_only(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    riverside = init_data(world.riverside.leader, clock.now())
    now = (await board.get(f"{API}/now", riverside)).json()
    assert [c["id"] for c in now["callouts"]] == [world.riverside_callout]
    assert now["alerts"] == []
    assert [c["compound"] for c in now["rounds"]["compounds"]] == ["Riverside Court"]
    me = (await board.get(f"{API}/me", riverside)).json()
    assert me["scope"] == {
        "whole_community": False,
        "teams": [{"id": world.riverside.team_id, "name": "Riverside"}],
    }
    other = paths(world, "/callouts/{callout}")
    assert (await board.get(other, riverside)).status_code == 403
    for template, body in POSTS:
        response = await board.post(paths(world, template), riverside, body)
        assert response.status_code == 403, template
    still = (await board.get(f"{API}/now", init_data(world.community_leader, clock.now()))).json()
    assert [a["id"] for a in still["alerts"]] == [world.alert_id]
    assert [c["id"] for c in still["callouts"]] == [world.sunshine_callout, world.riverside_callout]
    rounds = (await board.get(f"{API}/rounds", riverside)).json()
    assert [e["name"] for e in rounds["elders"]] == ["Grandpa Zhou"]


async def test_a_callouts_roster_lists_answers_arrival_and_check_in_times(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    async with db.session() as session:
        await session.exec(
            update(CalloutResponse)
            .where(col(CalloutResponse.callout_id) == world.sunshine_callout)
            .where(col(CalloutResponse.volunteer_id) == world.sunshine.volunteer("Wang"))
            .values(checked_in_at=clock.now())
        )
    await decline(db, 503, world.sunshine_callout, clock)
    leader = init_data(world.sunshine.leader, clock.now())
    roster = (await board.get(paths(world, "/callouts/{callout}"), leader)).json()
    assert roster["callout"]["title"] == "Vaccination duty"
    assert roster["callout"]["names"]["checked_in"] == ["Wang"]
    assert roster["actions"] == ["remind", "widen", "change_time", "close", "cancel", "export"]
    people = [
        (p["name"], p["state"], p["eta_minutes"], p["checked_in_at"]) for p in roster["people"]
    ]
    assert people == [
        ("Wang", "confirmed", None, "2026-11-23T09:10:00+08:00"),
        ("Zhao", "confirmed", 30, None),
        ("Sun", "declined", None, None),
    ]
    assert roster["people"][1]["answered_at"] == "2026-11-23T09:10:00+08:00"


async def test_a_press_in_chat_changes_the_version_the_board_polls(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    leader = init_data(world.community_leader, clock.now())
    first = (await board.get(f"{API}/version", leader)).json()["version"]
    assert (await board.get(f"{API}/version", leader)).json()["version"] == first
    await decline(db, 503, world.sunshine_callout, clock)  # Sun presses "Can't go"
    second = (await board.get(f"{API}/version", leader)).json()["version"]
    assert second != first
    now = (await board.get(f"{API}/now", leader)).json()
    assert now["version"] == second
    assert now["callouts"][0]["declined"] == 1


# -- actions ---------------------------------------------------------------------------------


async def test_closing_an_alert_on_the_board_tells_everyone_alerted_in_chat(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    leader = init_data(world.sunshine.leader, clock.now())
    path = paths(world, "/alerts/{alert}/close")
    assert (await board.post(path, leader, {"outcome": "teleported"})).status_code == 400
    seen = await last_outbox_id(db)
    response = await board.post(path, leader, {"outcome": "phone_well"})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": "Alert closed. Everyone alerted is told."}
    told = await outbox_since(db, seen)
    zhao = world.sunshine.telegram("Zhao")  # the backup, alerted when Wang found nobody home
    assert any(
        chat == zhao and "Alert closed" in text and "Grandma Li" in text for chat, text in told
    )
    async with db.session() as session:
        alert = await session.get(Alert, world.alert_id)
        assert alert is not None and alert.outcome == "phone_well"
        assert alert.closed_by == world.sunshine.leader
        logged = (
            await session.exec(
                select(AuditEntry).where(col(AuditEntry.action) == "rounds.close_alert")
            )
        ).one()
        assert logged.actor_telegram_id == world.sunshine.leader
    again = await board.post(path, leader, {"outcome": "phone_well"})
    assert again.status_code == 409
    assert "already closed" in again.json()["message"]
    now = (await board.get(f"{API}/now", leader)).json()
    assert now["alerts"] == []


async def test_roster_actions_go_through_the_callout_services(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    leader = init_data(world.sunshine.leader, clock.now())
    callout = world.sunshine_callout
    reminded = await board.post(paths(world, "/callouts/{callout}/remind"), leader)
    assert reminded.json() == {"ok": True, "message": "Reminded 1 volunteer."}  # Sun

    seen = await last_outbox_id(db)
    exported = await board.post(paths(world, "/callouts/{callout}/export"), leader)
    assert exported.status_code == 200
    async with db.session() as session:
        [document] = list(
            await session.exec(
                select(OutboxMessage).where(
                    col(OutboxMessage.id) > seen, OutboxMessage.method == "send_document"
                )
            )
        )
    assert document.chat_id == world.sunshine.leader

    moved = await board.post(
        paths(world, "/callouts/{callout}/time"),
        leader,
        {"starts_at": "2026-11-25T08:00", "ends_at": "2026-11-25T10:30"},
    )
    assert moved.status_code == 200 and moved.json()["told"] == 2
    bad = await board.post(
        paths(world, "/callouts/{callout}/time"),
        leader,
        {"starts_at": "2026-11-25T08:00", "ends_at": "2026-11-25T07:00"},
    )
    assert bad.status_code == 400

    closed = await board.post(paths(world, "/callouts/{callout}/close"), leader)
    assert closed.status_code == 200
    async with db.session() as session:
        row = await session.get(Callout, callout)
        assert row is not None
        assert (row.status, row.starts_at) == ("closed", datetime(2026, 11, 25, 0, 0, tzinfo=UTC))
    roster = (await board.get(paths(world, "/callouts/{callout}"), leader)).json()
    assert roster["actions"] == ["change_time", "cancel", "export"]
    now = (await board.get(f"{API}/now", leader)).json()  # its duty is still to come
    assert [(c["id"], c["status"]) for c in now["callouts"]] == [(callout, "closed")]
    assert (await board.post(paths(world, "/callouts/{callout}/remind"), leader)).status_code == 409
    assert (await board.post(paths(world, "/callouts/{callout}/fly"), leader)).status_code == 404


async def last_outbox_id(db: Database) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.max(OutboxMessage.id)))).one() or 0


async def outbox_since(db: Database, seen: int) -> list[tuple[int, str]]:
    async with db.session() as session:
        rows = await session.exec(select(OutboxMessage).where(col(OutboxMessage.id) > seen))
        return [(row.chat_id, str(row.payload.get("text", ""))) for row in rows]


async def test_the_registry_with_the_filters_of_volunteers_and_its_export(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    leader = init_data(world.community_leader, clock.now())
    everyone = (await board.get(f"{API}/volunteers", leader)).json()
    assert everyone["counts"]["total"] == 4
    assert [v["name"] for v in everyone["volunteers"]] == ["Wang", "Zhao", "Sun", "Qian"]
    riverside = await board.get(f"{API}/volunteers", leader, team=str(world.riverside.team_id))
    assert [v["name"] for v in riverside.json()["volunteers"]] == ["Qian"]
    assert riverside.json()["volunteers"][0]["teams"] == ["Riverside"]
    assert (await board.get(f"{API}/volunteers", leader, skill="juggling")).status_code == 400

    seen = await last_outbox_id(db)
    body = {"format": "csv", "team": str(world.riverside.team_id)}
    exported = await board.post(f"{API}/volunteers/export", leader, body)
    assert exported.status_code == 200
    async with db.session() as session:
        [document] = list(
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.id) > seen))
        )
        logged = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "registry_exported"))
        ).one()
    assert (document.method, document.chat_id) == ("send_document", world.community_leader)
    assert logged.actor_telegram_id == world.community_leader

    team_leader_volunteer = init_data(world.volunteer, clock.now())
    async with db.session() as session:  # Wang, a volunteer, is named Riverside's leader
        await session.exec(
            update(Team)
            .where(col(Team.id) == world.riverside.team_id)
            .values(leader_telegram_id=world.volunteer)
        )
    assert (await board.get(f"{API}/now", team_leader_volunteer)).status_code == 200
    assert (await board.get(f"{API}/volunteers", team_leader_volunteer)).status_code == 403
    assert (await board.get(f"{API}/hours", team_leader_volunteer)).status_code == 403


async def test_rounds_show_each_elders_last_visit_the_weeks_grid_and_the_duty_rota(
    board: Board, world: World, clock: FrozenClock
) -> None:
    leader = init_data(world.community_leader, clock.now())
    rounds = (await board.get(f"{API}/rounds", leader)).json()
    elders = {e["name"]: e for e in rounds["elders"]}
    li = elders["Grandma Li"]
    assert (li["visitor"], li["backup"], li["alert_open"]) == ("Wang", "Zhao", True)
    assert li["last_visit"]["outcome"] == "no_answer"
    assert elders["Grandpa Zhou"]["last_visit"]["outcome"] == "pending"
    assert rounds["week"]["days"][0] == "2026-11-23"
    grid = {row["elder_id"]: row["cells"] for row in rounds["week"]["rows"]}
    assert grid[world.grandma_li][0]["no_answer"] == 1
    assert [cell["due"] for cell in grid[world.grandma_li][1:]] == [0] * 6
    assert rounds["duty"]["now"] == {"name": "Sun", "shift": "day"}
    assert len(rounds["duty"]["rota"]) == 14
    assert {slot["name"] for slot in rounds["duty"]["rota"]} == {"Sun"}
    last_week = await board.get(f"{API}/rounds", leader, week="2026-11-16")
    assert last_week.json()["week"]["rows"] == []


async def test_the_months_hours_by_team_and_person_and_callouts_filled(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    async with db.session() as session:
        await credit(
            session,
            volunteer_id=world.sunshine.volunteer("Zhao"),
            minutes=90,
            source="callout",
            source_id=world.sunshine_callout,
            served_at=clock.now(),
            now=clock.now(),
        )
    leader = init_data(world.sunshine.leader, clock.now())
    hours = (await board.get(f"{API}/hours", leader)).json()
    assert hours["month"] == "2026-11"
    # Wang's knock at Grandma Li's door counts too ([rounds] minutes_per_visit)
    assert hours["by_team"] == [{"team": "Sunshine", "minutes": 120}]
    assert [(p["name"], p["minutes"]) for p in hours["by_person"]] == [("Zhao", 90), ("Wang", 30)]
    filled = {c["id"]: (c["needed"], c["filled"]) for c in hours["callouts"]}
    assert filled[world.sunshine_callout] == (3, 2)
    october = (await board.get(f"{API}/hours", leader, month="2026-10")).json()
    assert october["by_person"] == []


@pytest.mark.parametrize(
    ("language", "teams"), [("zh", "Riverside、Sunshine"), ("en", "Riverside, Sunshine")]
)
async def test_a_person_in_two_teams_has_them_listed_as_the_viewers_language_lists(
    board: Board, world: World, clock: FrozenClock, db: Database, language: str, teams: str
) -> None:
    zhao = world.sunshine.volunteer("Zhao")
    async with db.session() as session:
        session.add(
            TeamMember(
                team_id=world.riverside.team_id, volunteer_id=zhao, added_by=1, added_at=SEEDED_AT
            )
        )
        await session.exec(
            update(Account)
            .where(col(Account.telegram_id) == world.sunshine.leader)
            .values(language=language)
        )
        await credit(
            session,
            volunteer_id=zhao,
            minutes=90,
            source="callout",
            source_id=world.sunshine_callout,
            served_at=clock.now(),
            now=clock.now(),
        )
    hours = (await board.get(f"{API}/hours", init_data(world.sunshine.leader, clock.now()))).json()
    assert {p["name"]: p["team"] for p in hours["by_person"]}["Zhao"] == teams


async def test_the_page_and_its_strings_need_no_sign_in(board: Board) -> None:
    for language, title in (
        ("zh", "rounds.outcome.visited_well"),
        ("en", "rounds.outcome.visited_well"),
    ):
        strings = (await board.get(f"{API}/strings", None, lang=language)).json()
        assert strings["language"] == language
        assert title in strings["strings"]
    fallback = (await board.get(f"{API}/strings", None, lang="fr")).json()
    assert fallback["language"] == "zh"
    missing = await board.get(f"{API}/nothing-here", None)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    async with httpx.AsyncClient() as client:
        redirect = await client.get(f"{board.base}/dashboard")
    assert (redirect.status_code, redirect.headers["location"]) == (301, "/dashboard/")


async def test_the_page_and_its_files_are_served_from_the_package(
    db: Database, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>board</title>", "utf-8")
    (tmp_path / "app.js").write_text("console.log('board')", "utf-8")
    monkeypatch.setattr(server, "STATIC_DIR", tmp_path)
    board = await open_board(db, clock)
    try:
        async with httpx.AsyncClient() as client:
            page = await client.get(f"{board.base}/dashboard/")
            script = await client.get(f"{board.base}/dashboard/static/app.js")
            escape = await client.get(f"{board.base}/dashboard/static/../server.py")
    finally:
        await board.stop()
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert "<title>board</title>" in page.text
    assert script.status_code == 200 and "console.log" in script.text
    assert escape.status_code in (403, 404)


async def test_any_replica_answers_the_same(
    db: Database, clock: FrozenClock, board: Board, world: World
) -> None:
    other = await open_board(db, clock)  # a second process on the same database
    try:
        leader = init_data(world.community_leader, clock.now())
        here = (await board.get(f"{API}/now", leader)).json()
        there = (await other.get(f"{API}/now", leader)).json()
        assert here == there
        await decline(db, 503, world.sunshine_callout, clock)
        changed = (await other.get(f"{API}/version", leader)).json()["version"]
        assert changed != here["version"]
        assert (await board.get(f"{API}/version", leader)).json()["version"] == changed
    finally:
        await other.stop()


async def test_an_extra_round_starts_from_the_board_for_a_team_in_scope(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    riverside = init_data(world.riverside.leader, clock.now())
    rounds = (await board.get(f"{API}/rounds", riverside)).json()
    assert rounds["round_now_teams"] == [{"id": world.riverside.team_id, "name": "Riverside"}]
    sunshine = {"team_id": world.sunshine.team_id}
    assert (await board.post(f"{API}/rounds/now", riverside, sunshine)).status_code == 403
    assert (await board.post(f"{API}/rounds/now", riverside, {"team_id": "x"})).status_code == 400

    seen = await last_outbox_id(db)
    clock.advance(minutes=30)
    started = await board.post(f"{API}/rounds/now", riverside, {"team_id": world.riverside.team_id})
    assert started.json() == {
        "ok": True,
        "message": "🚪 Extra round started: 1 elder, 1 visitor asked to go now.",
    }
    asked = [chat for chat, _ in await outbox_since(db, seen)]
    assert asked == [world.riverside.telegram("Qian")]
    grid = (await board.get(f"{API}/rounds", riverside)).json()["week"]["rows"]
    assert grid[0]["cells"][0]["due"] == 2  # the morning's visit and the extra one


async def test_a_new_callout_from_the_board_is_the_forms_with_its_checks(
    board: Board, world: World, clock: FrozenClock, db: Database
) -> None:
    leader = init_data(world.sunshine.leader, clock.now())
    offered = (await board.get(f"{API}/callouts/new", leader)).json()
    assert [t["code"] for t in offered["templates"]][:2] == ["vaccination", "flood_patrol"]
    assert {t["name"] for t in offered["teams"]} == {"Sunshine", "Riverside"}
    draft = {
        "template": "flood_patrol",
        "title": "Sandbags at the river gate",
        "place": "River gate",
        "starts_at": "2026-11-23T14:00",
        "ends_at": "2026-11-23T18:00",
        "needed": 2,
        "team_ids": [world.sunshine.team_id],
        "urgency": "emergency",
    }
    preview = await board.post(f"{API}/callouts/preview", leader, draft)
    assert preview.json() == {"reach": 3}  # Wang, Zhao and Sun
    medics = await board.post(f"{API}/callouts/preview", leader, {**draft, "skills": ["medical"]})
    assert medics.json() == {"reach": 0}
    nobody = await board.post(f"{API}/callouts", leader, {**draft, "skills": ["medical"]})
    assert nobody.status_code == 400 and "reach nobody" in nobody.json()["message"]
    bad = await board.post(f"{API}/callouts", leader, {**draft, "team_ids": ["1"]})
    assert bad.status_code == 400

    created = await board.post(f"{API}/callouts", leader, draft)
    assert created.status_code == 200
    callout_id = created.json()["id"]
    assert "is being sent to 3 volunteers" in created.json()["message"]
    async with db.session() as session:
        row = await session.get(Callout, callout_id)
        assert row is not None
        assert (row.created_by, row.team_ids, row.urgency) == (
            world.sunshine.leader,
            [world.sunshine.team_id],
            "emergency",
        )
        assert row.starts_at == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    await world.rounds.tick()  # the due work delivers it, as after the chat's form
    roster = (await board.get(f"{API}/callouts/{callout_id}", leader)).json()
    assert [p["state"] for p in roster["people"]] == ["no_answer"] * 3

    team_leader_volunteer = init_data(world.volunteer, clock.now())
    async with db.session() as session:  # Wang, a volunteer, is named Riverside's leader
        team = await session.get(Team, world.riverside.team_id)
        assert team is not None
        team.leader_telegram_id = world.volunteer
    everyone = {**draft, "team_ids": [], "everyone": True}
    refused = await board.post(f"{API}/callouts", team_leader_volunteer, everyone)
    assert refused.status_code == 400 and "own teams" in refused.json()["message"]
