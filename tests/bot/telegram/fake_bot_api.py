"""A loopback server speaking the Bot API over HTTP, for tests and benchmarks.

It plays both Telegram and the customers: tests make customers write (`send_text`, `press`,
`send_photo`…), the bot under test polls `getUpdates` (or receives webhook calls) and answers through
`sendMessage` & co., and the server records everything the bot sent, chat by chat. Faults can be
injected on a share of sends: 429 with `retry_after`, 502, and 403 for customers who blocked the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import itertools
import json
import random
import re
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPFile, parse_body_arguments
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

TOKEN = "123456:TEST-fake_token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Boutique",
    "username": "boutique_retours_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "sendMediaGroup"}
)
MAX_DOWNLOAD = 20 * 1024 * 1024
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024


@dataclass
class Faults:
    """What goes wrong on a share of the bot's sends."""

    share_429: float = 0.0
    retry_after: int = 1
    share_502: float = 0.0
    seed: int = 5


@dataclass
class Sent:
    """One message the bot sent, as the customer's phone shows it."""

    method: str
    chat_id: int
    message_id: int
    params: dict[str, Any]
    at: float
    upload_sha256: str | None = None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of the inline keyboard, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]


class RawUpdate(str):
    """An update queued as JSON text, sent exactly as written."""


@dataclass
class _File:
    file_id: str
    content: bytes
    size: int
    path: str


@dataclass
class _State:
    updates: list[tuple[int, Any]] = field(default_factory=list)  # (place, update or RawUpdate)
    pushed: dict[int, dict[str, Any]] = field(default_factory=dict)  # every update, by id
    confirmed_offset: int = 0
    sent: dict[int, list[Sent]] = field(default_factory=lambda: defaultdict(list))
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, _File] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    webhook: dict[str, Any] | None = None
    commands: list[dict[str, Any]] = field(default_factory=list)
    left_chats: list[int] = field(default_factory=list)
    members: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    topics: dict[int, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    topic_calls: list[tuple[int, float]] = field(default_factory=list)  # (group, when)
    scoped_commands: dict[int, list[str]] = field(default_factory=dict)  # chat → its menu


class FakeBotApi:
    """The server; use as a context manager (`with FakeBotApi() as api:`)."""

    def __init__(self, faults: Faults | None = None, token: str = TOKEN) -> None:
        self.token = token
        self.faults = faults or Faults()
        self._random = random.Random(self.faults.seed)
        self.fault_log: list[int] = []  # the status of each fault injected
        self.webhook_statuses: list[int] = []  # the bot's answer to each webhook call
        self.downloads_broken = False  # file downloads answer 502 (Telegram's file servers down)
        self._state = _State()
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._files = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Condition | None = None
        self._delivering: asyncio.Lock | None = None
        self._thread: threading.Thread | None = None
        self._server: HTTPServer | None = None
        self.port = 0

    # -- life cycle -------------------------------------------------------------------------------

    def __enter__(self) -> FakeBotApi:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        ready = threading.Event()
        sockets = bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._new_update = asyncio.Condition()
            self._delivering = asyncio.Lock()
            app = Application(
                [
                    (r"/bot([^/]+)/(\w+)", _ApiHandler, {"api": self}),
                    (r"/file/bot([^/]+)/(.+)", _FileHandler, {"api": self}),
                ]
            )
            self._server = HTTPServer(app, max_body_size=64 * 1024 * 1024)
            self._server.add_sockets(sockets)
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        ready.wait(5)

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        loop = self._loop

        async def close() -> None:
            if self._server is not None:
                self._server.stop()
                await self._server.close_all_connections()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)
        self._loop = None

    # -- the customers' side ----------------------------------------------------------------------

    def send_text(self, chat_id: int, text: str, *, first_name: str = "Camille") -> int:
        return self._push_message(chat_id, {"text": text}, first_name)

    def send_command(self, chat_id: int, command: str) -> int:
        entity = {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
        return self._push_message(chat_id, {"text": command, "entities": [entity]}, "Camille")

    def send_photo(
        self,
        chat_id: int,
        image: bytes,
        *,
        media_group_id: str | None = None,
        caption: str | None = None,
        declared_size: int | None = None,
    ) -> int:
        """A photo as Telegram delivers it: several sizes, the largest last."""
        small = self.add_file(image[: len(image) // 4] or image)
        large = self.add_file(image, declared_size=declared_size)
        sizes = [
            {"file_id": small.file_id, "file_unique_id": "u" + small.file_id, "width": 90,
             "height": 90, "file_size": small.size},
            {"file_id": large.file_id, "file_unique_id": "u" + large.file_id, "width": 1280,
             "height": 960, "file_size": large.size},
        ]  # fmt: skip
        content: dict[str, Any] = {"photo": sizes}
        if media_group_id:
            content["media_group_id"] = media_group_id
        if caption:
            content["caption"] = caption
        return self._push_message(chat_id, content, "Camille")

    def send_document(
        self,
        chat_id: int,
        content: bytes,
        *,
        file_name: str,
        mime_type: str,
        declared_size: int | None = None,
    ) -> int:
        stored = self.add_file(content, declared_size=declared_size)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": stored.size,
        }
        return self._push_message(chat_id, {"document": document}, "Camille")

    def send_other(self, chat_id: int, content: dict[str, Any]) -> int:
        """Any other message content (sticker, voice, location…), as given."""
        return self._push_message(chat_id, content, "Camille")

    def add_member(self, group_id: int, user_id: int) -> None:
        """`user_id` joins the group (getChatMember answers "member")."""
        with self._lock:
            self._state.members[group_id].add(user_id)

    def send_in_topic(
        self,
        group_id: int,
        thread_id: int,
        user_id: int,
        text: str | None = None,
        *,
        first_name: str = "Agent",
        content: dict[str, Any] | None = None,
    ) -> int:
        """Someone writes in a forum topic of a supergroup (commands get their entity)."""
        body: dict[str, Any] = dict(content or {})
        if text is not None:
            body["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message = self._message(group_id, body, first_name)
        message["from"] = _user(user_id, first_name)
        message["chat"]["is_forum"] = True
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
        return self.push_update({"message": message})

    def topics(self, group_id: int) -> dict[int, str]:
        """The forum topics the bot opened in the group: thread id → name."""
        with self._lock:
            return dict(self._state.topics[group_id])

    def busiest(self, chat_id: int, seconds: float = 60.0) -> int:
        """The most calls the bot made to `chat_id` within any `seconds`-long window (pacing check)."""
        with self._lock:
            times = [s.at for s in self._state.sent[chat_id]] + [
                at for chat, at in self._state.topic_calls if chat == chat_id
            ]
        times.sort()
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= seconds:
                start += 1
            most = max(most, end - start + 1)
        return most

    def in_topic(self, group_id: int, thread_id: int) -> list[Sent]:
        """What the bot sent into one topic."""
        return [s for s in self.sent(group_id) if s.params.get("message_thread_id") == thread_id]

    def press(self, chat_id: int, data: str, message_id: int | None = None) -> int:
        """The customer taps an inline button with `data` on one of the bot's messages."""
        with self._lock:
            mine = [s for s in self._state.sent[chat_id] if s.method != "sendChatAction"]
        if message_id is None:
            message_id = mine[-1].message_id if mine else 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Camille"},
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": f"q{chat_id}-{next(self._files)}",
            "from": _user(chat_id, "Camille"),
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def edit_text(self, chat_id: int, message_id: int, text: str) -> int:
        message = self._message(chat_id, {"text": text}, "Camille", message_id)
        message["edit_date"] = int(time.time())
        return self.push_update({"edited_message": message})

    def update(self, update_id: int) -> dict[str, Any]:
        """The update as it was queued for the bot."""
        with self._lock:
            return self._state.pushed[update_id]

    def push_update(self, content: dict[str, Any]) -> int:
        """Queues an update (its `update_id` is added) for getUpdates or the webhook.

        `content` may bring an `update_id` of its own, even a malformed one (a poison update): the
        update keeps its place in the queue, and an offset past that place confirms it.
        """
        with self._lock:
            update_id = next(self._update_ids)
            update = {"update_id": update_id, **content}
            self._state.updates.append((update_id, update))
            self._state.pushed[update_id] = update
        if self._loop is not None and self._new_update is not None:
            asyncio.run_coroutine_threadsafe(self._notify(), self._loop)
        return update_id

    def push_raw_update(self, text: str) -> int:
        """Queues an update given as JSON text, as is (nested too deep for `json`, say)."""
        with self._lock:
            place = next(self._update_ids)
            self._state.updates.append((place, RawUpdate(text)))
        if self._loop is not None and self._new_update is not None:
            asyncio.run_coroutine_threadsafe(self._notify(), self._loop)
        return place

    def add_file(self, content: bytes, *, declared_size: int | None = None) -> _File:
        with self._lock:
            number = next(self._files)
            stored = _File(
                f"file{number}", content, declared_size or len(content), f"photos/file_{number}.jpg"
            )
            self._state.files[stored.file_id] = stored
        return stored

    def block(self, chat_id: int) -> None:
        """The customer blocks the bot: sends to them now fail with 403."""
        with self._lock:
            self._state.blocked.add(chat_id)

    # -- what the bot did -------------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[Sent]:
        """Messages the bot sent to `chat_id` (chat actions and keyboard edits excluded)."""
        with self._lock:
            return [s for s in self._state.sent[chat_id] if s.method in SEND_METHODS]

    def chats(self) -> list[int]:
        with self._lock:
            return sorted(chat for chat, sent in self._state.sent.items() if sent)

    def calls(self, method: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            return [c for c in self._state.calls if method is None or c[0] == method]

    @property
    def confirmed_offset(self) -> int:
        with self._lock:
            return self._state.confirmed_offset

    @property
    def webhook(self) -> dict[str, Any] | None:
        with self._lock:
            return self._state.webhook

    @property
    def commands(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._state.commands)

    def menu(self, chat_id: int) -> list[str]:
        """The command menu set for one chat (scope `chat`)."""
        with self._lock:
            return list(self._state.scoped_commands.get(chat_id, []))

    @property
    def left_chats(self) -> list[int]:
        with self._lock:
            return list(self._state.left_chats)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        """Waits for `condition` (polled); fails the test with AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            time.sleep(0.05)

    # -- internals --------------------------------------------------------------------------------

    def _push_message(self, chat_id: int, content: dict[str, Any], first_name: str) -> int:
        return self.push_update({"message": self._message(chat_id, content, first_name)})

    def _message(
        self, chat_id: int, content: dict[str, Any], first_name: str, message_id: int | None = None
    ) -> dict[str, Any]:
        with self._lock:
            number = message_id or next(self._message_ids[chat_id])
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        if chat_id < 0:
            chat = {"id": chat_id, "type": "supergroup", "title": "Un groupe"}
        return {
            "message_id": number,
            "date": int(time.time()),
            "chat": chat,
            "from": _user(abs(chat_id) if chat_id > 0 else 777, first_name),
            **content,
        }

    async def _notify(self) -> None:
        assert self._new_update is not None
        async with self._new_update:
            self._new_update.notify_all()
        if self.webhook is not None:
            await self._deliver_webhook()

    async def get_updates(self, offset: int, wait: float, limit: int) -> list[dict[str, Any]]:
        assert self._new_update is not None
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                if offset:
                    self._state.confirmed_offset = max(self._state.confirmed_offset, offset)
                    self._state.updates = [u for u in self._state.updates if u[0] >= offset]
                ready = [update for _place, update in self._state.updates[:limit]]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0:
                return ready
            async with self._new_update:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), remaining)

    async def _deliver_webhook(self) -> None:
        """Pushes queued updates to the registered webhook, one at a time, as Telegram does."""
        hook = self.webhook
        if hook is None or self._delivering is None:
            return
        async with self._delivering:
            await self._deliver_queued(hook)

    async def _deliver_queued(self, hook: dict[str, Any]) -> None:
        while True:
            with self._lock:
                if not self._state.updates:
                    return
                queued = self._state.updates[0]
            status = await asyncio.to_thread(_post_json, hook, queued[1])
            self.webhook_statuses.append(status)
            if status == 200:
                with self._lock:
                    if self._state.updates and self._state.updates[0] is queued:
                        self._state.updates.pop(0)
            else:
                await asyncio.sleep(0.2)

    def record_send(self, method: str, params: dict[str, Any], upload: bytes | None) -> Sent:
        chat_id = int(params["chat_id"])
        with self._lock:
            sent = Sent(
                method=method,
                chat_id=chat_id,
                message_id=next(self._message_ids[chat_id]),
                params=params,
                at=time.monotonic(),
                upload_sha256=hashlib.sha256(upload).hexdigest() if upload else None,
            )
            self._state.sent[chat_id].append(sent)
        return sent

    def fault_for(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if "chat_id" in params and int(params["chat_id"]) in self._state.blocked:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        if method not in SEND_METHODS:
            return None
        roll = self._random.random()
        if roll < self.faults.share_429:
            retry = self.faults.retry_after
            self.fault_log.append(429)
            return 429, _error(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        if roll < self.faults.share_429 + self.faults.share_502:
            self.fault_log.append(502)
            return 502, {}
        return None


def _post_json(hook: dict[str, Any], update: dict[str, Any]) -> int:
    body = update if isinstance(update, RawUpdate) else json.dumps(update)
    request = urllib.request.Request(
        hook["url"],
        data=body.encode(),
        headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": hook.get("secret_token", ""),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except OSError:
        return 0


def _visible_length(params: dict[str, Any], key: str = "text") -> int:
    """What Telegram counts of a text: its UTF-16 units once the HTML is parsed."""
    text = str(params.get(key) or "")
    if params.get("parse_mode") == "HTML":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return len(text.encode("utf-16-le")) // 2


def _user(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "fr"}


def _error(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


class _ApiHandler(RequestHandler):
    """`/bot{token}/{method}`: form, multipart or JSON parameters, as PTB sends them."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def check_xsrf_cookie(self) -> None:
        """Not a browser form."""

    async def post(self, token: str, method: str) -> None:
        if token != self.api.token:
            self._reply(401, _error(401, "Unauthorized"))
            return
        params, upload = self._params()
        with self.api._lock:
            self.api._state.calls.append((method, params))
        fault = self.api.fault_for(method, params)
        if fault is not None:
            code, body = fault
            if code == 502:
                self.set_status(502)
                self.finish("<html><body>502 Bad Gateway</body></html>")
            else:
                self._reply(code, body)
            return
        answer = getattr(self, "_" + method, None)
        if answer is None:
            self._reply(404, _error(404, "Not Found: method not found"))
            return
        result = await answer(params, upload) if method == "getUpdates" else answer(params, upload)
        if isinstance(result, tuple):
            self._reply(result[0], result[1])
        else:
            self._reply(200, {"ok": True, "result": result})

    get = post

    def _params(self) -> tuple[dict[str, Any], bytes | None]:
        arguments: dict[str, list[bytes]] = {}
        files: dict[str, list[HTTPFile]] = {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            raw: dict[str, Any] = json.loads(self.request.body or b"{}")
        else:
            parse_body_arguments(content_type, self.request.body, arguments, files)
            for key, values in self.request.query_arguments.items():
                arguments.setdefault(key, values)
            raw = {key: _json_or_text(values[-1].decode()) for key, values in arguments.items()}
        upload = next((f[0]["body"] for f in files.values() if f), None)
        return raw, upload

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        result = body.get("result")
        if isinstance(result, list) and any(isinstance(item, RawUpdate) for item in result):
            items = [item if isinstance(item, RawUpdate) else json.dumps(item) for item in result]
            self.finish('{"ok": true, "result": [' + ", ".join(items) + "]}")
            return
        self.finish(json.dumps(body))

    # -- methods ------------------------------------------------------------------------------

    def _getMe(self, params: dict[str, Any], upload: bytes | None) -> Any:
        return BOT_USER

    async def _getUpdates(self, params: dict[str, Any], upload: bytes | None) -> Any:
        if self.api.webhook is not None:
            return 409, _error(409, "Conflict: can't use getUpdates method while webhook is active")
        return await self.api.get_updates(
            int(params.get("offset") or 0),
            float(params.get("timeout") or 0),
            int(params.get("limit") or 100),
        )

    def _sendMessage(self, params: dict[str, Any], upload: bytes | None) -> Any:
        if not str(params.get("text", "")).strip():
            return 400, _error(400, "Bad Request: message text is empty")
        if _visible_length(params) > TEXT_LIMIT:
            return 400, _error(400, "Bad Request: message is too long")
        return self._message(
            self.api.record_send("sendMessage", params, None), {"text": params["text"]}
        )

    def _sendPhoto(self, params: dict[str, Any], upload: bytes | None) -> Any:
        if _visible_length(params, "caption") > CAPTION_LIMIT:
            return 400, _error(400, "Bad Request: message caption is too long")
        sent = self.api.record_send("sendPhoto", params, upload)
        photo = [
            {"file_id": f"sent{sent.message_id}", "file_unique_id": "s", "width": 1, "height": 1}
        ]
        return self._message(sent, {"photo": photo, "caption": params.get("caption", "")})

    def _sendDocument(self, params: dict[str, Any], upload: bytes | None) -> Any:
        sent = self.api.record_send("sendDocument", params, upload)
        document = {"file_id": f"sent{sent.message_id}", "file_unique_id": "s"}
        return self._message(sent, {"document": document})

    def _copyMessage(self, params: dict[str, Any], upload: bytes | None) -> Any:
        return {"message_id": self.api.record_send("copyMessage", params, None).message_id}

    def _sendChatAction(self, params: dict[str, Any], upload: bytes | None) -> Any:
        self.api.record_send("sendChatAction", params, None)
        return True

    def _editMessageReplyMarkup(self, params: dict[str, Any], upload: bytes | None) -> Any:
        self.api.record_send("editMessageReplyMarkup", params, None)
        return True

    def _answerCallbackQuery(self, params: dict[str, Any], upload: bytes | None) -> Any:
        return True

    def _setMyCommands(self, params: dict[str, Any], upload: bytes | None) -> Any:
        scope = params.get("scope") or {}
        with self.api._lock:
            if scope.get("type", "default") == "default":
                self.api._state.commands = list(params.get("commands") or [])
            else:
                self.api._state.scoped_commands[int(scope["chat_id"])] = [
                    c["command"] for c in params.get("commands") or []
                ]
        return True

    def _setWebhook(self, params: dict[str, Any], upload: bytes | None) -> Any:
        with self.api._lock:
            self.api._state.webhook = dict(params)
        self._background = asyncio.ensure_future(self.api._deliver_webhook())
        return True

    def _deleteWebhook(self, params: dict[str, Any], upload: bytes | None) -> Any:
        with self.api._lock:
            self.api._state.webhook = None
        return True

    def _leaveChat(self, params: dict[str, Any], upload: bytes | None) -> Any:
        with self.api._lock:
            self.api._state.left_chats.append(int(params["chat_id"]))
        return True

    def _createForumTopic(self, params: dict[str, Any], upload: bytes | None) -> Any:
        thread = next(self.api._files)
        with self.api._lock:
            self.api._state.topics[int(params["chat_id"])][thread] = str(params.get("name", ""))
            self.api._state.topic_calls.append((int(params["chat_id"]), time.monotonic()))
        return {"message_thread_id": thread, "name": params.get("name", ""), "icon_color": 7322096}

    def _sendMediaGroup(self, params: dict[str, Any], upload: bytes | None) -> Any:
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            return 400, _error(400, "Bad Request: wrong number of media in the album")
        sent = self.api.record_send("sendMediaGroup", params, upload)
        return [
            self._message(sent, {"photo": [{"file_id": f"sent{sent.message_id}-{index}",
                                            "file_unique_id": "s", "width": 1, "height": 1}],
                                 "media_group_id": str(sent.message_id)})
            for index in range(len(media))
        ]  # fmt: skip

    def _getChatMember(self, params: dict[str, Any], upload: bytes | None) -> Any:
        user_id = int(params["user_id"])
        with self.api._lock:
            member = user_id in self.api._state.members[int(params["chat_id"])]
        return {"status": "member" if member else "left", "user": _user(user_id, "Quelqu'un")}

    def _getFile(self, params: dict[str, Any], upload: bytes | None) -> Any:
        with self.api._lock:
            stored = self.api._state.files.get(str(params.get("file_id")))
        if stored is None:
            return 400, _error(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            return 400, _error(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_size": stored.size,
            "file_path": stored.path,
        }

    def _message(self, sent: Sent, content: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            **content,
        }


class _FileHandler(RequestHandler):
    """`/file/bot{token}/{path}`: the download of a file announced by getFile."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, token: str, path: str) -> None:
        with self.api._lock:
            stored = next((f for f in self.api._state.files.values() if f.path == path), None)
        if token != self.api.token or stored is None:
            self.set_status(404)
            self.finish("not found")
            return
        if self.api.downloads_broken:
            self.set_status(502)
            self.finish("<html><body>502 Bad Gateway</body></html>")
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(stored.content)


def _json_or_text(value: str) -> Any:
    if value[:1] in "[{" or value in ("true", "false") or value.lstrip("-").isdigit():
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def eventually(condition: Callable[[], bool | Awaitable[bool]], within: float = 20.0) -> None:
    """Waits (in async tests) until `condition` holds; fails after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        outcome = condition()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)
