"""Employee signatures checked again from the stores (XC-02), on SQLite and PostgreSQL.

`audit verify` rebuilds what each employee signed from the stored event alone, so a careful forger
who swaps a signature (or a signed field) and re-seals the hash chain after it is still caught,
and the event is named."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from countersign.audit_cmd import audit_app
from countersign.keys_cmd import keys_app
from customers.application import CustomersApplication
from kernel.approvals.commands import Decision
from kernel.audit.signatures import SignatureChecker
from kernel.audit.verify import StoreReport, open_store, verify
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.application import ServiceApplication
from runtime.signing import KEY_LEDGER_FILE, KeyRing, private_key_path, read_private_key, sign
from runtime.store.chain import event_hash, seal, unseal
from tests.kernel.approval_story import SALESPERSON, Signed, Story, every_signed_event
from tests.kernel.test_audit_chain import RawStore
from tests.signers import Signers, as_user

FORGER = "dgm"  # has a key of their own, and signs the very same fields with it


@pytest.fixture
def story(store_settings: KernelSettings) -> Iterator[Story]:
    with closing(CustomersApplication(store_settings)) as app:
        yield every_signed_event(app, Signers(store_settings.keys_path))


@pytest.fixture
def raw(store_settings: KernelSettings) -> Iterator[RawStore]:
    store = RawStore(store_settings, "customers")
    yield store
    store.close()


def checked(settings: KernelSettings, key_ring: KeyRing | None) -> tuple[StoreReport, int]:
    """The customers store verified; with a key ring, its signatures too (and how many)."""
    store = open_store(settings, "customers")
    assert store is not None
    with closing(store):
        if key_ring is None:
            return verify(store), 0
        check = SignatureChecker(key_ring)
        return verify(store, check), check.checked


def forge(
    app: ServiceApplication, raw: RawStore, signed: Signed, change: Callable[[bytes], bytes]
) -> None:
    """What a careful forger does: change one event's body, then re-seal it and every later event
    of its stream, and the store's log, so that every link and every hash verifies again."""
    stream, version = signed.stream, signed.version
    last = app.repository.get(stream).version
    stored_prev, _, body = unseal(raw.get(stream, version, "state"))
    prev = bytes.fromhex(stored_prev.decode())
    body = change(body)
    for current in range(version, last + 1):
        if current > version:
            body = unseal(raw.get(stream, current, "state"))[2]
        topic = raw.get(stream, current, "topic").encode()
        own = event_hash(stream.bytes, current, topic, prev, body)
        raw.set(stream, current, "state", seal(prev, own, body))
        prev = own
    raw.reseal_log()


def swap_signature(story: Story, signed: Signed) -> Callable[[bytes], bytes]:
    def change(body: bytes) -> bytes:
        genuine: str = orjson.loads(body)[signed.member]
        return body.replace(genuine.encode(), story.signature(FORGER, signed.fields).encode())

    return change


def test_every_kind_of_signed_event_verifies(store_settings: KernelSettings, story: Story) -> None:
    report, signatures = checked(store_settings, KeyRing.load(story.signers.keys))
    assert report.failure is None
    assert (report.streams, report.events, signatures) == (5, 19, 8)
    unchecked = checked(store_settings, None)[0]
    assert (unchecked.streams, unchecked.events, unchecked.failures) == (5, 19, [])


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("ApprovalGranted", "the grant signature of sales-manager"),
        ("ApprovalRejected", "the reject signature of sales-manager"),
        ("SignatureCaptured", "the seal of salesperson"),
        ("SignatureVoided", "the void approval signature of sales-manager"),
        ("PolicyVersion.Approved", "the policy approval signature of gm"),
    ],
)
def test_a_forged_employee_signature_is_detected(
    store_settings: KernelSettings, story: Story, raw: RawStore, kind: str, what: str
) -> None:
    signed = story.signed[kind]
    forge(story.app, raw, signed, swap_signature(story, signed))

    assert checked(store_settings, None)[0].failure is None  # the chain alone cannot tell
    failure = checked(store_settings, KeyRing.load(story.signers.keys))[0].failure

    assert failure is not None
    assert (failure.stream, failure.version) == (str(signed.stream), signed.version)
    assert failure.position == raw.notification_id(signed.stream, signed.version)
    assert failure.reason.startswith(f"signature: {kind}: {what} does not verify")


@pytest.mark.parametrize(
    ("kind", "signed_field", "altered", "what"),
    [
        ("ApprovalGranted", b'"step":"sales_manager"', b'"step":"finance"', "grant signature"),
        ("SignatureCaptured", b'"place":"Shanghai"', b'"place":"Beijing"', "seal"),
    ],
)
def test_an_altered_signed_field_is_detected(
    store_settings: KernelSettings,
    story: Story,
    raw: RawStore,
    kind: str,
    signed_field: bytes,
    altered: bytes,
    what: str,
) -> None:
    signed = story.signed[kind]
    forge(story.app, raw, signed, lambda body: body.replace(signed_field, altered))

    failure = checked(store_settings, KeyRing.load(story.signers.keys))[0].failure

    assert failure is not None
    assert (failure.stream, failure.version) == (str(signed.stream), signed.version)
    assert failure.reason.startswith(f"signature: {kind}: the {what} of {signed.signer}")


def test_what_the_gm_signed_is_taken_from_the_proposed_version(
    store_settings: KernelSettings, story: Story, raw: RawStore
) -> None:
    # The digest the GM signed lives in the policy stream's first event, not in the approval.
    approved = story.signed["PolicyVersion.Approved"]
    proposed = Signed(approved.stream, 1, "gm", approved.fields, "digest")
    digest: str = approved.fields["digest"]
    forge(story.app, raw, proposed, lambda body: body.replace(digest.encode(), b"0" * 64))

    failure = checked(store_settings, KeyRing.load(story.signers.keys))[0].failure

    assert failure is not None
    assert (failure.stream, failure.version) == (str(approved.stream), 2)
    assert "PolicyVersion.Approved: the policy approval signature of gm" in failure.reason


def test_a_signed_event_that_cannot_be_read_is_named(
    store_settings: KernelSettings, story: Story, raw: RawStore
) -> None:
    signed = story.signed["ApprovalGranted"]
    forge(story.app, raw, signed, lambda body: body.replace(b'"step":"sales_manager",', b""))

    failure = checked(store_settings, KeyRing.load(story.signers.keys))[0].failure

    assert failure is not None
    assert (failure.stream, failure.version) == (str(signed.stream), signed.version)
    assert failure.reason == (
        "signature: ApprovalGranted: cannot rebuild the signed fields from the event "
        "(KeyError('step'))"
    )


def test_the_cli_checks_the_signatures_and_names_the_first_forgery(
    store_settings: KernelSettings, story: Story, raw: RawStore, tmp_path: Path
) -> None:
    # The keys are in the default place, <data dir>/keys.
    options = ["verify", "--data-dir", str(store_settings.data_dir)]
    options += ["--database-url", store_settings.database_url]
    runner = CliRunner()

    untouched = runner.invoke(audit_app, options)
    assert untouched.exit_code == 0, untouched.output
    assert re.search(r"customers\W+5\W+19\W+8\W+-\W+19\W+OK", untouched.stdout), untouched.stdout

    no_keys = runner.invoke(audit_app, [*options, "--keys-dir", str(tmp_path / "nowhere")])
    assert no_keys.exit_code == 1
    assert f"the key ring {tmp_path / 'nowhere' / KEY_LEDGER_FILE} is missing" in no_keys.stderr

    signed = story.signed["ApprovalGranted"]
    forge(story.app, raw, signed, swap_signature(story, signed))
    forged = runner.invoke(audit_app, options)

    assert forged.exit_code == 1
    position = raw.notification_id(signed.stream, signed.version)
    assert (
        f"customers: position {position}, stream {signed.stream} version {signed.version}: "
        "signature: ApprovalGranted: the grant signature of sales-manager does not verify"
    ) in forged.stderr


def _keys(settings: KernelSettings, *arguments: str) -> None:
    """`countersign keys ...` on the store's key ring, as the key custodian."""
    given = [*arguments, "--by", "it-security", "--keys-dir", str(settings.keys_path)]
    changed = CliRunner().invoke(keys_app, given)
    assert changed.exit_code == 0, changed.output


def test_audit_verify_keeps_verifying_old_signatures_after_a_rotation(
    store_settings: KernelSettings, story: Story
) -> None:
    old_key = private_key_path(store_settings.keys_path, "sales-manager").read_bytes()
    _keys(store_settings, "rotate", "sales-manager", "--generate", "--reason", "new laptop")
    assert private_key_path(store_settings.keys_path, "sales-manager").read_bytes() != old_key

    # From now on sales-manager signs with the new key, and the service takes it.
    later = story.app.register_customer(SALESPERSON, "Initech", "salesperson").id
    story.app.submit_for_approval(SALESPERSON, later, Decimal(5000), "CNY")
    story.decide("finance", Role.FINANCE, later)
    story.decide("sales-manager", Role.SALES_MANAGER, later)

    report, signatures = checked(store_settings, KeyRing.load(store_settings.keys_path))
    assert (report.failure, signatures) == (None, 10)
    options = ["verify", "--data-dir", str(store_settings.data_dir)]
    verified = CliRunner().invoke(
        audit_app, [*options, "--database-url", store_settings.database_url]
    )
    assert verified.exit_code == 0, verified.output
    assert re.search(r"customers\W+\d+\W+\d+\W+10\W+-\W+\d+\W+OK", verified.stdout), verified.stdout


def test_a_revoked_key_s_later_signatures_are_refused_its_earlier_ones_still_verify(
    store_settings: KernelSettings, story: Story
) -> None:
    _keys(store_settings, "revoke", "finance", "--reason", "laptop stolen")
    later = story.app.register_customer(SALESPERSON, "Initech", "salesperson").id
    story.app.submit_for_approval(SALESPERSON, later, Decimal(5000), "CNY")

    with pytest.raises(RuleViolation) as refused:
        story.decide("finance", Role.FINANCE, later)
    assert refused.value.rule == "XC-02"
    assert story.app.document(later).approval.next_step().step.name == "finance"  # type: ignore[union-attr]

    # What finance signed before the revocation is still theirs.
    report, signatures = checked(store_settings, KeyRing.load(store_settings.keys_path))
    assert (report.failure, signatures) == (None, 8)


def test_a_signature_made_with_the_replaced_key_after_the_rotation_does_not_count(
    store_settings: KernelSettings, story: Story
) -> None:
    old_key = read_private_key(private_key_path(store_settings.keys_path, "sales-manager"))
    _keys(store_settings, "rotate", "sales-manager", "--generate", "--reason", "new laptop")
    later = story.app.register_customer(SALESPERSON, "Initech", "salesperson").id
    story.app.submit_for_approval(SALESPERSON, later, Decimal(5000), "CNY")
    story.decide("finance", Role.FINANCE, later)

    document = story.app.document(later)
    step = document.approval.next_step()  # type: ignore[union-attr]
    assert step is not None
    fields = document.decision_to_sign("grant", step.step.name, "sales-manager").fields()
    decision = Decision("grant", step.step.name, document.version_hash, sign(old_key, fields))
    with pytest.raises(RuleViolation) as refused:
        story.app.decide(as_user("sales-manager", Role.SALES_MANAGER), later, decision)
    assert refused.value.rule == "XC-02"
