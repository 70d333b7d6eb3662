-- Fixes from the review of the foundation (issue 7): a least-privilege service role, an
-- unambiguous audit digest with a SECURITY DEFINER sealer, idempotency keys scoped by operation,
-- channel references for non-cash payments, forced shift closes.

-- The service role ----------------------------------------------------------------------------
-- Migrations run as the schema owner; the running service connects as a login role that is a
-- member of tongka_service and holds only these grants. It owns nothing, so it cannot drop or
-- disable the guard triggers, rewrite the audit chain or run COPY ... TO PROGRAM (superuser
-- only). The role is cluster-wide: created once, tolerated when it exists (also when two
-- databases of one cluster migrate at the same moment).
DO $$
BEGIN
    CREATE ROLE tongka_service NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END $$;

GRANT USAGE ON SCHEMA public TO tongka_service;
GRANT SELECT ON schema_migrations TO tongka_service;
GRANT SELECT, INSERT ON installation TO tongka_service;
GRANT SELECT, INSERT, UPDATE ON service_halls, clerks, sessions, shifts, ledger_accounts, card_products,
    stock_batches, card_stock, stock_movements, holders, cards TO tongka_service;
-- Journal rows are append-only: no UPDATE, no DELETE (the triggers refuse them as well).
GRANT SELECT, INSERT ON journal_transactions, journal_entries TO tongka_service;
-- Audit rows are appended by the service and sealed only by audit_seal (below), never updated by it.
GRANT SELECT, INSERT ON audit_events TO tongka_service;
-- Idempotency records expire after the retention period: the service deletes old ones.
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO tongka_service;

-- Idempotency keys ----------------------------------------------------------------------------
-- Scoped by operation: the same key sent to two different commands names two commands.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (clerk_id, operation, idempotency_key);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Payment references --------------------------------------------------------------------------
-- A non-cash payment carries the channel's own transaction reference, unique per channel, so one
-- channel payment never pays for two things. Recorded on the journal transaction it paid for.
ALTER TABLE journal_transactions
    ADD COLUMN payment_method text CONSTRAINT journal_transactions_payment_method CHECK (
        payment_method IN ('cash', 'unionpay', 'wechat_pay', 'alipay')),
    ADD COLUMN payment_reference text CONSTRAINT journal_transactions_payment_reference_format CHECK (
        payment_reference ~ '^[A-Za-z0-9_-]{4,64}$'),
    ADD CONSTRAINT journal_transactions_cash_has_no_reference CHECK (
        payment_method IS DISTINCT FROM 'cash' OR payment_reference IS NULL),
    ADD CONSTRAINT journal_transactions_reference_has_method CHECK (
        payment_reference IS NULL OR payment_method IS NOT NULL);
CREATE UNIQUE INDEX journal_transactions_payment_reference_key ON journal_transactions (payment_method, payment_reference)
    WHERE payment_reference IS NOT NULL;
-- A non-cash payment names its reference (rows from before this migration have no method).
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_non_cash_has_reference CHECK (
    payment_method IS NULL OR payment_method = 'cash' OR payment_reference IS NOT NULL);

-- Forced shift closes ------------------------------------------------------------------------
-- A supervisor of the hall or an admin may close a clerk's shift (the clerk went home sick, the
-- counter broke down) with the counted cash and a recorded reason.
ALTER TABLE shifts
    ADD COLUMN closed_by bigint REFERENCES clerks (clerk_id),
    ADD COLUMN force_close_reason text CONSTRAINT shifts_force_close_reason_length CHECK (
        char_length(force_close_reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT shifts_forced_close_complete CHECK (
        force_close_reason IS NULL OR (closed_at IS NOT NULL AND closed_by IS NOT NULL));

-- Holder reads --------------------------------------------------------------------------------
-- Every read of a holder's personal data is audited; the per-staff lookup limit counts those
-- rows, so this index keeps the count cheap.
CREATE INDEX audit_events_actor_action ON audit_events (actor_clerk_id, action, occurred_at);

-- The audit chain, version 2 -----------------------------------------------------------------
-- Version 1 hashed concat_ws('|', ...) over fields that may themselves contain '|', so two
-- different events could hash alike. Version 2 hashes a JSON array: every field is typed,
-- escaped and delimited, and NULL differs from ''. Events sealed before keep version 1.
ALTER TABLE audit_events ADD COLUMN digest_version smallint NOT NULL DEFAULT 1
    CONSTRAINT audit_events_digest_version CHECK (digest_version IN (1, 2));
ALTER TABLE audit_events ALTER COLUMN digest_version SET DEFAULT 2;

CREATE FUNCTION audit_event_digest_v2(prev bytea, e audit_events) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(jsonb_build_array(
        e.event_id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.actor_clerk_id, e.actor_username, e.actor_role, e.hall_id, e.action, e.subject, e.details,
        e.request_id, e.client_address)::text, 'UTF8'))
$$;

CREATE FUNCTION audit_event_digest_any(prev bytea, e audit_events) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE e.digest_version WHEN 1 THEN audit_event_digest(prev, e) ELSE audit_event_digest_v2(prev, e) END
$$;

-- Seals as the owner (SECURITY DEFINER): the service may call it but may not write chain columns.
CREATE OR REPLACE FUNCTION audit_seal(batch integer) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    seq bigint;
    prev bytea;
    e audit_events;
    sealed integer := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7316048) THEN
        RETURN 0;
    END IF;
    SELECT chain_seq, chain_hash INTO seq, prev FROM audit_events
     WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    seq := COALESCE(seq, 0);
    prev := COALESCE(prev, sha256(convert_to('tongka audit chain', 'UTF8')));
    FOR e IN SELECT * FROM audit_events WHERE chain_seq IS NULL ORDER BY event_id LIMIT batch FOR UPDATE LOOP
        seq := seq + 1;
        prev := audit_event_digest_any(prev, e);
        UPDATE audit_events SET chain_seq = seq, chain_hash = prev WHERE event_id = e.event_id;
        sealed := sealed + 1;
    END LOOP;
    RETURN sealed;
END $$;
REVOKE ALL ON FUNCTION audit_seal(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal(integer) TO tongka_service;

-- Verification also reports the chain head (sequence and hash), which operators record outside
-- the database: a rewritten and resealed chain then no longer matches the recorded head.
DROP FUNCTION audit_verify();
CREATE FUNCTION audit_verify(
    OUT sealed_events bigint, OUT unsealed_events bigint, OUT first_broken_event bigint, OUT head_seq bigint,
    OUT head_hash bytea)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    prev bytea := sha256(convert_to('tongka audit chain', 'UTF8'));
    expected_seq bigint := 0;
    e audit_events;
BEGIN
    sealed_events := 0;
    first_broken_event := NULL;
    head_seq := 0;
    head_hash := prev;
    FOR e IN SELECT * FROM audit_events WHERE chain_seq IS NOT NULL ORDER BY chain_seq LOOP
        expected_seq := expected_seq + 1;
        sealed_events := sealed_events + 1;
        IF first_broken_event IS NULL AND (e.chain_seq <> expected_seq OR e.chain_hash <> audit_event_digest_any(prev, e)) THEN
            first_broken_event := e.event_id;
        END IF;
        prev := e.chain_hash;
        expected_seq := e.chain_seq;
        head_seq := e.chain_seq;
        head_hash := e.chain_hash;
    END LOOP;
    SELECT count(*) INTO unsealed_events FROM audit_events WHERE chain_seq IS NULL;
END $$;
