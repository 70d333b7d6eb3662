-- The ledger's statement-level triggers, set-based (issue 10's ingest benchmark). A validator's
-- upload now posts one journal transaction for the whole batch (one entry per card, about 250 for
-- 1,000 records), and both triggers ran a statement per account of the statement's entries:
-- journal_entries_guard looked each account up to find drawers, journal_entries_tracked_balances
-- updated each balance on its own. Same rules, same errors; the work is now a few statements per
-- posting whatever its size.

-- Only drawers (shift_cash) need the closed-shift and payout checks; they are found in one join.
CREATE OR REPLACE FUNCTION journal_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    transaction record;
    account record;
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
        SELECT e.account_id, a.shift_id, bool_or(e.amount_fen < 0) AS paid_out
          FROM new_entries e JOIN ledger_accounts a ON a.account_id = e.account_id AND a.kind = 'shift_cash'
         GROUP BY e.account_id, a.shift_id ORDER BY e.account_id
    LOOP
        -- Nothing posts to the drawer of a closed shift.
        IF EXISTS (SELECT 1 FROM shifts WHERE shift_id = account.shift_id AND closed_at IS NOT NULL) THEN
            RAISE EXCEPTION 'shift % is closed', account.shift_id USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_closed_final';
        END IF;
        -- A drawer never pays out cash it does not hold: the payout lock, then the sum.
        IF account.paid_out THEN
            PERFORM 1 FROM shifts WHERE shift_id = account.shift_id FOR NO KEY UPDATE;
            SELECT COALESCE(sum(amount_fen), 0) INTO drawer_fen FROM journal_entries WHERE account_id = account.account_id;
            IF drawer_fen < 0 THEN
                RAISE EXCEPTION 'the drawer of shift % would hold less than nothing', account.shift_id
                    USING ERRCODE = '23514', CONSTRAINT = 'ledger_drawer_non_negative';
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- The stored balances: the accounts locked in account order first (one statement, so concurrent
-- postings never lock two accounts in opposite orders), then one UPDATE for all of them.
CREATE OR REPLACE FUNCTION journal_entries_tracked_balances() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM ledger_accounts
      WHERE account_id IN (SELECT account_id FROM new_entries) AND tracks_balance
      ORDER BY account_id FOR NO KEY UPDATE;
    UPDATE ledger_accounts a SET balance_fen = a.balance_fen + s.amount_fen * a.normal_side
      FROM (SELECT account_id, sum(amount_fen)::bigint AS amount_fen FROM new_entries GROUP BY account_id) s
     WHERE a.account_id = s.account_id AND a.tracks_balance;
    RETURN NULL;
END $$;
