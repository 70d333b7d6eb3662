-- Card sale speed (measured by Scripts/bench/card-sale.sh; docs/performance.md).
--
-- 1. Drawers (shift_cash accounts) keep no stored balance. Every cash posting used to update the
--    drawer's balance row, so all sales into one shift queued on that row until each commit was
--    on disk. A drawer's cash is now the sum of its entries (journal_entries_account). Cash coming
--    in needs no check; cash going out (a payout: the shift close today, refunds later) takes the
--    shift row FOR NO KEY UPDATE, sums the drawer and books at most that. Cash-in paths take the
--    shift row FOR KEY SHARE, which neither blocks nor is blocked by a payout; the close takes it
--    FOR UPDATE and so waits for every cash-in in flight. journal_entries_guard backs the payout
--    rule up: after a statement credits a drawer it takes the same lock and sums again (in READ
--    COMMITTED each statement of the function sees what a payout that held the lock committed).
-- 2. The per-row entry triggers run once per statement over the inserted rows: the guard (entries
--    join only a journal transaction of this database transaction, never a closed shift's drawer)
--    and the stored balances of the accounts that keep one (card purses).
-- 3. The per-entry balance check goes: every entry belongs to a journal transaction created in the
--    same database transaction (the guard), and that transaction's own deferred trigger checks
--    at commit that its entries sum to zero.

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_tracking;
ALTER TABLE ledger_accounts DISABLE TRIGGER ledger_accounts_guard;
UPDATE ledger_accounts SET tracks_balance = false, balance_fen = 0 WHERE kind = 'shift_cash';
ALTER TABLE ledger_accounts ENABLE TRIGGER ledger_accounts_guard;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_tracking CHECK (tracks_balance = (kind = 'card_purse'));

DROP TRIGGER journal_entries_balanced ON journal_entries;
DROP TRIGGER journal_entries_guard ON journal_entries;
DROP FUNCTION journal_entries_guard();
DROP TRIGGER journal_entries_apply ON journal_entries;
DROP FUNCTION journal_entries_apply();

-- The statement-level functions loop over the statement's rows and look each one up by its key:
-- their plans are cached per session, and a join planned while the tables were small would stay
-- a scan of the whole table.
CREATE FUNCTION journal_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    transaction record;
    account record;
    drawer_shift bigint;
    drawer_fen bigint;
BEGIN
    -- Entries join only a journal transaction created in this database transaction: a committed
    -- journal transaction is final, even if an addition would still balance.
    FOR transaction IN SELECT DISTINCT transaction_id FROM new_entries LOOP
        IF (SELECT created_xact FROM journal_transactions WHERE transaction_id = transaction.transaction_id)
           IS DISTINCT FROM pg_current_xact_id() THEN
            RAISE EXCEPTION 'journal transaction % is committed and final', transaction.transaction_id
                USING ERRCODE = 'TK001', CONSTRAINT = 'journal_append_only';
        END IF;
    END LOOP;
    FOR account IN
        SELECT account_id, bool_or(amount_fen < 0) AS paid_out FROM new_entries GROUP BY account_id ORDER BY account_id
    LOOP
        SELECT shift_id INTO drawer_shift FROM ledger_accounts WHERE account_id = account.account_id AND kind = 'shift_cash';
        CONTINUE WHEN drawer_shift IS NULL;
        -- Nothing posts to the drawer of a closed shift.
        IF EXISTS (SELECT 1 FROM shifts WHERE shift_id = drawer_shift AND closed_at IS NOT NULL) THEN
            RAISE EXCEPTION 'shift % is closed', drawer_shift USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_closed_final';
        END IF;
        -- A drawer never pays out cash it does not hold: the payout lock, then the sum.
        IF account.paid_out THEN
            PERFORM 1 FROM shifts WHERE shift_id = drawer_shift FOR NO KEY UPDATE;
            SELECT COALESCE(sum(amount_fen), 0) INTO drawer_fen FROM journal_entries WHERE account_id = account.account_id;
            IF drawer_fen < 0 THEN
                RAISE EXCEPTION 'the drawer of shift % would hold less than nothing', drawer_shift
                    USING ERRCODE = '23514', CONSTRAINT = 'ledger_drawer_non_negative';
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_entries_guard AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION journal_entries_guard();

-- Keeps the stored balance of the accounts that track one (card purses); the CHECK on
-- ledger_accounts then refuses a statement that would take a purse below zero. Fires after the
-- guard (triggers of one kind fire in name order).
CREATE FUNCTION journal_entries_tracked_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account record;
BEGIN
    FOR account IN SELECT account_id, sum(amount_fen)::bigint AS amount_fen FROM new_entries GROUP BY account_id ORDER BY account_id
    LOOP
        UPDATE ledger_accounts SET balance_fen = balance_fen + account.amount_fen * normal_side
         WHERE account_id = account.account_id AND tracks_balance;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_entries_tracked_balances AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION journal_entries_tracked_balances();

-- A card's purse account by card number (every card read joins it; top-ups post to it), and a
-- shift's drawer by shift (its cash is summed at close and shown while open). Without them both
-- lookups scan every account, and there is one per card sold.
CREATE UNIQUE INDEX ledger_accounts_card_purse ON ledger_accounts (card_number) WHERE kind = 'card_purse';
CREATE UNIQUE INDEX ledger_accounts_shift_cash ON ledger_accounts (shift_id) WHERE kind = 'shift_cash';
