"""Phone numbers typed by people or shared from a Telegram contact, as E.164: shared by the
forms' phone field and the services that store numbers (below both)."""

from __future__ import annotations

import re

from bot.errors import InvalidInput

MAX_PHONE_INPUT = 32


def parse_phone(text: str, region: str) -> str:
    """A typed phone number in E.164; a number without a country code is read as ``region``'s."""
    import phonenumbers  # loaded when a number is first read: an idle bot does without (1 MB)

    candidate = text.strip()
    if not candidate or len(candidate) > MAX_PHONE_INPUT:
        raise InvalidInput("dialog.error.phone")
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("dialog.error.phone") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("dialog.error.phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_shared_phone(phone: str) -> str:
    """A number from a shared Telegram contact: always international, the ``+`` not always.
    Telegram knows the number (an account's), so it is taken when its length is possible for
    its country, even where the metadata does not know its range; when it cannot be read at
    all, the person is asked to type it."""
    import phonenumbers

    digits = phone.strip()
    if re.fullmatch(r"\d{6,20}", digits):
        digits = f"+{digits}"
    try:
        number = phonenumbers.parse(digits, "ZZ")
    except phonenumbers.NumberParseException:
        raise InvalidInput("dialog.error.shared_phone") from None
    if len(digits) > MAX_PHONE_INPUT or not phonenumbers.is_possible_number(number):
        raise InvalidInput("dialog.error.shared_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
