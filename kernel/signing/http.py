"""HTTP routes of the customer's signing channel. A service mounts ``signing_routes(prefix, tag)``
for each document its customers sign; the feature mounts the signing page (``/sign/{token}``,
authorised by the link alone) and the list of signing requests."""

from __future__ import annotations

import base64
import binascii
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from contracts.values import LongText, Name, ShortText
from kernel.approvals.domain import Capacity, SignatureState
from kernel.roles import EMPLOYEES
from kernel.signing.commands import PageAnswer, SigningCommands
from kernel.signing.page import headers, refusal_page, signing_page
from kernel.signing.projections import SIGNING_REQUESTS, SigningRequestView
from runtime.aggregate import NotFound, RuleViolation
from runtime.auth import Principal, acting_as, requires
from runtime.http import Refusal, application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

App = Annotated[SigningCommands, Depends(application_of(SigningCommands))]
Employee = Annotated[Principal, Depends(requires(*EMPLOYEES))]
ActingEmployee = Annotated[CommandContext, Depends(acting_as(*EMPLOYEES))]
Token = Annotated[str, Path(max_length=100, description="The link's token")]

PNG = b"\x89PNG\r\n\x1a\n"
_DATA_URL = "data:image/png;base64,"


class RequestSignature(BaseModel):
    contact_name: Name = Field(description="The customer's contact person who is to sign")
    contact: ShortText = Field(default="", description="Where the link is sent: phone, address")
    open_hours: int = Field(
        default=72, ge=1, le=24 * 30, description="How long the link stays open, in hours"
    )


class SigningLinkView(BaseModel):
    request_id: UUID
    url: str = Field(description="The one-time link for the customer; shown this once only")
    expires_at: datetime
    document_version_hash: str


class SignatureView(BaseModel):
    signature_id: UUID
    capacity: str
    signer_name: str
    method: str
    document_version_hash: str
    signed_at: datetime
    captured_by: str = Field(description="The employee, or the service that sealed it")
    voided: bool
    has_image: bool

    @classmethod
    def of(cls, signature_id: UUID, signature: SignatureState) -> SignatureView:
        has_image = signature.image is not None
        return cls.model_validate(
            {**vars(signature), "signature_id": signature_id, "has_image": has_image}
        )


class SigningAnswer(BaseModel):
    signed: bool = Field(description="True to sign, false to decline")
    typed_name: Name
    comment: LongText | Literal[""] = Field(default="", description="Kept exactly as written")
    image: str | None = Field(
        default=None,
        max_length=400_000,
        pattern=r"^data:image/png;base64,[A-Za-z0-9+/]*={0,2}$",
        description="The drawn signature as a PNG data URL",
    )

    def png(self) -> bytes | None:
        if self.image is None:
            return None
        try:
            image = base64.b64decode(self.image.removeprefix(_DATA_URL), validate=True)
        except binascii.Error:
            raise RuleViolation("INPUT", "the signature image is not valid base64") from None
        if not image.startswith(PNG):
            raise RuleViolation("INPUT", "the signature image is not a PNG")
        return image


def printable(header: str, limit: int) -> str:
    """A header as printable text: what a client sends there is recorded and published."""
    kept = (c for c in header if unicodedata.category(c) not in ("Cc", "Cs"))
    return "".join(kept)[:limit]


def signing_routes(prefix: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag])

    @router.post("/{document_id}/signing-requests", status_code=201)
    async def request_customer_signature(
        context: ActingEmployee,
        document_id: UUID,
        body: RequestSignature,
        request: Request,
        app: App,
    ) -> SigningLinkView:
        """XC-02: a one-time link for the customer's contact to sign this exact version."""
        link = await app.perform(
            app.request_customer_signature,
            context,
            document_id,
            body.contact_name,
            body.contact,
            timedelta(hours=body.open_hours),
        )
        return SigningLinkView(
            request_id=link.request_id,
            url=str(request.url_for("signing_page", token=link.token)),
            expires_at=link.expires_at,
            document_version_hash=link.document_version_hash,
        )

    @router.get("/{document_id}/signatures")
    def signatures(_: Employee, document_id: UUID, app: App) -> list[SignatureView]:
        """Every signature on the document, voided ones included."""
        signatures = app.signable(document_id).signatures
        return [SignatureView.of(signature_id, s) for signature_id, s in signatures.items()]

    @router.get(
        "/{document_id}/signatures/{signature_id}/image",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def signature_image(_: Employee, document_id: UUID, signature_id: UUID, app: App) -> Response:
        """What the customer drew on the signing page."""
        signature = app.signable(document_id).signatures.get(signature_id)
        if signature is None or signature.image is None:
            raise NotFound("signature image", signature_id)
        return Response(signature.image, media_type="image/png")

    return router


async def without_credentials(request: Request) -> None:
    """XC-02: the signing page is the customer's alone; its link is its only credential, and a
    request carrying an employee's is refused, so staff cannot answer in a customer's name."""
    if "authorization" in request.headers:
        raise RuleViolation(
            "XC-02",
            "a customer's signature is given only through their own link, without any "
            "employee's credentials",
        )


page = APIRouter(prefix="/sign", tags=["signing"], dependencies=[Depends(without_credentials)])
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The signing page", "content": {"text/html": {}}},
    **{
        status: {"model": Refusal, "description": what, "content": {"text/html": {}}}
        for status, what in (
            (404, "No such link: a page saying so"),
            (422, "The link cannot be used: a page naming the rule (JSON for invalid input)"),
        )
    },
}


@page.get("/{token}", name="signing_page", responses=_PAGE_RESPONSES)
def open_signing_page(token: Token, app: App) -> Response:
    """The page the customer's contact opens from their link."""
    nonce = secrets.token_urlsafe(16)
    try:
        linked = app.linked(token)
        linked.document.signature_allowed(Capacity.CUSTOMER)  # SD-11, OR-22: at this moment
    except RuleViolation as refused:
        content, status = refusal_page(refused.rule, refused.reason, nonce), 422
    except NotFound:
        reason = "no such signing link"
        content, status = refusal_page("NOT-FOUND", reason, nonce), 404
    else:
        document = linked.document
        content = signing_page(document.signing_sheet(), linked.request.version_hash, nonce)
        status = 200
    return HTMLResponse(content, status_code=status, headers=headers(nonce))


@page.post("/{token}")
async def answer_signing_request(
    token: Token, body: SigningAnswer, request: Request, app: App
) -> dict[str, str | UUID | None]:
    """The customer's answer: signed (with the drawing) or declined, with their comment."""
    answer = PageAnswer(
        signed=body.signed,
        typed_name=body.typed_name,
        comment=body.comment,
        image=body.png(),
        client_address=printable(request.client.host if request.client else "unknown", 200),
        user_agent=printable(request.headers.get("user-agent", ""), 500),
    )
    context = CommandContext(actor="customer")
    signature_id = await app.perform(app.answer_signing_request, context, token, answer)
    return {"status": "signed" if body.signed else "declined", "signature_id": signature_id}


requests = APIRouter(prefix="/signing-requests", tags=["signing"])


@requests.get("")
def list_signing_requests(
    _: Employee, query: Annotated[PageRequest, Depends(SIGNING_REQUESTS.query)], app: App
) -> Page[SigningRequestView]:
    """Each document's latest request for a customer's signature, oldest first."""
    return app.read_models.page(SIGNING_REQUESTS, query)
