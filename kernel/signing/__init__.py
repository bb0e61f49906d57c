"""The customer's own signing channel (XC-02): one-time links, the signing page, sealed answers.

A service opts in by making its application inherit :class:`CustomerSigning` (which brings
approvals and signatures too): the documents its customers sign extend ``Signable``, and it
mounts ``signing_routes`` for each. The feature brings the signing page (``/sign/{token}``), the
list of signing requests, the timer that closes expired links, and the public contracts of every
request and answer, published on the service's own events topic.
"""

from __future__ import annotations

from contracts import governance as public
from kernel.approvals import Approvals
from kernel.signing import http
from kernel.signing.commands import SigningCommands
from kernel.signing.domain import CustomerAnswer, Signable
from kernel.signing.projections import (
    SIGNING_FIGURES,
    documents_with_lapsed_links,
    signing_requests,
)
from kernel.timers import deadline_timer
from runtime.application import Feature

LINK_EXPIRY = deadline_timer(
    "signing-links", documents_with_lapsed_links, SigningCommands.expire_signing_requests
)
"""Close the signing links that passed their time unanswered."""
expire_lapsed_links = LINK_EXPIRY.tick


class CustomerSigning(SigningCommands, Approvals):
    feature = Feature(
        "customer-signing",
        routers=(http.page, http.requests),
        projections=(signing_requests,),
        timers=(LINK_EXPIRY,),
        figures=SIGNING_FIGURES,
        value_objects=(CustomerAnswer,),
        published={
            Signable.SigningRequested: public.CustomerSignatureRequested,
            Signable.CustomerSigned: public.CustomerSigned,
            Signable.SigningDeclined: public.CustomerDeclinedToSign,
            Signable.SigningExpired: public.CustomerSigningLapsed,
        },
    )
