-- Loss reports and replacement (issue 11; domain.md section 7).
--
-- A report suspends the card and lists it in one transaction; the holder may reclaim the card
-- within a window, or have it replaced: a new card from the hall's stock carries the deposit, and
-- the old card's balance reaches it through the balance_transfer account in two steps (a
-- provisional top-up order at once, the rest after the waiting period, from the records that
-- arrived). Self-service attempts are kept for the rate limits.

-- Card statuses: suspended (reported lost) and replaced (blocked for good, balance moved on).
ALTER TABLE cards DROP CONSTRAINT cards_status;
ALTER TABLE cards ADD CONSTRAINT cards_status CHECK (status IN ('active', 'suspended', 'replaced', 'refunded'));
-- A replacement names the card it replaces; a card is replaced at most once. Its deposit was paid
-- with the old card, so it may have a deposit and no sale transaction.
ALTER TABLE cards ADD COLUMN replaces_card text COLLATE "C" REFERENCES cards (card_number);
ALTER TABLE cards ADD CONSTRAINT cards_replaces_once UNIQUE (replaces_card);
ALTER TABLE cards DROP CONSTRAINT cards_paid_has_transaction;
ALTER TABLE cards ADD CONSTRAINT cards_paid_has_transaction CHECK (
    replaces_card IS NOT NULL OR ((deposit_fen + card_cost_fen = 0) = (issue_transaction_id IS NULL)));

-- The ways a card's status may change: active -> suspended | refunded; suspended -> active
-- (reclaimed) | replaced. Replaced and refunded are final.
DROP TRIGGER cards_refunded_final ON cards;
DROP FUNCTION cards_refunded_final();
CREATE FUNCTION cards_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
           (OLD.status = 'active' AND NEW.status IN ('suspended', 'refunded'))
        OR (OLD.status = 'suspended' AND NEW.status IN ('active', 'replaced'))) THEN
        RAISE EXCEPTION 'a card cannot go from % to %', OLD.status, NEW.status
            USING ERRCODE = 'TK001', CONSTRAINT = 'cards_status_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cards_status_guard BEFORE UPDATE OF status ON cards FOR EACH ROW EXECUTE FUNCTION cards_status_guard();

-- The hotline role: no hall, no cash.
ALTER TABLE clerks DROP CONSTRAINT clerks_role;
ALTER TABLE clerks ADD CONSTRAINT clerks_role CHECK (role IN ('clerk', 'supervisor', 'admin', 'auditor', 'channel', 'hotline'));

-- The balance on its way from a lost card to its replacement; one system account.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind CHECK (kind IN (
    'card_purse', 'deposits_held', 'card_cost_income', 'fee_income', 'shift_cash', 'hall_cash_office', 'cash_over_short',
    'payment_channel', 'topup_orders', 'unsettled_spend', 'transit_revenue', 'platform_payable', 'balance_transfer'));

ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_kind;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_kind CHECK (kind IN (
    'shift_open', 'shift_close', 'card_issue', 'card_load', 'load_reversal', 'load_void', 'order_paid', 'order_refund',
    'card_refund', 'tap', 'clearing_in', 'balance_transfer', 'card_replacement'));
-- A settlement is made by the settlement job, not a person.
ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_clerk;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_clerk CHECK (
    clerk_id IS NOT NULL OR kind IN ('tap', 'balance_transfer'));

-- Blacklist batches of loss reports and reclaims.
ALTER TABLE blacklist_batches DROP CONSTRAINT blacklist_batches_kind;
ALTER TABLE blacklist_batches ADD CONSTRAINT blacklist_batches_kind CHECK (
    kind IN ('manual', 'refund', 'import', 'undo', 'expiry', 'loss', 'reclaim'));

CREATE TABLE loss_reports (
    report_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference text COLLATE "C" NOT NULL UNIQUE
        CONSTRAINT loss_reports_reference CHECK (reference ~ '^GS[0-9A-HJKMNP-TV-Z]{10}$'),
    card_number text COLLATE "C" NOT NULL REFERENCES cards (card_number),
    holder_id bigint NOT NULL REFERENCES holders (holder_id),
    channel text NOT NULL CONSTRAINT loss_reports_channel CHECK (channel IN ('counter', 'hotline', 'self_service')),
    state text NOT NULL DEFAULT 'open' CONSTRAINT loss_reports_state CHECK (state IN ('open', 'reclaimed', 'replaced')),
    reported_at timestamptz NOT NULL,
    -- Staff who took it (nil for self-service) and the hall (nil for the hotline and self-service).
    reported_by bigint REFERENCES clerks (clerk_id),
    hall_id bigint REFERENCES service_halls (hall_id),
    CONSTRAINT loss_reports_staff CHECK ((channel = 'self_service') = (reported_by IS NULL)),
    CONSTRAINT loss_reports_counter_hall CHECK ((channel = 'counter') = (hall_id IS NOT NULL)),
    -- The back-office balance at report time: what the rider is owed unless records of spending
    -- before the block arrive.
    balance_fen bigint NOT NULL CONSTRAINT loss_reports_balance CHECK (balance_fen >= 0),
    -- The blacklist change that listed the card (its version is what validators must apply).
    listed_version bigint NOT NULL REFERENCES blacklist_changes (version),
    reclaimed_at timestamptz,
    reclaimed_by bigint REFERENCES clerks (clerk_id),
    unlisted_version bigint REFERENCES blacklist_changes (version),
    CONSTRAINT loss_reports_reclaimed CHECK (
        (state = 'reclaimed') = (reclaimed_at IS NOT NULL AND reclaimed_by IS NOT NULL AND unlisted_version IS NOT NULL))
);
-- One open report per card: a second report answers the first.
CREATE UNIQUE INDEX loss_reports_one_open ON loss_reports (card_number) WHERE state = 'open';
CREATE INDEX loss_reports_card ON loss_reports (card_number, reported_at DESC);

-- A report's facts never change; it moves forward only: open -> reclaimed | replaced.
CREATE FUNCTION loss_reports_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'loss reports are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'loss_reports_guard';
    END IF;
    IF (NEW.report_id, NEW.reference, NEW.card_number, NEW.holder_id, NEW.channel, NEW.reported_at, NEW.reported_by,
        NEW.hall_id, NEW.balance_fen, NEW.listed_version)
       IS DISTINCT FROM
       (OLD.report_id, OLD.reference, OLD.card_number, OLD.holder_id, OLD.channel, OLD.reported_at, OLD.reported_by,
        OLD.hall_id, OLD.balance_fen, OLD.listed_version)
       OR NOT (NEW.state = OLD.state OR (OLD.state = 'open' AND NEW.state IN ('reclaimed', 'replaced'))) THEN
        RAISE EXCEPTION 'a loss report only moves from open to reclaimed or replaced'
            USING ERRCODE = 'TK001', CONSTRAINT = 'loss_reports_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER loss_reports_guard BEFORE UPDATE OR DELETE ON loss_reports FOR EACH ROW EXECUTE FUNCTION loss_reports_guard();

-- One replacement per report (replacing twice is refused by this key as well as in Swift).
CREATE TABLE replacements (
    replacement_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id bigint NOT NULL UNIQUE REFERENCES loss_reports (report_id),
    old_card text COLLATE "C" NOT NULL UNIQUE REFERENCES cards (card_number),
    new_card text COLLATE "C" NOT NULL UNIQUE REFERENCES cards (card_number),
    CONSTRAINT replacements_two_cards CHECK (old_card <> new_card),
    balance_at_report_fen bigint NOT NULL CONSTRAINT replacements_balance CHECK (balance_at_report_fen >= 0),
    purse_at_replacement_fen bigint NOT NULL CONSTRAINT replacements_purse CHECK (purse_at_replacement_fen >= 0),
    holdback_fen bigint NOT NULL CONSTRAINT replacements_holdback CHECK (holdback_fen >= 0),
    provisional_fen bigint NOT NULL CONSTRAINT replacements_provisional CHECK (
        provisional_fen >= 0 AND provisional_fen <= purse_at_replacement_fen
        AND provisional_fen <= GREATEST(balance_at_report_fen - holdback_fen, 0)),
    provisional_order_id bigint,
    CONSTRAINT replacements_provisional_order CHECK ((provisional_fen > 0) = (provisional_order_id IS NOT NULL)),
    fee_fen bigint NOT NULL CONSTRAINT replacements_fee CHECK (fee_fen >= 0),
    fee_transaction_id bigint REFERENCES journal_transactions (transaction_id),
    CONSTRAINT replacements_fee_paid CHECK ((fee_fen > 0) = (fee_transaction_id IS NOT NULL)),
    deposit_fen bigint NOT NULL CONSTRAINT replacements_deposit CHECK (deposit_fen >= 0),
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    shift_id bigint NOT NULL REFERENCES shifts (shift_id),
    idempotency_key text NOT NULL,
    replaced_at timestamptz NOT NULL,
    settle_after timestamptz NOT NULL CONSTRAINT replacements_settle_after CHECK (settle_after >= replaced_at),
    -- The settlement: what the old card's purse still held (the remainder), and its order.
    settled_at timestamptz,
    remainder_fen bigint CONSTRAINT replacements_remainder CHECK (remainder_fen >= 0),
    remainder_order_id bigint,
    CONSTRAINT replacements_settled CHECK (
        (settled_at IS NULL) = (remainder_fen IS NULL)
        AND (remainder_order_id IS NULL OR remainder_fen > 0)
        AND (settled_at IS NULL OR (remainder_fen > 0) = (remainder_order_id IS NOT NULL)))
);
CREATE INDEX replacements_due ON replacements (settle_after) WHERE settled_at IS NULL;

-- Orders for a replacement card are funded from the balance-transfer account, not by a channel:
-- they have no channel, payment method or channel reference, never expire back to a channel,
-- and name their loss report. Their loads have no payment method either.
ALTER TABLE topup_orders ALTER COLUMN channel_id DROP NOT NULL;
ALTER TABLE topup_orders ALTER COLUMN payment_method DROP NOT NULL;
ALTER TABLE topup_orders ALTER COLUMN channel_reference DROP NOT NULL;
ALTER TABLE topup_orders ADD COLUMN loss_report_id bigint REFERENCES loss_reports (report_id);
ALTER TABLE topup_orders ADD CONSTRAINT topup_orders_source CHECK (
    (loss_report_id IS NULL) = (channel_id IS NOT NULL AND payment_method IS NOT NULL AND channel_reference IS NOT NULL));
ALTER TABLE topup_orders ADD CONSTRAINT topup_orders_replacement_not_refunded CHECK (
    loss_report_id IS NULL OR state <> 'refunded');
ALTER TABLE loads ALTER COLUMN payment_method DROP NOT NULL;
ALTER TABLE loads ADD CONSTRAINT loads_payment_or_order CHECK (payment_method IS NOT NULL OR order_id IS NOT NULL);
ALTER TABLE replacements ADD CONSTRAINT replacements_provisional_order_fkey
    FOREIGN KEY (provisional_order_id) REFERENCES topup_orders (order_id);
ALTER TABLE replacements ADD CONSTRAINT replacements_remainder_order_fkey
    FOREIGN KEY (remainder_order_id) REFERENCES topup_orders (order_id);

-- A replacement's facts never change; only its settlement is written, once.
CREATE FUNCTION replacements_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'replacements are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'replacements_guard';
    END IF;
    IF OLD.settled_at IS NOT NULL
       OR (NEW.replacement_id, NEW.report_id, NEW.old_card, NEW.new_card, NEW.balance_at_report_fen,
           NEW.purse_at_replacement_fen, NEW.holdback_fen, NEW.provisional_fen, NEW.fee_fen, NEW.fee_transaction_id,
           NEW.deposit_fen, NEW.clerk_id, NEW.hall_id, NEW.shift_id, NEW.idempotency_key, NEW.replaced_at, NEW.settle_after)
          IS DISTINCT FROM
          (OLD.replacement_id, OLD.report_id, OLD.old_card, OLD.new_card, OLD.balance_at_report_fen,
           OLD.purse_at_replacement_fen, OLD.holdback_fen, OLD.provisional_fen, OLD.fee_fen, OLD.fee_transaction_id,
           OLD.deposit_fen, OLD.clerk_id, OLD.hall_id, OLD.shift_id, OLD.idempotency_key, OLD.replaced_at, OLD.settle_after)
       OR (OLD.provisional_order_id IS NOT NULL AND NEW.provisional_order_id IS DISTINCT FROM OLD.provisional_order_id) THEN
        RAISE EXCEPTION 'a replacement only gets its order and its settlement, once'
            USING ERRCODE = 'TK001', CONSTRAINT = 'replacements_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER replacements_guard BEFORE UPDATE OR DELETE ON replacements FOR EACH ROW EXECUTE FUNCTION replacements_guard();

-- Self-service attempts, accepted or not, for the rate limits per client address and per card
-- (the card number as typed, which may belong to no card). Kept with the audit log.
CREATE TABLE loss_attempts (
    attempt_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempted_at timestamptz NOT NULL,
    client_address text NOT NULL CONSTRAINT loss_attempts_address CHECK (char_length(client_address) <= 64),
    -- The card named by a report; a status read names a reference instead.
    card_number text COLLATE "C" CONSTRAINT loss_attempts_card CHECK (card_number ~ '^[0-9]{19}$'),
    kind text NOT NULL CONSTRAINT loss_attempts_kind CHECK (kind IN ('report', 'status')),
    CONSTRAINT loss_attempts_report_card CHECK ((kind = 'report') = (card_number IS NOT NULL)),
    accepted boolean NOT NULL
);
CREATE INDEX loss_attempts_address ON loss_attempts (client_address, attempted_at);
CREATE INDEX loss_attempts_card ON loss_attempts (card_number, attempted_at);

GRANT SELECT, INSERT, UPDATE ON loss_reports TO tongka_service;
GRANT SELECT, INSERT, UPDATE ON replacements TO tongka_service;
GRANT SELECT, INSERT ON loss_attempts TO tongka_service;
