"""A form engine for conversations kept in the database.

A ``Form`` is declared as data (its fields, in order, and a ``complete`` hook that calls the
domain service); ``engine`` asks the questions one step at a time, saving every answer in the
``conversation`` table in the same transaction, so a dialog survives restarts and can be
continued by any process. Nothing here knows Telegram's types: handlers turn updates into
``UserInput`` / ``DialogPress`` and send the ``Outgoing`` messages the engine returns.
"""

from bot.dialogs.button_data import DialogPress
from bot.dialogs.engine import (
    DialogReply,
    begin,
    cancel,
    file_limit,
    handle_message,
    handle_press,
    resume,
)
from bot.dialogs.env import FormEnv
from bot.dialogs.fields import (
    AttachmentField,
    ChoiceField,
    DateTimeField,
    Field,
    FieldKeys,
    LocationField,
    LocationOrTextField,
    MessageField,
    MultiChoiceField,
    Option,
    PhoneField,
    TextField,
    YesNoField,
    field_keys,
    plain,
)
from bot.dialogs.form import Form, Previewed, Screen, form_for, register, use_forms
from bot.dialogs.inputs import UserInput
from bot.dialogs.screens import describe

__all__ = [
    "AttachmentField",
    "ChoiceField",
    "DateTimeField",
    "DialogPress",
    "DialogReply",
    "Field",
    "FieldKeys",
    "Form",
    "FormEnv",
    "LocationField",
    "LocationOrTextField",
    "MessageField",
    "MultiChoiceField",
    "Option",
    "PhoneField",
    "Previewed",
    "Screen",
    "TextField",
    "UserInput",
    "YesNoField",
    "begin",
    "cancel",
    "describe",
    "field_keys",
    "file_limit",
    "form_for",
    "handle_message",
    "handle_press",
    "plain",
    "register",
    "resume",
    "use_forms",
]
