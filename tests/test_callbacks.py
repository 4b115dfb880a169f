from dataclasses import dataclass

import pytest

from bot.callbacks import BadCallbackData, CallbackData


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
