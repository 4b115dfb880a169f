"""The one kind of button every form uses.

``version`` is the conversation's step counter when the button was drawn: a press carrying
another version belongs to an earlier step (or an earlier dialog) and is answered as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.button_data import CallbackData


@dataclass(frozen=True)
class DialogPress(CallbackData):
    prefix = "dlg"
    version: int
    action: str
    value: str = ""


# Actions a button can carry.
CHOOSE = "choose"  # value: option index
TOGGLE = "toggle"  # value: option index
DONE = "done"
SKIP = "skip"
KEEP = "keep"
CONFIRM = "confirm"
EDIT = "edit"  # summary -> list of fields
FIELD = "field"  # value: field name to change
BACK = "back"  # list of fields -> summary
CANCEL = "cancel"
