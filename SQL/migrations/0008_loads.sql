-- Purse loads (圈存): counter load terminals with their serials, and one row per load attempt with
-- its protocol state. The money of a load is posted when the host issues MAC2 (the same database
-- transaction that stores the MAC2); a load the card did not credit is reversed by a new journal
-- transaction, never by editing the first.

-- Journal transaction kinds of loads, and the accounts that orders and unsettled balances need.
ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_kind;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_kind CHECK (kind IN (
    'shift_open', 'shift_close', 'card_issue', 'card_load', 'load_reversal', 'load_void'));

-- A counter workstation that loads cards: the 6-byte terminal number (12 BCD digits) the card
-- signs in MAC1 and the host in MAC2, and the terminal's own transaction serial. A counter finds
-- its terminal by its label within its hall (created on first use).
CREATE SEQUENCE load_terminal_numbers START 1 MAXVALUE 9999999999;
CREATE TABLE load_terminals (
    terminal_number text PRIMARY KEY CONSTRAINT load_terminals_number_format CHECK (terminal_number ~ '^[0-9]{12}$'),
    hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    label text NOT NULL CONSTRAINT load_terminals_label_format CHECK (label ~ '^[A-Za-z0-9._-]{1,32}$'),
    last_serial bigint NOT NULL DEFAULT 0 CONSTRAINT load_terminals_serial CHECK (last_serial BETWEEN 0 AND 4294967295),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NOT NULL REFERENCES clerks (clerk_id),
    CONSTRAINT load_terminals_label_key UNIQUE (hall_id, label)
);

CREATE TABLE loads (
    load_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_number text NOT NULL REFERENCES cards (card_number),
    state text NOT NULL CONSTRAINT loads_state CHECK (state IN ('mac2_issued', 'confirmed', 'grey', 'reversed', 'voided')),
    amount_fen bigint NOT NULL CONSTRAINT loads_amount CHECK (amount_fen BETWEEN 1 AND 4294967295),
    -- From the card's INITIALIZE FOR LOAD answer, authenticated by MAC1.
    old_balance_fen bigint NOT NULL CONSTRAINT loads_old_balance CHECK (old_balance_fen BETWEEN 0 AND 4294967295),
    new_balance_fen bigint NOT NULL,
    online_serial integer NOT NULL CONSTRAINT loads_online_serial CHECK (online_serial BETWEEN 0 AND 65535),
    card_random bytea NOT NULL CONSTRAINT loads_card_random CHECK (octet_length(card_random) = 4),
    key_version smallint NOT NULL CONSTRAINT loads_key_version CHECK (key_version BETWEEN 0 AND 255),
    algorithm_id smallint NOT NULL CONSTRAINT loads_algorithm_id CHECK (algorithm_id BETWEEN 0 AND 255),
    issuer_id text NOT NULL CONSTRAINT loads_issuer_id_format CHECK (issuer_id ~ '^[0-9A-F]{16}$'),
    terminal_number text NOT NULL REFERENCES load_terminals (terminal_number),
    terminal_serial bigint NOT NULL CONSTRAINT loads_terminal_serial CHECK (terminal_serial BETWEEN 1 AND 4294967295),
    -- The date and time sent to the card with MAC2 (operator time, BCD digits YYYYMMDDhhmmss).
    card_time text NOT NULL CONSTRAINT loads_card_time_format CHECK (card_time ~ '^[0-9]{14}$'),
    mac2 bytea NOT NULL CONSTRAINT loads_mac2 CHECK (octet_length(mac2) = 4),
    tac bytea CONSTRAINT loads_tac CHECK (octet_length(tac) = 4),
    payment_method text CONSTRAINT loads_payment_method CHECK (payment_method IN ('cash', 'unionpay', 'wechat_pay', 'alipay')),
    payment_reference text,
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    shift_id bigint NOT NULL REFERENCES shifts (shift_id),
    transaction_id bigint NOT NULL REFERENCES journal_transactions (transaction_id),
    idempotency_key text NOT NULL,
    authorised_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    -- How a grey load was decided, by whom, from what evidence, and the reversing transaction.
    resolved_at timestamptz,
    resolved_by bigint REFERENCES clerks (clerk_id),
    resolution text CONSTRAINT loads_resolution CHECK (resolution IN ('tac', 'card_serial')),
    observed_online_serial integer,
    observed_balance_fen bigint,
    reversal_transaction_id bigint REFERENCES journal_transactions (transaction_id),
    CONSTRAINT loads_new_balance CHECK (new_balance_fen = old_balance_fen + amount_fen AND new_balance_fen <= 4294967295),
    CONSTRAINT loads_terminal_serial_key UNIQUE (terminal_number, terminal_serial),
    -- The same INITIALIZE FOR LOAD answer (card, online serial, card random) is authorised once, whatever the key.
    CONSTRAINT loads_initialize_key UNIQUE (card_number, online_serial, card_random),
    CONSTRAINT loads_confirmed_has_evidence CHECK (state <> 'confirmed' OR tac IS NOT NULL OR resolution = 'card_serial'),
    CONSTRAINT loads_reversed_has_transaction CHECK ((state = 'reversed') = (reversal_transaction_id IS NOT NULL))
);
-- One open load (MAC2 issued, not yet confirmed or reversed) per card: a grey load blocks the next.
CREATE UNIQUE INDEX loads_one_open_per_card ON loads (card_number) WHERE state IN ('mac2_issued', 'grey');
-- The host issues one MAC2 per card online serial unless the card showed it did not use it.
CREATE UNIQUE INDEX loads_one_mac2_per_serial ON loads (card_number, online_serial) WHERE state <> 'reversed';
CREATE INDEX loads_card_time ON loads (card_number, authorised_at);
CREATE INDEX loads_shift ON loads (shift_id);
CREATE INDEX loads_open ON loads (hall_id, authorised_at) WHERE state IN ('mac2_issued', 'grey');

-- A load's facts never change; only its state moves forward, with its evidence.
CREATE FUNCTION loads_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'loads are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'loads_guard';
    END IF;
    IF (NEW.load_id, NEW.card_number, NEW.amount_fen, NEW.old_balance_fen, NEW.new_balance_fen, NEW.online_serial,
        NEW.card_random, NEW.key_version, NEW.algorithm_id, NEW.issuer_id, NEW.terminal_number, NEW.terminal_serial,
        NEW.card_time, NEW.mac2, NEW.payment_method, NEW.payment_reference, NEW.clerk_id, NEW.hall_id, NEW.shift_id,
        NEW.transaction_id, NEW.idempotency_key, NEW.authorised_at)
       IS DISTINCT FROM
       (OLD.load_id, OLD.card_number, OLD.amount_fen, OLD.old_balance_fen, OLD.new_balance_fen, OLD.online_serial,
        OLD.card_random, OLD.key_version, OLD.algorithm_id, OLD.issuer_id, OLD.terminal_number, OLD.terminal_serial,
        OLD.card_time, OLD.mac2, OLD.payment_method, OLD.payment_reference, OLD.clerk_id, OLD.hall_id, OLD.shift_id,
        OLD.transaction_id, OLD.idempotency_key, OLD.authorised_at) THEN
        RAISE EXCEPTION 'the facts of a load never change' USING ERRCODE = 'TK001', CONSTRAINT = 'loads_guard';
    END IF;
    -- Forward only: open -> confirmed | reversed; mac2_issued -> grey; confirmed -> voided.
    IF NOT (NEW.state = OLD.state
            OR (OLD.state IN ('mac2_issued', 'grey') AND NEW.state IN ('confirmed', 'reversed'))
            OR (OLD.state = 'mac2_issued' AND NEW.state = 'grey')
            OR (OLD.state = 'confirmed' AND NEW.state = 'voided')) THEN
        RAISE EXCEPTION 'a load cannot go from % to %', OLD.state, NEW.state
            USING ERRCODE = 'TK001', CONSTRAINT = 'loads_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER loads_guard BEFORE UPDATE OR DELETE ON loads FOR EACH ROW EXECUTE FUNCTION loads_guard();

GRANT SELECT, INSERT, UPDATE ON load_terminals, loads TO tongka_service;
GRANT USAGE ON SEQUENCE load_terminal_numbers TO tongka_service;

-- A returned card is refunded for good.
ALTER TABLE cards DROP CONSTRAINT cards_status;
ALTER TABLE cards ADD CONSTRAINT cards_status CHECK (status IN ('active', 'refunded'));
