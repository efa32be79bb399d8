"""A loopback fake of the Telegram Bot API, faithful at the HTTP level.

The real python-telegram-bot (and any HTTP client) talks to it over real sockets on
127.0.0.1, so nothing inside PTB is patched. It answers with Telegram's status codes and
bodies, parses ``parse_mode=HTML`` the way Telegram's tdlib does (a little stricter, see
``parse_telegram_html``), and enforces Telegram-like flood limits on ``sendMessage``::

    with FakeTelegram() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(f"{fake.api_url}/bot").build()
        ...                                        # start the app, polling
        fake.user_sends("/start", user_id=42)      # a private chat with user 42
        [reply] = fake.wait_for_messages(42, 1)
        fake.user_presses(reply, "subscribe:tripp")
        fake.wait_for_call("answerCallbackQuery")

Requests: ``{api_url}/bot<token>/<method>`` by GET or POST, parameters in the query string,
a form (PTB's way: strings as they are, every other value JSON-encoded), multipart or a
JSON body. Method names are case-insensitive, as on Telegram.

Faults: ``block(chat_id)`` (403), ``script(method, [...])`` (scripted errors or a dropped
connection for the next calls), ``outage(True)`` (502 for everything; ``html=True`` answers
with a proxy's HTML error page, as Telegram's front does), ``send_delay``,
``delay(method, seconds)`` (one method answers late, so a request is in flight),
``kick_bot(group)`` (a group removes the bot: 403 from then on, and the update saying so).

Flood limits: per private chat, per group and overall (``global_per_second``: each send
past it gets a 429 of its own); ``strict=True`` sets them to Telegram's documented ones
(30 a second overall, one a second per private chat after a short burst, 20 a minute per
group), which is what the fan-out bench and the pacing tests prove 0 429s against; or a
bot-wide limit as Telegram enforces it on a bot it
throttles (``bot_wide_per_second``: a send past it starts a ban of
``bot_wide_retry_after`` seconds during which every send, to any chat, gets a 429).
A send made before the ``retry_after`` it was given has passed (the bot's ban, or its
chat's own) is a *violation* (``violations``), as Telegram counts them to lengthen bans.

Everything the bot did is recorded (``sent``, ``edits``, ``callback_answers``, ``calls``,
``too_many_requests``, ``bans``, ``violations``) and ``wait_for(predicate)`` re-checks a
predicate on every change of state, so tests never sleep. ``stop()`` wakes every waiting
long poll with an empty result, so a bot's shutdown never waits out a long-poll timeout.

Implemented methods: getMe, getUpdates, deleteWebhook, getWebhookInfo, sendMessage,
sendDocument (a file uploaded as multipart/form-data, recorded with its name and bytes in
``documents``; a file_id or URL is refused, the fake keeps no files), sendPhoto (the same,
in ``photos``), editMessageText,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, setMyCommands, getMyCommands,
deleteMyCommands, getChat, getChatMember, sendChatAction. Any other is a 404, as an unknown
method is on Telegram.

Channels and forum topics: ``add_chat(..., chat_type="channel", username="news")`` makes a
channel the bot can be told about by its @username (``chat_id="@news"``); ``add_topic``
opens a topic in a forum supergroup, ``user_sends(..., thread_id=N)`` writes in it,
``delete_topic`` deletes it, after which a send to it is refused as Telegram refuses it
(400 "message thread not found"). ``remove_from_channel`` takes the bot out of a channel.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import itertools
import json
import math
import re
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, urlsplit

from tests.loopback import LoopbackServer

JSON = dict[str, Any]

DEFAULT_TOKEN: Final = "123456:TEST-fake-token"
BOT_FIRST_NAME: Final = "CACI Watch"
BOT_USERNAME: Final = "caci_watch_bot"
MAX_MESSAGE_LENGTH: Final = 4096  # UTF-16 code units, counted after entity parsing

# Telegram's own descriptions, verbatim, so code that matches on them is tested for real.
CANT_PARSE_ENTITIES: Final = "Bad Request: can't parse entities: "
TEXT_EMPTY: Final = "Bad Request: message text is empty"
TEXT_TOO_LONG: Final = "Bad Request: message is too long"
CHAT_ID_EMPTY: Final = "Bad Request: chat_id is empty"
CHAT_NOT_FOUND: Final = "Bad Request: chat not found"
NO_DOCUMENT: Final = "Bad Request: there is no document in the request"
FILE_EMPTY: Final = "Bad Request: file must be non-empty"
FILE_TOO_BIG: Final = "Request Entity Too Large"
CAPTION_TOO_LONG: Final = "Bad Request: message caption is too long"
MAX_CAPTION_LENGTH: Final = 1024  # UTF-16 code units, after entity parsing
MAX_UPLOAD_BYTES: Final = 50 * 1024 * 1024
MESSAGE_TO_EDIT_NOT_FOUND: Final = "Bad Request: message to edit not found"
MESSAGE_CANT_BE_EDITED: Final = "Bad Request: message can't be edited"
MESSAGE_TO_DELETE_NOT_FOUND: Final = "Bad Request: message to delete not found"
REPLIED_MESSAGE_NOT_FOUND: Final = "Bad Request: message to be replied not found"
MESSAGE_ID_MISSING: Final = "Bad Request: message identifier is not specified"
MESSAGE_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_ID_INVALID: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
BAD_MARKUP: Final = "Bad Request: can't parse reply keyboard markup JSON object"
BUTTON_DATA_INVALID: Final = "Bad Request: BUTTON_DATA_INVALID"
TEXT_BUTTONS_UNALLOWED: Final = "Bad Request: text buttons are unallowed in the inline keyboard"
BOT_COMMAND_INVALID: Final = "Bad Request: BOT_COMMAND_INVALID"
BOT_COMMAND_DESCRIPTION_INVALID: Final = "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
WRONG_ACTION: Final = "Bad Request: wrong parameter action in request"
INVALID_USER_ID: Final = "Bad Request: invalid user_id specified"
UNSUPPORTED_PARSE_MODE: Final = "Bad Request: unsupported parse_mode"
BLOCKED_BY_USER: Final = "Forbidden: bot was blocked by the user"
KICKED_FROM_GROUP: Final = "Forbidden: bot was kicked from the group chat"
KICKED_FROM_SUPERGROUP: Final = "Forbidden: bot was kicked from the supergroup chat"
NOT_IN_CHANNEL: Final = "Forbidden: bot is not a member of the channel chat"
THREAD_NOT_FOUND: Final = "Bad Request: message thread not found"
GET_UPDATES_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


# --- errors and scripted responses ----------------------------------------------------


class ApiError(Exception):
    """A Telegram error answer: raised by the API methods, or queued with ``script()``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    @classmethod
    def too_many_requests(cls, retry_after: int) -> ApiError:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    @classmethod
    def bad_gateway(cls) -> ApiError:
        return cls(502, "Bad Gateway")

    @classmethod
    def internal_server_error(cls) -> ApiError:
        return cls(500, "Internal Server Error")

    @classmethod
    def bad_request(cls, detail: str) -> ApiError:
        return cls(400, f"Bad Request: {detail}")

    @classmethod
    def forbidden(cls, detail: str) -> ApiError:
        return cls(403, f"Forbidden: {detail}")

    def __repr__(self) -> str:
        return f"ApiError({self.error_code}, {self.description!r})"


@dataclass(frozen=True)
class Drop:
    """Close the connection without answering, as a dying proxy or server does."""


DROP: Final = Drop()
Scripted = ApiError | Drop


@dataclass(frozen=True)
class RawAnswer:
    """An answer that is not the Bot API's JSON (a proxy's error page)."""

    status: int
    content_type: str
    body: bytes


# What Telegram's front proxy answers while the Bot API behind it is down.
_HTML_BAD_GATEWAY: Final = RawAnswer(
    502,
    "text/html",
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    b"</body>\r\n</html>\r\n",
)


# --- Telegram's HTML ------------------------------------------------------------------


class EntityParseError(ValueError):
    """HTML Telegram would refuse; ``description`` is Telegram's full error description."""

    def __init__(self, reason: str):
        self.description = CANT_PARSE_ENTITIES + reason
        super().__init__(self.description)


@dataclass(frozen=True)
class FormattedText:
    """Plain text plus Bot API ``MessageEntity`` dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[JSON] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP are two units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_telegram_html(html: str) -> FormattedText:
    """Parse ``parse_mode=HTML`` text as Telegram does, or raise ``EntityParseError``.

    A port of tdlib's ``parse_html`` with the same error descriptions and byte offsets
    (into the UTF-8 text), with one deliberate difference: Telegram silently keeps a bare
    ``&``, an unknown entity such as ``&nbsp;`` or an entity without its ``;`` as literal
    text, which on a user's screen is an escaping bug. This parser rejects them, so a test
    that passes proves the bot's escaping rather than Telegram's leniency.
    """
    return _HtmlParser(html).parse()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SUPPORTED_TAGS: Final = _words(
    """
    a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote
    """
)
_SIMPLE_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# tdlib's is_space(); NUL is in it because tdlib scans a NUL-terminated buffer, and the
# parser below reads "\0" past the end to reproduce where tdlib's loops stop.
_SPACE: Final = frozenset(" \t\r\n\v\0")
_STRICTER: Final = " (the fake is stricter than Telegram here, which would show it as typed)"


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset of the tag's content
    byte_pos: int


class _HtmlParser:
    def __init__(self, html: str):
        self.html = html
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def parse(self) -> FormattedText:
        html = self.html
        while self.pos < len(html):
            char = html[self.pos]
            if char == "&":
                decoded, self.pos = self._entity(self.pos)
                self._emit(decoded)
            elif char != "<":
                self._emit(char)
                self.pos += 1
            elif self._at(self.pos + 1) == "/":
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        for entity in entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        return FormattedText("".join(self.out), entities)

    def _at(self, index: int) -> str:
        return self.html[index] if index < len(self.html) else "\0"

    def _byte(self, index: int) -> int:
        return len(self.html[:index].encode("utf-8", "surrogatepass"))

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def _skip_spaces(self, index: int) -> int:
        while index < len(self.html) and self.html[index] in _SPACE:
            index += 1
        return index

    def _entity(self, pos: int) -> tuple[str, int]:
        """Decode the entity at ``pos``; return it and the index after it."""
        end = pos + 1
        if self._at(end) == "#":
            end += 1
            hexadecimal = self._at(end) == "x"
            end += hexadecimal
            digits_start = end
            alphabet = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            while self._at(end) in alphabet and end - digits_start < 8:
                end += 1
            digits = self.html[digits_start:end]
            code = int(digits, 16 if hexadecimal else 10) if digits else 0
            if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                reference = self.html[pos : end + (self._at(end) == ";")]
                raise EntityParseError(
                    f'Invalid character reference "{reference}" at byte offset '
                    f"{self._byte(pos)}" + _STRICTER
                )
            decoded = chr(code)
        else:
            while self._at(end).isascii() and self._at(end).isalpha():
                end += 1
            name = self.html[pos + 1 : end]
            if name not in _NAMED_ENTITIES and self._at(end) == ";" and name:
                raise EntityParseError(
                    f'Unsupported HTML entity "&{name};" at byte offset {self._byte(pos)}'
                    + _STRICTER
                )
            if name not in _NAMED_ENTITIES:  # "AT&T", "a & b", "?a=1&b=2"
                raise EntityParseError(
                    f'Unescaped "&" at byte offset {self._byte(pos)}, write "&amp;"' + _STRICTER
                )
            decoded = _NAMED_ENTITIES[name]
        if self._at(end) != ";":
            raise EntityParseError(
                f'HTML entity "{self.html[pos:end]}" at byte offset {self._byte(pos)} '
                'lacks its ";"' + _STRICTER
            )
        return decoded, end + 1

    def _start_tag(self) -> None:
        html, begin = self.html, self.pos
        i = begin + 1
        while self._at(i) not in _SPACE and self._at(i) != ">":
            i += 1
        if i >= len(html):
            raise EntityParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        tag = html[begin + 1 : i].lower()
        if tag not in _SUPPORTED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {self._byte(begin)}'
            )
        argument = ""
        while self._at(i) != ">":
            i = self._skip_spaces(i)
            if self._at(i) == ">":
                break
            name_start = i
            while self._at(i) not in _SPACE and self._at(i) not in "=>":
                i += 1
            name = html[name_start:i].lower()
            if not name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self._byte(begin)}'
                )
            i = self._skip_spaces(i)
            if self._at(i) != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "expandable"
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self._byte(begin)}'
                )
            i = self._skip_spaces(i + 1)
            if i >= len(html):
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {self._byte(begin)}'
                )
            value, i = self._attribute_value(i)
            if i >= len(html):
                raise EntityParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            argument = _tag_argument(tag, name, value, argument)
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte(begin)}'
            )
        self.stack.append(_OpenTag(tag, argument, self.utf16, self._byte(begin)))
        self.pos = i + 1

    def _attribute_value(self, i: int) -> tuple[str, int]:
        html = self.html
        quote = self._at(i)
        if quote not in "'\"":
            # An HTML name token: letters, digits, periods and hyphens, case-insensitive.
            start = i
            while self._at(i).isascii() and (self._at(i).isalnum() or self._at(i) in ".-"):
                i += 1
            if self._at(i) not in _SPACE and self._at(i) != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {self._byte(i)}"
                )
            return html[start:i].lower(), i
        i += 1
        parts: list[str] = []
        while i < len(html) and html[i] != quote:
            if html[i] == "&":
                decoded, i = self._entity(i)
                parts.append(decoded)
            else:
                parts.append(html[i])
                i += 1
        return "".join(parts), i + 1 if i < len(html) else i

    def _end_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._byte(begin)}")
        i = begin + 2
        while self._at(i) not in _SPACE and self._at(i) != ">":
            i += 1
        end_name = self.html[begin + 2 : i].lower()
        i = self._skip_spaces(i)
        if self._at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self._byte(begin)}")
        tag = self.stack.pop()
        if end_name and end_name != tag.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._byte(begin)}, "
                f'expected "</{tag.name}>", found "</{end_name}>"'
            )
        if self.utf16 > tag.offset:  # Telegram drops empty entities
            self._close(tag)
        self.pos = i + 1

    def _close(self, tag: _OpenTag) -> None:
        entity: JSON = {"offset": tag.offset, "length": self.utf16 - tag.offset}
        if tag.name in _SIMPLE_ENTITY_TYPES:
            entity["type"] = _SIMPLE_ENTITY_TYPES[tag.name]
        elif tag.name == "a":
            if not tag.argument:
                return  # tdlib would try the link text as the URL; nothing to link here
            entity.update(type="text_link", url=tag.argument)
        elif tag.name == "code":
            entity.update(type="code", language=tag.argument)
        elif tag.name == "pre":
            last = self.entities[-1] if self.entities else None
            if (
                last is not None
                and last["type"] == "code"
                and (last["offset"], last["length"]) == (entity["offset"], entity["length"])
                and last.get("language")
            ):
                # <pre><code class="language-x"> is one pre entity with a language.
                self.entities.pop()
                entity.update(type="pre", language=last["language"])
            else:
                entity["type"] = "pre"
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        else:  # tg-emoji
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        self.entities.append(entity)


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    """The one attribute each tag cares about; tdlib ignores every other attribute."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


_TRIMMED: Final = " \t\r\n\v\f"


def _trim(formatted: FormattedText) -> FormattedText:
    """Telegram strips surrounding whitespace from a message; entities follow the text."""
    stripped_left = formatted.text.lstrip(_TRIMMED)
    lead = len(formatted.text) - len(stripped_left)  # ASCII, so characters == UTF-16 units
    text = stripped_left.rstrip(_TRIMMED)
    length = utf16_len(text)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, length)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(text, entities)


# --- records --------------------------------------------------------------------------


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent (``method`` "sendMessage") or edited (``edit…``)."""

    method: str
    chat_id: int
    message_id: int
    text: str  # as the user sees it: entities parsed, whitespace trimmed
    html: str | None  # the text parameter as sent (None for editMessageReplyMarkup)
    parse_mode: str | None
    entities: list[JSON]
    reply_markup: JSON | None  # only inline keyboards, as Telegram echoes them
    params: JSON
    at: float


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data request."""

    file_name: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class SentDocument:
    """A document the bot sent with ``sendDocument``."""

    chat_id: int
    message_id: int
    file_name: str
    data: bytes
    mime_type: str
    caption: str  # as the user sees it: entities parsed
    caption_html: str | None
    parse_mode: str | None
    at: float


@dataclass(frozen=True)
class Call:
    """One request, recorded when it arrives (before its answer)."""

    method: str
    params: JSON
    at: float
    http_method: str


@dataclass(frozen=True)
class Violation:
    """A sendMessage made before the retry_after it was given had passed."""

    at: float
    chat_id: int
    scope: Literal["bot", "chat"]  # the bot-wide ban, or the chat's own 429


@dataclass(frozen=True)
class Ban:
    """A bot-wide flood ban: every sendMessage from ``start`` to ``end`` gets a 429."""

    start: float
    end: float
    chat_id: int  # the send that went past the limit


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float


MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
ChatType = Literal["private", "group", "supergroup", "channel"]

_ADMIN_RIGHTS: Final[JSON] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}
_RESTRICTED_RIGHTS: Final[JSON] = {
    "is_member": True,
    "can_react_to_messages": False,  # optional in the Bot API docs, required by PTB 22.8
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_change_info": False,
    "can_invite_users": False,
    "can_pin_messages": False,
    "can_manage_topics": False,
    "can_edit_tag": False,
    "until_date": 0,
}
_STATUS_FIELDS: Final[dict[str, JSON]] = {
    "creator": {"is_anonymous": False},
    "administrator": _ADMIN_RIGHTS,
    "member": {},
    "restricted": _RESTRICTED_RIGHTS,
    "left": {},
    "kicked": {"until_date": 0},
}
_CHAT_ACTIONS: Final = _words(
    """
    typing upload_photo record_video upload_video record_voice upload_voice upload_document
    choose_sticker find_location record_video_note upload_video_note
    """
)
# Update kinds Telegram holds back unless allowed_updates names them.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BOT_COMMAND: Final = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_COMMAND_NAME: Final = re.compile(r"[a-z0-9_]{1,32}")
_PATH: Final = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/]*)")
_SUPERGROUP_IDS_BELOW: Final = -1_000_000_000_000
# Parameters that are strings on the wire; everything else PTB sends JSON-encoded.
_STRING_PARAMS: Final = _words(
    """
    text parse_mode callback_query_id inline_message_id language_code action url
    business_connection_id message_effect_id caption description short_description name
    custom_title secret_token emoji title
    """
)


# --- the server -----------------------------------------------------------------------


class FakeTelegram(LoopbackServer):
    """A running fake Bot API; use as a context manager or call start()/stop().

    Flood limits count accepted ``sendMessage`` calls in sliding windows; ``None`` turns a
    limit off. ``clock`` (monotonic seconds) drives the windows and every ``at``, so a test
    can move time instead of sleeping. ``known_chats_only`` answers "chat not found" for a
    chat no user has written from (see ``add_chat``); by default any chat id is accepted.
    """

    # True: answers escape every non-ASCII character (\uXXXX), so a test can deliver
    # text Telegram itself never sends, such as a lone surrogate.
    ascii_json: bool = False
    # Telegram's limits as its FAQ states them: "no more than one message per second" in
    # a private chat ("short bursts" above it are tolerated: here 3, refilled at one a
    # second), 20 a minute in a group, about 30 a second overall (any 1 s window).
    STRICT_PRIVATE_PER_SECOND: Final = 1
    STRICT_PRIVATE_BURST: Final = 3

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        global_per_second: int | None = 30,
        private_per_second: int | None = 5,
        group_per_minute: int | None = 20,
        bot_wide_per_second: int | None = None,
        bot_wide_retry_after: int = 7,
        send_delay: float = 0.0,
        known_chats_only: bool = False,
        clock: Callable[[], float] = time.monotonic,
        strict: bool = False,
        private_burst: int | None = None,
    ) -> None:
        super().__init__()
        bot_id, _, _ = token.partition(":")
        if not bot_id.isdigit():
            raise ValueError(f"a bot token starts with the bot's numeric id: {token!r}")
        self.token = token
        self.bot_id = int(bot_id)
        if strict:
            global_per_second, group_per_minute = 30, 20
            private_per_second = self.STRICT_PRIVATE_PER_SECOND
            private_burst = self.STRICT_PRIVATE_BURST
        self.global_per_second = global_per_second
        self.private_per_second = private_per_second
        # Set: a private chat's limit is a token bucket of this many sends, refilled at
        # private_per_second (Telegram's "short bursts"); else a 1 s sliding window.
        self.private_burst = private_burst
        self.group_per_minute = group_per_minute
        self.bot_wide_per_second = bot_wide_per_second
        self.bot_wide_retry_after = bot_wide_retry_after
        self.send_delay = send_delay
        self.known_chats_only = known_chats_only
        self._clock = clock

        # One lock guards all state; the condition is notified on every change.
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = False
        self._stopped = threading.Event()
        self._outage = False
        self._outage_html = False

        self._updates: list[JSON] = []
        self._update_ids = itertools.count(100_001)
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._next_message_id: dict[int, int] = {}
        self._callback_ids = itertools.count(1)
        self._open_callback_queries: set[str] = set()
        self._members: dict[tuple[int, int], JSON] = {}
        self._topics: dict[int, set[int]] = {}  # a forum's open topics (thread ids)
        self._blocked: dict[int, str] = {}
        self._scripts: dict[tuple[str, int | None], deque[Scripted]] = {}
        self._method_delays: dict[str, float] = {}
        self._global_sends: deque[float] = deque()
        self._bot_wide_sends: deque[float] = deque()
        self._bans: list[Ban] = []
        self._retry_until: dict[int, float] = {}  # per chat, from its last 429
        self._violations: list[Violation] = []
        self._chat_sends: dict[int, deque[float]] = {}
        self._chat_buckets: dict[int, tuple[float, float]] = {}  # (tokens, at)
        self._commands: dict[tuple[str, str], list[JSON]] = {}

        self._sent: list[SentMessage] = []
        self._documents: list[SentDocument] = []
        self._photos: list[SentDocument] = []
        self._edits: list[SentMessage] = []
        self._callback_answers: list[CallbackAnswer] = []
        self._calls: list[Call] = []
        self._too_many_requests = 0
        self._internal_errors: list[str] = []

        self._methods: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("sendMessage", self._send_message),
                ("sendDocument", self._send_document),
                ("sendPhoto", self._send_photo),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("getChat", self._get_chat),
                ("getChatMember", self._get_chat_member),
                ("sendChatAction", self._send_chat_action),
            )
        }

    # -- lifecycle

    # start, stop and the context manager come from LoopbackServer.

    def _make_server(self) -> ThreadingHTTPServer:
        return _QuietServer(("127.0.0.1", 0), _make_handler(self))

    def _before_start(self) -> None:
        with self._changed:
            self._stopping = False
        self._stopped.clear()

    def _before_stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()  # long polls answer [] now, not at their timeout
        self._stopped.set()

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:<port>``; PTB's base_url is ``f"{api_url}/bot"``."""
        return self.base_url

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    # -- driving the bot: what users do

    def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: ChatType | None = None,
        title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> JSON:
        """Make a chat known (``user_sends`` does this itself); returns its Chat JSON."""
        kind = chat_type or _default_chat_type(chat_id)
        if (kind == "private") != (chat_id > 0):
            raise ValueError(f"a {kind} chat cannot have id {chat_id}")
        if is_forum and kind != "supergroup":
            raise ValueError("only a supergroup can be a forum")
        chat: JSON = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = first_name or f"User {chat_id}"
        else:
            chat["title"] = title or f"Chat {chat_id}"
        if username and (kind == "private" or kind == "channel"):
            chat["username"] = username
        if is_forum:
            chat["is_forum"] = True
        with self._changed:
            self._chats[chat_id] = chat
            self._changed.notify_all()
        return copy.deepcopy(chat)

    def user_sends(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        chat_title: str = "Test group",
        thread_id: int | None = None,
    ) -> JSON:
        """Queue a ``message`` update from a user; returns the update.

        A leading command gets its ``bot_command`` entity, as Telegram adds it: PTB's
        CommandHandler looks only at entities, never at the text.
        """
        chat_id = user_id if chat_id is None else chat_id
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("a private chat's id is its user's id")
        user = _user_json(user_id, first_name, last_name, username, language_code)
        message: JSON = {"from": user, "date": int(time.time()), "text": text}
        command = _BOT_COMMAND.match(text)
        if command:
            message["entities"] = [
                {"offset": 0, "length": utf16_len(command.group()), "type": "bot_command"}
            ]
        if thread_id is not None:
            # Written inside a forum topic, as Telegram marks such a message.
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        with self._changed:
            self._users[user_id] = user
            if chat_id not in self._chats or (
                chat_type != "private" and not self._chats[chat_id].get("is_forum")
            ):
                self.add_chat(
                    chat_id,
                    chat_type=chat_type,
                    title=chat_title,
                    first_name=first_name,
                    username=username,
                )
            message = {
                "message_id": self._new_message_id(chat_id),
                **message,
                "chat": self._chats[chat_id],
            }
            self._messages[(chat_id, message["message_id"])] = message
            return self._enqueue({"message": message})

    def user_sends_content(self, content: Mapping[str, Any], *, user_id: int = 1001) -> JSON:
        """Queue a private-chat ``message`` update that carries ``content`` instead of
        text: a sticker, a photo or a location, as Telegram's JSON for it
        (``{"sticker": {...}}``); returns the update."""
        with self._changed:
            user = self._users.setdefault(user_id, _user_json(user_id, "Test"))
            chat = self._chats.get(user_id) or self.add_chat(user_id)
            message: JSON = {
                "message_id": self._new_message_id(user_id),
                "from": copy.deepcopy(user),
                "date": int(time.time()),
                "chat": copy.deepcopy(chat),
                **copy.deepcopy(dict(content)),
            }
            self._messages[(user_id, message["message_id"])] = message
            return self._enqueue({"message": message})

    def user_edits(self, update: Mapping[str, Any], text: str) -> JSON:
        """Queue an ``edited_message`` update: the user changed the text of the message
        in ``update`` (as ``user_sends`` returned it). As on Telegram, a bot whose
        ``allowed_updates`` leave edits out never receives it."""
        with self._changed:
            edited: JSON = {
                **copy.deepcopy(dict(update["message"])),
                "text": text,
                "edit_date": int(time.time()),
            }
            edited.pop("entities", None)
            command = _BOT_COMMAND.match(text)
            if command:
                edited["entities"] = [
                    {"offset": 0, "length": utf16_len(command.group()), "type": "bot_command"}
                ]
            self._messages[(edited["chat"]["id"], edited["message_id"])] = edited
            return self._enqueue({"edited_message": edited})

    def user_presses(
        self,
        message: SentMessage | Mapping[str, Any],
        callback_data: str,
        *,
        user_id: int | None = None,
        forged: bool = False,
    ) -> JSON:
        """Queue a ``callback_query`` update for a button on the bot's message as it is now.

        Raises ValueError if the message (as last edited) has no such button: a user can
        only press what is on the screen. With ``forged``, any data goes, as a modified
        client can send for any message of the bot's.
        """
        with self._changed:
            current = self._current_message(message)
            chat_id = current["chat"]["id"]
            pressable = [data for _, data in _callback_buttons(current)]
            if callback_data not in pressable and not forged:
                raise ValueError(
                    f"message {current['message_id']} in chat {chat_id} has no button "
                    f"{callback_data!r}; its buttons carry {pressable!r}"
                )
            if user_id is None:
                if chat_id < 0:
                    raise ValueError("say which user_id presses a button in a group")
                user_id = chat_id
            query_id = str(next(self._callback_ids))
            self._open_callback_queries.add(query_id)
            query: JSON = {
                "id": query_id,
                "from": self._user(user_id),
                "message": current,
                "chat_instance": str(abs(chat_id) * 7919 % 2**62),
                "data": callback_data,
            }
            return self._enqueue({"callback_query": query})

    def buttons(self, message: SentMessage | Mapping[str, Any]) -> list[tuple[str, str]]:
        """(text, callback_data) of the callback buttons on a message as last edited."""
        with self._lock:
            return _callback_buttons(self._current_message(message))

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """A stored message as it is now (after edits), or None if unknown or deleted."""
        with self._lock:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found)

    # -- fault injection

    def user_blocks(self, user_id: int) -> JSON:
        """The user blocks the bot: sends to them get 403 from now on, and the bot is told
        with a ``my_chat_member`` update, as Telegram does."""
        self.block(user_id)
        return self._my_chat_member(user_id, "member", {"status": "kicked", "until_date": 0})

    def user_unblocks(self, user_id: int) -> JSON:
        """The user restarts the bot after blocking it."""
        self.unblock(user_id)
        return self._my_chat_member(user_id, "kicked", {"status": "member"}, old_until=0)

    def _my_chat_member(
        self, user_id: int, old: str, new: JSON, *, old_until: int | None = None
    ) -> JSON:
        with self._changed:
            user = self._user(user_id)
            chat = self._chats.get(user_id) or self.add_chat(user_id)
            before: JSON = {"status": old, "user": self.bot_user}
            if old_until is not None:
                before["until_date"] = old_until
            return self._enqueue(
                {
                    "my_chat_member": {
                        "chat": chat,
                        "from": user,
                        "date": int(time.time()),
                        "old_chat_member": before,
                        "new_chat_member": {**new, "user": self.bot_user},
                    }
                }
            )

    def block(self, chat_id: int, description: str | None = None) -> None:
        """Every send to ``chat_id`` gets 403: blocked by the user, or kicked from a group."""
        if description is None:
            description = _forbidden_description(chat_id)
        with self._changed:
            self._blocked[chat_id] = description
            self._changed.notify_all()

    def unblock(self, chat_id: int) -> None:
        with self._changed:
            self._blocked.pop(chat_id, None)
            self._changed.notify_all()

    def script(
        self, method: str, responses: Iterable[Scripted], *, chat_id: int | None = None
    ) -> None:
        """Answer the next calls of ``method`` (only those for ``chat_id``, if given) with
        ``responses`` in order, instead of handling them; then back to normal.

        A scripted call has no effect: a scripted 429 or 502 means the message was not sent.
        """
        entry = self._methods.get(method.lower())
        if entry is None:
            raise ValueError(f"the fake does not implement {method!r}")
        with self._changed:
            queue = self._scripts.setdefault((entry[0], chat_id), deque())
            queue.extend(responses)
            self._changed.notify_all()

    def delay(self, method: str, seconds: float) -> None:
        """Hold every later call of ``method`` this long before handling it (0 ends it).

        The call is in ``calls`` at once and its effect (a message in ``sent``) comes
        after the wait, so a test can act while one request is in flight.
        """
        entry = self._methods.get(method.lower())
        if entry is None:
            raise ValueError(f"the fake does not implement {method!r}")
        with self._changed:
            self._method_delays[entry[0]] = seconds
            self._changed.notify_all()

    def outage(self, on: bool = True, *, html: bool = False) -> None:
        """While on, every method (getUpdates too) answers 502 Bad Gateway: Telegram's
        JSON error, or with ``html`` the HTML page its front proxy sends."""
        with self._changed:
            self._outage = on
            self._outage_html = html
            self._changed.notify_all()

    def kick_bot(self, chat_id: int, *, by_user_id: int, status: MemberStatus = "kicked") -> JSON:
        """A group removes the bot: every send there gets 403 from now on, and the bot is
        told with a ``my_chat_member`` update (``status`` "kicked", or "left")."""
        if chat_id >= 0:
            raise ValueError("kick_bot is for groups; a user blocks the bot with user_blocks")
        self.block(chat_id)
        with self._changed:
            chat = self._chats.get(chat_id) or self.add_chat(chat_id)
            return self._enqueue(
                {
                    "my_chat_member": {
                        "chat": copy.deepcopy(chat),
                        "from": self._user(by_user_id),
                        "date": int(time.time()),
                        "old_chat_member": {"status": "member", "user": self.bot_user},
                        "new_chat_member": {
                            "status": status,
                            "user": self.bot_user,
                            **({"until_date": 0} if status == "kicked" else {}),
                        },
                    }
                }
            )

    def add_topic(self, chat_id: int, thread_id: int) -> None:
        """Open a topic in a forum supergroup (made with ``add_chat(..., is_forum=True)``)."""
        with self._changed:
            if not self._chats.get(chat_id, {}).get("is_forum"):
                raise ValueError(f"chat {chat_id} is not a forum")
            self._topics.setdefault(chat_id, set()).add(thread_id)
            self._changed.notify_all()

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        with self._changed:
            self._topics.get(chat_id, set()).discard(thread_id)
            self._changed.notify_all()

    def remove_from_channel(self, chat_id: int) -> None:
        """The bot is taken out of a channel: sends there get 403, getChatMember says
        "left". (Telegram tells a bot of this only if it asked for my_chat_member.)"""
        self.block(chat_id, NOT_IN_CHANNEL)
        self.set_chat_member(chat_id, self.bot_id, "left")

    def set_chat_member(
        self, chat_id: int, user_id: int, status: MemberStatus, **fields: Any
    ) -> None:
        """What getChatMember answers for (chat, user); ``fields`` override the defaults
        (an administrator gets typical group-admin rights, e.g. ``can_promote_members``)."""
        if status not in _STATUS_FIELDS:
            raise ValueError(f"unknown chat member status {status!r}")
        with self._changed:
            self._members[(chat_id, user_id)] = {"status": status, **fields}
            self._changed.notify_all()

    # -- observing

    @property
    def sent(self) -> list[SentMessage]:
        """Every accepted sendMessage, in order (edits are in ``edits``)."""
        with self._lock:
            return list(self._sent)

    @property
    def documents(self) -> list[SentDocument]:
        """Every accepted sendDocument, in order."""
        with self._lock:
            return list(self._documents)

    @property
    def photos(self) -> list[SentDocument]:
        """Every accepted sendPhoto, in order (its bytes as uploaded)."""
        with self._lock:
            return list(self._photos)

    def wait_for_photos(self, chat_id: int, n: int, timeout: float = 10) -> list[SentDocument]:
        """The photos sent to ``chat_id`` once there are ``n`` (fewer on timeout)."""
        self.wait_for(lambda: len([p for p in self.photos if p.chat_id == chat_id]) >= n, timeout)
        return [p for p in self.photos if p.chat_id == chat_id]

    def wait_for_documents(self, chat_id: int, n: int, timeout: float = 10) -> list[SentDocument]:
        """The documents sent to ``chat_id`` once there are ``n`` (fewer on timeout)."""
        self.wait_for(
            lambda: len([d for d in self.documents if d.chat_id == chat_id]) >= n, timeout
        )
        return [d for d in self.documents if d.chat_id == chat_id]

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        with self._lock:
            return [m for m in self._sent if m.chat_id == chat_id]

    @property
    def edits(self) -> list[SentMessage]:
        with self._lock:
            return list(self._edits)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        with self._lock:
            return list(self._callback_answers)

    @property
    def commands(self) -> list[tuple[str, str]]:
        """(command, description) for the default scope and no language code."""
        return self.commands_for()

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        with self._lock:
            stored = self._commands.get(_commands_key(scope, language_code), [])
            return [(c["command"], c["description"]) for c in stored]

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method.lower() == method.lower()]

    @property
    def too_many_requests(self) -> int:
        """How many 429 answers went out (flood limits and scripted ones)."""
        with self._lock:
            return self._too_many_requests

    @property
    def bans(self) -> list[Ban]:
        """The bot-wide flood bans, in order."""
        with self._lock:
            return list(self._bans)

    @property
    def violations(self) -> list[Violation]:
        """Sends made before the retry_after they were given had passed."""
        with self._lock:
            return list(self._violations)

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        with self._lock:
            return len(self._updates)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in the fake itself (answered as 500); tests can assert none."""
        with self._lock:
            return list(self._internal_errors)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> bool:
        """Block until ``predicate()`` holds, re-checking on each change; False on timeout.

        The predicate runs under the fake's (re-entrant) lock, so it may use the properties.
        """
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def wait_for_messages(self, chat_id: int, n: int, timeout: float = 10) -> list[SentMessage]:
        """The messages sent to ``chat_id`` once there are ``n`` (fewer on timeout)."""
        self.wait_for(lambda: len(self.messages_to(chat_id)) >= n, timeout)
        return self.messages_to(chat_id)

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """The calls of ``method`` once ``count`` have arrived (fewer on timeout)."""
        self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    # -- request handling (server threads)

    def _handle(
        self, http_method: str, target: str, content_type: str, body: bytes
    ) -> tuple[int, JSON] | Drop | RawAnswer:
        url = urlsplit(target)
        path = _PATH.fullmatch(url.path)
        try:
            params = _decode_params(url.query, content_type, body)
            bad_body = None
        except ValueError as exc:
            params, bad_body = {}, ApiError.bad_request(f"can't parse request body: {exc}")
        entry = self._methods.get(path.group("method").lower()) if path else None
        method = entry[0] if entry else (path.group("method") if path else url.path)
        with self._changed:
            self._calls.append(Call(method, params, self._clock(), http_method))
            self._changed.notify_all()
        if path is None:
            return self._error(ApiError(404, "Not Found"))
        if path.group("token") != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        if entry is None:
            return self._error(ApiError(404, "Not Found"))
        if bad_body is not None:
            return self._error(bad_body)
        with self._lock:
            if self._outage and self._outage_html:
                return _HTML_BAD_GATEWAY
            scripted = (
                ApiError.bad_gateway() if self._outage else self._next_scripted(method, params)
            )
            wait = self._method_delays.get(method, 0.0)
        if isinstance(scripted, Drop):
            return scripted
        if scripted is not None:
            if method in ("sendMessage", "sendDocument", "sendPhoto"):
                self._note_send(_maybe_int(params.get("chat_id")), scripted)
            return self._error(scripted)
        if method != "getUpdates":
            wait += self.send_delay
        if wait > 0:
            self._stopped.wait(wait)
        try:
            result = entry[1](params)
        except ApiError as error:
            return self._error(error)
        except Exception:
            with self._changed:
                self._internal_errors.append(traceback.format_exc())
                self._changed.notify_all()
            return self._error(
                ApiError(
                    500, "Internal Server Error: bug in the fake, see FakeTelegram.internal_errors"
                )
            )
        return 200, {"ok": True, "result": result}

    def _note_send(self, chat_id: int | None, answer: ApiError | None) -> None:
        """Count a send that came before its chat's retry_after passed, and remember the
        retry_after a 429 gives the chat."""
        if chat_id is None:
            return
        with self._changed:
            now = self._clock()
            if now < self._retry_until.get(chat_id, -math.inf):
                self._violations.append(Violation(now, chat_id, "chat"))
            if answer is not None and answer.retry_after is not None:
                self._retry_until[chat_id] = now + answer.retry_after
            self._changed.notify_all()

    def _error(self, error: ApiError) -> tuple[int, JSON]:
        if error.error_code == 429:
            with self._changed:
                self._too_many_requests += 1
                self._changed.notify_all()
        return error.error_code, error.body()

    def _next_scripted(self, method: str, params: JSON) -> Scripted | None:
        chat_id = _maybe_int(params.get("chat_id"))
        for key in ((method, chat_id), (method, None)):
            queue = self._scripts.get(key)
            if queue:
                return queue.popleft()
        return None

    @property
    def _is_stopping(self) -> bool:
        return self._stopping

    # -- Bot API methods (each runs on a server thread; raise ApiError to answer an error)

    def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _delete_webhook(self, params: JSON) -> bool:
        if _bool(params.get("drop_pending_updates")):
            with self._changed:
                self._updates.clear()
                self._changed.notify_all()
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        with self._lock:
            pending = len(self._updates)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    def _get_updates(self, params: JSON) -> list[JSON]:
        offset = _opt_int(params, "offset")
        limit = min(max(_opt_int(params, "limit") or 100, 1), 100)
        timeout = max(_opt_float(params, "timeout") or 0.0, 0.0)
        allowed = params.get("allowed_updates")
        with self._changed:
            if allowed is not None:
                kinds = _json_value(allowed, "allowed_updates")
                if not isinstance(kinds, list):
                    raise ApiError.bad_request("can't parse allowed_updates JSON object")
                self._allowed_updates = frozenset(map(str, kinds)) if kinds else None
            if offset is not None:
                # Updates before offset are confirmed; a negative one keeps the last -offset.
                if offset < 0:
                    del self._updates[: max(len(self._updates) + offset, 0)]
                else:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
            # A newer getUpdates ends any older one still waiting, as on Telegram.
            self._poll_generation += 1
            mine = self._poll_generation
            self._changed.notify_all()
            self._changed.wait_for(
                lambda: (
                    self._stopping
                    or self._outage
                    or self._poll_generation != mine
                    or bool(self._updates)
                ),
                timeout,
            )
            if self._stopping:
                return []
            if self._poll_generation != mine:
                raise ApiError(409, GET_UPDATES_CONFLICT)
            if self._outage:
                raise ApiError.bad_gateway()
            return copy.deepcopy(self._updates[:limit])

    def _send_message(self, params: JSON) -> JSON:
        chat_id = _chat_ref(params)
        formatted = _message_text(params)
        markup = _reply_markup(params)
        reply_to = _reply_to(params)
        thread_id = _opt_int(params, "message_thread_id")
        with self._changed:
            chat_id = self._resolve(chat_id)
            chat = self._chat(chat_id)
            self._check_blocked(chat_id)
            if thread_id is not None and thread_id not in self._topics.get(chat_id, set()):
                raise ApiError(400, THREAD_NOT_FOUND)
            replied = None
            if reply_to is not None:
                replied = self._messages.get((chat_id, reply_to[0]))
                if replied is None and not reply_to[1]:
                    raise ApiError(400, REPLIED_MESSAGE_NOT_FOUND)
            now = self._clock()
            try:
                self._admit(chat_id, now)
            except ApiError as refused:
                self._note_send(chat_id, refused)
                raise
            self._note_send(chat_id, None)
            message: JSON = {
                "message_id": self._new_message_id(chat_id),
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
                "text": formatted.text,
            }
            if formatted.entities:
                message["entities"] = formatted.entities
            if thread_id is not None:
                message["message_thread_id"] = thread_id
                message["is_topic_message"] = True
            if replied is not None:
                message["reply_to_message"] = {
                    k: v for k, v in replied.items() if k != "reply_to_message"
                }
            if markup is not None:
                message["reply_markup"] = markup
            self._messages[(chat_id, message["message_id"])] = message
            self._sent.append(self._record("sendMessage", message, params, now))
            self._changed.notify_all()
            return copy.deepcopy(message)

    def _send_document(self, params: JSON) -> JSON:
        return self._send_file(params, "document", self._documents)

    def _send_photo(self, params: JSON) -> JSON:
        return self._send_file(params, "photo", self._photos)

    def _send_file(self, params: JSON, kind: str, kept: list[SentDocument]) -> JSON:
        chat_id = _chat_id(params)
        upload = _uploaded(params, kind)
        caption = _caption(params)
        markup = _reply_markup(params)
        with self._changed:
            chat = self._chat(chat_id)
            self._check_blocked(chat_id)
            now = self._clock()
            try:
                self._admit(chat_id, now)  # a document counts against the limits as a message
            except ApiError as refused:
                self._note_send(chat_id, refused)
                raise
            self._note_send(chat_id, None)
            message_id = self._new_message_id(chat_id)
            message: JSON = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
            }
            file: JSON = {
                "file_id": f"DOC{chat_id}_{message_id}",
                "file_unique_id": f"U{chat_id}_{message_id}",
                "file_size": len(upload.data),
            }
            if kind == "photo":
                # Telegram answers a photo with its sizes; one, as uploaded, will do here.
                message["photo"] = [{**file, "width": 1, "height": 1}]
            else:
                message["document"] = {
                    **file,
                    "file_name": upload.file_name,
                    "mime_type": upload.content_type,
                }
            if caption.text:
                message["caption"] = caption.text
            if caption.entities:
                message["caption_entities"] = caption.entities
            if markup is not None:
                message["reply_markup"] = markup
            self._messages[(chat_id, message_id)] = message
            kept.append(
                SentDocument(
                    chat_id=chat_id,
                    message_id=message_id,
                    file_name=upload.file_name,
                    data=upload.data,
                    mime_type=upload.content_type,
                    caption=caption.text,
                    caption_html=_opt_str(params, "caption"),
                    parse_mode=_opt_str(params, "parse_mode") or None,
                    at=now,
                )
            )
            self._changed.notify_all()
            return copy.deepcopy(message)

    def _edit_message_text(self, params: JSON) -> JSON:
        chat_id, message_id = self._edited_ids(params)
        formatted = _message_text(params)
        markup = _reply_markup(params)
        with self._changed:
            message = self._editable(chat_id, message_id)
            unchanged = (
                message.get("text") == formatted.text
                and message.get("entities", []) == formatted.entities
                and message.get("reply_markup") == markup
            )
            if unchanged:
                raise ApiError(400, MESSAGE_NOT_MODIFIED)
            message["text"] = formatted.text
            _set_or_drop(message, "entities", formatted.entities or None)
            # An edit without reply_markup removes the keyboard, as on Telegram.
            _set_or_drop(message, "reply_markup", markup)
            return self._finish_edit("editMessageText", message, params)

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        chat_id, message_id = self._edited_ids(params)
        markup = _reply_markup(params)
        with self._changed:
            message = self._editable(chat_id, message_id)
            if message.get("reply_markup") == markup:
                raise ApiError(400, MESSAGE_NOT_MODIFIED)
            _set_or_drop(message, "reply_markup", markup)
            return self._finish_edit("editMessageReplyMarkup", message, params)

    def _delete_message(self, params: JSON) -> bool:
        chat_id = _chat_id(params)
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise ApiError(400, MESSAGE_ID_MISSING)
        with self._changed:
            self._check_blocked(chat_id)
            if self._messages.pop((chat_id, message_id), None) is None:
                raise ApiError(400, MESSAGE_TO_DELETE_NOT_FOUND)
            self._changed.notify_all()
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = _opt_str(params, "callback_query_id")
        with self._changed:
            if query_id is None or query_id not in self._open_callback_queries:
                raise ApiError(400, QUERY_ID_INVALID)
            self._open_callback_queries.discard(query_id)  # a query is answered once
            self._callback_answers.append(
                CallbackAnswer(
                    callback_query_id=query_id,
                    text=_opt_str(params, "text"),
                    show_alert=_bool(params.get("show_alert")),
                    url=_opt_str(params, "url"),
                    at=self._clock(),
                )
            )
            self._changed.notify_all()
        return True

    def _set_my_commands(self, params: JSON) -> bool:
        commands = _json_value(params.get("commands", "[]"), "commands")
        if not isinstance(commands, list):
            raise ApiError.bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise ApiError(400, BOT_COMMAND_INVALID)
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, BOT_COMMAND_DESCRIPTION_INVALID)
        key = _commands_key(self._scope(params), _opt_str(params, "language_code") or "")
        with self._changed:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
            self._changed.notify_all()
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = _commands_key(self._scope(params), _opt_str(params, "language_code") or "")
        with self._lock:
            return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, params: JSON) -> bool:
        key = _commands_key(self._scope(params), _opt_str(params, "language_code") or "")
        with self._changed:
            self._commands.pop(key, None)
            self._changed.notify_all()
        return True

    def _get_chat(self, params: JSON) -> JSON:
        chat_id = _chat_ref(params)
        with self._lock:
            chat_id = self._resolve(chat_id)
            if chat_id not in self._chats:
                raise ApiError(400, CHAT_NOT_FOUND)
            # getChat answers a ChatFullInfo: the Chat and what only it carries.
            return {
                **self._chat(chat_id),
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }

    def _get_chat_member(self, params: JSON) -> JSON:
        chat_id = _chat_ref(params)
        user_id = _opt_int(params, "user_id")
        if user_id is None:
            raise ApiError(400, INVALID_USER_ID)
        with self._lock:
            chat_id = self._resolve(chat_id)
            self._chat(chat_id)
            configured = self._members.get((chat_id, user_id))
            if configured is None:
                own_private_chat = chat_id > 0 and chat_id == user_id
                configured = {"status": "creator" if own_private_chat else "member"}
            status = configured["status"]
            member: JSON = {"user": self._user(user_id), "status": status}
            member.update(_STATUS_FIELDS[status])
            if status == "administrator" and self._chats[chat_id]["type"] == "channel":
                # A channel's admin rights: posting instead of a group's topics.
                member.update(can_post_messages=True, can_edit_messages=True)
            elif status == "administrator" and chat_id <= _SUPERGROUP_IDS_BELOW:
                member["can_manage_topics"] = False
            member.update({k: v for k, v in configured.items() if k != "status"})
            return copy.deepcopy(member)

    def _send_chat_action(self, params: JSON) -> bool:
        chat_id = _chat_id(params)
        if _opt_str(params, "action") not in _CHAT_ACTIONS:
            raise ApiError(400, WRONG_ACTION)
        with self._lock:
            self._chat(chat_id)
            self._check_blocked(chat_id)
        return True

    # -- helpers that need the lock held

    def _enqueue(self, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), **payload}
        (kind,) = payload
        wanted = (
            kind not in _OPT_IN_UPDATES
            if self._allowed_updates is None
            else kind in self._allowed_updates
        )
        # Telegram never delivers an update of a kind the bot did not ask for.
        if wanted:
            self._updates.append(update)
        self._changed.notify_all()
        return copy.deepcopy(update)

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _chat(self, chat_id: int) -> JSON:
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.known_chats_only:
                raise ApiError(400, CHAT_NOT_FOUND)
            chat = self.add_chat(chat_id)
        return copy.deepcopy(chat)

    def _resolve(self, chat_id: int | str) -> int:
        """A chat id, or a public chat's @username as Telegram takes it for one."""
        if isinstance(chat_id, int):
            return chat_id
        name = chat_id.removeprefix("@").lower()
        for known, chat in self._chats.items():
            if chat["type"] != "private" and str(chat.get("username", "")).lower() == name:
                return known
        raise ApiError(400, CHAT_NOT_FOUND)

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self.bot_user
        return copy.deepcopy(self._users.get(user_id) or _user_json(user_id, f"User {user_id}"))

    def _check_blocked(self, chat_id: int) -> None:
        description = self._blocked.get(chat_id)
        if description is not None:
            raise ApiError(403, description)

    def _admit(self, chat_id: int, now: float) -> None:
        """Count a send against the flood limits, or raise 429 (the send does not count)."""
        if self.bot_wide_per_second is not None:
            ban = self._bans[-1] if self._bans else None
            if ban is not None and now < ban.end:
                self._violations.append(Violation(now, chat_id, "bot"))
                raise ApiError.too_many_requests(max(1, math.ceil(ban.end - now)))
            sends = self._bot_wide_sends
            while sends and sends[0] <= now - 1.0:
                sends.popleft()
            if len(sends) >= self.bot_wide_per_second:
                retry_after = self.bot_wide_retry_after
                self._bans.append(Ban(now, now + retry_after, chat_id))
                raise ApiError.too_many_requests(retry_after)
        windows: list[tuple[deque[float], float, int]] = []
        if self.global_per_second is not None:
            windows.append((self._global_sends, 1.0, self.global_per_second))
        per_chat = self._chat_sends.setdefault(chat_id, deque())
        bucket: tuple[float, float] | None = None
        if chat_id > 0 and self.private_per_second is not None and self.private_burst:
            tokens, at = self._chat_buckets.get(chat_id, (float(self.private_burst), now))
            tokens = min(float(self.private_burst), tokens + (now - at) * self.private_per_second)
            bucket = (tokens, now)
        elif chat_id > 0 and self.private_per_second is not None:
            windows.append((per_chat, 1.0, self.private_per_second))
        if chat_id < 0 and self.group_per_minute is not None:
            windows.append((per_chat, 60.0, self.group_per_minute))
        wait = 0.0
        for times, window, limit in windows:
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                # Admitted once enough of the oldest sends leave the window.
                wait = max(wait, times[len(times) - limit] + window - now, 1e-9)
        if bucket is not None and bucket[0] < 1.0:
            wait = max(wait, (1.0 - bucket[0]) / float(self.private_per_second or 1))
        if wait > 0:
            raise ApiError.too_many_requests(max(1, math.ceil(wait)))
        if bucket is not None:
            self._chat_buckets[chat_id] = (bucket[0] - 1.0, now)
        self._global_sends.append(now)
        self._bot_wide_sends.append(now)
        per_chat.append(now)

    def _edited_ids(self, params: JSON) -> tuple[int, int]:
        if params.get("inline_message_id") is not None:
            raise ApiError.bad_request("inline messages are not supported by the fake")
        chat_id = _chat_id(params)
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise ApiError(400, MESSAGE_ID_MISSING)
        return chat_id, message_id

    def _editable(self, chat_id: int, message_id: int) -> JSON:
        self._check_blocked(chat_id)
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)
        if message["from"]["id"] != self.bot_id:
            raise ApiError(400, MESSAGE_CANT_BE_EDITED)
        return message

    def _finish_edit(self, method: str, message: JSON, params: JSON) -> JSON:
        message["edit_date"] = int(time.time())
        self._edits.append(self._record(method, message, params, self._clock()))
        self._changed.notify_all()
        return copy.deepcopy(message)

    def _record(self, method: str, message: JSON, params: JSON, at: float) -> SentMessage:
        parse_mode = _opt_str(params, "parse_mode") or None
        return SentMessage(
            method=method,
            chat_id=message["chat"]["id"],
            message_id=message["message_id"],
            text=message["text"],
            html=_opt_str(params, "text") if method != "editMessageReplyMarkup" else None,
            parse_mode=parse_mode,
            entities=copy.deepcopy(message.get("entities", [])),
            reply_markup=copy.deepcopy(message.get("reply_markup")),
            params=copy.deepcopy(params),
            at=at,
        )

    def _current_message(self, message: SentMessage | Mapping[str, Any]) -> JSON:
        if isinstance(message, SentMessage):
            key = (message.chat_id, message.message_id)
        else:
            key = (message["chat"]["id"], message["message_id"])
        current = self._messages.get(key)
        if current is None:
            raise ValueError(f"no message {key[1]} in chat {key[0]}")
        return copy.deepcopy(current)

    @staticmethod
    def _scope(params: JSON) -> JSON | None:
        scope = params.get("scope")
        return None if scope is None else _json_value(scope, "scope")


# --- parameter decoding ---------------------------------------------------------------


def _decode_params(query: str, content_type: str, body: bytes) -> JSON:
    """Query, then body; form values that are JSON (PTB's encoding of non-strings) decoded."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if body and media_type == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("a JSON body must be an object")
        raw.update(decoded)
    elif body and media_type == "multipart/form-data":
        raw.update(_multipart_fields(content_type, body))
    elif body:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    return {name: _decode_value(name, value) for name, value in raw.items()}


def _multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        filename = part.get_filename()
        if filename is not None:
            fields[name] = UploadedFile(filename, payload, part.get_content_type())
        else:
            fields[name] = payload.decode("utf-8")
    return fields


def _uploaded(params: JSON, name: str) -> UploadedFile:
    """The file uploaded as ``name`` (directly, or as "attach://<field>"), or Telegram's
    refusal: none, empty, too big. A file_id or URL names a file the fake does not keep."""
    value = params.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        value = params.get(value.removeprefix("attach://"))
    if value is None or value == "":
        raise ApiError.bad_request(NO_DOCUMENT.removeprefix("Bad Request: "))
    if not isinstance(value, UploadedFile):
        raise ApiError.bad_request("wrong remote file identifier specified")
    if not value.data:
        raise ApiError.bad_request(FILE_EMPTY.removeprefix("Bad Request: "))
    if len(value.data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, FILE_TOO_BIG)
    return value


def _caption(params: JSON) -> FormattedText:
    """A caption as Telegram stores it: parsed like a message's text, at most 1,024."""
    caption = _opt_str(params, "caption") or ""
    if not caption.strip():
        return FormattedText("", [])
    as_text = {"text": caption, "parse_mode": params.get("parse_mode")}
    if params.get("caption_entities") is not None:
        as_text["entities"] = params["caption_entities"]
    try:
        formatted = _message_text(as_text)
    except ApiError as refused:
        if refused.description == TEXT_TOO_LONG:
            raise ApiError(400, CAPTION_TOO_LONG) from None
        raise
    if utf16_len(formatted.text) > MAX_CAPTION_LENGTH:
        raise ApiError(400, CAPTION_TOO_LONG)
    return formatted


def _decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id "@channel"


def _json_value(value: Any, name: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ApiError.bad_request(f"can't parse {name} JSON object") from None


def _maybe_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _opt_int(params: JSON, name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    number = _maybe_int(value)
    if number is None:
        raise ApiError.bad_request(f"invalid {name} specified")
    return number


def _opt_float(params: JSON, name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ApiError.bad_request(f"invalid {name} specified") from None


def _opt_str(params: JSON, name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list | bool) else str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return bool(value)


def _chat_id(params: JSON) -> int:
    value = params.get("chat_id")
    if value is None or value == "":
        raise ApiError(400, CHAT_ID_EMPTY)
    chat_id = _maybe_int(value)
    if chat_id is None or chat_id == 0:
        raise ApiError(400, CHAT_NOT_FOUND)  # @usernames: only where _chat_ref reads them
    return chat_id


def _chat_ref(params: JSON) -> int | str:
    """A chat's id, or a public chat's "@username" (sendMessage, getChat, getChatMember)."""
    value = params.get("chat_id")
    if isinstance(value, str) and value.startswith("@") and len(value) > 1:
        return value
    return _chat_id(params)


def _message_text(params: JSON) -> FormattedText:
    """The text as Telegram stores it, or the ApiError Telegram answers."""
    text = _opt_str(params, "text") or ""
    parse_mode = (_opt_str(params, "parse_mode") or "").strip()
    if parse_mode.lower() == "html":
        try:
            formatted = parse_telegram_html(text)
        except EntityParseError as exc:
            raise ApiError(400, exc.description) from None
    elif parse_mode.lower() in {"markdown", "markdownv2"}:
        raise ApiError.bad_request(f"parse_mode {parse_mode} is not implemented by the fake")
    elif parse_mode:
        raise ApiError(400, UNSUPPORTED_PARSE_MODE)
    else:
        entities = params.get("entities")
        entities = _json_value(entities, "entities") if entities is not None else []
        if not isinstance(entities, list) or not all(_is_entity(e) for e in entities):
            raise ApiError.bad_request("can't parse entities JSON object")
        formatted = FormattedText(text, entities)
    formatted = _trim(formatted)
    if not formatted.text:
        raise ApiError(400, TEXT_EMPTY)
    if utf16_len(formatted.text) > MAX_MESSAGE_LENGTH:
        raise ApiError(400, TEXT_TOO_LONG)
    return formatted


def _reply_markup(params: JSON) -> JSON | None:
    """The markup Telegram echoes back: an inline keyboard, validated, or None."""
    raw = params.get("reply_markup")
    if raw is None:
        return None
    try:
        markup = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise ApiError(400, BAD_MARKUP) from None
    if not isinstance(markup, dict):
        raise ApiError(400, BAD_MARKUP)
    keyboard = markup.get("inline_keyboard")
    if keyboard is None:
        return None  # reply keyboards work on the client but are not echoed
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise ApiError(400, BAD_MARKUP)
    for button in itertools.chain.from_iterable(keyboard):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(400, BAD_MARKUP)
        if len(button) == 1:
            raise ApiError(400, TEXT_BUTTONS_UNALLOWED)
        data = button.get("callback_data")
        if data is not None and not (
            isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= 64
        ):
            raise ApiError(400, BUTTON_DATA_INVALID)
    if not keyboard or not any(keyboard):
        return None
    return {"inline_keyboard": keyboard}


def _reply_to(params: JSON) -> tuple[int, bool] | None:
    """(message_id, allow_sending_without_reply) from reply_parameters or the old param."""
    raw = params.get("reply_parameters")
    if raw is not None:
        reply = _json_value(raw, "reply_parameters")
        if not isinstance(reply, dict) or _maybe_int(reply.get("message_id")) is None:
            raise ApiError.bad_request("can't parse reply_parameters JSON object")
        return int(reply["message_id"]), _bool(reply.get("allow_sending_without_reply"))
    message_id = _opt_int(params, "reply_to_message_id")
    if message_id is None:
        return None
    return message_id, _bool(params.get("allow_sending_without_reply"))


# --- small pure helpers ---------------------------------------------------------------


def _default_chat_type(chat_id: int) -> ChatType:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= _SUPERGROUP_IDS_BELOW else "group"


def _forbidden_description(chat_id: int) -> str:
    if chat_id > 0:
        return BLOCKED_BY_USER
    return KICKED_FROM_SUPERGROUP if chat_id <= _SUPERGROUP_IDS_BELOW else KICKED_FROM_GROUP


def _user_json(
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    for key, value in (
        ("last_name", last_name),
        ("username", username),
        ("language_code", language_code),
    ):
        if value:
            user[key] = value
    return user


def _is_entity(entity: Any) -> bool:
    return (
        isinstance(entity, dict)
        and isinstance(entity.get("type"), str)
        and _maybe_int(entity.get("offset")) is not None
        and _maybe_int(entity.get("length")) is not None
    )


def _callback_buttons(message: Mapping[str, Any]) -> list[tuple[str, str]]:
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [
        (button["text"], button["callback_data"])
        for button in itertools.chain.from_iterable(keyboard)
        if "callback_data" in button
    ]


def _commands_key(scope: Mapping[str, Any] | None, language_code: str) -> tuple[str, str]:
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True), language_code


def _set_or_drop(message: JSON, key: str, value: Any) -> None:
    if value is None:
        message.pop(key, None)
    else:
        message[key] = value


# --- HTTP plumbing --------------------------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-request is routine here; never print


def _make_handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(_ApiHandler):
        telegram = fake

    return Handler


class _ApiHandler(BaseHTTPRequestHandler):
    telegram: FakeTelegram
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections must not pin handler threads for long.
    timeout = 5
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK and every call takes ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.telegram
        try:
            if fake._is_stopping:
                self.close_connection = True  # a stopped server answers nothing
                return
            body = self._read_body()
            outcome = fake._handle(
                self.command, self.path, self.headers.get("Content-Type", ""), body
            )
            if isinstance(outcome, Drop):
                self.close_connection = True
                return
            if isinstance(outcome, RawAnswer):
                status, content_type, data = outcome.status, outcome.content_type, outcome.body
            else:
                status, payload = outcome
                content_type = "application/json"
                data = json.dumps(payload, ensure_ascii=fake.ascii_json).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if fake._is_stopping:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            # The client gave up (a cancelled long poll, a timeout): nothing to answer.
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""
