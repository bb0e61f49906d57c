"""The HTTP app factory: one error shape for refusals, health, metrics and command counting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from eventsourcing.persistence import RecordConflictError
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from runtime import metrics
from runtime.aggregate import NotFound, RuleViolation
from runtime.application import ServiceApplication
from runtime.auth import UserDirectory

A = TypeVar("A", bound=ServiceApplication)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def application_of(kind: type[A]) -> Callable[[Request], A]:
    """FastAPI dependency returning the running service's application."""

    def get(request: Request) -> A:
        application = request.app.state.application
        assert isinstance(application, kind)
        return application

    return get


def refusal(status: int, rule: str, reason: str, details: Any = None) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"rule": rule, "reason": reason, "details": details or {}}
    )


def create_http_app(
    service: str,
    users: UserDirectory,
    routers: Sequence[APIRouter],
    lifespan: Lifespan,
) -> FastAPI:
    app = FastAPI(title=f"Countersign {service}", lifespan=lifespan)
    app.state.users = users

    @app.exception_handler(RuleViolation)
    async def rule_violation(_: Request, error: RuleViolation) -> JSONResponse:
        return refusal(422, error.rule, error.reason, error.details)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return refusal(404, "NOT-FOUND", str(error), {"kind": error.kind, "id": str(error.ident)})

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
        rule = "AUTH" if error.status_code in (401, 403) else "HTTP"
        response = refusal(error.status_code, rule, str(error.detail))
        response.headers.update(error.headers or {})
        return response

    @app.middleware("http")
    async def count_commands(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and route is not None:
            outcome = (
                "accepted"
                if response.status_code < 400
                else "refused"
                if response.status_code < 500
                else "failed"
            )
            metrics.COMMANDS.labels(getattr(route, "path", "?"), outcome).inc()
        return response

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
