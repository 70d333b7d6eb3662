-- Validator records (taps), issue 10: what cards spent, uploaded by validators.
--
-- A tap is keyed by its terminal and the terminal's transaction serial (unique per PSAM); a resend
-- is acknowledged again, never stored twice. Taps are partitioned by the month of the tap, so the
-- upload path stays as fast with a year of history; a month's partition is made on first use by
-- taps_ensure_month (the service cannot create tables itself). The primary key has to include the
-- partition key, so the store looks a (terminal, serial) up across months under a per-terminal
-- lock before inserting.
--
-- A tap by one of this operator's cards whose TAC verifies debits the card's purse account and
-- credits fare revenue (transit_revenue) in one journal transaction per tap, so the card statement
-- lists each tap. A tap posts no journal transaction without a clerk: validators are not clerks.

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind CHECK (kind IN (
    'card_purse', 'deposits_held', 'card_cost_income', 'fee_income', 'shift_cash', 'hall_cash_office', 'cash_over_short',
    'payment_channel', 'topup_orders', 'unsettled_spend', 'transit_revenue'));

ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_kind;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_kind CHECK (kind IN (
    'shift_open', 'shift_close', 'card_issue', 'card_load', 'load_reversal', 'load_void', 'order_paid', 'order_refund',
    'card_refund', 'tap'));
-- Every transaction names the clerk who made it, except a tap, which a validator made.
ALTER TABLE journal_transactions ALTER COLUMN clerk_id DROP NOT NULL;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_clerk CHECK (clerk_id IS NOT NULL OR kind = 'tap');

CREATE TABLE taps (
    terminal_number text COLLATE "C" NOT NULL CONSTRAINT taps_terminal_format CHECK (terminal_number ~ '^[0-9]{12}$'),
    terminal_serial bigint NOT NULL CONSTRAINT taps_terminal_serial CHECK (terminal_serial BETWEEN 0 AND 4294967295),
    tapped_at timestamptz NOT NULL,
    card_number text COLLATE "C" NOT NULL CONSTRAINT taps_card_format CHECK (card_number ~ '^[0-9]{19}$'),
    issuer_id text NOT NULL CONSTRAINT taps_issuer_format CHECK (issuer_id ~ '^[0-9A-F]{8}FFFFFFFF$'),
    card_type smallint NOT NULL CONSTRAINT taps_card_type CHECK (card_type BETWEEN 1 AND 5),
    offline_serial integer NOT NULL CONSTRAINT taps_offline_serial CHECK (offline_serial BETWEEN 0 AND 65535),
    amount_fen bigint NOT NULL CONSTRAINT taps_amount CHECK (amount_fen > 0),
    balance_before_fen bigint NOT NULL CONSTRAINT taps_balance_before CHECK (balance_before_fen >= 0),
    balance_after_fen bigint NOT NULL CONSTRAINT taps_balance_after CHECK (balance_after_fen >= 0),
    transaction_type smallint NOT NULL CONSTRAINT taps_transaction_type CHECK (transaction_type IN (6, 9)),
    -- The validator's local date and time as the card signed it (YYYYMMDDhhmmss).
    local_date_time text NOT NULL CONSTRAINT taps_local_date_time CHECK (local_date_time ~ '^[0-9]{14}$'),
    tac text NOT NULL CONSTRAINT taps_tac CHECK (tac ~ '^[0-9A-F]{8}$'),
    mode text NOT NULL CONSTRAINT taps_mode CHECK (mode IN ('bus', 'metro', 'brt', 'tram', 'ferry', 'taxi', 'rail', 'bike')),
    line text NOT NULL CONSTRAINT taps_line_length CHECK (char_length(line) <= 40),
    station text NOT NULL CONSTRAINT taps_station_length CHECK (char_length(station) <= 40),
    validator_id bigint NOT NULL REFERENCES validators (validator_id),
    received_at timestamptz NOT NULL,
    -- One of this operator's prefixes (its TAC is checked; it may be posted).
    own_card boolean NOT NULL,
    -- The journal transaction that debited the card; NULL when not posted (another issuer's card,
    -- or held by an exception).
    transaction_id bigint REFERENCES journal_transactions (transaction_id),
    CONSTRAINT taps_key PRIMARY KEY (terminal_number, terminal_serial, tapped_at)
) PARTITION BY RANGE (tapped_at);

CREATE INDEX taps_card_serial ON taps (card_number, offline_serial);
CREATE INDEX taps_terminal_serial ON taps (terminal_number, terminal_serial);

-- Makes the partition of the month holding `instant` (UTC months) when it does not exist yet.
CREATE FUNCTION taps_ensure_month(instant timestamptz) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public AS $$
DECLARE
    month_start timestamptz := date_trunc('month', instant AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'taps_' || to_char(instant AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock(hashtext('tongka-taps-partition'));
    IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF taps FOR VALUES FROM (%L) TO (%L)', name, month_start,
                   month_start + interval '1 month');
END $$;
REVOKE ALL ON FUNCTION taps_ensure_month(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION taps_ensure_month(timestamptz) TO tongka_service;

-- What a tap raised for review. Never deleted; resolved with a note.
CREATE TABLE tap_exceptions (
    exception_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CONSTRAINT tap_exceptions_kind CHECK (kind IN (
        'tac_invalid', 'balance_discontinuity', 'serial_gap', 'listed_at_tap', 'serial_conflict', 'back_office_short',
        'unknown_card')),
    terminal_number text COLLATE "C" NOT NULL,
    terminal_serial bigint NOT NULL,
    tapped_at timestamptz NOT NULL,
    card_number text COLLATE "C" NOT NULL CONSTRAINT tap_exceptions_card_format CHECK (card_number ~ '^[0-9]{19}$'),
    amount_fen bigint NOT NULL,
    detail text NOT NULL DEFAULT '' CONSTRAINT tap_exceptions_detail_length CHECK (char_length(detail) <= 500),
    raised_at timestamptz NOT NULL,
    resolved_by bigint REFERENCES clerks (clerk_id),
    resolved_at timestamptz,
    resolution text CONSTRAINT tap_exceptions_resolution_length CHECK (char_length(resolution) <= 500),
    CONSTRAINT tap_exceptions_resolved CHECK ((resolved_by IS NULL) = (resolved_at IS NULL)
                                              AND (resolved_at IS NULL) = (resolution IS NULL))
);
CREATE INDEX tap_exceptions_open ON tap_exceptions (exception_id) WHERE resolved_at IS NULL;
CREATE INDEX tap_exceptions_card ON tap_exceptions (card_number);

GRANT SELECT, INSERT ON taps TO tongka_service;
GRANT SELECT, INSERT, UPDATE ON tap_exceptions TO tongka_service;
