from dataclasses import dataclass

import pytest

from bot.button_data import (
    INT_MAX,
    INT_MIN,
    PRIVATE_OR_GROUPS,
    BadCallbackData,
    CallbackData,
    ForgedPress,
    PressedOn,
    check_press,
)
from bot.errors import StaleButton


@dataclass(frozen=True)
class Press(CallbackData):
    prefix = "co"
    action: str
    callout_id: int
    flag: bool


def test_round_trip() -> None:
    data = Press("go", 42, True).pack()
    assert data == "co:go:42:1"
    assert Press.unpack(data) == Press("go", 42, True)
    assert Press.pattern().match(data)


@pytest.mark.parametrize("forged", ["co:go:x:1", "co:go:1", "zz:go:1:1", "co:go:1:2", ""])
def test_forged_data_is_refused(forged: str) -> None:
    with pytest.raises(BadCallbackData):
        Press.unpack(forged)


def test_packing_refuses_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Press("x" * 70, 1, False).pack()


@dataclass(frozen=True)
class ItemPress(CallbackData):
    prefix = "item"
    item_id: int


@dataclass(frozen=True)
class PostPress(CallbackData):
    prefix = "post"
    chats = PRIVATE_OR_GROUPS
    post_id: int


@pytest.mark.parametrize(
    "forged",
    [
        f"item:{INT_MAX + 1}",
        f"item:{INT_MIN - 1}",
        f"item:{2**64}",
        "item:١",  # an Arabic-Indic digit: int() would take it
        "item: 1",
        "item:1_0",
        "item:+1",
        "item:",
        "item:\x00",
    ],
)
def test_numbers_are_ascii_digits_within_the_id_range(forged: str) -> None:
    with pytest.raises(BadCallbackData):
        ItemPress.unpack(forged)


def test_the_id_range_ends_are_accepted() -> None:
    assert ItemPress.unpack(f"item:{INT_MAX}") == ItemPress(INT_MAX)
    assert ItemPress.unpack(f"item:{INT_MIN}") == ItemPress(INT_MIN)


def private(*buttons: str, chat_id: int = 7) -> PressedOn:
    return PressedOn("private", chat_id, set(buttons), message_id=70)


def test_a_press_of_a_button_on_the_pressed_message_passes() -> None:
    assert check_press(ItemPress, "item:3", presser_id=7, message=private("item:3")) == ItemPress(3)
    in_group = PressedOn("supergroup", -100, {"post:3"})
    assert check_press(PostPress, "post:3", presser_id=7, message=in_group) == PostPress(3)


def test_data_that_is_not_on_the_pressed_message_is_forged() -> None:
    with pytest.raises(ForgedPress) as refused:
        check_press(ItemPress, "item:4", presser_id=7, message=private("item:3"))
    assert refused.value.key == StaleButton.key  # answered as out of date: nothing revealed
    assert refused.value.action == "button.forged"
    assert refused.value.target_type == "message"
    assert refused.value.target_id == "7/70"  # chat / message pressed on


def test_a_private_chat_button_in_a_group_or_someone_elses_chat_is_forged() -> None:
    in_group = PressedOn("group", -5, {"item:3"})
    with pytest.raises(ForgedPress):
        check_press(ItemPress, "item:3", presser_id=7, message=in_group)
    with pytest.raises(ForgedPress):
        check_press(ItemPress, "item:3", presser_id=8, message=private("item:3", chat_id=7))
    in_channel = PressedOn("channel", -9, {"post:3"})
    with pytest.raises(ForgedPress):
        check_press(PostPress, "post:3", presser_id=7, message=in_channel)


def test_a_press_that_cannot_be_checked_or_that_no_route_takes_is_stale() -> None:
    unseen = PressedOn(None, None, None)  # an InaccessibleMessage, or no message
    with pytest.raises(StaleButton) as stale:
        check_press(ItemPress, "item:3", presser_id=7, message=unseen)
    assert not isinstance(stale.value, ForgedPress)  # not logged: Telegram said so, not a client
    with pytest.raises(StaleButton) as stale:
        check_press(None, "gone:1", presser_id=7, message=private("gone:1"))
    assert not isinstance(stale.value, ForgedPress)
    with pytest.raises(ForgedPress):
        check_press(None, "\x00", presser_id=7, message=private("gone:1"))


def test_forged_data_is_logged_escaped() -> None:
    refused = ForgedPress("not on the pressed message", "x\x00😀" + "y" * 100)
    assert refused.detail["data"].startswith("x\\x00\\U0001f600yyy")
    assert "\x00" not in refused.detail["data"]
