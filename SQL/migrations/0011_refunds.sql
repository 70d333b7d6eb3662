-- Voids of confirmed loads and card returns (退卡), issue 8.
--
-- A void debits the load's amount back from the card with a purchase-style session at the load's
-- terminal: the host answers MAC1 (step one, stored here with the card's INITIALIZE FOR PURCHASE
-- answer and the terminal serial it used) and posts the money back only when the card's MAC2 and
-- TAC verify (step two). A card return pays deposit plus balance minus the product's refund fee
-- from the clerk's drawer and sets the card refunded; the card itself is blocked for good.

ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_kind;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_kind CHECK (kind IN (
    'shift_open', 'shift_close', 'card_issue', 'card_load', 'load_reversal', 'load_void', 'order_paid', 'order_refund',
    'card_refund'));

-- Spending the card shows and the back office has not seen yet (validators' records still on
-- their way): a card return pays the card's balance and parks the difference here. One system account.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind CHECK (kind IN (
    'card_purse', 'deposits_held', 'card_cost_income', 'fee_income', 'shift_cash', 'hall_cash_office', 'cash_over_short',
    'payment_channel', 'topup_orders', 'unsettled_spend'));

-- The void of a load: the card's INITIALIZE FOR PURCHASE answer, the terminal serial and date-time
-- the host's MAC1 covers, who asked, and once the card's MAC2 and TAC verified, the TAC and the
-- journal transaction that returned the money.
ALTER TABLE loads
    ADD COLUMN void_card_answer bytea CONSTRAINT loads_void_card_answer CHECK (octet_length(void_card_answer) = 15),
    ADD COLUMN void_terminal_serial bigint CONSTRAINT loads_void_terminal_serial CHECK (void_terminal_serial BETWEEN 1 AND 4294967295),
    ADD COLUMN void_card_time text CONSTRAINT loads_void_card_time_format CHECK (void_card_time ~ '^[0-9]{14}$'),
    ADD COLUMN void_requested_by bigint REFERENCES clerks (clerk_id),
    ADD COLUMN void_requested_at timestamptz,
    ADD COLUMN void_tac bytea CONSTRAINT loads_void_tac CHECK (octet_length(void_tac) = 4),
    ADD COLUMN voided_at timestamptz,
    ADD COLUMN voided_by bigint REFERENCES clerks (clerk_id),
    ADD COLUMN void_transaction_id bigint REFERENCES journal_transactions (transaction_id),
    ADD CONSTRAINT loads_void_request_complete CHECK (
        (void_card_answer IS NULL) = (void_terminal_serial IS NULL)
        AND (void_card_answer IS NULL) = (void_card_time IS NULL)
        AND (void_card_answer IS NULL) = (void_requested_by IS NULL)),
    ADD CONSTRAINT loads_voided_has_evidence CHECK (
        (state = 'voided') = (void_transaction_id IS NOT NULL)
        AND (state <> 'voided' OR (void_tac IS NOT NULL AND void_card_answer IS NOT NULL AND voided_at IS NOT NULL)));
-- A void's serial comes from the load terminal's counter like a load's: never used twice.
CREATE UNIQUE INDEX loads_void_terminal_serial_key ON loads (terminal_number, void_terminal_serial)
    WHERE void_terminal_serial IS NOT NULL;

-- The facts of a load never change; a void request may be made again until the load is voided,
-- and a voided load is final.
CREATE OR REPLACE FUNCTION loads_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'loads are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'loads_guard';
    END IF;
    IF (NEW.load_id, NEW.card_number, NEW.amount_fen, NEW.old_balance_fen, NEW.new_balance_fen, NEW.online_serial,
        NEW.card_random, NEW.key_version, NEW.algorithm_id, NEW.issuer_id, NEW.terminal_number, NEW.terminal_serial,
        NEW.card_time, NEW.mac2, NEW.payment_method, NEW.payment_reference, NEW.clerk_id, NEW.hall_id, NEW.shift_id,
        NEW.transaction_id, NEW.idempotency_key, NEW.authorised_at, NEW.order_id)
       IS DISTINCT FROM
       (OLD.load_id, OLD.card_number, OLD.amount_fen, OLD.old_balance_fen, OLD.new_balance_fen, OLD.online_serial,
        OLD.card_random, OLD.key_version, OLD.algorithm_id, OLD.issuer_id, OLD.terminal_number, OLD.terminal_serial,
        OLD.card_time, OLD.mac2, OLD.payment_method, OLD.payment_reference, OLD.clerk_id, OLD.hall_id, OLD.shift_id,
        OLD.transaction_id, OLD.idempotency_key, OLD.authorised_at, OLD.order_id) THEN
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
    -- Only a confirmed load takes a void request; a voided load's void never changes.
    IF OLD.state <> 'confirmed' AND (NEW.void_card_answer, NEW.void_terminal_serial, NEW.void_card_time,
            NEW.void_requested_by, NEW.void_requested_at, NEW.void_tac, NEW.voided_at, NEW.voided_by, NEW.void_transaction_id)
       IS DISTINCT FROM (OLD.void_card_answer, OLD.void_terminal_serial, OLD.void_card_time,
            OLD.void_requested_by, OLD.void_requested_at, OLD.void_tac, OLD.voided_at, OLD.voided_by, OLD.void_transaction_id) THEN
        RAISE EXCEPTION 'only a confirmed load can be voided' USING ERRCODE = 'TK001', CONSTRAINT = 'loads_guard';
    END IF;
    RETURN NEW;
END $$;

-- Refund fee rule per product: none, a fixed amount, or a percentage of the balance charged only
-- when the balance is at or above a threshold (Shanghai: 5% at or above ¥10).
ALTER TABLE card_products
    ADD COLUMN refund_fee_kind text NOT NULL DEFAULT 'none'
        CONSTRAINT card_products_refund_fee_kind CHECK (refund_fee_kind IN ('none', 'fixed', 'percentage')),
    ADD COLUMN refund_fee_fen bigint NOT NULL DEFAULT 0
        CONSTRAINT card_products_refund_fee_fen CHECK (refund_fee_fen BETWEEN 0 AND 100000000),
    ADD COLUMN refund_fee_basis_points integer NOT NULL DEFAULT 0
        CONSTRAINT card_products_refund_fee_basis_points CHECK (refund_fee_basis_points BETWEEN 0 AND 10000),
    ADD COLUMN refund_fee_threshold_fen bigint NOT NULL DEFAULT 0
        CONSTRAINT card_products_refund_fee_threshold CHECK (refund_fee_threshold_fen BETWEEN 0 AND 100000000),
    ADD CONSTRAINT card_products_refund_fee_rule CHECK (CASE refund_fee_kind
        WHEN 'none' THEN refund_fee_fen = 0 AND refund_fee_basis_points = 0 AND refund_fee_threshold_fen = 0
        WHEN 'fixed' THEN refund_fee_basis_points = 0 AND refund_fee_threshold_fen = 0
        ELSE refund_fee_fen = 0 END);

-- A supervisor's approval of one card's return above TONGKA_REFUND_APPROVAL_FEN, used once.
CREATE TABLE refund_approvals (
    approval_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_number text NOT NULL REFERENCES cards (card_number),
    hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    approved_by bigint NOT NULL REFERENCES clerks (clerk_id),
    approved_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CONSTRAINT refund_approvals_expiry CHECK (expires_at > approved_at)
);
CREATE INDEX refund_approvals_card ON refund_approvals (card_number);

-- One row per returned card: what the card and the back office showed and what was paid.
CREATE TABLE refunds (
    refund_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_number text NOT NULL REFERENCES cards (card_number),
    CONSTRAINT refunds_one_per_card UNIQUE (card_number),
    card_balance_fen bigint NOT NULL CONSTRAINT refunds_card_balance CHECK (card_balance_fen BETWEEN 0 AND 4294967295),
    back_office_balance_fen bigint NOT NULL CONSTRAINT refunds_back_office_balance CHECK (back_office_balance_fen >= 0),
    deposit_fen bigint NOT NULL CONSTRAINT refunds_deposit CHECK (deposit_fen >= 0),
    fee_fen bigint NOT NULL CONSTRAINT refunds_fee CHECK (fee_fen >= 0),
    paid_fen bigint NOT NULL CONSTRAINT refunds_paid CHECK (paid_fen >= 0),
    unsettled_fen bigint NOT NULL CONSTRAINT refunds_unsettled CHECK (unsettled_fen >= 0),
    CONSTRAINT refunds_sum CHECK (paid_fen = deposit_fen + card_balance_fen - fee_fen
                                  AND unsettled_fen = back_office_balance_fen - card_balance_fen),
    approval_id bigint REFERENCES refund_approvals (approval_id),
    CONSTRAINT refunds_approval_used_once UNIQUE (approval_id),
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    shift_id bigint NOT NULL REFERENCES shifts (shift_id),
    transaction_id bigint REFERENCES journal_transactions (transaction_id),
    idempotency_key text NOT NULL,
    refunded_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION refunds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refunds are never changed or deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'refunds_guard';
END $$;
CREATE TRIGGER refunds_guard BEFORE UPDATE OR DELETE ON refunds FOR EACH ROW EXECUTE FUNCTION refunds_guard();

GRANT SELECT, INSERT ON refunds TO tongka_service;
GRANT SELECT, INSERT, UPDATE ON refund_approvals TO tongka_service;

-- A refunded card stays refunded: the card itself is blocked for good.
CREATE FUNCTION cards_refunded_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'refunded' AND NEW.status <> 'refunded' THEN
        RAISE EXCEPTION 'a refunded card stays refunded' USING ERRCODE = 'TK001', CONSTRAINT = 'cards_refunded_final';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cards_refunded_final BEFORE UPDATE OF status ON cards FOR EACH ROW EXECUTE FUNCTION cards_refunded_final();
