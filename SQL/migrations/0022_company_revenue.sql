-- Fare revenue per transport company (issue 10): a tap credits the company that ran its line at the
-- tap's time, in the ledger, and a line can pass from one company to another on a given day.
--
-- 1. Who runs a line is a history: one row per company that took the line over, from an instant
--    (the first from -infinity). The company at time t is the row with the latest valid_from <= t;
--    rows cannot overlap by construction. transport_lines.company_id gives way to it.
CREATE TABLE transport_line_operators (
    line_id bigint NOT NULL REFERENCES transport_lines (line_id),
    company_id bigint NOT NULL REFERENCES transport_companies (company_id),
    valid_from timestamptz NOT NULL,
    entered_at timestamptz NOT NULL,
    CONSTRAINT transport_line_operators_key PRIMARY KEY (line_id, valid_from)
);
CREATE INDEX transport_line_operators_company ON transport_line_operators (company_id);
INSERT INTO transport_line_operators (line_id, company_id, valid_from, entered_at)
SELECT line_id, company_id, '-infinity', created_at FROM transport_lines;
ALTER TABLE transport_lines DROP COLUMN company_id;

-- 2. Each record names the company it was credited to, found when it was received (NULL: no
--    company ran a line of that mode and name at that time). The revenue report groups by it, so
--    the report and the ledger name the same company for every record. No foreign key: the value
--    comes from transport_line_operators in the same transaction, and a per-row check would cost
--    the upload path (docs/performance.md).
ALTER TABLE taps ADD COLUMN company_id bigint;
UPDATE taps t SET company_id = o.company_id
  FROM transport_lines l JOIN transport_line_operators o ON o.line_id = l.line_id
 WHERE l.mode = t.mode AND l.line = t.line;

-- 3. transit_revenue accounts, one per company, plus the one without a company (fares of lines no
--    company was entered for, which existed before this migration and keeps earlier credits).
ALTER TABLE ledger_accounts ADD COLUMN company_id bigint REFERENCES transport_companies (company_id);
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_owner;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_owner CHECK (
    CASE kind
        WHEN 'card_purse' THEN card_number IS NOT NULL AND shift_id IS NULL AND hall_id IS NULL AND payment_method IS NULL
                               AND company_id IS NULL
        WHEN 'shift_cash' THEN shift_id IS NOT NULL AND card_number IS NULL AND hall_id IS NULL AND payment_method IS NULL
                               AND company_id IS NULL
        WHEN 'hall_cash_office' THEN hall_id IS NOT NULL AND card_number IS NULL AND shift_id IS NULL
                               AND payment_method IS NULL AND company_id IS NULL
        WHEN 'cash_over_short' THEN hall_id IS NOT NULL AND card_number IS NULL AND shift_id IS NULL
                               AND payment_method IS NULL AND company_id IS NULL
        WHEN 'payment_channel' THEN payment_method IS NOT NULL AND card_number IS NULL AND shift_id IS NULL
                               AND hall_id IS NULL AND company_id IS NULL
        WHEN 'transit_revenue' THEN card_number IS NULL AND shift_id IS NULL AND hall_id IS NULL AND payment_method IS NULL
        ELSE card_number IS NULL AND shift_id IS NULL AND hall_id IS NULL AND payment_method IS NULL AND company_id IS NULL
    END);
DROP INDEX ledger_accounts_one_per_owner;
CREATE UNIQUE INDEX ledger_accounts_one_per_owner ON ledger_accounts (
    kind, COALESCE(card_number, ''), COALESCE(shift_id, 0), COALESCE(hall_id, 0), COALESCE(payment_method, ''),
    COALESCE(company_id, 0));

CREATE OR REPLACE FUNCTION ledger_accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger accounts are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'ledger_accounts_guard';
    END IF;
    IF (NEW.account_id, NEW.kind, NEW.normal_side, NEW.card_number, NEW.shift_id, NEW.hall_id, NEW.payment_method,
        NEW.company_id, NEW.tracks_balance)
       IS DISTINCT FROM
       (OLD.account_id, OLD.kind, OLD.normal_side, OLD.card_number, OLD.shift_id, OLD.hall_id, OLD.payment_method,
        OLD.company_id, OLD.tracks_balance) THEN
        RAISE EXCEPTION 'a ledger account''s owner and kind never change' USING ERRCODE = 'TK001', CONSTRAINT = 'ledger_accounts_guard';
    END IF;
    IF NEW.balance_fen <> OLD.balance_fen AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'balances change only by journal entries' USING ERRCODE = 'TK001', CONSTRAINT = 'ledger_accounts_guard';
    END IF;
    RETURN NEW;
END $$;

-- 4. Records received for a line before any company was entered for it are credited to the company
--    it is entered for: their company is set once (never changed afterwards), and one journal
--    transaction (revenue_reassign) moves their posted fares from the account without a company.
ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_kind;
ALTER TABLE journal_transactions ADD CONSTRAINT journal_transactions_kind CHECK (kind IN (
    'shift_open', 'shift_close', 'card_issue', 'card_load', 'load_reversal', 'load_void', 'order_paid', 'order_refund',
    'card_refund', 'tap', 'clearing_in', 'balance_transfer', 'card_replacement', 'revenue_reassign'));

CREATE FUNCTION taps_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.company_id IS NOT NULL OR (to_jsonb(NEW) - 'company_id') IS DISTINCT FROM (to_jsonb(OLD) - 'company_id') THEN
        RAISE EXCEPTION 'a record changes only by being credited to a company once' USING ERRCODE = 'TK001', CONSTRAINT = 'taps_guard';
    END IF;
    RETURN NEW;
END $$;
-- Only on UPDATE: the upload path's inserts do not run it.
CREATE TRIGGER taps_guard BEFORE UPDATE ON taps FOR EACH ROW EXECUTE FUNCTION taps_guard();

GRANT SELECT, INSERT ON transport_line_operators TO tongka_service;
GRANT UPDATE (company_id) ON taps TO tongka_service;
