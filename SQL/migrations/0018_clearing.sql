-- Interconnection clearing with the national platform (issue 10): the outgoing daily file of other
-- issuers' cards' records taken here is made from taps; incoming records of this operator's cards
-- used in other cities are kept here, once per (terminal, terminal serial), and debit the card,
-- payable to the platform. Every file made or taken is logged. Layout: docs/clearing-format.md.

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind CHECK (kind IN (
    'card_purse', 'deposits_held', 'card_cost_income', 'fee_income', 'shift_cash', 'hall_cash_office', 'cash_over_short',
    'payment_channel', 'topup_orders', 'unsettled_spend', 'transit_revenue', 'platform_payable'));

ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_kind;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_kind CHECK (kind IN (
    'shift_open', 'shift_close', 'card_issue', 'card_load', 'load_reversal', 'load_void', 'order_paid', 'order_refund',
    'card_refund', 'tap', 'clearing_in'));

CREATE TABLE clearing_files (
    file_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    direction text NOT NULL CONSTRAINT clearing_files_direction CHECK (direction IN ('OUT', 'IN')),
    business_day text NOT NULL CONSTRAINT clearing_files_day CHECK (business_day ~ '^[0-9]{8}$'),
    sender_issuer text NOT NULL CONSTRAINT clearing_files_sender CHECK (sender_issuer ~ '^[0-9A-F]{8}FFFFFFFF$'),
    records integer NOT NULL CONSTRAINT clearing_files_records CHECK (records >= 0),
    file_crc text NOT NULL CONSTRAINT clearing_files_crc CHECK (file_crc ~ '^[0-9A-F]{8}$'),
    made_by bigint NOT NULL REFERENCES clerks (clerk_id),
    made_at timestamptz NOT NULL
);

CREATE TABLE clearing_incoming (
    terminal_number text COLLATE "C" NOT NULL CONSTRAINT clearing_incoming_terminal CHECK (terminal_number ~ '^[0-9]{12}$'),
    terminal_serial bigint NOT NULL CONSTRAINT clearing_incoming_serial CHECK (terminal_serial BETWEEN 0 AND 4294967295),
    card_number text COLLATE "C" NOT NULL CONSTRAINT clearing_incoming_card CHECK (card_number ~ '^[0-9]{19}$'),
    offline_serial integer NOT NULL CONSTRAINT clearing_incoming_offline_serial CHECK (offline_serial BETWEEN 0 AND 65535),
    amount_fen bigint NOT NULL CONSTRAINT clearing_incoming_amount CHECK (amount_fen > 0),
    local_date_time text NOT NULL CONSTRAINT clearing_incoming_time CHECK (local_date_time ~ '^[0-9]{14}$'),
    tac text NOT NULL CONSTRAINT clearing_incoming_tac CHECK (tac ~ '^[0-9A-F]{8}$'),
    mode text NOT NULL,
    line text NOT NULL,
    station text NOT NULL,
    file_id bigint NOT NULL REFERENCES clearing_files (file_id),
    transaction_id bigint REFERENCES journal_transactions (transaction_id),
    PRIMARY KEY (terminal_number, terminal_serial)
);
CREATE INDEX clearing_incoming_card ON clearing_incoming (card_number);

GRANT SELECT, INSERT ON clearing_files TO tongka_service;
GRANT SELECT, INSERT ON clearing_incoming TO tongka_service;
