"""Schemathesis hooks for Scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

Money commands (openShift, closeShift, issueCard) need an `Idempotency-Key` header of 8-100
characters of A-Z a-z 0-9 - _. A repeated key with another body is refused with
`idempotency_key_reused`, and generated keys repeat (shrinking, the coverage phase's boundary
values), so every request that carries the header gets a fresh key here. A request generated
without the header (the missing-header probe) keeps going without one; a header that the
generator deliberately made invalid (negative mode for headers) is left as it is.

List cursors (`cursor`) are opaque tokens the server made for the previous page; a generated one
is no more a real page than a generated id is a real row, and the server refuses it with
`invalid_cursor` (400). Schema-valid (positive) requests therefore go without a generated cursor;
schema-invalid ones keep theirs.

Set TONGKA_FUZZ_KEEP_IDEMPOTENCY_KEYS=1 to send the generated keys unchanged (shows that the
document does not state the key's pattern).
"""

from __future__ import annotations

import os
import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation

KEEP_GENERATED = os.environ.get("TONGKA_FUZZ_KEEP_IDEMPOTENCY_KEYS") == "1"


def _guard_lambda_descriptions() -> None:
    """Hypothesis names every filtered strategy by parsing its lambda's source. On CPython 3.11 that
    parse can raise "SystemError: AST constructor recursion depth mismatch" when it runs deep in
    schemathesis' recursion (a CPython bug in the AST recursion-depth check); schemathesis then
    reports the whole operation as a "Runtime Error" and the run fails without a single request
    being wrong. The description is only a repr: a failed one becomes a placeholder."""
    from hypothesis.internal import lambda_sources

    describe = lambda_sources.lambda_description

    def described(f):
        try:
            return describe(f)
        except (SystemError, RecursionError):
            return "lambda: <source not parsed>"

    lambda_sources.lambda_description = described


_guard_lambda_descriptions()


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    if case.query and "cursor" in case.query and not (meta is not None and meta.is_negative_at(ParameterLocation.QUERY)):
        del case.query["cursor"]
    if KEEP_GENERATED or not case.headers:
        return
    if meta is not None and meta.is_negative_at(ParameterLocation.HEADER):
        return
    for name in list(case.headers):
        if name.lower() == "idempotency-key":
            case.headers[name] = "fuzz-" + uuid.uuid4().hex



# --- Rules the document states but cannot state in a form the generator and swift-openapi-generator
# --- both accept (they depend on another member or on the server's configuration).
#
# Schema-valid (positive) requests are made to follow them here, so that a 4xx answer to one is a
# real finding. Only positive cases are changed, and every change keeps the value schema-valid.
# Cross-member rules are not written into the document as `not`/`anyOf` beside `properties`:
# swift-openapi-generator would then generate composed types for the request bodies.

import datetime
import hashlib

ISSUER_PREFIX = (os.environ.get("TONGKA_ISSUER_PREFIXES") or "31048200").split(",")[0].strip()
ISSUER_ID = os.environ.get("TONGKA_ISSUER_ID") or "31045510FFFFFFFF"
MAX_FLOAT_FEN = int(os.environ.get("TONGKA_SHIFT_MAX_FLOAT_FEN") or "1000000")


def _digits(seed: str, count: int) -> str:
    """`count` digits derived from `seed` (the generated value), so shrinking stays stable."""
    out = ""
    block = seed.encode("utf-8", "surrogatepass")
    while len(out) < count:
        block = hashlib.sha256(block).digest()
        out += "".join(str(byte % 10) for byte in block)
    return out[:count]


def _resident_id(seed: str) -> str:
    """A resident id with a real region, a real birth date and the ISO 7064 MOD 11-2 check character."""
    d = _digits(seed, 9)
    body = "110105" + "19" + d[0:2] + "0" + str(1 + int(d[2]) % 9) + "1" + str(int(d[3]) % 9 + 1) + d[4:7]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


def _fix_document(document) -> None:
    """The number rule of the document's type (IdentityDocument.init); the schema says only 5-18 letters or digits."""
    if not isinstance(document, dict):
        return
    kind, number = document.get("documentType"), document.get("documentNumber")
    if not isinstance(number, str):
        return
    if kind == "resident_id":
        document["documentNumber"] = _resident_id(number)
    elif kind == "passport" and len(number) > 17:
        document["documentNumber"] = number[:17]
    elif kind == "hk_macao_permit":
        document["documentNumber"] = "H" + _digits(number, 8)
    elif kind == "taiwan_permit":
        document["documentNumber"] = _digits(number, 8)


def _fix_card_number(number):
    """Card numbers of this operator: the configured issuer prefix (CardNumber.init, unknown_issuer_prefix)."""
    if isinstance(number, str) and len(number) == 19 and number.isdigit():
        return ISSUER_PREFIX + number[8:]
    return number


LOSS_CARD_PATHS = (
    "/v1/cards/{cardNumber}/loss-report",
    "/v1/cards/{cardNumber}/reclaim",
    "/v1/cards/{cardNumber}/replacement",
    "/v1/cards/{cardNumber}/block",
)


def _fix_range(query, limit_days=None) -> None:
    """`from` not after `to` (invalid_date_range); the issuance report spans at most three years."""
    if not isinstance(query, dict):
        return
    try:
        start = datetime.date.fromisoformat(query["from"])
        end = datetime.date.fromisoformat(query["to"])
    except (KeyError, TypeError, ValueError):
        return
    if start > end:
        query["from"], query["to"] = query["to"], query["from"]
        start, end = end, start
    if limit_days is not None and (end - start).days + 1 > limit_days:
        query["to"] = query["from"]


@schemathesis.hook("before_call")
def follow_cross_member_rules(context, case, kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    method, path = case.operation.method.upper(), case.operation.path
    body = case.body if isinstance(case.body, dict) else None
    if method == "GET" and path == "/v1/cards/{cardNumber}" and case.path_parameters:
        case.path_parameters["cardNumber"] = _fix_card_number(case.path_parameters.get("cardNumber"))
    elif method == "GET" and path in ("/v1/loads", "/v1/topup-orders") and case.query and "cardNumber" in case.query:
        case.query["cardNumber"] = _fix_card_number(case.query.get("cardNumber"))
    elif method == "GET" and path in ("/v1/shifts", "/v1/audit-events"):
        _fix_range(case.query)
    elif method == "GET" and path == "/v1/reports/issuance":
        _fix_range(case.query, limit_days=3 * 366)
    elif method == "GET" and path == "/v1/cards/{cardNumber}/statement" and case.path_parameters:
        case.path_parameters["cardNumber"] = _fix_card_number(case.path_parameters.get("cardNumber"))
    elif path in LOSS_CARD_PATHS and case.path_parameters:
        # Loss reports, reclaims, replacements and blocks: this operator's cards, and documents
        # that follow their type's rule (the body is fixed below).
        case.path_parameters["cardNumber"] = _fix_card_number(case.path_parameters.get("cardNumber"))
        if body is not None:
            _fix_document(body)
            if "newCardNumber" in body:
                body["newCardNumber"] = _fix_card_number(body.get("newCardNumber"))
    elif method == "GET" and path == "/v1/loss-reports/{reference}" and case.headers:
        # The holder's document travels in headers (a case-insensitive mapping: names as generated).
        names = {name.lower(): name for name in list(case.headers)}
        kind, number = names.get("x-tongka-document-type"), names.get("x-tongka-document-number")
        if kind and number:
            document = {"documentType": case.headers[kind], "documentNumber": case.headers[number]}
            _fix_document(document)
            case.headers[number] = document["documentNumber"]
    elif method == "POST" and path == "/v1/loss-reports" and body is not None:
        body["cardNumber"] = _fix_card_number(body.get("cardNumber"))
        _fix_document(body)
    elif method == "GET" and path == "/v1/reports/topups":
        _fix_range(case.query, limit_days=3 * 366)
        # Any subset of hall, channel, product, each once (TopupDimension.parse, invalid_grouping).
        if isinstance(case.query, dict) and "groupBy" in case.query:
            names = str(case.query["groupBy"]).split(",")
            kept = [n for i, n in enumerate(names) if n in ("hall", "channel", "product") and n not in names[:i]]
            case.query["groupBy"] = ",".join(kept)
    elif method == "GET" and path == "/v1/reports/revenue":
        _fix_range(case.query, limit_days=3 * 366)
        # Any subset of company, mode, line, each once (RevenueDimension.parse, invalid_grouping).
        if isinstance(case.query, dict) and "groupBy" in case.query:
            names = str(case.query["groupBy"]).split(",")
            kept = [n for i, n in enumerate(names) if n in ("company", "mode", "line") and n not in names[:i]]
            case.query["groupBy"] = ",".join(kept)
    elif body is None:
        return
    elif method == "POST" and path in ("/v1/holders", "/v1/holders/search"):
        _fix_document(body)
    elif method == "POST" and path == "/v1/cards":
        body["cardNumber"] = _fix_card_number(body.get("cardNumber"))
        # holderId or holderDocument, not both (malformed_request).
        if "holderId" in body and "holderDocument" in body:
            del body["holderDocument"]
        _fix_document(body.get("holderDocument"))
        # Cash has no channel reference (payment_reference_not_allowed); other channels need one
        # when something is paid (payment_reference_required).
        if body.get("paymentMethod") == "cash":
            body.pop("paymentReference", None)
        elif "paymentMethod" in body and not body.get("paymentReference"):
            body["paymentReference"] = "FUZZ" + uuid.uuid4().hex
    elif method == "POST" and path == "/v1/cards/{cardNumber}/refund":
        # A card return carries the card's INITIALIZE FOR LOAD answer, shaped as a card would shape it
        # (see the loads below): its MAC1 cannot verify, or the generated card does not exist.
        if case.path_parameters:
            case.path_parameters["cardNumber"] = _fix_card_number(case.path_parameters.get("cardNumber"))
        body["issuerId"] = ISSUER_ID
        answer = body.get("initializeAnswer")
        if isinstance(answer, str) and len(answer) == 32:
            body["initializeAnswer"] = answer[:12] + "0100" + answer[16:]
    elif method == "POST" and path in ("/v1/refund-approvals", "/v1/loads/{loadId}/void"):
        body["cardNumber"] = _fix_card_number(body.get("cardNumber"))
        if "issuerId" in body:
            body["issuerId"] = ISSUER_ID
    elif method == "POST" and path in ("/v1/loads", "/v1/loads/{loadId}/resolution"):
        # The card's answer as a card would shape it: this operator's card numbers and issuer id,
        # a key version and algorithm id the operator has (01, 00 = 3DES); its MAC1 still cannot
        # verify (no schema makes a MAC), so the answer is load_mac_invalid (422).
        if "cardNumber" in body:
            body["cardNumber"] = _fix_card_number(body.get("cardNumber"))
        body["issuerId"] = ISSUER_ID
        answer = body.get("initializeAnswer")
        if isinstance(answer, str) and len(answer) == 32:
            body["initializeAnswer"] = answer[:12] + "0100" + answer[16:]
        # A load is paid at the counter or funded by an order, not both (malformed_request).
        if "orderId" in body and "paymentMethod" in body:
            del body["orderId"]
        if "orderId" not in body and "paymentMethod" not in body and path == "/v1/loads":
            body["paymentMethod"] = "cash"
        amount = body.get("amountFen")
        if isinstance(amount, int) and not isinstance(amount, bool) and amount % 100 != 0:
            body["amountFen"] = max(100, amount - amount % 100)
        if body.get("paymentMethod") == "cash":
            body.pop("paymentReference", None)
        elif "paymentMethod" in body and not body.get("paymentReference"):
            body["paymentReference"] = "FUZZ" + uuid.uuid4().hex
    elif method == "POST" and path == "/v1/shifts":
        # The operator's float limit is configuration (float_too_large); the document's maximum is the ceiling.
        # (An integer may come as 4507307.0: JSON has one number type.)
        amount = body.get("openingFloatFen")
        if isinstance(amount, (int, float)) and not isinstance(amount, bool) and amount > MAX_FLOAT_FEN:
            body["openingFloatFen"] = MAX_FLOAT_FEN
    elif method == "POST" and path == "/v1/products":
        # A refund fee rule names only the figures of its kind (invalid_product otherwise).
        fee = body.get("refundFee")
        if isinstance(fee, dict) and fee.get("kind") == "none":
            for name in ("feeFen", "basisPoints", "thresholdFen"):
                if name in fee:
                    fee[name] = 0
        # Sold some way (invalid_product), and reduced-fare cards (student, elderly, military) registered only.
        if body.get("allowsAnonymous") is False and body.get("allowsRegistered") is False:
            body["allowsRegistered"] = True
        if body.get("cardType") in (2, 3, 5) and body.get("allowsAnonymous") is True:
            body["allowsAnonymous"] = False
            body["allowsRegistered"] = True
    elif method == "POST" and path == "/v1/clerks":
        # Clerks and supervisors belong to a hall (hall_required): the seeded one.
        if body.get("role") in ("clerk", "supervisor") and "hall" not in body:
            body["hall"] = "CS01"
    elif method == "POST" and path == "/v1/stock/allocations":
        # From one hall to another, not to itself (invalid_product).
        source, target = body.get("fromHall"), body.get("toHall")
        if isinstance(source, str) and isinstance(target, str) and source.upper() == target.upper():
            del body["fromHall"]
