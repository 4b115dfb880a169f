"""The leaders' board in a real browser: headless Chromium (Debian's, driven by Playwright)
opens the page served by the real `muster run` process, which talks to the fake Bot API.

One bot process for the module. The scene is set in the database (a call-out for the flood
team, a care team with three elders, a duty rota), then played in chat: Alice answers the
call-out, the team's leader starts an extra round, Wang reports that 李奶奶 needs help (an
alert to the team's leader and the duty officer) and Zhao visits 王爷爷. Selected with
``-m browser``; skipped, saying why, where Chromium or Playwright is missing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import func, update
from sqlmodel import col, select

from models import OutboxMessage, OutboxState, Role
from models.db import Database
from models.elders import Elder
from tests.browser_support import PHONE, SCREENSHOTS, board_url, chromium_path, why_no_browser
from tests.dashboard_support import init_data
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.operations_support import finished, free_port, muster, muster_run, polled, write_config
from tests.rounds_world import EVERY_SHIFT, seed_care_team, seed_elder, set_duty
from tests.seed import seed_account, seed_team, seed_volunteer
from tests.seed_callouts import LEADER_ID, create_and_deliver, seed_leader

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

NO_BROWSER = why_no_browser()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(NO_BROWSER is not None, reason=f"browser tests skipped: {NO_BROWSER}"),
]

WANG_FANG = 7001  # a community leader who reads Chinese
TEAM_LEADER = 600
LIVE = 2000  # ms: a press in chat shows on the board within 2 s


@dataclass
class Board:
    telegram: FakeTelegram
    base: str
    browser: Browser
    flood_patrol: int  # the call-out's id
    people: dict[str, FakeUser] = field(default_factory=dict)
    script_errors: list[str] = field(default_factory=list)

    def url(
        self, user_id: int = LEADER_ID, name: str = "Lin", language: str = "en", query: str = ""
    ) -> str:
        signed = init_data(
            user_id,
            datetime.now(UTC),
            token=self.telegram.token,
            first_name=name,
            language=language,
        )
        return board_url(self.base, signed, query)

    async def close(self, page: Page) -> None:
        """Close the page; the page's script must have run without an error."""
        await page.context.close()
        errors, self.script_errors[:] = list(self.script_errors), []
        assert not errors, errors

    async def page(self, url: str, text_size: int = 16, telegram_app: str = "") -> Page:
        """A phone-sized page; ``text_size``: the default font size in px, which the phone's
        text-size setting changes (Chromium's own setting, as Android's font scale sets it;
        not a zoom of the page). 16 is 100 %, 32 is 200 %. ``telegram_app``: a script run
        before the page's, as the Telegram app sets up its side."""
        context = await self.browser.new_context(viewport=PHONE, device_scale_factor=2)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        if telegram_app:
            await page.add_init_script(telegram_app)
        if text_size != 16:
            session = await context.new_cdp_session(page)
            sizes = {"standard": text_size, "fixed": text_size}
            await session.send("Page.setFontSizes", {"fontSizes": sizes})
        await page.goto(url)
        return page


async def seed_scene(db: Database) -> int:
    """The scene in the database; the flood patrol call-out's id."""
    now = datetime.now(UTC)
    await seed_leader(db, LEADER_ID, "en")
    await seed_account(db, WANG_FANG, role=Role.LEADER, language="zh", first_name="王芳")
    flood = [
        await seed_volunteer(db, telegram_id, name, language="en", phone=f"+861380013{telegram_id}")
        for telegram_id, name in ((701, "Alice"), (702, "Bob"), (703, "Carol"))
    ]
    team = await seed_team(db, "Flood team", flood)
    flood_patrol, _ = await create_and_deliver(
        db,
        now,
        title="Flood patrol",
        description="Walk the river bank; bring a torch.",
        place="River gate",
        needed=3,
        everyone=False,
        team_ids=(team,),
        template="other",
    )
    care = await seed_care_team(
        db,
        "Sunshine care team",
        leader=TEAM_LEADER,
        visitors=((611, "Wang"), (612, "Zhao"), (613, "Sun")),
    )
    await seed_elder(db, care, "李奶奶", "Wang", compound="Sunshine Garden")
    for name in ("王爷爷", "张奶奶"):
        elder = await seed_elder(db, care, name, "Zhao", compound="Sunshine Garden")
        async with db.session() as session:
            await session.exec(update(Elder).where(col(Elder.id) == elder).values(building="5"))
    await set_duty(db, care.volunteer("Sun"), EVERY_SHIFT)
    return flood_patrol


async def delivered(db: Database) -> None:
    """Everything queued so far was sent and recorded (a prompt can be pressed and edited)."""
    async with asyncio.timeout(15):
        while True:
            async with db.session() as session:
                waiting = await session.exec(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(col(OutboxMessage.state).in_([OutboxState.PENDING, OutboxState.SENDING]))
                )
                if not waiting.one():
                    return
            await asyncio.sleep(0.05)  # the bot's sender works in its own process


def people_in_telegram(telegram: FakeTelegram) -> dict[str, FakeUser]:
    """Everyone in the scene, each having started the bot once (so it may write to them)."""
    people = {
        name: telegram.user(telegram_id, name, language_code="en")
        for telegram_id, name in (
            (701, "Alice"),
            (702, "Bob"),
            (703, "Carol"),
            (611, "Wang"),
            (612, "Zhao"),
            (613, "Sun"),
            (TEAM_LEADER, "Chen"),
            (LEADER_ID, "Lin"),
        )
    }
    for person in people.values():
        person.open_chat()
    return people


async def play_in_chat(people: dict[str, FakeUser], db: Database) -> None:
    alice, chen = people["Alice"], people["Chen"]
    callout = await alice.expect_message("Flood patrol", timeout=20)
    await delivered(db)
    await alice.press("✅ I'll go", callout)
    await alice.expect_callback_answer()

    await chen.send("/round_now")
    await chen.expect_message("Start an extra round now for which team?", timeout=10)
    await chen.press("Sunshine care team")
    await chen.expect_message("Extra round started", timeout=10)
    wang_prompt = await people["Wang"].expect_message("Extra round now", timeout=10)
    zhao_prompt = await people["Zhao"].expect_message("Extra round now", timeout=10)
    await delivered(db)
    await people["Wang"].press("Needs help", wang_prompt)
    await chen.expect_message("Needs help", timeout=10)
    await people["Sun"].expect_message("Needs help", timeout=10)
    await people["Zhao"].press(re.compile("王爷爷: visited"), zhao_prompt)
    await people["Zhao"].expect_callback_answer()
    await delivered(db)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def board(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Board]:
    from playwright.async_api import async_playwright

    tmp_path = tmp_path_factory.mktemp("board")
    port = free_port()
    async with FakeTelegram() as telegram:
        config = write_config(
            tmp_path,
            telegram,
            sections=f"""
[outbox]
global_per_second = 1000
per_chat_per_second = 1000
poll_seconds = 0.1

[observability]
metrics_port = {port}

[dashboard]
enabled = true
url = "http://127.0.0.1:{port}/dashboard/"
""",
        )
        code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
        assert code == 0, err
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
        try:
            flood_patrol = await seed_scene(db)
            people = people_in_telegram(telegram)
            async with muster_run(config, polled(telegram)), async_playwright() as playwright:
                await play_in_chat(people, db)
                browser = await playwright.chromium.launch(
                    executable_path=chromium_path(), args=["--no-sandbox"]
                )
                try:
                    yield Board(telegram, f"http://127.0.0.1:{port}", browser, flood_patrol, people)
                finally:
                    await browser.close()
        finally:
            await db.dispose()


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A full-page capture resizes the view, which drops a text size set for the test: those
    are taken of the screen only (``full_page=False``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate("window.scrollTo(0, 0)")  # else the sticky tabs show half-way down
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def expect(target: Any) -> Any:
    from playwright.async_api import expect as playwright_expect

    return playwright_expect(target)


# -- the tests ------------------------------------------------------------------------------


async def test_the_board_shows_the_call_out_its_roster_the_rounds_and_the_open_alert(
    board: Board,
) -> None:
    page = await board.page(board.url())
    callout = page.locator("[data-callout]")
    await expect(callout).to_contain_text("Flood patrol")
    await expect(callout).to_contain_text("Coming: Alice")
    await expect(callout).to_contain_text("Short by 2")
    alert = page.locator("[data-alert]")
    await expect(alert).to_contain_text("Needs help · 李奶奶")
    await expect(alert).to_contain_text("Now with: the duty officer")
    await expect(alert).to_contain_text("Alerted: Chen, Sun")
    garden = page.locator("[data-compound='Sunshine Garden']")
    await expect(garden.locator("[data-building='3']")).to_contain_text("Needs help 1")
    await expect(garden.locator("[data-building='5']")).to_contain_text("Visited 1")
    await expect(garden.locator("[data-building='5']")).to_contain_text("Not yet 1")
    await screenshot(page, "board-now-en")

    await callout.get_by_role("button", name="Roster and actions").click()
    roster = page.locator("[data-state='confirmed']")
    await expect(roster).to_contain_text("Alice")
    await expect(page.locator("[data-state='no_answer']")).to_contain_text("Bob")
    await expect(page.locator("[data-action='remind']")).to_be_visible()
    await screenshot(page, "board-roster-en")

    await page.get_by_role("tab", name="Rounds").click()
    await expect(page.locator("[data-elder]").first).to_contain_text("李奶奶")
    await expect(page.locator(".on-duty")).to_contain_text("On duty now: Sun")
    today = (
        page.locator("table.grid tr", has_text="李奶奶")
        .locator("td")
        .nth(await page.locator("table.grid th[data-today]").evaluate("th => th.cellIndex - 1"))
    )
    await expect(today).to_contain_text("🆘")
    await screenshot(page, "board-rounds-en")
    await board.close(page)


async def test_the_roster_cards_button_opens_its_call_out(board: Board) -> None:
    """The card's button opens ``<board url>?callout=<id>``: the roster, not the overview."""
    page = await board.page(board.url(query=f"callout={board.flood_patrol}"))
    await expect(page.locator("[data-view='callout']")).to_contain_text("Walk the river bank")
    await expect(page.locator("[data-state='confirmed']")).to_contain_text("Alice")
    await board.close(page)


async def test_a_call_out_outside_the_leaders_teams_is_refused_and_the_board_stays(
    board: Board,
) -> None:
    """Chen leads the care team only: the flood team's call-out is not his to see."""
    page = await board.page(board.url(TEAM_LEADER, "Chen", query=f"callout={board.flood_patrol}"))
    await expect(page.locator("#toast")).to_contain_text("not allowed")
    await expect(page.locator("[data-view='now']")).to_contain_text("Needs help · 李奶奶")
    await expect(page.locator("[data-callout]")).to_have_count(0)
    await board.close(page)


# Telegram's apps give the page this object to tell them things; the test keeps what it is told.
TELEGRAM_APP = """window.TelegramWebviewProxy = {
  postEvent: (type, data) => (window.told ||= []).push([type, JSON.parse(data)]),
};"""


async def test_telegrams_back_button_leads_from_a_call_out_back_to_now(board: Board) -> None:
    """In Telegram's apps the page tells the client through TelegramWebviewProxy, and hears
    it through Telegram.WebView.receiveEvent (no SDK script is loaded)."""
    url = board.url(query=f"callout={board.flood_patrol}")
    page = await board.page(url, telegram_app=TELEGRAM_APP)
    await expect(page.locator("[data-view='callout']")).to_be_visible()
    told = await page.evaluate("window.told")
    assert ["web_app_ready", {}] in told
    assert ["web_app_setup_back_button", {"is_visible": True}] in told
    await page.evaluate("Telegram.WebView.receiveEvent('back_button_pressed', {})")
    await expect(page.locator("[data-view='now']")).to_be_visible()
    assert (await page.evaluate("window.told"))[-1] == [
        "web_app_setup_back_button",
        {"is_visible": False},
    ]
    await board.close(page)


async def test_the_board_is_dark_when_telegram_is(board: Board) -> None:
    signed = init_data(LEADER_ID, datetime.now(UTC), token=board.telegram.token)
    page = await board.page(board_url(board.base, signed, theme={"bg_color": "#17212b"}))
    await expect(page.locator("[data-callout]")).to_be_visible()
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 25, 28)"
    await screenshot(page, "board-now-en-dark", full_page=False)
    await board.close(page)


async def test_the_board_speaks_the_leaders_language(board: Board) -> None:
    page = await board.page(board.url(WANG_FANG, "王芳", "zh"))
    await expect(page.locator("#title")).to_contain_text("实时看板")
    await expect(page.locator("[data-alert]")).to_contain_text("需要帮助 · 李奶奶")
    await expect(page.locator("[data-callout]")).to_contain_text("确认参加：Alice")
    await screenshot(page, "board-now-zh")
    await page.get_by_role("tab", name="走访").click()
    await expect(page.locator(".on-duty")).to_contain_text("现在值班：Sun")
    await screenshot(page, "board-rounds-zh")
    await board.close(page)


async def test_a_press_in_chat_shows_on_the_board_within_two_seconds(board: Board) -> None:
    page = await board.page(board.url())
    callout = page.locator("[data-callout]")
    await expect(callout).to_contain_text("Coming: Alice")
    bob = board.people["Bob"]
    await bob.press("✅ I'll go", await bob.expect_message("Flood patrol"))
    await expect(callout).to_contain_text("Coming: Alice, Bob", timeout=LIVE)
    await board.close(page)


async def test_remind_on_the_board_reminds_in_chat_those_who_have_not_answered(
    board: Board,
) -> None:
    page = await board.page(board.url())
    await page.locator("[data-callout]").get_by_role("button", name="Roster and actions").click()
    await expect(page.locator("[data-state='no_answer']")).to_contain_text("Carol")
    await page.locator("[data-action='remind']").click()
    await expect(page.locator("#toast")).to_contain_text("Reminded 1 volunteer.")
    reminder = await board.people["Carol"].expect_message("Reminder:", timeout=10)
    assert "Flood patrol" in (reminder.text or "")
    await board.close(page)


async def test_a_new_time_set_on_the_board_reaches_those_coming(board: Board) -> None:
    page = await board.page(board.url())
    await page.locator("[data-callout]").get_by_role("button", name="Roster and actions").click()
    await page.locator("[data-action='change_time']").click()
    starts, ends = page.locator("input[name='starts_at']"), page.locator("input[name='ends_at']")
    later = {}
    for name, box in (("starts", starts), ("ends", ends)):
        shown = datetime.fromisoformat(await box.input_value())
        later[name] = shown + timedelta(days=1)
        await box.fill(later[name].strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Save the new time").click()
    await expect(page.locator("#toast")).not_to_be_empty()
    told = await board.people["Alice"].expect_message("New time.", timeout=10)
    assert f"{later['starts']:%-H:%M}" in (told.text or "")
    await expect(page.locator("[data-view='callout']")).to_contain_text(
        f"{later['starts']:%a %-d %b}"
    )
    await board.close(page)


async def test_closing_an_alert_on_the_board_tells_everyone_alerted_in_chat(
    board: Board,
) -> None:
    page = await board.page(board.url())
    alert = page.locator("[data-alert]")
    await alert.get_by_role("button", name="Close this alert").click()
    await alert.get_by_label("Reached by phone, all well").check()
    await screenshot(page, "board-close-alert-en")
    await alert.get_by_role("button", name="Close the alert").click()
    await expect(page.locator("#toast")).to_contain_text("Everyone alerted is told")
    for name in ("Chen", "Sun"):
        told = await board.people[name].expect_message("Alert closed", timeout=10)
        assert "李奶奶 – Reached by phone, all well. Closed by Lin" in (told.text or "")
    await expect(page.locator("[data-alert]")).to_have_count(0)
    await expect(page.locator("#view")).to_contain_text("No open alerts.")
    await board.close(page)


async def test_the_registry_filters_and_its_export_reaches_the_leaders_chat(
    board: Board,
) -> None:
    page = await board.page(board.url())
    await page.locator("[data-tab='volunteers']").click()
    listing = page.locator("[data-view='volunteers']")
    await expect(listing).to_contain_text("Wang")
    await page.get_by_label("Team").select_option(label="Flood team")
    await page.get_by_role("button", name="Show").click()
    await expect(listing).to_contain_text("3 volunteers")
    await expect(listing).not_to_contain_text("Wang")
    await page.get_by_role("button", name="Export CSV").click()
    await expect(page.locator("#toast")).not_to_be_empty()
    lin = board.people["Lin"]
    sent = await lin.expect_message(lambda m: m.document is not None, timeout=15)
    assert sent.document is not None and sent.document.file_name.endswith(".csv")
    await board.close(page)


async def test_the_months_hours_are_drawn_from_the_json_with_their_numbers(board: Board) -> None:
    page = await board.page(board.url())
    await page.locator("[data-tab='hours']").click()
    people = page.locator("[data-chart='by_person'] li")
    await expect(people.first).to_be_visible()
    rows = await people.all_inner_texts()
    assert any("Zhao" in row and " h" in row for row in rows), rows
    assert await page.locator("[data-chart='by_person'] svg rect.bar").count() == len(rows)
    await board.close(page)


@pytest.mark.parametrize(
    ("case", "reason"),
    [("forged", "forged"), ("stale", "stale"), ("missing", "missing"), ("volunteer", "forbidden")],
)
async def test_a_forged_stale_or_missing_init_data_gets_the_error_page(
    board: Board, case: str, reason: str
) -> None:
    now, token = datetime.now(UTC), board.telegram.token
    data = {
        "forged": init_data(LEADER_ID, now, token=token.replace(":", ":x")),
        "stale": init_data(LEADER_ID, now - timedelta(days=3), token=token),
        "missing": "",
        "volunteer": init_data(701, now, token=token, first_name="Alice"),
    }[case]
    url = board_url(board.base, data) if data else f"{board.base}/dashboard/"
    page = await board.page(url)
    error = page.locator(f"[data-error='{reason}']")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("The live board cannot open")
    await expect(page.locator("[data-callout]")).to_have_count(0)
    if case == "forged":
        await screenshot(page, "board-error-en")
    await board.close(page)


TAP_TARGETS = "button:visible, select:visible, label.choice:visible, a:visible"
TEXT_SIZES = {"100%": 16, "200%": 32}  # the browser's default font size, in px


async def check_layout(page: Page, where: str) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{where}: the page scrolls sideways by {overflow}px"
    small = await page.eval_on_selector_all(
        TAP_TARGETS,
        """nodes => nodes.map(n => [n.textContent.trim().slice(0, 30), n.getBoundingClientRect()])
                       .filter(([, r]) => r.width < 44 || r.height < 44)
                       .map(([t, r]) => `${t} ${Math.round(r.width)}x${Math.round(r.height)}`)""",
    )
    assert not small, f"{where}: tap targets under 44 px: {small}"
    # No information by colour alone: every status mark carries its words.
    bare = await page.eval_on_selector_all(
        ".badge, .stats li", "nodes => nodes.filter(n => !/\\p{L}/u.test(n.textContent)).length"
    )
    assert bare == 0, f"{where}: {bare} status marks without words"


@pytest.mark.parametrize("size", list(TEXT_SIZES))
async def test_readable_at_double_text_size_with_large_tap_targets(board: Board, size: str) -> None:
    page = await board.page(board.url(), TEXT_SIZES[size])
    font = await page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert font == f"{TEXT_SIZES[size] * 1.125:g}px"  # the page's type follows the setting
    await expect(page.locator("[data-callout]")).to_be_visible()
    await check_layout(page, f"now at {size}")
    await page.locator("[data-callout]").get_by_role("button").click()
    await expect(page.locator("[data-view='callout']")).to_be_visible()
    await page.locator("[data-action='change_time']").click()
    await expect(page.locator("input[name='starts_at']")).to_be_visible()
    await check_layout(page, f"a call-out's roster at {size}")
    for tab in ("rounds", "volunteers", "hours"):
        await page.locator(f"[data-tab='{tab}']").click()
        await expect(page.locator(f"[data-view='{tab}']")).to_be_visible()
        await check_layout(page, f"{tab} at {size}")
    await page.locator("[data-tab='now']").click()
    await expect(page.locator("[data-view='now']")).to_be_visible()
    if size == "200%":
        await screenshot(page, "board-now-en-200", full_page=False)
    await page.locator("[data-new-callout]").click()
    await expect(page.locator("form.new-callout")).to_be_visible()
    await check_layout(page, f"the new call-out form at {size}")
    await board.close(page)


async def test_a_call_out_made_on_the_board_reaches_the_team_in_chat(board: Board) -> None:
    page = await board.page(board.url())
    await page.locator("[data-new-callout]").click()
    form = page.locator("form.new-callout")
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    await form.get_by_label("Starts").fill(f"{tomorrow}T09:00")
    await form.get_by_label("Ends").fill(f"{tomorrow}T12:00")
    await form.get_by_label("Flood team").check()
    # Vaccination duty, the first kind, asks for medical skills: nobody in the team has them.
    await form.get_by_role("button", name="Preview").click()
    await expect(form.locator(".reach")).to_contain_text("It reaches nobody")
    await expect(form.get_by_role("button", name="Send the call-out")).to_be_disabled()

    await form.get_by_label("Kind").select_option(label="Clean-up campaign")
    await form.get_by_label("Title").fill("Sandbag filling")
    await form.get_by_label("Place").fill("Depot")
    await form.get_by_label("How many are needed").fill("2")
    await form.get_by_role("button", name="Preview").click()
    await expect(form.locator(".reach")).to_have_text("It reaches 3 volunteers.")
    await screenshot(page, "board-new-callout-en")
    await form.get_by_role("button", name="Send the call-out").click()
    await expect(page.locator("[data-view='callout'] h2")).to_have_text("Sandbag filling")
    for name in ("Alice", "Bob", "Carol"):
        await board.people[name].expect_message("Sandbag filling", timeout=30)
    await board.close(page)


async def test_an_extra_round_started_on_the_board_asks_the_visitors_in_chat(
    board: Board,
) -> None:
    page = await board.page(board.url())
    await page.locator("[data-tab='rounds']").click()
    await page.get_by_role("button", name="Start an extra round now: Sunshine care team").click()
    await page.get_by_role("button", name="Yes, start it").click()
    await expect(page.locator("#toast")).to_contain_text("Extra round started")
    for name in ("Wang", "Zhao"):
        await board.people[name].expect_message("Extra round now", timeout=10)
    await board.close(page)
