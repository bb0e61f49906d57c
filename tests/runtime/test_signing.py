"""Signed bytes anyone can reproduce: RFC 8785 (JCS), checked against the RFC's own examples;
signatures made over the earlier form keep verifying under the form their event records."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import orjson
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.approvals import Approvals
from kernel.approvals.domain import Approvable, void_fields
from kernel.audit.signatures import SignatureChecker
from kernel.audit.verify import AuditedEvent
from runtime.signing import CURRENT_FORM, CanonicalForm, KeyRing, canonical, sign
from runtime.transcoding import new_transcoder

# RFC 8785 §3.2.2: the sample input (as JSON text) and its canonical form.
RFC8785_SAMPLE = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC8785_SAMPLE_CANONICAL = (
    b'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    b'"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)
# RFC 8785 §3.2.3: property sorting by UTF-16 code units.
RFC8785_SORTING = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC8785_SORTED_KEYS = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_the_signed_bytes_are_rfc8785_sample_canonical_form() -> None:
    assert CURRENT_FORM == CanonicalForm.RFC8785
    assert canonical(json.loads(RFC8785_SAMPLE)) == RFC8785_SAMPLE_CANONICAL


def test_properties_sort_by_utf16_code_units_as_rfc8785_shows() -> None:
    encoded = canonical(json.loads(RFC8785_SORTING))
    assert list(json.loads(encoded)) == RFC8785_SORTED_KEYS
    # Sorting by code points would put the emoji (U+1F600) after U+FB33.
    assert sorted(RFC8785_SORTED_KEYS) != RFC8785_SORTED_KEYS


_TEXT = st.text(st.characters(exclude_categories=["Cs"]))
_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=127)), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(st.characters(max_codepoint=127)), _PLAIN, max_size=6))
def test_the_fast_path_writes_exactly_what_the_reference_implementation_writes(
    fields: dict[str, Any],
) -> None:
    assert canonical(fields) == rfc8785.dumps(fields)


@given(st.dictionaries(_TEXT, st.floats(allow_nan=False, allow_infinity=False) | _TEXT))
def test_anything_else_takes_the_reference_implementation(fields: dict[str, Any]) -> None:
    assert canonical(fields) == rfc8785.dumps(fields)


def test_a_signature_is_over_the_canonical_bytes_any_implementation_reproduces() -> None:
    key = Ed25519PrivateKey.generate()
    fields = {"z": "Zhao Lan 赵兰", "a": 1, "nested": {"b": [True, None], "a": "x"}}
    signature = base64.b64decode(sign(key, fields))
    key.public_key().verify(
        signature,
        b'{"a":1,"nested":{"a":"x","b":[true,null]},"z":"Zhao Lan \xe8\xb5\xb5\xe5\x85\xb0"}',
    )


def test_a_signature_verifies_only_under_the_form_it_was_made_over() -> None:
    key = Ed25519PrivateKey.generate()
    ring = KeyRing.unbounded({"gm": key.public_key()})
    # Numbers are where the two forms differ: RFC 8785 writes 1.0 as 1, orjson as 1.0.
    fields = {"amount": 1.0, "action": "approve"}
    assert canonical(fields) != canonical(fields, CanonicalForm.SORTED_JSON_V1)
    old = base64.b64encode(key.sign(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS))).decode()
    now = datetime.now(tz=UTC)
    assert ring.verify("gm", fields, old, CanonicalForm.SORTED_JSON_V1, at=now)
    assert not ring.verify("gm", fields, old, at=now)
    assert ring.verify("gm", fields, sign(key, fields), at=now)
    with pytest.raises(ValueError, match="unknown canonical form"):
        canonical(fields, "json-by-whim")


def test_signatures_stored_before_the_form_was_recorded_keep_verifying() -> None:
    # An event written before RFC 8785 was adopted has no canonical_form: its signature was
    # made over orjson's sorted-key JSON.
    key = Ed25519PrivateKey.generate()
    document_id, signature_id = uuid4(), uuid4()
    fields = void_fields(document_id, signature_id, "wrong person", "sales-manager")
    old = base64.b64encode(key.sign(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS))).decode()
    transcoder = new_transcoder(Approvals.feature.value_objects)
    state = {
        "signature_id": signature_id,
        "reason": "wrong person",
        "approved_by": "sales-manager",
        "approver_role": "sales_manager",
        "approval_signature": old,
        "timestamp": datetime.now(tz=UTC),
    }
    topic = f"kernel.approvals.domain:{Approvable.SignatureVoided.__qualname__}"
    event = AuditedEvent("customers", 1, document_id, 2, topic, transcoder.encode(state))
    check = SignatureChecker(KeyRing.unbounded({"sales-manager": key.public_key()}))
    assert check(event) is None
    altered = transcoder.encode({**state, "reason": "right person"})
    forged = AuditedEvent("customers", 1, document_id, 2, topic, altered)
    assert "does not verify" in (check(forged) or "")
