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

