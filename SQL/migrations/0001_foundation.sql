-- Tongka foundation: service halls, clerks and sessions, shifts, the double-entry ledger,
-- idempotency records and the audit log.
--
-- Every constraint has a name: the store maps constraint names to stable error codes
-- (TongkaPostgres/ErrorMapping.swift), so renaming one is an interface change.

CREATE TABLE installation (
    singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT installation_singleton CHECK (singleton),
    bootstrapped_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service_halls (
    hall_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL CONSTRAINT service_halls_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,15}$'),
    name text NOT NULL CONSTRAINT service_halls_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    address text CONSTRAINT service_halls_address_length CHECK (char_length(address) <= 200),
    status text NOT NULL DEFAULT 'open' CONSTRAINT service_halls_status CHECK (status IN ('open', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_halls_code_key UNIQUE (code)
);

CREATE TABLE clerks (
    clerk_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL CONSTRAINT clerks_username_format CHECK (username ~ '^[a-z][a-z0-9._-]{2,31}$'),
    display_name text NOT NULL CONSTRAINT clerks_display_name_length CHECK (char_length(display_name) BETWEEN 1 AND 100),
    role text NOT NULL CONSTRAINT clerks_role CHECK (role IN ('clerk', 'supervisor', 'admin', 'auditor')),
    hall_id bigint REFERENCES service_halls (hall_id),
    password_hash text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT true,
    failed_logins integer NOT NULL DEFAULT 0 CONSTRAINT clerks_failed_logins CHECK (failed_logins >= 0),
    -- Set after too many wrong passwords in a row; the lock lifts by itself at this time.
    locked_until timestamptz,
    -- Set by an administrator (`clerk lock`); lifts only by `clerk unlock`.
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT clerks_username_key UNIQUE (username),
    CONSTRAINT clerks_hall_required CHECK (role NOT IN ('clerk', 'supervisor') OR hall_id IS NOT NULL)
);

-- Bearer tokens are random and only their SHA-256 is stored.
CREATE TABLE sessions (
    session_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL CONSTRAINT sessions_token_hash_length CHECK (octet_length(token_hash) = 32),
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    client_address text,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT sessions_expiry CHECK (expires_at > created_at)
);
CREATE INDEX sessions_clerk ON sessions (clerk_id) WHERE revoked_at IS NULL;

CREATE TABLE shifts (
    shift_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    opened_at timestamptz NOT NULL DEFAULT now(),
    opening_float_fen bigint NOT NULL CONSTRAINT shifts_opening_float CHECK (opening_float_fen BETWEEN 0 AND 1000000000),
    closed_at timestamptz,
    expected_cash_fen bigint,
    counted_cash_fen bigint CONSTRAINT shifts_counted_cash CHECK (counted_cash_fen BETWEEN 0 AND 1000000000),
    difference_fen bigint GENERATED ALWAYS AS (counted_cash_fen - expected_cash_fen) STORED,
    close_note text CONSTRAINT shifts_close_note_length CHECK (char_length(close_note) <= 500),
    CONSTRAINT shifts_close_complete CHECK (
        (closed_at IS NULL AND expected_cash_fen IS NULL AND counted_cash_fen IS NULL)
        OR (closed_at IS NOT NULL AND expected_cash_fen IS NOT NULL AND counted_cash_fen IS NOT NULL))
);
-- One open shift per clerk: the index, not a check in Swift, decides a race of two opens.
CREATE UNIQUE INDEX shifts_one_open_per_clerk ON shifts (clerk_id) WHERE closed_at IS NULL;
CREATE INDEX shifts_hall_opened ON shifts (hall_id, opened_at);

-- A closed shift never changes again and a shift is never deleted.
CREATE FUNCTION shifts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'shifts are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_append_only';
    END IF;
    IF OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'shift % is closed', OLD.shift_id USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_closed_final';
    END IF;
    IF NEW.shift_id <> OLD.shift_id OR NEW.clerk_id <> OLD.clerk_id OR NEW.hall_id <> OLD.hall_id
        OR NEW.opened_at <> OLD.opened_at OR NEW.opening_float_fen <> OLD.opening_float_fen THEN
        RAISE EXCEPTION 'opening data of a shift never changes' USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_append_only';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER shifts_guard BEFORE UPDATE OR DELETE ON shifts FOR EACH ROW EXECUTE FUNCTION shifts_guard();

-- The ledger ------------------------------------------------------------------------------

-- Accounts. Only per-card and per-shift accounts keep a stored balance (kept by a trigger on
-- journal_entries and checked non-negative here); shared system accounts have no balance row to
-- contend on: their balance is the sum of their entries.
CREATE TABLE ledger_accounts (
    account_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CONSTRAINT ledger_accounts_kind CHECK (kind IN (
        'card_purse', 'deposits_held', 'card_cost_income', 'fee_income', 'shift_cash',
        'hall_cash_office', 'cash_over_short', 'payment_channel')),
    -- +1 debit-normal (assets, expenses), -1 credit-normal (liabilities, income).
    normal_side smallint NOT NULL CONSTRAINT ledger_accounts_normal_side CHECK (normal_side IN (1, -1)),
    card_number text,
    shift_id bigint REFERENCES shifts (shift_id),
    hall_id bigint REFERENCES service_halls (hall_id),
    payment_method text,
    tracks_balance boolean NOT NULL,
    balance_fen bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_accounts_balance_non_negative CHECK (NOT tracks_balance OR balance_fen >= 0),
    CONSTRAINT ledger_accounts_untracked_zero CHECK (tracks_balance OR balance_fen = 0),
    CONSTRAINT ledger_accounts_owner CHECK (
        CASE kind
            WHEN 'card_purse' THEN card_number IS NOT NULL AND shift_id IS NULL AND hall_id IS NULL AND payment_method IS NULL
            WHEN 'shift_cash' THEN shift_id IS NOT NULL AND card_number IS NULL AND hall_id IS NULL AND payment_method IS NULL
            WHEN 'hall_cash_office' THEN hall_id IS NOT NULL AND card_number IS NULL AND shift_id IS NULL AND payment_method IS NULL
            WHEN 'cash_over_short' THEN hall_id IS NOT NULL AND card_number IS NULL AND shift_id IS NULL AND payment_method IS NULL
            WHEN 'payment_channel' THEN payment_method IS NOT NULL AND card_number IS NULL AND shift_id IS NULL AND hall_id IS NULL
            ELSE card_number IS NULL AND shift_id IS NULL AND hall_id IS NULL AND payment_method IS NULL
        END),
    CONSTRAINT ledger_accounts_tracking CHECK (tracks_balance = (kind IN ('card_purse', 'shift_cash')))
);
CREATE UNIQUE INDEX ledger_accounts_one_per_owner ON ledger_accounts (
    kind, COALESCE(card_number, ''), COALESCE(shift_id, 0), COALESCE(hall_id, 0), COALESCE(payment_method, ''));

INSERT INTO ledger_accounts (kind, normal_side, tracks_balance) VALUES
    ('deposits_held', -1, false),
    ('card_cost_income', -1, false),
    ('fee_income', -1, false);
INSERT INTO ledger_accounts (kind, normal_side, payment_method, tracks_balance) VALUES
    ('payment_channel', 1, 'unionpay', false),
    ('payment_channel', 1, 'wechat_pay', false),
    ('payment_channel', 1, 'alipay', false);

-- A money command's idempotency record, written in the same transaction as its effect: a
-- repeated request finds it and gets the first result; the same key with another body is refused.
CREATE TABLE idempotency_keys (
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    idempotency_key text NOT NULL CONSTRAINT idempotency_keys_format CHECK (idempotency_key ~ '^[A-Za-z0-9_-]{8,100}$'),
    operation text NOT NULL,
    request_hash bytea NOT NULL CONSTRAINT idempotency_keys_hash_length CHECK (octet_length(request_hash) = 32),
    result jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (clerk_id, idempotency_key)
);

CREATE TABLE journal_transactions (
    transaction_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CONSTRAINT journal_transactions_kind CHECK (kind IN ('shift_open', 'shift_close', 'card_issue')),
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    hall_id bigint REFERENCES service_halls (hall_id),
    shift_id bigint REFERENCES shifts (shift_id),
    idempotency_key text,
    memo text CONSTRAINT journal_transactions_memo_length CHECK (char_length(memo) <= 200),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_transactions_shift ON journal_transactions (shift_id);

CREATE TABLE journal_entries (
    entry_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id bigint NOT NULL REFERENCES journal_transactions (transaction_id),
    account_id bigint NOT NULL REFERENCES ledger_accounts (account_id),
    -- Debits positive, credits negative, never zero, never more than the service's amount limit.
    amount_fen bigint NOT NULL CONSTRAINT journal_entries_amount CHECK (amount_fen <> 0 AND abs(amount_fen) <= 1000000000)
);
CREATE INDEX journal_entries_transaction ON journal_entries (transaction_id);
CREATE INDEX journal_entries_account ON journal_entries (account_id);

-- Append-only: the journal is corrected by new transactions, never edited.
CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'TK001', CONSTRAINT = 'journal_append_only';
END $$;
CREATE TRIGGER journal_transactions_append_only BEFORE UPDATE OR DELETE ON journal_transactions
    FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_transactions_no_truncate BEFORE TRUNCATE ON journal_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();

-- Keeps the stored balance of per-card and per-shift accounts. The CHECK on ledger_accounts then
-- refuses an entry that would take a drawer or a purse below zero.
CREATE FUNCTION journal_entries_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts
       SET balance_fen = balance_fen + NEW.amount_fen * normal_side
     WHERE account_id = NEW.account_id AND tracks_balance;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_entries_apply AFTER INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_apply();

-- At commit, every transaction touched must have two or more entries summing to zero. Deferred,
-- so a transaction's entries can be inserted one by one inside the database transaction.
CREATE FUNCTION journal_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry_count integer;
    entry_sum numeric;
BEGIN
    SELECT count(*), COALESCE(sum(amount_fen), 0) INTO entry_count, entry_sum
      FROM journal_entries WHERE transaction_id = NEW.transaction_id;
    IF entry_count < 2 OR entry_sum <> 0 THEN
        RAISE EXCEPTION 'journal transaction % has % entries summing to %', NEW.transaction_id, entry_count, entry_sum
            USING ERRCODE = 'TK002', CONSTRAINT = 'journal_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_check_balanced();
CREATE CONSTRAINT TRIGGER journal_transactions_balanced AFTER INSERT ON journal_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_check_balanced();

-- The audit log ---------------------------------------------------------------------------

-- Who did what, when, from which hall. Rows are appended in the transaction of the change they
-- record; a background sealer later links them into a SHA-256 hash chain (chain_seq, chain_hash)
-- so that an edited or deleted row shows. Sealing is the only update allowed.
CREATE TABLE audit_events (
    event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_clerk_id bigint REFERENCES clerks (clerk_id),
    actor_username text,
    actor_role text,
    hall_id bigint REFERENCES service_halls (hall_id),
    action text NOT NULL CONSTRAINT audit_events_action_format CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    subject text CONSTRAINT audit_events_subject_length CHECK (char_length(subject) <= 200),
    details jsonb NOT NULL DEFAULT '{}',
    request_id text,
    client_address text,
    chain_seq bigint,
    chain_hash bytea,
    CONSTRAINT audit_events_chain_seq_key UNIQUE (chain_seq),
    CONSTRAINT audit_events_sealed_together CHECK ((chain_seq IS NULL) = (chain_hash IS NULL))
);
CREATE INDEX audit_events_occurred ON audit_events (occurred_at);
CREATE INDEX audit_events_unsealed ON audit_events (event_id) WHERE chain_seq IS NULL;

CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL
        AND (NEW.event_id, NEW.occurred_at, NEW.actor_clerk_id, NEW.actor_username, NEW.actor_role, NEW.hall_id,
             NEW.action, NEW.subject, NEW.details, NEW.request_id, NEW.client_address)
            IS NOT DISTINCT FROM
            (OLD.event_id, OLD.occurred_at, OLD.actor_clerk_id, OLD.actor_username, OLD.actor_role, OLD.hall_id,
             OLD.action, OLD.subject, OLD.details, OLD.request_id, OLD.client_address) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'TK001', CONSTRAINT = 'audit_append_only';
END $$;
CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();

-- The canonical text of an event that the chain hashes. Verification uses the same function, so
-- the form is defined once.
CREATE FUNCTION audit_event_digest(prev bytea, e audit_events) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws('|',
        e.event_id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        COALESCE(e.actor_clerk_id::text, ''), COALESCE(e.actor_username, ''), COALESCE(e.actor_role, ''),
        COALESCE(e.hall_id::text, ''), e.action, COALESCE(e.subject, ''), e.details::text,
        COALESCE(e.request_id, ''), COALESCE(e.client_address, '')), 'UTF8'))
$$;

-- Links unsealed events into the chain in event_id order. One sealer at a time (advisory lock);
-- returns how many events it sealed.
CREATE FUNCTION audit_seal(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
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
        prev := audit_event_digest(prev, e);
        UPDATE audit_events SET chain_seq = seq, chain_hash = prev WHERE event_id = e.event_id;
        sealed := sealed + 1;
    END LOOP;
    RETURN sealed;
END $$;

-- Recomputes the chain from the start. Reports the first event whose hash does not follow from
-- its predecessor, or that follows a gap in the sequence (a deleted event).
CREATE FUNCTION audit_verify(OUT sealed_events bigint, OUT unsealed_events bigint, OUT first_broken_event bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    prev bytea := sha256(convert_to('tongka audit chain', 'UTF8'));
    expected_seq bigint := 0;
    e audit_events;
BEGIN
    sealed_events := 0;
    first_broken_event := NULL;
    FOR e IN SELECT * FROM audit_events WHERE chain_seq IS NOT NULL ORDER BY chain_seq LOOP
        expected_seq := expected_seq + 1;
        sealed_events := sealed_events + 1;
        IF first_broken_event IS NULL AND (e.chain_seq <> expected_seq OR e.chain_hash <> audit_event_digest(prev, e)) THEN
            first_broken_event := e.event_id;
        END IF;
        prev := e.chain_hash;
        expected_seq := e.chain_seq;
    END LOOP;
    SELECT count(*) INTO unsealed_events FROM audit_events WHERE chain_seq IS NULL;
END $$;
