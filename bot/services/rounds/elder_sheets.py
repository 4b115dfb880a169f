"""Importing and exporting the elders' registry as a spreadsheet.

Import is all-or-nothing: every row is checked first, and if any row is rejected nothing is
written and the report lists every rejected row with its reasons. The leader fixes those rows
and sends the same file again (accepting only the good rows would make that second import
create the good rows a second time). A row with a number in the ID column updates that
elder; a row without one adds a new elder, unless the same person (name and address) is
already registered, which is reported rather than duplicated.

Leaders import and export the elders of the teams they lead; administrators, every team.
One elder added or changed in chat (``save_elder``) goes through the same checks as a row.
Whoever becomes an elder's visitor or backup with an import is told
(``ImportReport.assigned``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.i18n import Translator
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.assignments import Assignment
from bot.services.leader_scope import leader_scope, require_team_tools
from bot.services.rounds.local_time import parse_slot
from bot.services.rounds.people import elder_access, led_team_ids, volunteers_by_id
from bot.services.rounds.spreadsheet import COLUMNS, FileFormat, read_sheet, write_sheet
from bot.services.rounds.volunteer_refs import (
    VolunteerIndex,
    VolunteerRef,
    looks_like_phone,
    name_key,
)
from models import Team, TeamMember, Volunteer
from models.elders import Elder, ElderContact, ElderVisitTime

LIMITS = {"name": 64, "compound": 64, "building": 32, "room": 32, "phone": 32}
NOTES_LIMIT = 500
MAX_CONTACTS = 5
MAX_VISITS = 6
WINDOW_RANGE = (10, 720)
PROBLEMS_SHOWN = 30
TIME_SEPARATORS = re.compile(r"[,，;；、\s]+")
CONTACT_SEPARATORS = re.compile(r"[;；\n]+")
TELEGRAM_TOKEN = re.compile(r"^(?:tg|telegram)[:：]?(\d{1,15})$", re.IGNORECASE)
PHONE_TOKEN = re.compile(r"^[+\d\-()]+$")


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected: a catalog key, its parameters and the column concerned."""

    row: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    column: str | None = None


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    problems: tuple[RowProblem, ...]
    ignored_columns: tuple[str, ...]
    rows: int
    assigned: tuple[Assignment, ...] = ()  # visitors and backups new to an elder, to be told
    missing_columns: tuple[str, ...] = ()  # required columns the header lacks: nothing read

    @property
    def imported(self) -> bool:
        return not self.problems and not self.missing_columns

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.problems})


@dataclass
class ElderDraft:
    row: int
    elder_id: int | None
    name: str
    compound: str
    building: str
    room: str
    phone: str
    team_id: int
    primary_id: int
    backup_id: int | None
    times: list[tuple[str, int]]
    health_notes: str
    risk_notes: str
    contacts: list[tuple[str, str, int | None]]

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (
            name_key(self.name),
            name_key(self.compound),
            name_key(self.building),
            name_key(self.room),
        )


@dataclass
class _Lookups:
    """What the rows are checked against, loaded once per import."""

    volunteers: VolunteerIndex
    teams: dict[str, tuple[int, str]]  # name key → (id, name)
    members: set[tuple[int, int]]  # (team id, volunteer id)
    allowed_teams: set[int] | None  # None: every team (administrators)
    elders: dict[int, Elder]  # active elders by id
    identities: dict[tuple[str, str, str, str], int]  # active elders by name and address


IMPORT_WAIT = timedelta(minutes=30)  # how long the import form waits for the file
IMPORT_CAPTION = re.compile(r"^/elders(?:@\w+)?\s+(?:import|导入)\b", re.IGNORECASE)


async def require_importer(session: AsyncSession, *, actor: Actor) -> None:
    """``/elders import`` is for leaders and teams' leaders (the rows then say which teams
    they may change)."""
    await require_team_tools(session, actor=actor, action="elders.import")


async def import_elders(
    session: AsyncSession, *, actor: Actor, config: Config, content: bytes | None, now: datetime
) -> ImportReport:
    """Check every row, then write all of them or none (see the module's docstring)."""
    await require_importer(session, actor=actor)
    sheet = read_sheet(content)
    if sheet.missing_columns:
        return ImportReport(
            0, 0, (), sheet.ignored_columns, rows=0, missing_columns=sheet.missing_columns
        )
    lookups = await _lookups(session, actor)
    drafts: list[ElderDraft] = []
    problems: list[RowProblem] = []
    for number, cells in sheet.rows:
        draft, row_problems = _check_row(number, cells, lookups, config)
        problems += row_problems
        if draft is not None:
            drafts.append(draft)
    problems += _duplicates(drafts, lookups)
    report = ImportReport(
        created=sum(d.elder_id is None for d in drafts),
        updated=sum(d.elder_id is not None for d in drafts),
        problems=tuple(sorted(problems, key=lambda p: p.row)),
        ignored_columns=sheet.ignored_columns,
        rows=len(sheet.rows),
    )
    if report.imported:
        assigned = await _new_assignments(session, drafts, lookups, config)
        report = replace(report, assigned=assigned)
        await _apply(session, drafts, lookups, now)
        await audit.record(
            session,
            now=now,
            actor=actor.telegram_id,
            action="elders.import",
            target_type="elders",
            created=report.created,
            updated=report.updated,
        )
    return report


async def _lookups(session: AsyncSession, actor: Actor) -> _Lookups:
    teams = {
        name_key(name): (i, name) for i, name in await session.exec(select(Team.id, Team.name))
    }
    members = {
        (t, v) for t, v in await session.exec(select(TeamMember.team_id, TeamMember.volunteer_id))
    }
    elders: dict[int, Elder] = {
        e.id: e  # type: ignore[misc]
        for e in await session.exec(select(Elder).where(col(Elder.removed_at).is_(None)))
    }
    identities = {
        (name_key(e.name), name_key(e.compound), name_key(e.building), name_key(e.room)): i
        for i, e in elders.items()
    }
    scope = await leader_scope(session, actor=actor)
    allowed = None if scope.teams is None else set(scope.teams)
    return _Lookups(
        await VolunteerIndex.load(session),
        teams,
        members,
        allowed,
        elders,
        identities,
    )


def _check_row(
    number: int, cells: dict[str, str], lookups: _Lookups, config: Config
) -> tuple[ElderDraft | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def check(column: str | None, func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except InvalidInput as error:
            problems.append(RowProblem(number, error.key, dict(error.params), column))
            return None

    get = lambda column: cells.get(column, "").strip()  # noqa: E731
    elder_id = check("id", _elder_id, get("id"), lookups)
    texts = {c: check(c, _text, get(c), LIMITS[c]) for c in LIMITS}
    if not texts["name"] and not any(p.column == "name" for p in problems):
        problems.append(RowProblem(number, "elders.import.problem.required", column="name"))
    if texts["phone"] and not looks_like_phone(texts["phone"]):
        problems.append(
            RowProblem(
                number, "elders.import.problem.bad_phone", {"value": texts["phone"]}, "phone"
            )
        )
    team = check("team", _team, get("team"), lookups)
    primary = check("primary_visitor", _visitor, get("primary_visitor"), team, lookups, True)
    backup = check("backup_visitor", _visitor, get("backup_visitor"), team, lookups, False)
    if primary and backup and primary.id == backup.id:
        problems.append(
            RowProblem(number, "elders.import.problem.backup_same", column="backup_visitor")
        )
    times = check(
        "visit_times",
        _times,
        get("visit_times"),
        get("visits_per_day"),
        get("window_minutes"),
        config,
    )
    notes = {c: check(c, _text, get(c), NOTES_LIMIT) for c in ("health_notes", "risk_notes")}
    contacts = check("contacts", _contacts, get("contacts"))
    if problems:
        return None, problems
    draft = ElderDraft(
        row=number,
        elder_id=elder_id,
        name=texts["name"],
        compound=texts["compound"] or "",
        building=texts["building"] or "",
        room=texts["room"] or "",
        phone=texts["phone"] or "",
        team_id=team,
        primary_id=primary.id,
        backup_id=backup.id if backup else None,
        times=times,
        health_notes=notes["health_notes"] or "",
        risk_notes=notes["risk_notes"] or "",
        contacts=contacts,
    )
    return draft, []


def _text(value: str, limit: int) -> str:
    cleaned = " ".join(value.split())
    if len(cleaned) > limit:
        raise InvalidInput("elders.import.problem.too_long", limit=limit)
    return cleaned


def _whole_number(value: str) -> int:
    cleaned = value.strip().lstrip("#")
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 9:
        raise InvalidInput("elders.import.problem.not_a_number", value=value[:20])
    return int(cleaned)


def _elder_id(value: str, lookups: _Lookups) -> int | None:
    if not value:
        return None
    elder_id = _whole_number(value)
    elder = lookups.elders.get(elder_id)
    if elder is None:
        raise InvalidInput("elders.import.problem.unknown_id", number=elder_id)
    if lookups.allowed_teams is not None and elder.team_id not in lookups.allowed_teams:
        raise InvalidInput("elders.import.problem.not_your_elder", number=elder_id)
    return elder_id


def _team(value: str, lookups: _Lookups) -> int:
    if not value:
        raise InvalidInput("elders.import.problem.required")
    found = lookups.teams.get(name_key(value))
    if found is None:
        raise InvalidInput("elders.import.problem.unknown_team", team=value[:64])
    team_id, name = found
    if lookups.allowed_teams is not None and team_id not in lookups.allowed_teams:
        raise InvalidInput("elders.import.problem.not_your_team", team=name)
    return team_id


def _visitor(
    value: str, team_id: int | None, lookups: _Lookups, required: bool
) -> VolunteerRef | None:
    if not value:
        if required:
            raise InvalidInput("elders.import.problem.required")
        return None
    ref = lookups.volunteers.find(value[:100])
    if team_id is not None and (team_id, ref.id) not in lookups.members:
        raise InvalidInput("elders.import.problem.not_in_team", who=ref.name)
    return ref


def _times(times: str, count: str, window: str, config: Config) -> list[tuple[str, int]]:
    """``09:00, 17:00`` (each may carry its own window: ``09:00/90``); empty: the first
    ``visits per day`` of the configured times."""
    default_window = config.rounds.window_minutes
    if window:
        default_window = _window(window)
    wanted = _whole_number(count) if count else None
    if wanted is not None and not 1 <= wanted <= MAX_VISITS:
        raise InvalidInput("elders.import.problem.bad_count", value=count, limit=MAX_VISITS)
    if not times:
        defaults = config.rounds.visit_times
        wanted = wanted or min(2, len(defaults))
        if wanted > len(defaults):
            raise InvalidInput("elders.import.problem.needs_times", count=wanted)
        return [(slot, default_window) for slot in defaults[:wanted]]
    parsed = []
    for item in (i for i in TIME_SEPARATORS.split(times) if i):
        slot, _, own_window = item.partition("/")
        parsed.append((parse_slot(slot), _window(own_window) if own_window else default_window))
    slots = [slot for slot, _ in parsed]
    if len(set(slots)) != len(slots) or len(slots) > MAX_VISITS:
        raise InvalidInput("elders.import.problem.bad_times", value=times[:64])
    if wanted is not None and wanted != len(slots):
        raise InvalidInput("elders.import.problem.count_mismatch", count=wanted, times=len(slots))
    return sorted(parsed)


def _window(value: str) -> int:
    minutes = _whole_number(value)
    low, high = WINDOW_RANGE
    if not low <= minutes <= high:
        raise InvalidInput("elders.import.problem.bad_window", value=value, low=low, high=high)
    return minutes


def _contacts(value: str) -> list[tuple[str, str, int | None]]:
    """``王小明 13800138000 tg:12345; 李芳 021-5555 6666``: name, phone, optional Telegram."""
    contacts = []
    for part in (p.strip() for p in CONTACT_SEPARATORS.split(value)):
        if not part:
            continue
        tokens = part.split()
        telegram_id = None
        if tokens and TELEGRAM_TOKEN.match(tokens[-1]):
            telegram_id = int(TELEGRAM_TOKEN.match(tokens.pop()).group(1))  # type: ignore[union-attr]
        phone_tokens: list[str] = []
        while tokens and PHONE_TOKEN.match(tokens[-1]):
            phone_tokens.insert(0, tokens.pop())
        name, phone = " ".join(tokens), " ".join(phone_tokens)
        if not name or len(name) > 64:
            raise InvalidInput("elders.import.problem.bad_contact", value=part[:64])
        if phone and (not looks_like_phone(phone) or len(phone) > 32):
            raise InvalidInput("elders.import.problem.bad_phone", value=phone[:32])
        contacts.append((name, phone, telegram_id))
    if len(contacts) > MAX_CONTACTS:
        raise InvalidInput("elders.import.problem.too_many_contacts", limit=MAX_CONTACTS)
    return contacts


def _duplicates(drafts: list[ElderDraft], lookups: _Lookups) -> list[RowProblem]:
    problems = []
    ids = Counter(d.elder_id for d in drafts if d.elder_id is not None)
    seen: dict[tuple[str, str, str, str], int] = {}
    for draft in drafts:
        if draft.elder_id is not None and ids[draft.elder_id] > 1:
            problems.append(
                RowProblem(
                    draft.row, "elders.import.problem.id_twice", {"number": draft.elder_id}, "id"
                )
            )
        if draft.identity in seen:
            problems.append(
                RowProblem(
                    draft.row, "elders.import.problem.same_as_row", {"other": seen[draft.identity]}
                )
            )
        seen.setdefault(draft.identity, draft.row)
        existing = lookups.identities.get(draft.identity)
        if draft.elder_id is None and existing is not None:
            problems.append(
                RowProblem(
                    draft.row, "elders.import.problem.already_registered", {"number": existing}
                )
            )
    return problems


async def _new_assignments(
    session: AsyncSession, drafts: list[ElderDraft], lookups: _Lookups, config: Config
) -> tuple[Assignment, ...]:
    """Who becomes an elder's visitor or backup with this import (and was not before)."""
    visitor_of: dict[int, list[str]] = defaultdict(list)
    backup_of: dict[int, list[str]] = defaultdict(list)
    for draft in drafts:
        before = lookups.elders.get(draft.elder_id) if draft.elder_id else None
        if before is None or before.primary_visitor_id != draft.primary_id:
            visitor_of[draft.primary_id].append(draft.name)
        if draft.backup_id and (before is None or before.backup_visitor_id != draft.backup_id):
            backup_of[draft.backup_id].append(draft.name)
    people = await volunteers_by_id(
        session, ids=[*visitor_of, *backup_of], admins=config.bot.admins
    )
    return tuple(
        Assignment(
            person,
            "elders",
            visitor_of=tuple(visitor_of.get(volunteer_id, ())),
            backup_of=tuple(backup_of.get(volunteer_id, ())),
        )
        for volunteer_id, person in sorted(people.items())
    )


async def _apply(
    session: AsyncSession, drafts: list[ElderDraft], lookups: _Lookups, now: datetime
) -> list[Elder]:
    elders = []
    for draft in drafts:
        elder = (
            lookups.elders[draft.elder_id]
            if draft.elder_id
            else Elder(created_at=now, updated_at=now, name=draft.name)
        )
        elder.name, elder.compound, elder.building = draft.name, draft.compound, draft.building
        elder.room, elder.phone, elder.team_id = draft.room, draft.phone, draft.team_id
        elder.primary_visitor_id, elder.backup_visitor_id = draft.primary_id, draft.backup_id
        elder.health_notes, elder.risk_notes, elder.updated_at = (
            draft.health_notes,
            draft.risk_notes,
            now,
        )
        session.add(elder)
        elders.append(elder)
    await session.flush()
    updated = [d.elder_id for d in drafts if d.elder_id is not None]
    if updated:
        await session.exec(delete(ElderContact).where(col(ElderContact.elder_id).in_(updated)))
        await session.exec(delete(ElderVisitTime).where(col(ElderVisitTime.elder_id).in_(updated)))
    for draft, elder in zip(drafts, elders, strict=True):
        for position, (name, phone, telegram_id) in enumerate(draft.contacts):
            session.add(
                ElderContact(
                    elder_id=elder.id,  # type: ignore[arg-type]
                    position=position,
                    name=name,
                    phone=phone,
                    telegram_id=telegram_id,
                )
            )
        for slot, window in draft.times:
            session.add(ElderVisitTime(elder_id=elder.id, slot=slot, window_minutes=window))  # type: ignore[arg-type]
    await session.flush()
    return elders


# -- one elder, in chat ------------------------------------------------------------------------


class RowRejected(InvalidInput):
    """One elder's details did not pass a row's checks; ``column`` says which detail."""

    def __init__(self, problem: RowProblem) -> None:
        super().__init__(problem.key, **problem.params)
        self.column = problem.column


@dataclass(frozen=True)
class SavedElder:
    id: int
    name: str
    created: bool
    added_members: tuple[str, ...]  # volunteers added to the elder's team on the way
    assigned: tuple[Assignment, ...] = ()  # a visitor or backup new to the elder, to be told


@dataclass(frozen=True)
class Candidate:
    """A volunteer named for an elder's visit, and whether they are in the team yet."""

    id: int
    name: str
    member: bool


def check_visit_times(text: str, config: Config) -> str:
    """``09:00, 17:00`` (a time may carry its window: ``09:00/90``), as a row takes it."""
    _times(text, "", "", config)
    return text


def check_contacts(text: str) -> str:
    """``王小明 13800138000; 李芳 021-5555 6666``, as a row takes it."""
    _contacts(text)
    return text


async def team_choices(session: AsyncSession, *, actor: Actor) -> list[tuple[int, str]]:
    """The teams whose elders ``actor`` may add or change: (id, name), by name."""
    scope = await require_team_tools(session, actor=actor, action="elders.add")
    query = select(Team.id, Team.name).order_by(col(Team.name))
    if scope.teams is not None:
        query = query.where(col(Team.id).in_(scope.teams))
    return [(i, name) for i, name in await session.exec(query) if i is not None]


async def find_visitor(session: AsyncSession, *, text: str, team_id: int | None) -> Candidate:
    """The volunteer a leader named (a name, a phone or ``#12``), for ``team_id``."""
    ref = (await VolunteerIndex.load(session)).find(text[:100])
    member = team_id is not None and (await session.get(TeamMember, (team_id, ref.id)) is not None)
    return Candidate(ref.id, ref.name, member)


async def save_elder(
    session: AsyncSession,
    *,
    actor: Actor,
    config: Config,
    cells: dict[str, str],
    elder_id: int | None,
    add_members: tuple[int, ...],
    now: datetime,
) -> SavedElder:
    """Add an elder (``elder_id`` None) or change one, from the same cells as a spreadsheet
    row, checked the same way (the leader's scope included). ``add_members``: volunteers
    the leader agreed to add to the elder's team first. The first problem is raised as
    ``RowRejected``; nothing is written then."""
    await require_team_tools(
        session, actor=actor, action="elders.save", target_type="elder", target_id=elder_id
    )
    lookups = await _lookups(session, actor)
    cells = {**cells, "id": str(elder_id or "")}
    team = lookups.teams.get(name_key(cells.get("team", "")))
    joining = {(team[0], v) for v in add_members} if team else set()
    lookups.members |= joining
    draft, problems = _check_row(1, cells, lookups, config)
    if draft is not None:
        problems = _duplicates([draft], lookups)
    if problems or draft is None:
        raise RowRejected(problems[0])
    added = []
    for team_id, volunteer_id in sorted(joining):
        if await session.get(TeamMember, (team_id, volunteer_id)) is not None:
            continue
        session.add(
            TeamMember(
                team_id=team_id, volunteer_id=volunteer_id, added_by=actor.telegram_id, added_at=now
            )
        )
        added.append(lookups.volunteers.by_id[volunteer_id].name)
        await audit.record(
            session,
            now=now,
            actor=actor.telegram_id,
            action="team_member_added",
            target_type="volunteer",
            target_id=volunteer_id,
            team_id=team_id,
        )
    assigned = await _new_assignments(session, [draft], lookups, config)
    (elder,) = await _apply(session, [draft], lookups, now)
    saved = elder.id or 0
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="elders.edit" if elder_id else "elders.add",
        target_type="elder",
        target_id=saved,
    )
    return SavedElder(saved, draft.name, elder_id is None, tuple(added), assigned)


async def elder_cells(
    session: AsyncSession, *, actor: Actor, config: Config, elder_id: int
) -> dict[str, str]:
    """An elder's details as the cells of a row, to change them: for leaders whose scope
    covers the elder's team and who may see the private details."""
    scope = await require_team_tools(
        session, actor=actor, action="elders.edit", target_type="elder", target_id=elder_id
    )
    elder = await session.get(Elder, elder_id)
    if elder is None or elder.removed_at is not None:
        raise NotFound()
    access = await elder_access(session, elder=elder)
    if not (scope.covers_team(elder.team_id) and access.allows(actor.telegram_id, actor.is_admin)):
        raise NotAllowed("elders.edit", target_type="elder", target_id=elder_id)
    team = await session.get(Team, elder.team_id) if elder.team_id else None
    contacts = list(
        await session.exec(
            select(ElderContact)
            .where(ElderContact.elder_id == elder_id)
            .order_by(col(ElderContact.position))
        )
    )
    times = list(
        await session.exec(
            select(ElderVisitTime)
            .where(ElderVisitTime.elder_id == elder_id)
            .order_by(col(ElderVisitTime.slot))
        )
    )
    row = _export_row(elder, team.name if team else "", _no_names, contacts, times)
    cells = {column: str(value) for column, value in zip(COLUMNS, row, strict=True)}
    window = cells.pop("window_minutes")
    if window and int(window) != config.rounds.window_minutes:
        cells["visit_times"] = ", ".join(f"{t.slot}/{window}" for t in times)
    cells["primary_visitor"] = str(elder.primary_visitor_id or "")
    cells["backup_visitor"] = str(elder.backup_visitor_id or "")
    return cells


def _no_names(volunteer_id: int | None) -> str:
    return ""


# -- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int


async def export_elders(
    session: AsyncSession, *, actor: Actor, t: Translator, file_format: FileFormat, now: datetime
) -> ExportFile:
    """The elders the actor may see in full, in the import's own format (so a leader can
    export, edit and import again)."""
    await require_team_tools(session, actor=actor, action="elders.export")
    query = (
        select(Elder)
        .where(col(Elder.removed_at).is_(None))
        .order_by(col(Elder.compound), col(Elder.name), col(Elder.id))
    )
    if not actor.is_admin:
        query = query.where(
            col(Elder.team_id).in_(await led_team_ids(session, telegram_id=actor.telegram_id))
        )
    elders = list(await session.exec(query))
    shown = query.with_only_columns(col(Elder.id)).order_by(None)
    teams = {i: n for i, n in await session.exec(select(Team.id, Team.name))}
    names = {i: n for i, n in await session.exec(select(Volunteer.id, Volunteer.name))}
    contacts: dict[int, list[ElderContact]] = defaultdict(list)
    times: dict[int, list[ElderVisitTime]] = defaultdict(list)
    for contact in await session.exec(
        select(ElderContact)
        .where(col(ElderContact.elder_id).in_(shown))
        .order_by(col(ElderContact.position))
    ):
        contacts[contact.elder_id].append(contact)
    for visit_time in await session.exec(
        select(ElderVisitTime)
        .where(col(ElderVisitTime.elder_id).in_(shown))
        .order_by(col(ElderVisitTime.slot))
    ):
        times[visit_time.elder_id].append(visit_time)

    def visitor(volunteer_id: int | None) -> str:
        """``Name #12``: readable, and the number makes the import find them again."""
        if volunteer_id is None:
            return ""
        return f"{names.get(volunteer_id) or ''} #{volunteer_id}".strip()

    rows = [
        _export_row(
            e, teams.get(e.team_id or 0, ""), visitor, contacts[e.id or 0], times[e.id or 0]
        )
        for e in elders
    ]
    header = [str(t(f"elders.column.{column}")) for column in COLUMNS]
    content = write_sheet(file_format, header, rows, str(t("elders.export.sheet_title")))
    day = now.astimezone(t.zone).strftime("%Y-%m-%d")
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="elders.export",
        target_type="elders",
        rows=len(rows),
    )
    return ExportFile(f"{t('elders.export.file_name')}-{day}.{file_format}", content, len(rows))


def _export_row(
    elder: Elder,
    team: str,
    visitor: Any,
    contacts: list[ElderContact],
    times: list[ElderVisitTime],
) -> list[str | int]:
    windows = {t.window_minutes for t in times}
    shared_window = windows.pop() if len(windows) == 1 else None
    time_cells = ", ".join(
        t.slot if shared_window is not None else f"{t.slot}/{t.window_minutes}" for t in times
    )
    contact_cells = "; ".join(
        " ".join(p for p in (c.name, c.phone, f"tg:{c.telegram_id}" if c.telegram_id else "") if p)
        for c in contacts
    )
    values: dict[str, str | int] = {
        "id": elder.id or 0,
        "name": elder.name,
        "compound": elder.compound,
        "building": elder.building,
        "room": elder.room,
        "phone": elder.phone,
        "team": team,
        "primary_visitor": visitor(elder.primary_visitor_id),
        "backup_visitor": visitor(elder.backup_visitor_id),
        "visits_per_day": len(times),
        "visit_times": time_cells,
        "window_minutes": shared_window if shared_window is not None else "",
        "health_notes": elder.health_notes,
        "risk_notes": elder.risk_notes,
        "contacts": contact_cells,
    }
    return [values[column] for column in COLUMNS]
