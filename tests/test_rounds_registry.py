"""The elders' registry: spreadsheet import (all or nothing, with a report) and export, the
list, search, card and removal, and the privacy of an elder's details."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import col, select

from bot.errors import InvalidInput, NotAllowed
from bot.i18n import Translator
from bot.services.rounds import elder_sheets, registry
from bot.services.rounds.elder_sheets import ImportReport
from handlers.elders import report_text
from models import AuditEntry, Role
from models.db import Database
from models.elders import Elder, ElderContact, ElderVisitTime
from tests.rounds_world import (
    ADMIN_ID,
    SHANGHAI_9AM,
    CareTeam,
    actor,
    rounds_config,
    seed_care_team,
    seed_elder,
)

ZH_HEADER = ["姓名", "小区", "楼栋", "房号", "电话", "服务队", "主要走访人", "备用走访人",
             "走访时间", "健康状况", "风险提示", "紧急联系人"]  # fmt: skip
EN_HEADER = ["Name", "Compound", "Building", "Room", "Phone", "Team", "Primary visitor",
             "Backup visitor", "Visit times", "Health notes", "Risk notes",
             "Emergency contacts"]  # fmt: skip


def xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


async def import_file(db: Database, who: object, content: bytes) -> ImportReport:
    async with db.session() as session:
        return await elder_sheets.import_elders(
            session, actor=who, config=rounds_config(), content=content, now=SHANGHAI_9AM
        )  # type: ignore[arg-type]


async def elders(db: Database) -> list[Elder]:
    async with db.session() as session:
        return list(await session.exec(select(Elder).order_by(col(Elder.id))))


async def times_of(db: Database, elder_id: int) -> list[tuple[str, int]]:
    async with db.session() as session:
        rows = await session.exec(
            select(ElderVisitTime.slot, ElderVisitTime.window_minutes)
            .where(ElderVisitTime.elder_id == elder_id)
            .order_by(col(ElderVisitTime.slot))
        )
        return list(rows)  # type: ignore[arg-type]


@pytest.fixture
async def team(db: Database) -> CareTeam:
    return await seed_care_team(
        db, "关爱服务队", visitors=((501, "王芳"), (502, "赵强"), (503, "孙丽"))
    )


async def test_a_chinese_headed_xlsx_is_imported_with_its_times_and_contacts(
    db: Database, team: CareTeam
) -> None:
    content = xlsx(
        ZH_HEADER,
        [
            ["李秀英", "阳光小区", "3栋", "502", 13900001111, "关爱服务队", "王芳", "赵强",
             "08:30, 18:00/60", "高血压", "独居，行动不便",
             "李明 13700002222 tg:4242; 张华 021-5555 6666"],
            ["陈大爷", "阳光小区", "5栋", "101", "", "关爱服务队", "+86 139 0000 0502", "",
             "", "", "", ""],
        ],
    )  # fmt: skip
    report = await import_file(db, actor(team.leader, Role.LEADER), content)

    assert report.imported and (report.created, report.updated) == (2, 0)
    li, chen = await elders(db)
    assert (li.name, li.phone, li.room, li.risk_notes) == (
        "李秀英",
        "13900001111",
        "502",
        "独居，行动不便",
    )
    assert (li.primary_visitor_id, li.backup_visitor_id) == (
        team.volunteer("王芳"),
        team.volunteer("赵强"),
    )
    assert await times_of(db, li.id) == [("08:30", 120), ("18:00", 60)]  # type: ignore[arg-type]
    assert await times_of(db, chen.id) == [("09:00", 120), ("17:00", 120)]  # type: ignore[arg-type]
    assert chen.primary_visitor_id == team.volunteer("赵强")  # found by phone
    async with db.session() as session:
        contacts = list(
            await session.exec(select(ElderContact).order_by(col(ElderContact.position)))
        )
    assert [(c.name, c.phone, c.telegram_id) for c in contacts] == [
        ("李明", "13700002222", 4242),
        ("张华", "021-5555 6666", None),
    ]


async def test_an_english_headed_csv_in_gb18030_is_imported(db: Database, team: CareTeam) -> None:
    content = csv_bytes(
        [*EN_HEADER, "Favourite colour"],
        [
            [
                "周奶奶",
                "Sunshine",
                "1",
                "1",
                "",
                "关爱服务队",
                "孙丽",
                "",
                "09:00",
                "",
                "",
                "",
                "blue",
            ]
        ],
        encoding="gb18030",
    )
    report = await import_file(db, actor(team.leader, Role.LEADER), content)
    assert report.imported and report.created == 1
    assert report.ignored_columns == ("Favourite colour",)
    (zhou,) = await elders(db)
    assert zhou.name == "周奶奶"


async def test_a_sheet_with_bad_rows_imports_nothing_and_says_why_row_by_row(
    db: Database, team: CareTeam
) -> None:
    content = xlsx(
        ["Name", "Team", "Primary visitor", "Backup visitor", "Visit times", "Phone"],
        [
            ["Good Row", "关爱服务队", "王芳", "", "", ""],
            ["", "关爱服务队", "王芳", "", "", ""],
            ["Bad Team", "Dance club", "王芳", "", "", ""],
            ["Bad Visitor", "关爱服务队", "Nobody", "王芳", "25:00", "call me"],
            ["Same Twice", "关爱服务队", "王芳", "王芳", "", ""],
            ["<b>Li</b> & '; DROP TABLE elder; --", "关爱服务队", "王芳", "", "9", ""],
        ],
    )
    report = await import_file(db, actor(team.leader, Role.LEADER), content)

    assert not report.imported and report.rows == 6 and report.rejected_rows == 5
    problems = [(p.row, p.column, p.key) for p in report.problems]
    assert problems == [
        (3, "name", "elders.import.problem.required"),
        (4, "team", "elders.import.problem.unknown_team"),
        (5, "phone", "elders.import.problem.bad_phone"),
        (5, "primary_visitor", "rounds.ref.unknown"),
        (5, "visit_times", "rounds.bad_time"),
        (6, "backup_visitor", "elders.import.problem.backup_same"),
        (7, "visit_times", "rounds.bad_time"),
    ]
    assert await elders(db) == []  # not even the good row


async def test_the_report_reads_well_in_the_leaders_language(db: Database, team: CareTeam) -> None:
    content = csv_bytes(["姓名", "服务队", "主要走访人"], [["李奶奶", "舞蹈队", "王芳"]])
    report = await import_file(db, actor(team.leader, Role.LEADER), content)
    text = report_text(Translator("zh", rounds_config().bot.zone), report)
    assert "未导入任何内容：1 行中有 1 行有问题" in text
    assert "第 2 行，服务队：没有名为“舞蹈队”的队伍" in text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh", "第一行缺少必填列：服务队、主要走访人。\n已忽略的列：Notes"),
        ("en", "The header row lacks required columns: Team, Primary visitor.\n"
               "Columns ignored: Notes"),
    ],
)  # fmt: skip
async def test_a_sheet_without_a_required_column_names_it_in_the_leaders_language(
    db: Database, team: CareTeam, language: str, said: str
) -> None:
    content = csv_bytes(["Name", "Compound", "Notes"], [["Li", "Sunshine", "cheerful"]])
    report = await import_file(db, actor(team.leader, Role.LEADER), content)
    assert not report.imported
    assert report.missing_columns == ("team", "primary_visitor")
    assert report_text(Translator(language, rounds_config().bot.zone), report) == said
    assert await elders(db) == []


async def test_export_then_import_updates_instead_of_duplicating(
    db: Database, team: CareTeam
) -> None:
    li = await seed_elder(db, team, "Grandma Li", "王芳", "赵强", times=("08:00", "16:00"),
                          contacts=[("Li Ming", "13700002222")])  # fmt: skip
    leader = actor(team.leader, Role.LEADER)
    t = Translator("en", rounds_config().bot.zone)
    async with db.session() as session:
        export = await elder_sheets.export_elders(
            session, actor=leader, t=t, file_format="xlsx", now=SHANGHAI_9AM
        )
    assert export.filename == "elders-2026-11-23.xlsx" and export.rows == 1

    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["ID", "Name", "Compound"]
    rows[1][header.index("Room")] = "808"
    rows[1][header.index("Visit times")] = "07:30, 16:00"
    report = await import_file(db, leader, xlsx(header, rows[1:]))  # type: ignore[arg-type]

    assert report.imported and (report.created, report.updated) == (0, 1)
    (elder,) = await elders(db)
    assert (elder.id, elder.room) == (li, "808")
    assert await times_of(db, li) == [("07:30", 120), ("16:00", 120)]


async def test_a_csv_export_reimports_and_neutralises_formulas(
    db: Database, team: CareTeam
) -> None:
    await seed_elder(db, team, '=HYPERLINK("x")', "王芳", phone="+8613900001111")
    leader = actor(team.leader, Role.LEADER)
    t = Translator("zh", rounds_config().bot.zone)
    async with db.session() as session:
        export = await elder_sheets.export_elders(
            session, actor=leader, t=t, file_format="csv", now=SHANGHAI_9AM
        )
    text = export.content.decode("utf-8-sig")
    assert text.startswith("编号,姓名,小区") and "'=HYPERLINK" in text
    report = await import_file(db, leader, export.content)
    assert report.imported and report.updated == 1
    (elder,) = await elders(db)
    assert elder.name == '=HYPERLINK("x")' and elder.phone == "+8613900001111"


async def test_the_same_person_twice_is_reported_not_duplicated(
    db: Database, team: CareTeam
) -> None:
    await seed_elder(db, team, "Grandma Li", "王芳", compound="Sunshine Garden", room="502")
    rows = [
        ["Grandma Li", "Sunshine Garden", "3", "502", "", "关爱服务队", "王芳", "", "", "", "", ""]
    ]
    report = await import_file(db, actor(team.leader, Role.LEADER), csv_bytes(EN_HEADER, rows * 2))
    assert [(p.row, p.key) for p in report.problems] == [
        (2, "elders.import.problem.already_registered"),
        (3, "elders.import.problem.same_as_row"),
        (3, "elders.import.problem.already_registered"),
    ]


async def test_a_leader_imports_only_into_teams_they_lead(db: Database, team: CareTeam) -> None:
    other = await seed_care_team(db, "Patrol", leader=600, visitors=((601, "Qian"),))
    content = csv_bytes(["Name", "Team", "Primary visitor"], [["Grandma Li", "关爱服务队", "王芳"]])
    report = await import_file(db, actor(other.leader, Role.LEADER), content)
    assert [p.key for p in report.problems] == ["elders.import.problem.not_your_team"]
    admin_report = await import_file(db, actor(ADMIN_ID, Role.ADMIN), content)
    assert admin_report.imported
    with pytest.raises(NotAllowed):
        await import_file(db, actor(team.telegram("王芳")), content)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "elders.import.empty"),
        (b"\xd0\xcf\x11\xe0rest of an old xls", "elders.import.old_excel"),
        (b"PK\x03\x04 not really a zip", "elders.import.unreadable"),
        (b"\xff\xfe\x00\x00garbage", "elders.import.unreadable"),
        (None, "elders.import.too_big"),
    ],
)
async def test_files_that_cannot_be_read_are_refused_whole(
    db: Database, team: CareTeam, content: bytes | None, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await import_file(db, actor(team.leader, Role.LEADER), content)  # type: ignore[arg-type]
    assert refused.value.key == reason


# -- list, search, card, removal, privacy ------------------------------------------------------


async def test_the_list_is_paged_and_search_matches_name_compound_or_team(
    db: Database, team: CareTeam
) -> None:
    for n in range(23):
        await seed_elder(db, team, f"Elder {n:02d}", "王芳", compound="Sunshine Garden")
    await seed_elder(db, team, "100%_sure", "王芳", compound="Moon Court")
    leader = actor(team.leader, Role.LEADER)
    async with db.session() as session:
        first = await registry.list_elders(session, actor=leader, page=0)
        last = await registry.list_elders(session, actor=leader, page=99)
        assert (first.total, first.pages, len(first.items)) == (24, 3, 10)
        assert (last.page, len(last.items)) == (2, 4)
        assert len(await registry.search_elders(session, actor=leader, text="moon")) == 1
        assert (
            len(await registry.search_elders(session, actor=leader, text="%_")) == 1
        )  # not wildcards
        assert len(await registry.search_elders(session, actor=leader, text="关爱")) == 20  # capped
        assert (
            await registry.search_elders(session, actor=leader, text="13900001111") == ()
        )  # no phones
        with pytest.raises(InvalidInput):
            await registry.search_elders(session, actor=leader, text="x" * 65)
        with pytest.raises(NotAllowed):
            await registry.list_elders(session, actor=actor(team.telegram("王芳")), page=0)


async def test_private_details_only_for_visitors_the_teams_leader_and_administrators(
    db: Database, team: CareTeam
) -> None:
    elder_id = await seed_elder(db, team, "Grandma Li", "王芳", contacts=[("Li Ming", "137")])
    other = await seed_care_team(db, "Patrol", leader=600, visitors=((601, "Qian"),))
    config = rounds_config()

    async def card(who: object) -> registry.ElderCard:
        async with db.session() as session:
            return await registry.elder_card(session, actor=who, config=config, elder_id=elder_id)  # type: ignore[arg-type]

    own = await card(actor(team.leader, Role.LEADER))
    assert own.private_visible and own.facts.phone == "13900001111" and own.facts.contacts
    admin = await card(actor(ADMIN_ID, Role.ADMIN))
    assert admin.private_visible and admin.facts.room == "502"
    stranger = await card(actor(other.leader, Role.LEADER))
    assert not stranger.private_visible and not stranger.may_remove
    assert (stranger.facts.phone, stranger.facts.room, stranger.facts.contacts) == ("", "", ())
    assert stranger.facts.name == "Grandma Li" and stranger.team == "关爱服务队"


async def test_removing_an_elder_deletes_their_details_and_is_audited(
    db: Database, team: CareTeam
) -> None:
    elder_id = await seed_elder(db, team, "Grandma Li", "王芳", contacts=[("Li Ming", "137")])
    other = await seed_care_team(db, "Patrol", leader=600, visitors=((601, "Qian"),))
    async with db.session() as session:
        with pytest.raises(NotAllowed):
            await registry.remove_elder(
                session, actor=actor(other.leader, Role.LEADER), elder_id=elder_id, now=SHANGHAI_9AM
            )
    async with db.session() as session:
        name = await registry.remove_elder(
            session, actor=actor(team.leader, Role.LEADER), elder_id=elder_id, now=SHANGHAI_9AM
        )
    assert name == "Grandma Li"
    (elder,) = await elders(db)
    assert elder.removed_at is not None and (elder.phone, elder.room) == ("", "")
    async with db.session() as session:
        assert list(await session.exec(select(ElderContact))) == []
        audit = list(await session.exec(select(AuditEntry.action, AuditEntry.actor_telegram_id)))
    assert ("elders.remove", team.leader) in audit
