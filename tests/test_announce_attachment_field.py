"""The dialog engine's attachment field (added for announcements, usable by any form): a photo
or a document is kept by its Telegram file id; anything else is asked for again."""

from __future__ import annotations

import pytest

from bot.clock import FrozenClock
from bot.dialogs import AttachmentField, Form, TextField, UserInput, register
from models.db import Database
from tests.test_dialog_engine import COMPLETED, Person, _remember, last_text

KEYS = {"label": "broadcast.form.attachment.label", "prompt": "broadcast.form.attachment.prompt"}

NOTICE = register(
    Form(
        flow="test_attachment",
        fields=(
            TextField(
                name="text", label="broadcast.form.text.label", prompt="broadcast.form.text.prompt"
            ),
            AttachmentField(name="file", **KEYS, optional=True),
        ),
        complete=_remember,
        summary=None,
    )
)
PHOTO_ONLY = register(
    Form(
        flow="test_photo_only",
        fields=(AttachmentField(name="photo", **KEYS, kinds=("photo",)),),
        complete=_remember,
        summary=None,
    )
)


@pytest.fixture(autouse=True)
def _forget_completed() -> None:
    COMPLETED.clear()


async def test_a_photo_is_kept_by_its_file_id(db: Database, clock: FrozenClock) -> None:
    person = Person(db, clock)
    await person.start(NOTICE)
    await person.say("Duty rota")
    await person.send(UserInput.photo("AgAD-photo-1"))
    assert COMPLETED[-1][0]["file"] == {"kind": "photo", "file_id": "AgAD-photo-1", "name": ""}


async def test_a_document_keeps_its_name_without_control_characters(
    db: Database, clock: FrozenClock
) -> None:
    person = Person(db, clock)
    await person.start(NOTICE)
    await person.say("Duty rota")
    await person.send(UserInput.document("BQAD-doc-1", "rota\u202e.pdf"))
    assert COMPLETED[-1][0]["file"]["name"] == "rota.pdf"


async def test_a_sticker_or_text_is_asked_for_again_and_skip_leaves_it_out(
    db: Database, clock: FrozenClock
) -> None:
    person = Person(db, clock)
    await person.start(NOTICE)
    await person.say("Duty rota")
    reply = await person.send(UserInput.unsupported("sticker"))
    assert "Please send a photo, or a file as a document." in last_text(reply)
    reply = await person.say("here it is")
    assert "Please send a photo, or a file as a document." in last_text(reply)
    assert not COMPLETED
    await person.press("Skip")
    assert COMPLETED[-1][0]["file"] is None


async def test_a_field_for_photos_only_refuses_a_document(db: Database, clock: FrozenClock) -> None:
    person = Person(db, clock)
    await person.start(PHOTO_ONLY)
    reply = await person.send(UserInput.document("BQAD-doc-1", "rota.pdf"))
    assert "Please send a photo." in last_text(reply)
    await person.send(UserInput.photo("AgAD-photo-2"))
    assert COMPLETED[-1][0]["photo"]["file_id"] == "AgAD-photo-2"
