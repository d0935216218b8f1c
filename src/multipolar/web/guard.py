"""The dashboard's one middleware: access token, request-body cap and security headers.

:class:`Guard` is pure ASGI (no per-request framework overhead). Depends on Starlette (via the
JSON error responses of :mod:`multipolar.web.schemas`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from multipolar.web.schemas import TOKEN_COOKIE
from multipolar.web.schemas import error_response as _err
from multipolar.web.settings import MAX_BODY_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guard:
    """Pure ASGI middleware: token check, request-body cap, security headers."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy",
         b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
         b"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"),
    ]

    def __init__(self, app: ASGIApp, token: str | None, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    def _authorised(self, scope: Scope) -> bool:
        token = self.token
        if not token:
            return True
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        given: list[str] = []
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given.append(auth[7:].strip())
        if "x-multipolar-token" in headers:
            given.append(headers["x-multipolar-token"])
        if "cookie" in headers:
            c: SimpleCookie = SimpleCookie()
            try:
                c.load(headers["cookie"])
            except Exception:  # a malformed cookie header is simply not a token
                c = SimpleCookie()
            if TOKEN_COOKIE in c:
                given.append(c[TOKEN_COOKIE].value)
        if scope.get("path") == "/":
            q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given += q.get("token", [])[:1]
        return any(hmac.compare_digest(g.encode(), token.encode()) for g in given)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.HEADERS
            await send(message)

        if not self._authorised(scope):
            await _err(401, "a valid access token is required",
                       "open the page as /?token=TOKEN, or send 'Authorization: Bearer TOKEN'"
                       )(scope, receive, send_secure)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await _err(413, f"request body over {self.max_body} bytes",
                           "send a smaller request")(scope, receive, send_secure)
                return
        seen = 0

        async def capped_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, capped_receive, send_secure)
        except _BodyTooLarge:
            await _err(413, f"request body over {self.max_body} bytes",
                       "send a smaller request")(scope, receive, send_secure)


class _BodyTooLarge(Exception):
    pass
