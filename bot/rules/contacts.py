"""What staff type into the directory, checked: phone numbers (Google's libphonenumber, as
`phonenumbers`), e-mail addresses (`email-validator`, syntax only: no DNS look-up from the
bot), links and texts. Pure functions: the value as users will see it, or a `Refused`
whose reason the view words in the staff member's language. The two libraries are imported
when first used: only staff editing the directory need them, not every start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from phonenumbers import NumberParseException

Reason = Literal[
    "phone_unreadable",  # not a phone number at all
    "phone_length",  # too short or too long for the country
    "phone_invalid",  # the right length, but no such number in the country's plan
    "email",
    "url",
    "too_long",  # detail: the limit
    "empty",
]

SHORT_CODE = re.compile(r"^\d{3,6}$")  # a service number dialled as is (112, 1414, 116117)
MAX_EMAIL = 120
MAX_URL = 300


@dataclass(frozen=True)
class Refused:
    reason: Reason
    detail: str = ""


def phone(text: str, region: str) -> str | Refused:
    """A full number (a mission's line): valid in its country's numbering plan, shown in
    international format, so it can be dialled from anywhere. `region` is the country the
    number is in when typed without +."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException as error:
        return unreadable(error)
    if not phonenumbers.is_possible_number(number):
        return Refused("phone_length")
    if not phonenumbers.is_valid_number(number):
        return Refused("phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def unreadable(error: NumberParseException) -> Refused:
    too_short_or_long = (error.TOO_SHORT_NSN, error.TOO_SHORT_AFTER_IDD, error.TOO_LONG)
    if error.error_type in too_short_or_long:
        return Refused("phone_length")
    return Refused("phone_unreadable")


def service_number(text: str, region: str) -> str | Refused:
    """A number people dial in the country itself: a short code (112, 1414; the library's
    list of short numbers lags behind new services, so any 3–6 digits are taken), or a full
    number, shown in international format when typed with +, else as dialled there."""
    compact = re.sub(r"[\s\-]", "", text.strip())
    if SHORT_CODE.match(compact):
        return compact
    import phonenumbers
    from phonenumbers import shortnumberinfo

    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException as error:
        return unreadable(error)
    if shortnumberinfo.is_valid_short_number_for_region(number, region):
        return str(number.national_number)
    if not phonenumbers.is_possible_number(number):
        return Refused("phone_length")
    if not phonenumbers.is_valid_number(number):
        return Refused("phone_invalid")
    formats = phonenumbers.PhoneNumberFormat
    shown = formats.INTERNATIONAL if compact.startswith("+") else formats.NATIONAL
    return phonenumbers.format_number(number, shown)


def email(text: str) -> str | Refused:
    from email_validator import EmailNotValidError, validate_email

    value = text.strip()
    if len(value) > MAX_EMAIL:
        return Refused("too_long", str(MAX_EMAIL))
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return Refused("email")
    return checked.normalized


HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def url(text: str) -> str | Refused:
    """A web link (a map): http or https, a host name of dotted labels, no user name or
    password in it, no spaces or control characters."""
    value = text.strip()
    if len(value) > MAX_URL:
        return Refused("too_long", str(MAX_URL))
    if any(char.isspace() or ord(char) < 32 or char in '<>"' for char in value):
        return Refused("url")
    if not value.lower().startswith(("http://", "https://")):
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        parts.port  # noqa: B018  # raises ValueError for a port out of range
    except (ValueError, UnicodeError):
        return Refused("url")
    labels = host.split(".")
    if "@" in parts.netloc or len(labels) < 2 or not all(HOST_LABEL.match(p) for p in labels):
        return Refused("url")
    return value


def text(value: str, limit: int) -> str | Refused:
    """One line or a few of plain text (a name, an address, opening hours); shown escaped."""
    cleaned = "\n".join(line.strip() for line in value.strip().splitlines() if line.strip())
    if not cleaned:
        return Refused("empty")
    if len(cleaned) > limit:
        return Refused("too_long", str(limit))
    return cleaned
