"""Tests of the fake Telegram server, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from . import FakeTelegram, Limits
from .html_entities import EntityParseError, parse_html

TOKEN = "123456:TEST"

# PTB itself warns when it builds RetryAfter; not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as srv:
        yield srv


@pytest_asyncio.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url) as b:
        yield b


# -- HTML parse_mode -------------------------------------------------------------------


def test_html_parser_accepts_telegram_html() -> None:
    parsed = parse_html(
        '<b>bold</b> <i>it</i> &lt;x&gt; &amp; &quot; &#65;&#x42; <a href="https://e.x/?a=1&amp;b=2">'
        'link</a> <span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler> '
        '<pre><code class="language-python">print()</code></pre> '
        "<blockquote expandable>q</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> 😀<u>u</u>'
    )
    assert parsed.text == 'bold it <x> & " AB link s t print() q 👍 😀u'
    types = [e["type"] for e in parsed.entities]
    assert types == [
        "bold",
        "italic",
        "text_link",
        "spoiler",
        "spoiler",
        "pre",
        "expandable_blockquote",
        "custom_emoji",
        "underline",
    ]
    link = parsed.entities[2]
    assert link["url"] == "https://e.x/?a=1&b=2"
    assert parsed.entities[5]["language"] == "python"
    # offsets are UTF-16: the emoji before <u> counts as 2 units
    assert parsed.entities[-1]["offset"] == parsed.length - 1


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("Q&A", "Unsupported HTML entity at byte offset 1"),
        ("&nbsp;", "Unsupported HTML entity at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a>x</a>", 'Tag "a" must have non-empty attribute "href"'),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        ("ü<b", "Unclosed start tag at byte offset 2"),
    ],
)
def test_html_parser_rejects_like_telegram(source: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(source)
    assert info.value.reason.startswith(reason)
    assert info.value.description.startswith("Bad Request: can't parse entities: ")


# -- auth, getMe, routing ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_me_and_wrong_token(server: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "muster_test_bot"
    assert me.id == 123456 and me.is_bot and me.can_join_groups
    wrong = Bot("999:WRONG", base_url=server.base_url, base_file_url=server.base_file_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()


@pytest.mark.asyncio
async def test_raw_http_shapes(server: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        res = await client.post(f"{server.base_url}{TOKEN}/GETME")  # case-insensitive
        assert res.status_code == 200 and res.json()["result"]["username"] == "muster_test_bot"
        res = await client.post(f"{server.base_url}{TOKEN}/noSuchMethod")
        assert res.status_code == 404
        assert res.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        res = await client.post(f"{server.base_url}1:bad/getMe")
        assert res.status_code == 401 and res.json()["description"] == "Unauthorized"
        alice = server.user(1001, "Alice")
        await alice.send("/start")
        res = await client.post(
            f"{server.base_url}{TOKEN}/sendMessage",
            json={
                "chat_id": alice.chat_id,
                "text": "json body",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
            },
        )
        assert res.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    assert server.stats.calls["getMe"] == 2  # the 401 counts too
    assert len(server.find_calls("getMe", ok=True)) == 1
    assert server.find_calls("sendMessage", chat_id=alice.chat_id, ok=True)


# -- sending, editing, deleting ------------------------------------------------------------


@pytest.mark.asyncio
async def test_send_edit_delete_roundtrip(server: FakeTelegram, bot: Bot) -> None:
    alice = server.user(1001, "Alice", language_code="zh")
    await alice.send("/start")
    sent = await bot.send_message(
        alice.chat_id,
        "<b>Hi</b> &amp; welcome",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([("Yes", "y"), ("No", "n")]),
    )
    assert sent.message_id == 2  # /start was message 1 in this chat
    assert sent.text == "Hi & welcome" and sent.entities[0].type == "bold"
    assert sent.text_html == "<b>Hi</b> &amp; welcome"
    assert sent.from_user.username == "muster_test_bot"

    seen = await alice.expect_message("welcome")
    assert seen.html == "<b>Hi</b> &amp; welcome"
    assert seen.buttons == [["Yes", "No"]] and seen.callback_data == [["y", "n"]]
    assert not seen.edited

    edited = await bot.edit_message_text("Done", chat_id=alice.chat_id, message_id=sent.message_id)
    assert edited.text == "Done" and edited.reply_markup is None and edited.edit_date
    view = await alice.expect_message()
    assert view.edited and view.text == "Done"
    assert seen.current.text == "Done" and seen.current.buttons == []
    assert alice.last_message is not None and alice.last_message.text == "Done"

    with pytest.raises(BadRequest, match=r"^Message is not modified: specified new message"):
        await bot.edit_message_text("Done", chat_id=alice.chat_id, message_id=sent.message_id)
    await bot.edit_message_reply_markup(
        alice.chat_id, sent.message_id, reply_markup=keyboard([("Again", "again")])
    )
    with pytest.raises(BadRequest, match=r"not modified"):
        await bot.edit_message_reply_markup(
            alice.chat_id, sent.message_id, reply_markup=keyboard([("Again", "again")])
        )
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", chat_id=alice.chat_id, message_id=999)
    with pytest.raises(BadRequest, match=r"^Message can't be edited$"):
        await bot.edit_message_text("x", chat_id=alice.chat_id, message_id=1)

    assert await bot.delete_message(alice.chat_id, sent.message_id)
    assert seen.deleted
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(alice.chat_id, sent.message_id)
    assert [m.method for m in server.sent(alice.chat_id)] == [
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    assert len(server.sent(method="editmessagetext")) == 1


@pytest.mark.asyncio
async def test_documents_photos_locations_and_files(server: FakeTelegram, bot: Bot) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("/start")
    doc = await bot.send_document(
        alice.chat_id,
        InputFile(b"name,phone\nA,1\n", filename="roster.csv"),
        caption="<i>Roster</i>",
        parse_mode=ParseMode.HTML,
    )
    assert doc.document.file_name == "roster.csv" and doc.caption == "Roster"
    seen = await alice.expect_message("Roster")
    assert seen.document is not None and seen.document.data == b"name,phone\nA,1\n"

    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"name,phone\nA,1\n"

    photo = await bot.send_photo(alice.chat_id, InputFile(b"\x89PNGfake", filename="p.png"))
    assert photo.photo[-1].width > 0
    assert (await alice.expect_message(lambda m: m.photo is not None)).photo.data == b"\x89PNGfake"
    await bot.send_document(alice.chat_id, doc.document.file_id)  # re-send by file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(alice.chat_id, "not-a-file-id")

    loc = await bot.send_location(alice.chat_id, latitude=31.23, longitude=121.47)
    assert loc.location.latitude == pytest.approx(31.23)
    assert await bot.send_chat_action(alice.chat_id, "typing")
    chat = await bot.get_chat(alice.chat_id)
    assert chat.type == "private" and chat.first_name == "Alice"

    edited = await bot.edit_message_caption(alice.chat_id, doc.message_id, caption="v2")
    assert edited.caption == "v2" and edited.document.file_name == "roster.csv"
    copied = await bot.copy_message(alice.chat_id, alice.chat_id, doc.message_id)
    copy_view = server.message(alice.chat_id, copied.message_id)
    assert copy_view is not None and copy_view.document is not None
    assert copy_view.document.data == b"name,phone\nA,1\n"
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_document(alice.chat_id, InputFile(b"x", filename="a"), caption="c" * 1025)


@pytest.mark.asyncio
async def test_reply_keyboards_and_contact_sharing(server: FakeTelegram, bot: Bot) -> None:
    bob = server.user(1002, "Bob", phone_number="+8613800000000")
    await bob.send("/start")
    await bot.send_message(
        bob.chat_id,
        "Share your phone",
        reply_markup=ReplyKeyboardMarkup(
            [[KeyboardButton("📱 Share", request_contact=True)], ["Cancel"]],
            one_time_keyboard=True,
        ),
    )
    shown = await bob.expect_message()
    assert shown.reply_keyboard == [["📱 Share"], ["Cancel"]] and shown.buttons == []
    await bob.tap_reply_button("📱 Share")
    update = server.updates.history[-1]
    assert update["message"]["contact"] == {
        "phone_number": "+8613800000000",
        "first_name": "Bob",
        "user_id": 1002,
    }
    await bot.send_message(bob.chat_id, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert (await bob.expect_message()).removes_keyboard
    with pytest.raises(AssertionError, match=r"no reply keyboard"):
        await bob.tap_reply_button("Cancel")
    await bot.send_message(bob.chat_id, "Name?", reply_markup=ForceReply())
    assert (await bob.expect_message()).force_reply


@pytest.mark.asyncio
async def test_expect_message_timeout_explains(server: FakeTelegram, bot: Bot) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("/start")
    await bot.send_message(alice.chat_id, "Menu", reply_markup=keyboard([("Go", "go")]))
    with pytest.raises(BadRequest):
        await bot.send_message(alice.chat_id, "<oops>", parse_mode=ParseMode.HTML)
    with pytest.raises(AssertionError) as info:
        await alice.expect_message("never", timeout=0.05)
    report = str(info.value)
    assert "(unread) #2 [sendMessage] 'Menu' buttons=[['Go']]" in report
    assert "sendMessage -> 400 Bad Request: can't parse entities" in report
    with pytest.raises(AssertionError, match="unexpected bot message"):
        await alice.expect_no_message(within=0.05)
    alice.mark_all_read()
    await alice.expect_no_message(within=0.05)


# -- rejections ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_content_rejections(server: FakeTelegram, bot: Bot) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("/start")
    chat = alice.chat_id
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.send_message(chat, "x" * 4097)
    await bot.send_message(chat, "😀" * 2048)  # 4096 UTF-16 code units: fine
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.send_message(chat, "😀" * 2049)
    # length counts after entity parsing
    await bot.send_message(chat, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await bot.send_message(chat, "  ")
    with pytest.raises(BadRequest, match=r"^Can't parse entities: unsupported start tag"):
        await bot.send_message(chat, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"^Can't parse entities: "):
        await bot.send_message(chat, "Tom & Jerry", parse_mode=ParseMode.HTML)
    server.strict_html = False  # Telegram itself keeps a bare "&"
    lenient = await bot.send_message(chat, "Tom & Jerry", parse_mode=ParseMode.HTML)
    assert lenient.text == "Tom & Jerry"
    server.strict_html = True
    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
        await bot.send_message(chat, "x", reply_markup=keyboard([("A", "d" * 65)]))
    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
        await bot.send_message(chat, "x", reply_markup=keyboard([("A", "é" * 33)]))  # 66 bytes
    await bot.send_message(chat, "x", reply_markup=keyboard([("A", "d" * 64)]))
    with pytest.raises(BadRequest, match=r"unallowed"):
        await bot.send_message(
            chat, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("bare")]])
        )
    with pytest.raises(BadRequest, match=r"exactly one"):
        await bot.send_message(
            chat,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("2", url="https://e.x", callback_data="d")]]
            ),
        )
    with pytest.raises(BadRequest, match=r"(?i)inline keyboard expected"):
        await bot.edit_message_reply_markup(chat, 2, reply_markup=ReplyKeyboardRemove())  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match=r"^Message to be replied not found$"):
        await bot.send_message(chat, "x", reply_to_message_id=999)
    with pytest.raises(BadRequest, match=r"^Wrong parameter action in request$"):
        await bot.send_chat_action(chat, "dancing")


@pytest.mark.asyncio
async def test_chat_and_user_rejections(server: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(424242, "hello?")
    stranger = server.user(1003, "Stranger")  # exists but never pressed /start
    with pytest.raises(Forbidden, match=r"can't initiate conversation"):
        await bot.send_message(stranger.chat_id, "hi")

    carol = server.user(1004, "Carol")
    await carol.send("/start")
    carol.block()
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(carol.chat_id, "hi")
    carol.unblock()
    await bot.send_message(carol.chat_id, "hi again")
    carol.deactivate()
    with pytest.raises(Forbidden, match=r"^Forbidden: user is deactivated$"):
        await bot.send_message(carol.chat_id, "hi")
    assert server.stats.forbidden == 3


async def test_blocking_in_the_app_tells_the_bot_with_my_chat_member(
    server: FakeTelegram, bot: Bot
) -> None:
    erin = server.user(1006, "Erin")
    await erin.send("/start")
    await erin.block_bot()
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(erin.chat_id, "hi")
    await erin.unblock_bot()
    await bot.send_message(erin.chat_id, "hi again")

    blocked, unblocked = [u.my_chat_member for u in await bot.get_updates(timeout=0)][1:]
    assert blocked is not None and unblocked is not None
    assert (blocked.chat.type, blocked.from_user.id) == ("private", erin.id)
    assert (blocked.old_chat_member.status, blocked.new_chat_member.status) == ("member", "kicked")
    assert blocked.new_chat_member.user.id == bot.id
    assert (unblocked.old_chat_member.status, unblocked.new_chat_member.status) == (
        "kicked",
        "member",
    )


async def test_a_user_who_opened_the_chat_can_be_written_to(server: FakeTelegram, bot: Bot) -> None:
    dora = server.user(1005, "Dora")
    with pytest.raises(Forbidden, match=r"can't initiate conversation"):
        await bot.send_message(dora.chat_id, "hi")
    dora.open_chat()  # she started the bot long ago
    assert await bot.get_updates(timeout=0) == ()  # nothing new to the bot
    sent = await bot.send_message(dora.chat_id, "hi")
    assert sent.chat.id == dora.chat_id


@pytest.mark.asyncio
async def test_callback_queries(server: FakeTelegram, bot: Bot) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("/start")
    sent = await bot.send_message(
        alice.chat_id,
        "Pick",
        reply_markup=keyboard([("Accept task #7", "accept:7"), ("Decline", "decline:7")]),
    )
    qid = await alice.press("Accept")  # unique substring
    update = Update.de_json(server.updates.history[-1], bot)
    assert update.callback_query is not None
    assert update.callback_query.data == "accept:7"
    assert update.callback_query.message.message_id == sent.message_id
    assert update.callback_query.from_user.id == alice.id

    assert await bot.answer_callback_query(qid, "Accepted", show_alert=True)
    answer = await alice.expect_callback_answer("Accepted", show_alert=True)
    assert answer.query_id == qid
    with pytest.raises(BadRequest, match=r"^Query is too old and response timeout expired"):
        await bot.answer_callback_query(qid)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("123")
    server.callback_query_max_age = 0.0
    stale = await alice.press("Decline")
    with pytest.raises(BadRequest, match=r"^Query is too old"):
        await bot.answer_callback_query(stale)
    forged = await alice.press_data(sent.message_id, "accept:999")
    assert server.world.queries[forged].data == "accept:999"
    pressed = Update.de_json(server.updates.history[-1], bot).callback_query
    assert pressed is not None and pressed.message is not None
    assert pressed.message.reply_markup == sent.reply_markup  # the real message, as stored
    with pytest.raises(AssertionError, match=r"no button matching"):
        await alice.press("Nope")


@pytest.mark.asyncio
async def test_a_press_on_a_message_telegram_no_longer_shows(
    server: FakeTelegram, bot: Bot
) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("/start")
    sent = await bot.send_message(alice.chat_id, "Pick", reply_markup=keyboard([("Go", "go:1")]))
    await alice.press_data(sent.message_id, "go:1", inaccessible=True)
    pressed = Update.de_json(server.updates.history[-1], bot).callback_query
    assert pressed is not None and pressed.message is not None
    assert not pressed.message.is_accessible  # date 0: no text, no keyboard
    assert (pressed.message.chat.id, pressed.message.message_id) == (alice.chat_id, sent.message_id)


# -- faults ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fault_injection(server: FakeTelegram, bot: Bot) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("/start")
    server.fail_next("sendMessage", 500)
    with pytest.raises(NetworkError, match=r"Internal Server Error"):
        await bot.send_message(alice.chat_id, "a")
    server.fail_next("sendMessage", 502, description="Bad Gateway")
    with pytest.raises(NetworkError, match=r"Bad Gateway"):
        await bot.send_message(alice.chat_id, "a")
    await bot.send_message(alice.chat_id, "now fine")

    server.inject_429(times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(alice.chat_id, "a")
        assert retry_seconds(info.value) == 7
    assert server.stats.too_many_requests == 2

    server.fail_chat(alice.chat_id)
    with pytest.raises(Forbidden, match=r"blocked by the user"):
        await bot.send_message(alice.chat_id, "a")
    server.clear_chat_failure(alice.chat_id)

    server.drop_next(method="sendMessage")
    with pytest.raises(NetworkError) as dropped:
        await bot.send_message(alice.chat_id, "a")
    assert not isinstance(dropped.value, TimedOut)
    assert server.stats.dropped_connections == 1

    slow = Bot(
        TOKEN,
        base_url=server.base_url,
        request=HTTPXRequest(read_timeout=0.2),
    )
    async with slow:
        server.drop_next(method="sendMessage", hang=1.0)
        with pytest.raises(TimedOut):
            await slow.send_message(alice.chat_id, "a")
        server.latency = 0.05
        started = time.monotonic()
        await slow.send_message(alice.chat_id, "slow but ok")
        assert time.monotonic() - started >= 0.05
        server.latency = 0.0
    assert (await alice.expect_message("slow but ok")).text == "slow but ok"


# -- getUpdates ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_updates_semantics(server: FakeTelegram, bot: Bot) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("/start payload")
    await alice.send_sticker()
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [1, 2]
    assert updates[0].message.text == "/start payload"
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[0].message.entities[0].length == len("/start")
    assert updates[1].message.sticker is not None

    # unconfirmed updates are delivered again; offset confirms
    assert len(await bot.get_updates(timeout=0, limit=1)) == 1
    assert await bot.get_updates(offset=3, timeout=0) == ()

    # a long poll returns as soon as an update arrives
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=3, timeout=5))
    await asyncio.sleep(0.1)
    await alice.send("hello")
    got = await poll
    assert [u.message.text for u in got] == ["hello"]
    assert time.monotonic() - started < 2

    # allowed_updates filters (and drops) other kinds
    await alice.send("text again")
    alice_msg = await bot.send_message(alice.chat_id, "k", reply_markup=keyboard([("k", "k")]))
    await alice.press("k", alice_msg.message_id)
    only_queries = await bot.get_updates(offset=4, timeout=0, allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in only_queries] == [True]

    # a second instance's long poll terminates the first one's with 409 Conflict
    first = asyncio.create_task(bot.get_updates(offset=100, timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(TOKEN, base_url=server.base_url) as other:
        assert await other.get_updates(offset=100, timeout=0.2) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


# -- PTB Application end to end --------------------------------------------------------------


@pytest.mark.asyncio
async def test_application_polling_end_to_end(server: FakeTelegram) -> None:
    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_user is not None
        await update.message.reply_text(
            f"Hello {update.effective_user.first_name}! args={context.args}",
            reply_markup=keyboard([("Join", "join:1")]),
        )

    async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Joined!")
        await query.edit_message_text("You joined")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_chat is not None
        await update.message.reply_text(f"{update.effective_chat.type}: {update.message.text}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(join, pattern="^join:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))

    alice = server.user(1001, "Alice")
    bob = server.user(1002, "Bob")
    group = server.add_group(-1001234567890, "Volunteers", [alice, bob])
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=dtm.timedelta(seconds=1))
        try:
            await alice.send("/start ref42")
            hello = await alice.expect_message("Hello Alice")
            assert hello.text == "Hello Alice! args=['ref42']"
            await alice.press("Join")
            await alice.expect_callback_answer("Joined!")
            edited = await alice.expect_message(lambda m: m.edited)
            assert edited.text == "You joined" and edited.buttons == []
            assert hello.current.text == "You joined"
            await alice.expect_no_message(within=0.2)

            await bob.send("hi all", chat_id=group.id)
            reply = await alice.expect_message(chat_id=group.id)
            assert reply.text == "supergroup: hi all"
            assert (await bob.expect_message(chat_id=group.id)).text == "supergroup: hi all"
        finally:
            await app.updater.stop()
            await app.stop()
    assert server.stats.calls["getUpdates"] >= 2


# -- flood limits ------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio
async def test_rate_limits(server: FakeTelegram, bot: Bot) -> None:
    server.limits = Limits.telegram()
    clock = FakeClock()
    server.limiter.clock = clock
    users = [server.user(2000 + i, f"U{i}") for i in range(31)]
    for user in users:
        await user.send("/start")

    # per private chat: a burst of 3, then 1 per second
    for text in ("one", "two", "three"):
        await bot.send_message(users[0].chat_id, text)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(users[0].chat_id, "four")
    assert retry_seconds(info.value) == 1
    clock.now += 1.0
    await bot.send_message(users[0].chat_id, "paced")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[0].chat_id, "too soon")

    # global: 30 per second across chats
    clock.now += 1.0
    for user in users[:30]:
        await bot.send_message(user.chat_id, "broadcast")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[30].chat_id, "broadcast")
    clock.now += 1.0
    await bot.send_message(users[30].chat_id, "broadcast")

    # group: 20 per minute
    group = server.add_group(-100500, "Team", users[:2])
    for i in range(20):
        clock.now += 0.5
        await bot.send_message(group.id, f"g{i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(group.id, "too many")
    assert 1 <= retry_seconds(info.value) <= 60
    assert server.stats.too_many_requests == 4
    assert server.stats.max_sends_in_window(1.0) >= 1


@pytest.mark.asyncio
async def test_a_chat_messaged_before_the_limits_were_on_still_gets_its_burst(
    server: FakeTelegram, bot: Bot
) -> None:
    """A benchmark seeds its chats with the limits off, then turns Telegram's on: a chat's
    window is then Telegram's (a burst of 3, then 1 a second), not one shaped by no limits."""
    clock = FakeClock()
    server.limiter.clock = clock
    user = server.user(2500, "Seeded")
    await user.send("/start")
    await bot.send_message(user.chat_id, "seeded with the limits off")
    clock.now += 5.0
    server.limits = Limits.telegram()
    for text in ("one", "two", "three"):
        await bot.send_message(user.chat_id, text)
    with pytest.raises(RetryAfter):
        await bot.send_message(user.chat_id, "four")
    assert server.stats.too_many_requests == 1


@pytest.mark.asyncio
async def test_rate_limits_real_clock_paced_sends_pass(server: FakeTelegram, bot: Bot) -> None:
    server.limits = Limits(global_per_second=5)
    users = [server.user(3000 + i, f"P{i}") for i in range(6)]
    for user in users:
        await user.send("/start")
    for user in users[:5]:
        await bot.send_message(user.chat_id, "burst")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[5].chat_id, "burst")
    server.limits = Limits(global_per_second=50)
    for user in users:
        await bot.send_message(user.chat_id, "paced")
        await asyncio.sleep(0.03)
    assert server.stats.too_many_requests == 1
    assert server.stats.max_sends_in_window(1.0) <= 11


# -- commands ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_my_commands(server: FakeTelegram, bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    assert await bot.set_my_commands([("start", "开始")], language_code="zh")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["开始"]
    with pytest.raises(BadRequest, match=r"Bot_command_invalid"):
        await bot.set_my_commands([("Bad-Command", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.delete_webhook(drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0


@pytest.mark.asyncio
async def test_a_chat_scoped_menu_wins_for_that_chat_and_needs_a_known_chat(
    server: FakeTelegram, bot: Bot
) -> None:
    from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat

    alice, bob = server.user(11, "Alice"), server.user(12, "Bob")
    alice.open_chat()
    bob.open_chat()
    await bot.set_my_commands([("start", "Start")], scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(
        [("start", "Start"), ("teams", "Teams")], scope=BotCommandScopeChat(11)
    )
    assert alice.menu() == ["start", "teams"] and bob.menu() == ["start"]
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([("start", "Start")], scope=BotCommandScopeChat(424242))
    await bot.delete_my_commands(scope=BotCommandScopeChat(11))
    assert alice.menu() == ["start"]


@pytest.mark.asyncio
async def test_a_user_chooser_button_shares_the_person_picked(
    server: FakeTelegram, bot: Bot
) -> None:
    from telegram import KeyboardButton, KeyboardButtonRequestUsers, ReplyKeyboardMarkup

    alice, bob = server.user(11, "Alice"), server.user(12, "Bob")
    alice.open_chat()
    button = KeyboardButton("Pick", request_users=KeyboardButtonRequestUsers(7, max_quantity=1))
    await bot.send_message(11, "Who?", reply_markup=ReplyKeyboardMarkup([[button]]))
    await alice.share_users("Pick", bob)
    updates = await bot.get_updates()
    shared = updates[-1].message.users_shared
    assert shared is not None and shared.request_id == 7 and shared.users[0].user_id == 12
    server.add_group(-100, "Group", [alice])
    with pytest.raises(BadRequest, match="Button_type_invalid"):
        await bot.send_message(-100, "Who?", reply_markup=ReplyKeyboardMarkup([[button]]))


@pytest.mark.asyncio
async def test_mini_app_buttons_open_https_addresses_in_private_chats_only(
    server: FakeTelegram, bot: Bot
) -> None:
    from telegram import MenuButtonDefault, MenuButtonWebApp, WebAppInfo

    alice = server.user(11, "Alice")
    alice.open_chat()
    board = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Board", web_app=WebAppInfo("https://board.example/"))]]
    )
    await bot.send_message(11, "Open it", reply_markup=board)
    server.add_group(-100, "Group", [alice])
    with pytest.raises(BadRequest, match="Button_type_invalid"):
        await bot.send_message(-100, "Open it", reply_markup=board)
    plain = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Board", web_app=WebAppInfo("http://board.example/"))]]
    )
    with pytest.raises(BadRequest, match="Button_url_invalid"):
        await bot.send_message(11, "Open it", reply_markup=plain)

    app = MenuButtonWebApp("Board", WebAppInfo("https://board.example/"))
    await bot.set_chat_menu_button(chat_id=11, menu_button=app)
    assert server.menu_button(11)["web_app"] == {"url": "https://board.example/"}
    assert (await bot.get_chat_menu_button(chat_id=11)).type == "web_app"
    await bot.set_chat_menu_button(chat_id=11, menu_button=MenuButtonDefault())
    assert server.menu_button(11) == {"type": "default"}
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_chat_menu_button(chat_id=-100, menu_button=app)
