-- The money paths' references to clerks, halls, shifts and ledger accounts are checked once per
-- statement without locking the row they name (issue 8's one-shift ratio, Scripts/bench/topup.sh).
--
-- A foreign-key check takes FOR KEY SHARE on the row it finds. When every top-up or sale of a
-- hall, of a clerk's session or of one shift names the same clerk, hall, shift and drawer
-- account, concurrent transactions share those rows, and PostgreSQL records each further sharer
-- as a new MultiXact of all of them (and checks every member whenever the row is locked again):
-- with the benchmark's 16 counters on one shift, PostgreSQL spent about 0.5 ms more per top-up
-- than with a shift each (one shift / own shifts 0.72 to 0.91; 1.07 to 1.10 with these foreign
-- keys dropped, same run). The lock guards against the named row being deleted or its key
-- changed meanwhile, and none of these rows can be: shifts and ledger accounts are never deleted
-- and keep their keys (shifts_guard, ledger_accounts_guard), and clerks and halls now get the same
-- (below); the service role has no DELETE on any of them. So each of these foreign keys becomes
-- an existence check per statement over the rows it inserted, raising the foreign key's own name
-- (23503, as before), as taps' did in 0023. The referencing columns never change either: journal
-- transactions and entries and audit events are append-only, and loads and cards keep these
-- columns (loads_guard, cards_guard); idempotency keys keep their clerk (below).
--
-- What locks remain are the ones the use cases take on purpose: the open shift FOR KEY SHARE (a
-- close waits for cash coming in), the hall FOR SHARE (closing the hall waits), the card and its
-- purse.

ALTER TABLE journal_transactions
    DROP CONSTRAINT journal_transactions_clerk_id_fkey,
    DROP CONSTRAINT journal_transactions_hall_id_fkey,
    DROP CONSTRAINT journal_transactions_shift_id_fkey;
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_account_id_fkey;
ALTER TABLE loads
    DROP CONSTRAINT loads_clerk_id_fkey,
    DROP CONSTRAINT loads_hall_id_fkey,
    DROP CONSTRAINT loads_shift_id_fkey;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_clerk_id_fkey;
ALTER TABLE cards
    DROP CONSTRAINT cards_issued_clerk_id_fkey,
    DROP CONSTRAINT cards_issued_hall_id_fkey,
    DROP CONSTRAINT cards_issued_shift_id_fkey;
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_actor_clerk_id_fkey,
    DROP CONSTRAINT audit_events_hall_id_fkey;

-- Which of the ids, if any, names no clerk, hall or shift: 1, 2 or 3 for the first missing clerk,
-- hall or shift (NULL when all exist). Each distinct id is looked up by its key.
CREATE FUNCTION reference_missing(clerks bigint[], halls bigint[], shifts bigint[])
    RETURNS integer LANGUAGE plpgsql STABLE AS $$
DECLARE
    id bigint;
BEGIN
    FOREACH id IN ARRAY clerks LOOP
        IF NOT EXISTS (SELECT 1 FROM clerks WHERE clerk_id = id) THEN RETURN 1; END IF;
    END LOOP;
    FOREACH id IN ARRAY halls LOOP
        IF NOT EXISTS (SELECT 1 FROM service_halls WHERE hall_id = id) THEN RETURN 2; END IF;
    END LOOP;
    FOREACH id IN ARRAY shifts LOOP
        IF NOT EXISTS (SELECT 1 FROM shifts WHERE shift_id = id) THEN RETURN 3; END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION reference_violation(constraint_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'insert violates foreign key constraint "%"', constraint_name
        USING ERRCODE = '23503', CONSTRAINT = constraint_name;
END $$;

-- After an insert, per statement: the inserted rows' columns named by the trigger's arguments
-- (the clerk's, the hall's and the shift's, '' for none) name rows that exist. A failure raises
-- the foreign key's name, TABLE_COLUMN_fkey. The columns are read through to_jsonb so that one
-- function serves every table (these statements insert one row or a few).
CREATE FUNCTION references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clerks bigint[];
    halls bigint[];
    shifts bigint[];
    missing integer;
BEGIN
    SELECT COALESCE(array_agg(DISTINCT (r ->> TG_ARGV[0])::bigint) FILTER (WHERE r ->> TG_ARGV[0] IS NOT NULL), '{}'),
           COALESCE(array_agg(DISTINCT (r ->> TG_ARGV[1])::bigint) FILTER (WHERE r ->> TG_ARGV[1] IS NOT NULL), '{}'),
           COALESCE(array_agg(DISTINCT (r ->> TG_ARGV[2])::bigint) FILTER (WHERE r ->> TG_ARGV[2] IS NOT NULL), '{}')
      INTO clerks, halls, shifts
      FROM (SELECT to_jsonb(n) AS r FROM new_rows n) AS inserted;
    missing := reference_missing(clerks, halls, shifts);
    IF missing IS NOT NULL THEN
        PERFORM reference_violation(TG_TABLE_NAME || '_' || TG_ARGV[missing - 1] || '_fkey');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_transactions_references AFTER INSERT ON journal_transactions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION references_exist('clerk_id', 'hall_id', 'shift_id');
CREATE TRIGGER loads_references AFTER INSERT ON loads REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION references_exist('clerk_id', 'hall_id', 'shift_id');
CREATE TRIGGER cards_references AFTER INSERT ON cards REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION references_exist('issued_clerk_id', 'issued_hall_id', 'issued_shift_id');
CREATE TRIGGER audit_events_references AFTER INSERT ON audit_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION references_exist('actor_clerk_id', 'hall_id', '');
CREATE TRIGGER idempotency_keys_references AFTER INSERT ON idempotency_keys REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION references_exist('clerk_id', '', '');

-- Journal entries name an account that exists: added to the entries' guard, which runs once per
-- statement anyway and already joins the accounts.
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
    -- Every entry names an account (ledger accounts are never deleted: ledger_accounts_guard).
    FOR account IN SELECT DISTINCT account_id FROM new_entries LOOP
        IF NOT EXISTS (SELECT 1 FROM ledger_accounts WHERE account_id = account.account_id) THEN
            PERFORM reference_violation('journal_entries_account_id_fkey');
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

-- What the checks above rely on: clerks and halls are never deleted and keep their ids, and an
-- idempotency key keeps its clerk.
CREATE FUNCTION key_never_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) -> TG_ARGV[0] IS DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN
        RAISE EXCEPTION '%.% never changes', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'TK001', CONSTRAINT = TG_TABLE_NAME || '_key_fixed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER clerks_never_deleted BEFORE DELETE ON clerks FOR EACH ROW EXECUTE FUNCTION never_deleted();
CREATE TRIGGER clerks_no_truncate BEFORE TRUNCATE ON clerks FOR EACH STATEMENT EXECUTE FUNCTION never_deleted();
CREATE TRIGGER clerks_key_fixed BEFORE UPDATE OF clerk_id ON clerks
    FOR EACH ROW EXECUTE FUNCTION key_never_changes('clerk_id');
CREATE TRIGGER service_halls_never_deleted BEFORE DELETE ON service_halls FOR EACH ROW EXECUTE FUNCTION never_deleted();
CREATE TRIGGER service_halls_no_truncate BEFORE TRUNCATE ON service_halls FOR EACH STATEMENT EXECUTE FUNCTION never_deleted();
CREATE TRIGGER service_halls_key_fixed BEFORE UPDATE OF hall_id ON service_halls
    FOR EACH ROW EXECUTE FUNCTION key_never_changes('hall_id');
CREATE TRIGGER shifts_no_truncate BEFORE TRUNCATE ON shifts FOR EACH STATEMENT EXECUTE FUNCTION never_deleted();
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts FOR EACH STATEMENT EXECUTE FUNCTION never_deleted();
CREATE TRIGGER idempotency_keys_key_fixed BEFORE UPDATE OF clerk_id ON idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION key_never_changes('clerk_id');
