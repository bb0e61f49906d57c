"""The HTTP app factory: one error shape for every refusal, documented on every route; bounded
request bodies; idempotent command requests (``Idempotency-Key``); health, readiness and metrics;
command counting."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from eventsourcing.persistence import RecordConflictError
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime import metrics
from runtime.aggregate import NotFound, RuleViolation
from runtime.application import ServiceApplication
from runtime.auth import Authenticator
from runtime.idempotency import (
    HEADER,
    MAX_KEY_LENGTH,
    CommandReceipt,
    KeyedRequest,
    Replayed,
    fingerprint,
    keyed_request,
)

A = TypeVar("A", bound=ServiceApplication)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def application_of(kind: type[A]) -> Callable[[Request], Awaitable[A]]:
    """FastAPI dependency returning the running service's application."""

    async def get(request: Request) -> A:
        application = request.app.state.application
        assert isinstance(application, kind)
        return application

    return get


class Refusal(BaseModel):
    """Why a request was refused: the rule (a rule id such as ``CU-02``, or ``INPUT``,
    ``AUTH``, ``NOT-FOUND``, ``CONCURRENCY``), in words, and the facts behind it."""

    rule: str
    reason: str
    details: dict[str, Any]


# Every route may be refused for these; each answers a Refusal.
REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": Refusal, "description": description}
    for status, description in (
        (400, "The request cannot be read, or its Idempotency-Key is not a key (INPUT)"),
        (401, "No valid bearer token (AUTH)"),
        (403, "The caller's roles do not allow it (AUTH)"),
        (404, "What the request names does not exist (NOT-FOUND), or no such route"),
        (409, "The document changed concurrently; retry (CONCURRENCY)"),
        (413, "The request body is too large (INPUT)"),
        (
            422,
            "Invalid input (INPUT), refused by a business rule (its rule id), or an "
            "Idempotency-Key used before for another request (IDEMPOTENCY)",
        ),
        (503, "The identity provider cannot be reached to check the token (AUTH)"),
    )
}
_RULE_BY_STATUS = {
    400: "INPUT",
    401: "AUTH",
    403: "AUTH",
    404: "NOT-FOUND",
    413: "INPUT",
    503: "AUTH",
}


def refusal(status: int, rule: str, reason: str, details: Any = None) -> JSONResponse:
    content = Refusal(rule=rule, reason=reason, details=details or {})
    return JSONResponse(status_code=status, content=content.model_dump(mode="json"))


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses (413) a request body larger than ``max_bytes``, as declared or as it arrives."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        received = 0
        exceeded = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                exceeded = True
                raise _TooLarge
            return message

        async def unless_exceeded(message: Message) -> None:
            # The app may answer the interrupted read its own way (a 400): drop that.
            if not exceeded:
                await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, unless_exceeded)
        if exceeded:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = f"the request body is larger than {self.max_bytes:,} bytes"
        await refusal(413, "INPUT", reason, {"limit": self.max_bytes})(scope, receive, send)


_COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def replay(receipt: CommandReceipt) -> Response:
    """The answer a keyed request was first given, again."""
    return Response(
        receipt.body,
        status_code=receipt.status,
        media_type=receipt.media_type,
        headers={"Idempotent-Replayed": "true"},
    )


class Idempotency:
    """Serves a command request carrying an ``Idempotency-Key`` (``runtime.idempotency``): holds
    its answer until what its commands changed has committed with the answer's receipt, so a
    client never sees a success that was not stored, nor a retry's second effect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _COMMAND_METHODS:
            await self.app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(HEADER.lower().encode())
        if raw is None:
            await self.app(scope, receive, send)
            return
        key = raw.decode("latin-1")
        if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
            reason = f"an {HEADER} is 1 to {MAX_KEY_LENGTH} printable characters"
            await refusal(400, "INPUT", reason)(scope, receive, send)
            return
        body, disconnected = await _whole_body(receive)
        if disconnected:
            return
        keyed = KeyedRequest(
            key, fingerprint(scope["method"], scope["path"], scope["query_string"], body)
        )
        answer: list[Message] = []
        unread: list[bytes] = [body]

        async def once() -> Message:
            # The body read above, then whatever else the client sends (its leaving).
            if not unread:
                return await receive()
            return {"type": "http.request", "body": unread.pop(), "more_body": False}

        async def hold(message: Message) -> None:
            answer.append(message)

        token = keyed_request.set(keyed)
        try:
            await self.app(scope, once, hold)
        finally:
            keyed_request.reset(token)
        status = answer[0]["status"] if answer else 500
        if keyed.unit is not None and 200 <= status < 300:
            content = b"".join(m.get("body", b"") for m in answer[1:])
            headers = dict(answer[0].get("headers", []))
            media_type = headers.get(b"content-type", b"application/json").decode("latin-1")
            late = await _commit_keyed(keyed, status, media_type, content.decode())
            if late is not None:
                await late(scope, receive, send)
                return
        for message in answer:
            await send(message)


async def _whole_body(receive: Receive) -> tuple[bytes, bool]:
    """The request's body (bounded by ``BodyLimit`` around this), and whether the client left."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


async def _commit_keyed(
    keyed: KeyedRequest, status: int, media_type: str, content: str
) -> Response | None:
    """Commit the request's effects with its receipt; None once committed, else the answer to
    give instead: the concurrent duplicate's, or the usual refusal of a concurrent change."""
    application = keyed.application
    assert isinstance(application, ServiceApplication) and keyed.receipt_id is not None
    try:
        await application.commit_keyed(keyed, status, media_type, content)
    except RecordConflictError:
        receipt = await application.read(application.find, CommandReceipt, keyed.receipt_id)
        if receipt is None:
            return refusal(409, "CONCURRENCY", "the document was changed concurrently; retry")
        try:
            receipt.check_same_request(keyed.fingerprint)
        except RuleViolation as error:
            return refusal(422, error.rule, error.reason, error.details)
        return replay(receipt)
    return None


def create_http_app(
    service: str,
    authenticator: Authenticator,
    routers: Sequence[APIRouter],
    lifespan: Lifespan,
    max_body_bytes: int,
) -> FastAPI:
    app = FastAPI(title=f"Countersign {service}", lifespan=lifespan)
    app.state.authenticator = authenticator
    # Added first, so it runs inside the body limit.
    app.add_middleware(Idempotency)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    @app.exception_handler(RuleViolation)
    async def rule_violation(_: Request, error: RuleViolation) -> JSONResponse:
        return refusal(422, error.rule, error.reason, error.details)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return refusal(404, "NOT-FOUND", str(error), {"kind": error.kind, "id": str(error.ident)})

    @app.exception_handler(Replayed)
    async def replayed(_: Request, answered: Replayed) -> Response:
        return replay(answered.receipt)

    @app.exception_handler(RecordConflictError)
    async def conflict(_: Request, error: RecordConflictError) -> JSONResponse:
        return refusal(409, "CONCURRENCY", "the document was changed concurrently; retry")

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]
        return refusal(422, "INPUT", "the request is not valid", {"errors": details})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        rule = _RULE_BY_STATUS.get(error.status_code, "HTTP")
        response = refusal(error.status_code, rule, str(error.detail))
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        # Logged by the server with its traceback; the client gets the one refusal shape.
        return refusal(500, "SERVER", "an unexpected error; it is in the service's log")

    @app.middleware("http")
    async def count_commands(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and route is not None:
            path = getattr(route, "path", "?")
            metrics.COMMAND_SECONDS.labels(path).observe(time.perf_counter() - started)
            outcome = (
                "accepted"
                if response.status_code < 400
                else "refused"
                if response.status_code < 500
                else "failed"
            )
            metrics.COMMANDS.labels(path, outcome).inc()
        return response

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def prometheus_metrics(request: Request) -> Response:
        """The technical metrics, then the serving application's business figures: a plain
        ``def``, since the figures are queries of the read models (run in the thread pool)."""
        exposition = generate_latest()
        application = getattr(request.app.state, "application", None)
        if isinstance(application, ServiceApplication):
            exposition += generate_latest(application.figure_registry)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router, responses=REFUSALS)
    return app
