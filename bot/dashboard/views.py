"""What each page of the board shows, as JSON-ready dicts, from the same services as the chat
(the roster card's data, ``/rounds``, ``/duty``, ``/volunteers``, ``/report``). Instants are
ISO 8601 in the community's timezone, dates ``YYYY-MM-DD``; see /work/dashboard-api.md."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.config import Config
from bot.dashboard.auth import Viewer
from bot.errors import InvalidInput
from bot.i18n import Translator
from bot.labels import availability_label, party_label, skill_label
from bot.services import registry
from bot.services.accounts import require_role
from bot.services.callouts import board as callout_board
from bot.services.callouts.roster import RosterCard
from bot.services.reports import figures
from bot.services.reports.period import Period
from bot.services.rounds import board as rounds_board
from bot.services.rounds import duty, schedule
from bot.services.rounds.local_time import local_day
from models import Availability, Party, Role
from models.elders import AlertOutcome

Json = dict[str, Any]
OUTCOMES = [outcome.value for outcome in AlertOutcome]
ROTA_DAYS = 7


def stamp(instant: datetime | None, zone: tzinfo) -> str | None:
    return as_utc(instant).astimezone(zone).isoformat() if instant is not None else None


# -- me ---------------------------------------------------------------------------------------


async def me(session: AsyncSession, viewer: Viewer, config: Config) -> Json:
    actor, scope = viewer.actor, viewer.scope
    role = "admin" if actor.is_admin else "leader" if actor.is_leader else "team_leader"
    names = await rounds_board.team_names(session, ids=sorted(scope.teams or ()))
    return {
        "telegram_id": actor.telegram_id,
        "name": actor.first_name,
        "language": actor.language,
        "timezone": config.bot.timezone,
        "community": config.community.name,
        "role": role,
        "scope": {
            "whole_community": scope.whole_community,
            "teams": [{"id": i, "name": names.get(i, "")} for i in sorted(scope.teams or ())],
        },
        "can": {"volunteers": actor.is_leader, "hours": actor.is_leader},
    }


# -- now --------------------------------------------------------------------------------------


def callout_json(card: RosterCard, zone: tzinfo) -> Json:
    view, counts, names = card.callout, card.counts, card.names
    return {
        "id": view.id,
        "title": view.title,
        "place": view.place,
        "starts_at": stamp(view.starts_at, zone),
        "ends_at": stamp(view.ends_at, zone),
        "status": str(view.status),
        "emergency": str(view.urgency) == "emergency",
        "started": card.started,
        "needed": view.needed,
        "confirmed": counts.confirmed,
        "waiting": counts.waiting,
        "checked_in": counts.checked_in,
        "checked_out": counts.checked_out,
        "declined": counts.declined,
        "no_answer": counts.no_answer,
        "short": max((view.needed or 0) - counts.confirmed, 0),
        "names": {
            "confirmed": [p.name for p in names.confirmed],
            "waiting": [p.name for p in names.waiting],
            "checked_in": [p.name for p in names.confirmed if p.checked_in],
        },
    }


def alert_json(alert: rounds_board.OpenAlert, zone: tzinfo) -> Json:
    return {
        "id": alert.id,
        "elder": {"id": alert.elder_id, "name": alert.elder},
        "team": {"id": alert.team_id, "name": alert.team} if alert.team_id else None,
        "compound": alert.compound,
        "building": alert.building,
        "reason": alert.reason,
        "step": alert.step,
        "last_resort": alert.last_resort,
        "holders": list(alert.holders),
        "since": stamp(alert.since, zone),
        "visit_due_at": stamp(alert.visit_due_at, zone),
        "outcomes": OUTCOMES,
    }


async def now_view(session: AsyncSession, viewer: Viewer, config: Config, now: datetime) -> Json:
    zone, scope = config.bot.zone, viewer.scope
    cards = await callout_board.open_cards(session, actor=viewer.actor, scope=scope, now=now)
    alerts = await rounds_board.open_alerts(session, scope=scope, admins=config.bot.admins)
    buildings = await rounds_board.today_by_building(session, scope=scope, zone=zone, now=now)
    return {
        "today": local_day(now, zone).isoformat(),
        "callouts": [callout_json(card, zone) for card in cards],
        "alerts": [alert_json(alert, zone) for alert in alerts],
        "rounds": _coverage_json(buildings),
    }


def _coverage_json(buildings: list[rounds_board.BuildingDay]) -> Json:
    total = rounds_board.Coverage()
    compounds: dict[str, tuple[rounds_board.Coverage, list[Json]]] = {}
    for day in buildings:
        compound = compounds.setdefault(day.compound, (rounds_board.Coverage(), []))
        compound[1].append({"building": day.building, **day.coverage.as_json()})
        for into in (total, compound[0]):
            for key, value in day.coverage.as_json().items():
                setattr(into, key, getattr(into, key) + value)
    return {
        "totals": total.as_json(),
        "compounds": [
            {"compound": name, "totals": sums.as_json(), "buildings": rows}
            for name, (sums, rows) in compounds.items()
        ],
    }


# -- one call-out -----------------------------------------------------------------------------


async def callout_view(
    session: AsyncSession, viewer: Viewer, config: Config, callout_id: int, now: datetime
) -> Json:
    zone = config.bot.zone
    card, people = await callout_board.roster_of(
        session, actor=viewer.actor, callout_id=callout_id, now=now
    )
    return {
        "callout": {
            **callout_json(card, zone),
            "description": card.callout.description,
        },
        "actions": callout_board.card_actions(card),
        "people": [
            {
                "name": p.name,
                "state": p.state,
                "position": p.position,
                "eta_minutes": p.eta_minutes,
                "answered_at": stamp(p.answered_at, zone),
                "checked_in_at": stamp(p.checked_in_at, zone),
                "checked_out_at": stamp(p.checked_out_at, zone),
                "clash": p.clash,
            }
            for p in people
        ],
    }


# -- rounds -----------------------------------------------------------------------------------


async def rounds_view(
    session: AsyncSession, viewer: Viewer, config: Config, now: datetime, week: date | None
) -> Json:
    zone, scope = config.bot.zone, viewer.scope
    days = rounds_board.week_of(week or local_day(now, zone))
    elders = await rounds_board.elders_with_last_visit(session, scope=scope)
    grid = await rounds_board.week_grid(session, scope=scope, zone=zone, days=days)
    return {
        "elders": [
            {
                "id": e.id,
                "name": e.name,
                "team": e.team,
                "compound": e.compound,
                "building": e.building,
                "visitor": e.visitor,
                "backup": e.backup,
                "last_visit": {
                    "due_at": stamp(e.due_at, zone),
                    "answered_at": stamp(e.answered_at, zone),
                    "outcome": e.outcome,
                    "late": e.late,
                }
                if e.due_at is not None
                else None,
                "alert_open": e.alert_open,
            }
            for e in elders
        ],
        "week": {
            "days": [day.isoformat() for day in days],
            "rows": [
                {
                    "elder_id": row.elder_id,
                    "cells": [
                        {"date": day.isoformat(), **cell.as_json()}
                        for day, cell in zip(days, row.days, strict=True)
                    ],
                }
                for row in grid
            ],
        },
        "duty": await _duty_json(session, viewer, config, now),
        "round_now_teams": [
            {"id": team.id, "name": team.name}
            for team in await schedule.round_now_choices(session, actor=viewer.actor)
        ],
    }


async def _duty_json(session: AsyncSession, viewer: Viewer, config: Config, now: datetime) -> Json:
    zone, starts = config.bot.zone, config.rounds.duty_day_starts
    overview = await duty.duty_overview(session, config=config, now=now, actor=viewer.actor)
    holder = await duty.on_duty(session, config=config, now=now)
    day, shift = duty.shift_at(now, zone, starts)
    shifts = []
    for _ in range(ROTA_DAYS * 2):
        shifts.append((day, shift, await duty.holder(session, day=day, shift=shift)))
        day, shift = duty.next_shift(day, shift, starts)
    names = await duty.volunteer_names(session, ids=[held for _, _, held in shifts])
    return {
        "now": {"name": holder.name, "shift": str(overview.current.shift)} if holder else None,
        "rota": [
            {"date": day.isoformat(), "shift": str(shift), "name": names.get(held or 0)}
            for day, shift, held in shifts
        ],
        "teams_without_leader": list(overview.coverage.teams_without_leader)
        if overview.coverage
        else [],
    }


# -- volunteers -------------------------------------------------------------------------------

AVAILABILITY = [slot.value for slot in Availability]
PARTIES = [party.value for party in Party]
FILTER_KEYS = ("skill", "team", "compound", "availability", "party")


def registry_filter(query: dict[str, str], config: Config) -> registry.RegistryFilter:
    """The filters of ``/volunteers`` from the page's query; an unknown value is refused."""
    community = config.community
    choices = {
        "skill": community.skill_codes,
        "compound": community.compounds,
        "availability": AVAILABILITY,
        "party": PARTIES,
    }
    values: dict[str, Any] = {}
    for key, allowed in choices.items():
        value = query.get(key) or None
        if value is not None and value not in allowed:
            raise InvalidInput()
        values[key] = value
    team = query.get("team") or None
    if team is not None and (not team.isascii() or not team.isdigit() or len(team) > 18):
        raise InvalidInput()
    return registry.RegistryFilter(team_id=int(team) if team else None, **values)


async def volunteers_view(
    session: AsyncSession,
    viewer: Viewer,
    config: Config,
    now: datetime,
    filters: registry.RegistryFilter,
    page: int,
) -> Json:
    actor, community = viewer.actor, config.community
    t = Translator(actor.language, config.bot.zone)
    counts = await registry.registry_counts(session, actor=actor, now=now)
    found = await registry.find_volunteers(
        session, actor=actor, filters=filters, page=page - 1, now=now
    )
    teams = await registry.team_options(session, actor=actor)
    return {
        "counts": {
            "total": counts.total,
            "available_now": counts.active,
            "paused": counts.paused,
            "by_skill": [
                {"code": code, "label": skill_label(t, community, code), "count": n}
                for code, n in sorted(counts.by_skill.items())
            ],
        },
        "filters": {
            "skills": [
                {"code": c, "label": skill_label(t, community, c)} for c in community.skill_codes
            ],
            "teams": [{"id": team.id, "name": team.name} for team in teams],
            "compounds": list(community.compounds),
            "availability": [{"code": a, "label": availability_label(t, a)} for a in AVAILABILITY],
            "party": [{"code": p, "label": party_label(t, p)} for p in PARTIES],
        },
        "volunteers": [
            {
                "id": row.id,
                "name": row.name,
                "phone": row.phone,
                "compound": row.compound,
                "building": row.address,
                "skills": [skill_label(t, community, s) for s in row.skills],
                "teams": list(row.teams),
                "party": party_label(t, row.party),
                "paused": row.paused,
            }
            for row in found.rows
        ],
        "matching": found.matching,
        "page": found.page + 1,
        "pages": found.pages,
    }


# -- hours ------------------------------------------------------------------------------------


async def hours_view(
    session: AsyncSession, viewer: Viewer, config: Config, now: datetime, month: date | None
) -> Json:
    """The month's hours as ``/report`` counts them (any leader sees the community's)."""
    require_role(viewer.actor, Role.LEADER, "report.create")
    zone = config.bot.zone
    t = Translator(viewer.actor.language, zone)
    first = (month or local_day(now, zone)).replace(day=1)
    last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
    period = Period(first, last)  # the whole month: its call-outs ahead count too
    data = await figures.gather(
        session, period=period, team_id=None, community=config.community.name, zone=zone, now=now
    )
    by_team: dict[str, int] = defaultdict(int)
    person_team: dict[int, str] = {}
    for line in data.volunteers:
        person_team[line.id] = t.join(line.teams)
        for team in line.teams or ("",):
            by_team[team] += line.minutes
    return {
        "month": first.strftime("%Y-%m"),
        "by_team": [
            {"team": team or None, "minutes": minutes}
            for team, minutes in sorted(by_team.items(), key=lambda kv: (-kv[1], kv[0]))
            if minutes
        ],
        "by_person": [
            {
                "volunteer_id": line.volunteer_id,
                "name": line.name,
                "team": person_team.get(line.volunteer_id) or None,
                "minutes": line.minutes,
            }
            for line in data.hours
        ],
        "callouts": [
            {
                "id": c.id,
                "title": c.title,
                "starts_at": stamp(c.starts_at, zone),
                "needed": c.needed,
                "filled": c.confirmed,
                "attended": c.attended,
            }
            for c in data.callouts
        ],
    }
