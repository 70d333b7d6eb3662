-- Backstops found missing by the store-level tests: things the Swift code never does, which the
-- database now refuses as well.

-- A stored balance changes only through journal_entries_apply (trigger depth 2). Ownership and
-- kind never change; accounts are never deleted.
CREATE FUNCTION ledger_accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger accounts are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'ledger_accounts_guard';
    END IF;
    IF (NEW.account_id, NEW.kind, NEW.normal_side, NEW.card_number, NEW.shift_id, NEW.hall_id, NEW.payment_method,
        NEW.tracks_balance)
       IS DISTINCT FROM
       (OLD.account_id, OLD.kind, OLD.normal_side, OLD.card_number, OLD.shift_id, OLD.hall_id, OLD.payment_method,
        OLD.tracks_balance) THEN
        RAISE EXCEPTION 'a ledger account''s owner and kind never change' USING ERRCODE = 'TK001', CONSTRAINT = 'ledger_accounts_guard';
    END IF;
    IF NEW.balance_fen <> OLD.balance_fen AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'balances change only by journal entries' USING ERRCODE = 'TK001', CONSTRAINT = 'ledger_accounts_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_accounts_guard BEFORE UPDATE OR DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_accounts_guard();

-- Entries join only a journal transaction created in the same database transaction: a committed
-- journal transaction is final, even if an addition would still balance.
ALTER TABLE journal_transactions ADD COLUMN created_xact xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE FUNCTION journal_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner_xact xid8;
    drawer_shift bigint;
BEGIN
    SELECT created_xact INTO owner_xact FROM journal_transactions WHERE transaction_id = NEW.transaction_id;
    IF owner_xact IS DISTINCT FROM pg_current_xact_id() THEN
        RAISE EXCEPTION 'journal transaction % is committed and final', NEW.transaction_id
            USING ERRCODE = 'TK001', CONSTRAINT = 'journal_append_only';
    END IF;
    -- Nothing posts to the drawer of a closed shift.
    SELECT a.shift_id INTO drawer_shift FROM ledger_accounts a WHERE a.account_id = NEW.account_id AND a.kind = 'shift_cash';
    IF drawer_shift IS NOT NULL AND EXISTS (SELECT 1 FROM shifts WHERE shift_id = drawer_shift AND closed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'shift % is closed', drawer_shift USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_closed_final';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER journal_entries_guard BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_guard();

-- An issued stock card never goes back into stock, and a card row never changes its number or
-- issue data.
CREATE FUNCTION card_stock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'stock cards are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'card_stock_guard';
    END IF;
    IF OLD.status = 'issued' AND (NEW.status <> 'issued' OR NEW.hall_id IS DISTINCT FROM OLD.hall_id) THEN
        RAISE EXCEPTION 'an issued card stays issued' USING ERRCODE = 'TK001', CONSTRAINT = 'card_stock_guard';
    END IF;
    IF (NEW.card_number, NEW.batch_id, NEW.product_id, NEW.card_type, NEW.issuer_id, NEW.valid_from, NEW.valid_to, NEW.chip_uid)
       IS DISTINCT FROM
       (OLD.card_number, OLD.batch_id, OLD.product_id, OLD.card_type, OLD.issuer_id, OLD.valid_from, OLD.valid_to, OLD.chip_uid) THEN
        RAISE EXCEPTION 'personalisation data of a stock card never changes' USING ERRCODE = 'TK001', CONSTRAINT = 'card_stock_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER card_stock_guard BEFORE UPDATE OR DELETE ON card_stock FOR EACH ROW EXECUTE FUNCTION card_stock_guard();

CREATE FUNCTION cards_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'cards are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'cards_guard';
    END IF;
    IF (NEW.card_number, NEW.product_id, NEW.issued_at, NEW.issued_hall_id, NEW.issued_clerk_id, NEW.issued_shift_id,
        NEW.issue_transaction_id, NEW.deposit_fen, NEW.card_cost_fen, NEW.payment_method)
       IS DISTINCT FROM
       (OLD.card_number, OLD.product_id, OLD.issued_at, OLD.issued_hall_id, OLD.issued_clerk_id, OLD.issued_shift_id,
        OLD.issue_transaction_id, OLD.deposit_fen, OLD.card_cost_fen, OLD.payment_method) THEN
        RAISE EXCEPTION 'the issue data of a card never changes' USING ERRCODE = 'TK001', CONSTRAINT = 'cards_guard';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cards_guard BEFORE UPDATE OR DELETE ON cards FOR EACH ROW EXECUTE FUNCTION cards_guard();
