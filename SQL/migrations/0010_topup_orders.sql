-- Online top-up orders (issue 8): a payment channel (an API client with its own token and the
-- role `channel`) posts a paid order for a card; the money waits in the `topup_orders` liability
-- account until the next read of the card at a counter loads it, or until the order expires and
-- is refunded to the channel.

ALTER TABLE clerks DROP CONSTRAINT clerks_role;
ALTER TABLE clerks ADD CONSTRAINT clerks_role CHECK (role IN ('clerk', 'supervisor', 'admin', 'auditor', 'channel'));

ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_kind;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_kind CHECK (kind IN (
    'shift_open', 'shift_close', 'card_issue', 'card_load', 'load_reversal', 'load_void', 'order_paid', 'order_refund'));

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind CHECK (kind IN (
    'card_purse', 'deposits_held', 'card_cost_income', 'fee_income', 'shift_cash',
    'hall_cash_office', 'cash_over_short', 'payment_channel', 'topup_orders'));

-- A channel account: a `clerks` row of role `channel` (so its token authenticates like a session)
-- bound to the payment method whose clearing account its orders are paid from.
CREATE TABLE channels (
    clerk_id bigint PRIMARY KEY REFERENCES clerks (clerk_id),
    payment_method text NOT NULL CONSTRAINT channels_payment_method CHECK (payment_method IN ('unionpay', 'wechat_pay', 'alipay')),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE topup_orders (
    order_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id bigint NOT NULL REFERENCES channels (clerk_id),
    payment_method text NOT NULL CONSTRAINT topup_orders_payment_method CHECK (payment_method IN ('unionpay', 'wechat_pay', 'alipay')),
    channel_reference text NOT NULL CONSTRAINT topup_orders_reference_format CHECK (channel_reference ~ '^[A-Za-z0-9_-]{4,64}$'),
    card_number text NOT NULL REFERENCES cards (card_number),
    amount_fen bigint NOT NULL CONSTRAINT topup_orders_amount CHECK (amount_fen BETWEEN 1 AND 4294967295),
    state text NOT NULL CONSTRAINT topup_orders_state CHECK (state IN ('pending', 'loading', 'loaded', 'refunded')),
    paid_transaction_id bigint NOT NULL REFERENCES journal_transactions (transaction_id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- The load that carries the order to the card (open while loading, confirmed once loaded).
    load_id bigint REFERENCES loads (load_id),
    loaded_at timestamptz,
    refund_transaction_id bigint REFERENCES journal_transactions (transaction_id),
    refunded_at timestamptz,
    CONSTRAINT topup_orders_reference_key UNIQUE (channel_id, channel_reference),
    CONSTRAINT topup_orders_expiry CHECK (expires_at > created_at),
    CONSTRAINT topup_orders_loading_has_load CHECK (state NOT IN ('loading', 'loaded') OR load_id IS NOT NULL),
    CONSTRAINT topup_orders_loaded_time CHECK ((state = 'loaded') = (loaded_at IS NOT NULL)),
    CONSTRAINT topup_orders_refunded_has_transaction CHECK (
        (state = 'refunded') = (refund_transaction_id IS NOT NULL AND refunded_at IS NOT NULL))
);
CREATE INDEX topup_orders_card ON topup_orders (card_number, order_id) WHERE state IN ('pending', 'loading');
CREATE INDEX topup_orders_expiring ON topup_orders (expires_at) WHERE state = 'pending';

-- A load funded by an order names it; an order is carried by one live (not reversed) load.
ALTER TABLE loads ADD COLUMN order_id bigint REFERENCES topup_orders (order_id);
ALTER TABLE loads ADD CONSTRAINT loads_order_has_no_reference CHECK (order_id IS NULL OR payment_reference IS NULL);
CREATE UNIQUE INDEX loads_one_live_per_order ON loads (order_id) WHERE order_id IS NOT NULL AND state <> 'reversed';

-- The order a load carries is one of its facts.
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
    RETURN NEW;
END $$;

-- An order's facts never change; its state moves pending <-> loading -> loaded, or pending -> refunded.
CREATE FUNCTION topup_orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'orders are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'topup_orders_guard';
    END IF;
    IF (NEW.order_id, NEW.channel_id, NEW.payment_method, NEW.channel_reference, NEW.card_number, NEW.amount_fen,
        NEW.paid_transaction_id, NEW.created_at, NEW.expires_at)
       IS DISTINCT FROM
       (OLD.order_id, OLD.channel_id, OLD.payment_method, OLD.channel_reference, OLD.card_number, OLD.amount_fen,
        OLD.paid_transaction_id, OLD.created_at, OLD.expires_at) THEN
        RAISE EXCEPTION 'the facts of an order never change' USING ERRCODE = 'TK001', CONSTRAINT = 'topup_orders_guard';
    END IF;
    IF NOT (NEW.state = OLD.state
            OR (OLD.state = 'pending' AND NEW.state IN ('loading', 'refunded'))
            OR (OLD.state = 'loading' AND NEW.state IN ('pending', 'loaded'))) THEN
        RAISE EXCEPTION 'an order cannot go from % to %', OLD.state, NEW.state
            USING ERRCODE = 'TK001', CONSTRAINT = 'topup_orders_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER topup_orders_guard BEFORE UPDATE OR DELETE ON topup_orders FOR EACH ROW EXECUTE FUNCTION topup_orders_guard();

GRANT SELECT, INSERT, UPDATE ON channels, topup_orders TO tongka_service;
