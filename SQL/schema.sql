--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_events (
    event_id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_clerk_id bigint,
    actor_username text,
    actor_role text,
    hall_id bigint,
    action text NOT NULL,
    subject text,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    request_id text,
    client_address text,
    chain_seq bigint,
    chain_hash bytea,
    digest_version smallint DEFAULT 2 NOT NULL,
    CONSTRAINT audit_events_action_format CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text)),
    CONSTRAINT audit_events_digest_version CHECK ((digest_version = ANY (ARRAY[1, 2]))),
    CONSTRAINT audit_events_sealed_together CHECK (((chain_seq IS NULL) = (chain_hash IS NULL))),
    CONSTRAINT audit_events_subject_length CHECK ((char_length(subject) <= 200))
);

--
-- Name: audit_event_digest(bytea, public.audit_events); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_event_digest(prev bytea, e public.audit_events) RETURNS bytea
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT sha256(prev || convert_to(concat_ws('|',
        e.event_id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        COALESCE(e.actor_clerk_id::text, ''), COALESCE(e.actor_username, ''), COALESCE(e.actor_role, ''),
        COALESCE(e.hall_id::text, ''), e.action, COALESCE(e.subject, ''), e.details::text,
        COALESCE(e.request_id, ''), COALESCE(e.client_address, '')), 'UTF8'))
$$;

--
-- Name: audit_event_digest_any(bytea, public.audit_events); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_event_digest_any(prev bytea, e public.audit_events) RETURNS bytea
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE e.digest_version WHEN 1 THEN audit_event_digest(prev, e) ELSE audit_event_digest_v2(prev, e) END
$$;

--
-- Name: audit_event_digest_v2(bytea, public.audit_events); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_event_digest_v2(prev bytea, e public.audit_events) RETURNS bytea
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT sha256(prev || convert_to(jsonb_build_array(
        e.event_id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.actor_clerk_id, e.actor_username, e.actor_role, e.hall_id, e.action, e.subject, e.details,
        e.request_id, e.client_address)::text, 'UTF8'))
$$;

--
-- Name: audit_events_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_events_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL
        AND (NEW.event_id, NEW.occurred_at, NEW.actor_clerk_id, NEW.actor_username, NEW.actor_role, NEW.hall_id,
             NEW.action, NEW.subject, NEW.details, NEW.request_id, NEW.client_address)
            IS NOT DISTINCT FROM
            (OLD.event_id, OLD.occurred_at, OLD.actor_clerk_id, OLD.actor_username, OLD.actor_role, OLD.hall_id,
             OLD.action, OLD.subject, OLD.details, OLD.request_id, OLD.client_address) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'TK001', CONSTRAINT = 'audit_append_only';
END $$;

--
-- Name: audit_seal(integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_seal(batch integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    seq bigint;
    prev bytea;
    e audit_events;
    sealed integer := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7316048) THEN
        RETURN 0;
    END IF;
    SELECT chain_seq, chain_hash INTO seq, prev FROM audit_events
     WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    seq := COALESCE(seq, 0);
    prev := COALESCE(prev, sha256(convert_to('tongka audit chain', 'UTF8')));
    FOR e IN SELECT * FROM audit_events WHERE chain_seq IS NULL ORDER BY event_id LIMIT batch FOR UPDATE LOOP
        seq := seq + 1;
        prev := audit_event_digest_any(prev, e);
        UPDATE audit_events SET chain_seq = seq, chain_hash = prev WHERE event_id = e.event_id;
        sealed := sealed + 1;
    END LOOP;
    RETURN sealed;
END $$;

--
-- Name: audit_verify(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_verify(OUT sealed_events bigint, OUT unsealed_events bigint, OUT first_broken_event bigint, OUT head_seq bigint, OUT head_hash bytea) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    prev bytea := sha256(convert_to('tongka audit chain', 'UTF8'));
    expected_seq bigint := 0;
    e audit_events;
BEGIN
    sealed_events := 0;
    first_broken_event := NULL;
    head_seq := 0;
    head_hash := prev;
    FOR e IN SELECT * FROM audit_events WHERE chain_seq IS NOT NULL ORDER BY chain_seq LOOP
        expected_seq := expected_seq + 1;
        sealed_events := sealed_events + 1;
        IF first_broken_event IS NULL AND (e.chain_seq <> expected_seq OR e.chain_hash <> audit_event_digest_any(prev, e)) THEN
            first_broken_event := e.event_id;
        END IF;
        prev := e.chain_hash;
        expected_seq := e.chain_seq;
        head_seq := e.chain_seq;
        head_hash := e.chain_hash;
    END LOOP;
    SELECT count(*) INTO unsealed_events FROM audit_events WHERE chain_seq IS NULL;
END $$;

--
-- Name: blacklist_changes_apply(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.blacklist_changes_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public'
    AS $$
BEGIN
    UPDATE blacklist_head SET version = version + 1 RETURNING version INTO NEW.version;
    IF NEW.action = 'add' THEN
        IF EXISTS (SELECT 1 FROM blacklist_entries WHERE card_number = NEW.card_number) THEN
            RAISE EXCEPTION 'card is listed already' USING ERRCODE = 'TK001', CONSTRAINT = 'blacklist_entries_already_listed';
        END IF;
        INSERT INTO blacklist_entries (card_number, reason, version, valid_to)
        VALUES (NEW.card_number, NEW.reason, NEW.version, NEW.valid_to);
    ELSE
        DELETE FROM blacklist_entries WHERE card_number = NEW.card_number;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'card is not listed' USING ERRCODE = 'TK001', CONSTRAINT = 'blacklist_entries_not_listed';
        END IF;
    END IF;
    RETURN NEW;
END $$;

--
-- Name: blacklist_changes_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.blacklist_changes_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'blacklist changes are never changed or deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'blacklist_changes_guard';
END $$;

--
-- Name: blacklist_changes_notify(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.blacklist_changes_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('tongka_blacklist', (SELECT max(version)::text FROM new_changes));
    RETURN NULL;
END $$;

--
-- Name: card_products_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.card_products_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.code <> OLD.code OR NEW.card_type <> OLD.card_type OR NEW.product_id <> OLD.product_id THEN
        RAISE EXCEPTION 'a product''s code and card type never change' USING ERRCODE = 'TK001', CONSTRAINT = 'card_products_guard';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: card_stock_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.card_stock_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'stock cards are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'card_stock_guard';
    END IF;
    IF OLD.status = 'issued' AND (NEW.status <> 'issued' OR NEW.hall_id IS DISTINCT FROM OLD.hall_id) THEN
        RAISE EXCEPTION 'an issued card stays issued' USING ERRCODE = 'TK001', CONSTRAINT = 'card_stock_guard';
    END IF;
    IF (NEW.card_number, NEW.batch_id, NEW.product_id, NEW.issuer_id, NEW.valid_from, NEW.valid_to, NEW.chip_uid)
       IS DISTINCT FROM
       (OLD.card_number, OLD.batch_id, OLD.product_id, OLD.issuer_id, OLD.valid_from, OLD.valid_to, OLD.chip_uid) THEN
        RAISE EXCEPTION 'personalisation data of a stock card never changes' USING ERRCODE = 'TK001', CONSTRAINT = 'card_stock_guard';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: card_stock_references(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.card_stock_references() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_stock n LEFT JOIN stock_batches b ON b.batch_id = n.batch_id
         WHERE b.batch_id IS NULL OR b.product_id <> n.product_id) THEN
        RAISE EXCEPTION 'stock cards must belong to an existing batch of their product'
            USING ERRCODE = '23503', CONSTRAINT = 'card_stock_batch_fkey';
    END IF;
    RETURN NULL;
END $$;

--
-- Name: cards_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cards_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: cards_require_issued_stock(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cards_require_issued_stock() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM card_stock WHERE card_number = NEW.card_number AND status = 'issued') THEN
        RAISE EXCEPTION 'card % is not marked issued in stock', left(NEW.card_number, 4)
            USING ERRCODE = 'TK003', CONSTRAINT = 'cards_stock_issued';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: cards_status_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cards_status_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
           (OLD.status = 'active' AND NEW.status IN ('suspended', 'refunded'))
        OR (OLD.status = 'suspended' AND NEW.status IN ('active', 'replaced'))) THEN
        RAISE EXCEPTION 'a card cannot go from % to %', OLD.status, NEW.status
            USING ERRCODE = 'TK001', CONSTRAINT = 'cards_status_guard';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: journal_append_only(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.journal_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'TK001', CONSTRAINT = 'journal_append_only';
END $$;

--
-- Name: journal_check_balanced(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.journal_check_balanced() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry_count integer;
    entry_sum numeric;
BEGIN
    SELECT count(*), COALESCE(sum(amount_fen), 0) INTO entry_count, entry_sum
      FROM journal_entries WHERE transaction_id = NEW.transaction_id;
    IF entry_count < 2 OR entry_sum <> 0 THEN
        RAISE EXCEPTION 'journal transaction % has % entries summing to %', NEW.transaction_id, entry_count, entry_sum
            USING ERRCODE = 'TK002', CONSTRAINT = 'journal_balanced';
    END IF;
    RETURN NULL;
END $$;

--
-- Name: journal_entries_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.journal_entries_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: journal_entries_tracked_balances(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.journal_entries_tracked_balances() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM 1 FROM ledger_accounts
      WHERE account_id IN (SELECT account_id FROM new_entries) AND tracks_balance
      ORDER BY account_id FOR NO KEY UPDATE;
    UPDATE ledger_accounts a SET balance_fen = a.balance_fen + s.amount_fen * a.normal_side
      FROM (SELECT account_id, sum(amount_fen)::bigint AS amount_fen FROM new_entries GROUP BY account_id) s
     WHERE a.account_id = s.account_id AND a.tracks_balance;
    RETURN NULL;
END $$;

--
-- Name: key_never_changes(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.key_never_changes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF to_jsonb(NEW) -> TG_ARGV[0] IS DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN
        RAISE EXCEPTION '%.% never changes', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'TK001', CONSTRAINT = TG_TABLE_NAME || '_key_fixed';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: ledger_accounts_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_accounts_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: loads_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.loads_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: loss_reports_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.loss_reports_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: never_deleted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.never_deleted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME USING ERRCODE = 'TK001', CONSTRAINT = TG_TABLE_NAME || '_never_deleted';
END $$;

--
-- Name: reference_missing(bigint[], bigint[], bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.reference_missing(clerks bigint[], halls bigint[], shifts bigint[]) RETURNS integer
    LANGUAGE plpgsql STABLE
    AS $$
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

--
-- Name: reference_violation(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.reference_violation(constraint_name text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'insert violates foreign key constraint "%"', constraint_name
        USING ERRCODE = '23503', CONSTRAINT = constraint_name;
END $$;

--
-- Name: references_exist(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.references_exist() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: refunds_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refunds_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'refunds are never changed or deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'refunds_guard';
END $$;

--
-- Name: replacements_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.replacements_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: shift_still_open(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.shift_still_open() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    shift bigint;
BEGIN
    -- Separate branches: each table has only one of the two columns.
    IF TG_TABLE_NAME = 'cards' THEN
        shift := NEW.issued_shift_id;
    ELSE
        shift := NEW.shift_id;
    END IF;
    IF shift IS NOT NULL AND EXISTS (SELECT 1 FROM shifts WHERE shift_id = shift AND closed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'shift % is closed', shift USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_closed_final';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: shifts_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.shifts_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'shifts are never deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_append_only';
    END IF;
    IF OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'shift % is closed', OLD.shift_id USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_closed_final';
    END IF;
    IF NEW.shift_id <> OLD.shift_id OR NEW.clerk_id <> OLD.clerk_id OR NEW.hall_id <> OLD.hall_id
        OR NEW.opened_at <> OLD.opened_at OR NEW.opening_float_fen <> OLD.opening_float_fen THEN
        RAISE EXCEPTION 'opening data of a shift never changes' USING ERRCODE = 'TK001', CONSTRAINT = 'shifts_append_only';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: taps_ensure_month(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.taps_ensure_month(instant timestamp with time zone) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public'
    AS $$
DECLARE
    month_start timestamptz := date_trunc('month', instant AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'taps_' || to_char(instant AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock(hashtext('tongka-taps-partition'));
    IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
    BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF taps FOR VALUES FROM (%L) TO (%L)', name, month_start,
                       month_start + interval '1 month');
    EXCEPTION WHEN duplicate_table THEN
        -- Made by the upload this one waited for: its catalog was read before that one committed.
        NULL;
    END;
END $$;

--
-- Name: taps_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.taps_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.company_id IS NOT NULL OR (to_jsonb(NEW) - 'company_id') IS DISTINCT FROM (to_jsonb(OLD) - 'company_id') THEN
        RAISE EXCEPTION 'a record changes only by being credited to a company once' USING ERRCODE = 'TK001', CONSTRAINT = 'taps_guard';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: taps_references(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.taps_references() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    id bigint;
BEGIN
    FOR id IN SELECT DISTINCT validator_id FROM new_taps LOOP
        IF NOT EXISTS (SELECT 1 FROM validators WHERE validator_id = id) THEN
            RAISE EXCEPTION 'taps must name a registered validator (validator %)', id
                USING ERRCODE = '23503', CONSTRAINT = 'taps_validator_id_fkey';
        END IF;
    END LOOP;
    FOR id IN SELECT DISTINCT transaction_id FROM new_taps WHERE transaction_id IS NOT NULL LOOP
        IF NOT EXISTS (SELECT 1 FROM journal_transactions WHERE transaction_id = id) THEN
            RAISE EXCEPTION 'posted taps must name their journal transaction (transaction %)', id
                USING ERRCODE = '23503', CONSTRAINT = 'taps_transaction_id_fkey';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

--
-- Name: topup_orders_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.topup_orders_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: transport_line_operators_delete_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.transport_line_operators_delete_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.valid_from = '-infinity' OR OLD.valid_from <= now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'only a change of company that has not begun can be withdrawn'
            USING ERRCODE = 'TK001', CONSTRAINT = 'transport_line_operators_delete_guard';
    END IF;
    RETURN OLD;
END $$;

--
-- Name: audit_events_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_events ALTER COLUMN event_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_events_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: blacklist_batches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.blacklist_batches (
    batch_id bigint NOT NULL,
    kind text NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    size integer NOT NULL,
    state text NOT NULL,
    created_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    approved_by bigint,
    approved_at timestamp with time zone,
    undoes_batch bigint,
    source_issuer text,
    rejected_by bigint,
    rejected_at timestamp with time zone,
    CONSTRAINT blacklist_batches_kind CHECK ((kind = ANY (ARRAY['manual'::text, 'refund'::text, 'import'::text, 'undo'::text, 'expiry'::text, 'loss'::text, 'reclaim'::text]))),
    CONSTRAINT blacklist_batches_note_length CHECK ((char_length(note) <= 500)),
    CONSTRAINT blacklist_batches_rejection CHECK (((state = 'rejected'::text) = ((rejected_by IS NOT NULL) AND (rejected_at IS NOT NULL)))),
    CONSTRAINT blacklist_batches_second_admin CHECK (((approved_by IS NULL) OR (approved_by IS DISTINCT FROM created_by))),
    CONSTRAINT blacklist_batches_size CHECK ((size >= 1)),
    CONSTRAINT blacklist_batches_source_issuer CHECK ((source_issuer ~ '^[0-9A-F]{16}$'::text)),
    CONSTRAINT blacklist_batches_state CHECK ((state = ANY (ARRAY['applied'::text, 'pending'::text, 'rejected'::text]))),
    CONSTRAINT blacklist_batches_undo_kind CHECK (((kind = 'undo'::text) = (undoes_batch IS NOT NULL)))
);

--
-- Name: blacklist_batches_batch_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.blacklist_batches ALTER COLUMN batch_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.blacklist_batches_batch_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: blacklist_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.blacklist_changes (
    version bigint NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    action text NOT NULL,
    reason text NOT NULL,
    batch_id bigint NOT NULL,
    changed_by bigint,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    valid_to date,
    CONSTRAINT blacklist_changes_action CHECK ((action = ANY (ARRAY['add'::text, 'remove'::text]))),
    CONSTRAINT blacklist_changes_card_format CHECK ((card_number ~ '^[0-9]{19}$'::text)),
    CONSTRAINT blacklist_changes_reason CHECK ((reason = ANY (ARRAY['lost'::text, 'refunded'::text, 'fraud'::text, 'damaged'::text, 'external'::text, 'expired'::text]))),
    CONSTRAINT blacklist_changes_version CHECK ((version >= 1))
);

--
-- Name: blacklist_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.blacklist_entries (
    card_number text NOT NULL COLLATE pg_catalog."C",
    reason text NOT NULL,
    version bigint NOT NULL,
    valid_to date
);

--
-- Name: blacklist_head; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.blacklist_head (
    one boolean DEFAULT true NOT NULL,
    version bigint DEFAULT 0 NOT NULL,
    CONSTRAINT blacklist_head_one CHECK (one),
    CONSTRAINT blacklist_head_version CHECK ((version >= 0))
);

--
-- Name: blacklist_pending_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.blacklist_pending_changes (
    batch_id bigint NOT NULL,
    "position" integer NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    action text NOT NULL,
    reason text NOT NULL,
    CONSTRAINT blacklist_pending_action CHECK ((action = ANY (ARRAY['add'::text, 'remove'::text]))),
    CONSTRAINT blacklist_pending_card_format CHECK ((card_number ~ '^[0-9]{19}$'::text)),
    CONSTRAINT blacklist_pending_reason CHECK ((reason = ANY (ARRAY['lost'::text, 'refunded'::text, 'fraud'::text, 'damaged'::text, 'external'::text, 'expired'::text])))
);

--
-- Name: card_products; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.card_products (
    product_id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    card_type smallint NOT NULL,
    deposit_fen bigint NOT NULL,
    card_cost_fen bigint NOT NULL,
    replacement_fee_fen bigint DEFAULT 0 NOT NULL,
    transport_modes text[] NOT NULL,
    interconnection boolean NOT NULL,
    allows_anonymous boolean NOT NULL,
    allows_registered boolean NOT NULL,
    max_balance_fen bigint NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by bigint,
    refund_fee_kind text DEFAULT 'none'::text NOT NULL,
    refund_fee_fen bigint DEFAULT 0 NOT NULL,
    refund_fee_basis_points integer DEFAULT 0 NOT NULL,
    refund_fee_threshold_fen bigint DEFAULT 0 NOT NULL,
    CONSTRAINT card_products_card_cost CHECK (((card_cost_fen >= 0) AND (card_cost_fen <= 1000000))),
    CONSTRAINT card_products_card_type CHECK (((card_type >= 1) AND (card_type <= 5))),
    CONSTRAINT card_products_code_format CHECK ((code ~ '^[A-Z0-9][A-Z0-9_-]{1,19}$'::text)),
    CONSTRAINT card_products_deposit CHECK (((deposit_fen >= 0) AND (deposit_fen <= 1000000))),
    CONSTRAINT card_products_issuable CHECK ((allows_anonymous OR allows_registered)),
    CONSTRAINT card_products_max_balance CHECK (((max_balance_fen >= 1) AND (max_balance_fen <= '4294967295'::bigint))),
    CONSTRAINT card_products_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100))),
    CONSTRAINT card_products_reduced_fare_registered CHECK (((card_type <> ALL (ARRAY[2, 3, 5])) OR (NOT allows_anonymous))),
    CONSTRAINT card_products_refund_fee_basis_points CHECK (((refund_fee_basis_points >= 0) AND (refund_fee_basis_points <= 10000))),
    CONSTRAINT card_products_refund_fee_fen CHECK (((refund_fee_fen >= 0) AND (refund_fee_fen <= 100000000))),
    CONSTRAINT card_products_refund_fee_kind CHECK ((refund_fee_kind = ANY (ARRAY['none'::text, 'fixed'::text, 'percentage'::text]))),
    CONSTRAINT card_products_refund_fee_rule CHECK (
CASE refund_fee_kind
    WHEN 'none'::text THEN ((refund_fee_fen = 0) AND (refund_fee_basis_points = 0) AND (refund_fee_threshold_fen = 0))
    WHEN 'fixed'::text THEN ((refund_fee_basis_points = 0) AND (refund_fee_threshold_fen = 0))
    ELSE (refund_fee_fen = 0)
END),
    CONSTRAINT card_products_refund_fee_threshold CHECK (((refund_fee_threshold_fen >= 0) AND (refund_fee_threshold_fen <= 100000000))),
    CONSTRAINT card_products_replacement_fee CHECK (((replacement_fee_fen >= 0) AND (replacement_fee_fen <= 1000000))),
    CONSTRAINT card_products_transport_modes CHECK (((cardinality(transport_modes) >= 1) AND (transport_modes <@ ARRAY['bus'::text, 'metro'::text, 'brt'::text, 'tram'::text, 'ferry'::text, 'taxi'::text, 'rail'::text, 'bike'::text])))
);

--
-- Name: card_products_product_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.card_products ALTER COLUMN product_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.card_products_product_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: card_stock; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.card_stock (
    card_number text NOT NULL COLLATE pg_catalog."C",
    batch_id bigint NOT NULL,
    product_id bigint NOT NULL,
    issuer_id text NOT NULL,
    valid_from date NOT NULL,
    valid_to date NOT NULL,
    chip_uid text NOT NULL COLLATE pg_catalog."C",
    hall_id bigint,
    status text DEFAULT 'in_stock'::text NOT NULL,
    CONSTRAINT card_stock_card_number_format CHECK ((card_number ~ '^[0-9]{19}$'::text)),
    CONSTRAINT card_stock_chip_uid_format CHECK ((chip_uid ~ '^([0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$'::text)),
    CONSTRAINT card_stock_issuer_id_format CHECK ((issuer_id ~ '^[0-9A-F]{8}FFFFFFFF$'::text)),
    CONSTRAINT card_stock_status CHECK ((status = ANY (ARRAY['in_stock'::text, 'issued'::text]))),
    CONSTRAINT card_stock_validity CHECK ((valid_to > valid_from))
);

--
-- Name: cards; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cards (
    card_number text NOT NULL COLLATE pg_catalog."C",
    product_id bigint NOT NULL,
    holder_id bigint,
    status text DEFAULT 'active'::text NOT NULL,
    issued_at timestamp with time zone DEFAULT now() NOT NULL,
    issued_hall_id bigint NOT NULL,
    issued_clerk_id bigint NOT NULL,
    issued_shift_id bigint NOT NULL,
    issue_transaction_id bigint,
    deposit_fen bigint NOT NULL,
    card_cost_fen bigint NOT NULL,
    payment_method text NOT NULL,
    replaces_card text COLLATE pg_catalog."C",
    CONSTRAINT cards_card_cost CHECK ((card_cost_fen >= 0)),
    CONSTRAINT cards_deposit CHECK ((deposit_fen >= 0)),
    CONSTRAINT cards_paid_has_transaction CHECK (((replaces_card IS NOT NULL) OR (((deposit_fen + card_cost_fen) = 0) = (issue_transaction_id IS NULL)))),
    CONSTRAINT cards_payment_method CHECK ((payment_method = ANY (ARRAY['cash'::text, 'unionpay'::text, 'wechat_pay'::text, 'alipay'::text]))),
    CONSTRAINT cards_status CHECK ((status = ANY (ARRAY['active'::text, 'suspended'::text, 'replaced'::text, 'refunded'::text])))
);

--
-- Name: channels; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.channels (
    clerk_id bigint NOT NULL,
    payment_method text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT channels_payment_method CHECK ((payment_method = ANY (ARRAY['unionpay'::text, 'wechat_pay'::text, 'alipay'::text])))
);

--
-- Name: clearing_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.clearing_files (
    file_id bigint NOT NULL,
    direction text NOT NULL,
    business_day text NOT NULL,
    sender_issuer text NOT NULL,
    records integer NOT NULL,
    file_crc text NOT NULL,
    made_by bigint NOT NULL,
    made_at timestamp with time zone NOT NULL,
    CONSTRAINT clearing_files_crc CHECK ((file_crc ~ '^[0-9A-F]{8}$'::text)),
    CONSTRAINT clearing_files_day CHECK ((business_day ~ '^[0-9]{8}$'::text)),
    CONSTRAINT clearing_files_direction CHECK ((direction = ANY (ARRAY['OUT'::text, 'IN'::text]))),
    CONSTRAINT clearing_files_records CHECK ((records >= 0)),
    CONSTRAINT clearing_files_sender CHECK ((sender_issuer ~ '^[0-9A-F]{8}FFFFFFFF$'::text))
);

--
-- Name: clearing_files_file_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.clearing_files ALTER COLUMN file_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.clearing_files_file_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: clearing_incoming; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.clearing_incoming (
    terminal_number text NOT NULL COLLATE pg_catalog."C",
    terminal_serial bigint NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    offline_serial integer NOT NULL,
    amount_fen bigint NOT NULL,
    local_date_time text NOT NULL,
    tac text NOT NULL,
    mode text NOT NULL,
    line text NOT NULL,
    station text NOT NULL,
    file_id bigint NOT NULL,
    transaction_id bigint,
    CONSTRAINT clearing_incoming_amount CHECK ((amount_fen > 0)),
    CONSTRAINT clearing_incoming_card CHECK ((card_number ~ '^[0-9]{19}$'::text)),
    CONSTRAINT clearing_incoming_offline_serial CHECK (((offline_serial >= 0) AND (offline_serial <= 65535))),
    CONSTRAINT clearing_incoming_serial CHECK (((terminal_serial >= 0) AND (terminal_serial <= '4294967295'::bigint))),
    CONSTRAINT clearing_incoming_tac CHECK ((tac ~ '^[0-9A-F]{8}$'::text)),
    CONSTRAINT clearing_incoming_terminal CHECK ((terminal_number ~ '^[0-9]{12}$'::text)),
    CONSTRAINT clearing_incoming_time CHECK ((local_date_time ~ '^[0-9]{14}$'::text))
);

--
-- Name: clerks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.clerks (
    clerk_id bigint NOT NULL,
    username text NOT NULL,
    display_name text NOT NULL,
    role text NOT NULL,
    hall_id bigint,
    password_hash text NOT NULL,
    must_change_password boolean DEFAULT true NOT NULL,
    failed_logins integer DEFAULT 0 NOT NULL,
    locked_until timestamp with time zone,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    password_changed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT clerks_display_name_length CHECK (((char_length(display_name) >= 1) AND (char_length(display_name) <= 100))),
    CONSTRAINT clerks_failed_logins CHECK ((failed_logins >= 0)),
    CONSTRAINT clerks_hall_required CHECK (((role <> ALL (ARRAY['clerk'::text, 'supervisor'::text])) OR (hall_id IS NOT NULL))),
    CONSTRAINT clerks_role CHECK ((role = ANY (ARRAY['clerk'::text, 'supervisor'::text, 'admin'::text, 'auditor'::text, 'channel'::text, 'hotline'::text]))),
    CONSTRAINT clerks_username_format CHECK ((username ~ '^[a-z][a-z0-9._-]{2,31}$'::text))
);

--
-- Name: clerks_clerk_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.clerks ALTER COLUMN clerk_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.clerks_clerk_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: holders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.holders (
    holder_id bigint NOT NULL,
    name text NOT NULL,
    document_type text NOT NULL,
    document_hash bytea NOT NULL,
    document_ciphertext bytea NOT NULL,
    phone_ciphertext bytea,
    registered_at timestamp with time zone DEFAULT now() NOT NULL,
    registered_by bigint NOT NULL,
    registered_hall_id bigint NOT NULL,
    CONSTRAINT holders_document_hash_length CHECK ((octet_length(document_hash) = 32)),
    CONSTRAINT holders_document_type CHECK ((document_type = ANY (ARRAY['resident_id'::text, 'passport'::text, 'hk_macao_permit'::text, 'taiwan_permit'::text]))),
    CONSTRAINT holders_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100)))
);

--
-- Name: holders_holder_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.holders ALTER COLUMN holder_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.holders_holder_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    clerk_id bigint NOT NULL,
    idempotency_key text NOT NULL,
    operation text NOT NULL,
    request_hash bytea NOT NULL,
    result jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_keys_format CHECK ((idempotency_key ~ '^[A-Za-z0-9_-]{8,100}$'::text)),
    CONSTRAINT idempotency_keys_hash_length CHECK ((octet_length(request_hash) = 32))
);

--
-- Name: installation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.installation (
    singleton boolean DEFAULT true NOT NULL,
    bootstrapped_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT installation_singleton CHECK (singleton)
);

--
-- Name: issuer_whitelist_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.issuer_whitelist_entries (
    version bigint NOT NULL,
    card_prefix text NOT NULL COLLATE pg_catalog."C",
    issuer_id text NOT NULL,
    CONSTRAINT issuer_whitelist_entries_issuer CHECK ((issuer_id ~ '^[0-9A-F]{8}FFFFFFFF$'::text)),
    CONSTRAINT issuer_whitelist_entries_prefix CHECK ((card_prefix ~ '^[0-9]{8}$'::text))
);

--
-- Name: issuer_whitelists; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.issuer_whitelists (
    version bigint NOT NULL,
    imported_by bigint NOT NULL,
    imported_at timestamp with time zone DEFAULT now() NOT NULL,
    entries integer NOT NULL,
    file_crc text NOT NULL,
    CONSTRAINT issuer_whitelists_entries CHECK ((entries >= 0)),
    CONSTRAINT issuer_whitelists_file_crc CHECK ((file_crc ~ '^[0-9A-F]{8}$'::text))
);

--
-- Name: issuer_whitelists_version_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.issuer_whitelists ALTER COLUMN version ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.issuer_whitelists_version_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: journal_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.journal_entries (
    entry_id bigint NOT NULL,
    transaction_id bigint NOT NULL,
    account_id bigint NOT NULL,
    amount_fen bigint NOT NULL,
    CONSTRAINT journal_entries_amount CHECK (((amount_fen <> 0) AND (abs(amount_fen) <= 1000000000)))
);

--
-- Name: journal_entries_entry_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.journal_entries ALTER COLUMN entry_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.journal_entries_entry_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: journal_transactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.journal_transactions (
    transaction_id bigint NOT NULL,
    kind text NOT NULL,
    clerk_id bigint,
    hall_id bigint,
    shift_id bigint,
    idempotency_key text,
    memo text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_xact xid8 DEFAULT pg_current_xact_id() NOT NULL,
    payment_method text,
    payment_reference text,
    CONSTRAINT journal_transactions_cash_has_no_reference CHECK (((payment_method IS DISTINCT FROM 'cash'::text) OR (payment_reference IS NULL))),
    CONSTRAINT journal_transactions_clerk CHECK (((clerk_id IS NOT NULL) OR (kind = ANY (ARRAY['tap'::text, 'balance_transfer'::text])))),
    CONSTRAINT journal_transactions_kind CHECK ((kind = ANY (ARRAY['shift_open'::text, 'shift_close'::text, 'card_issue'::text, 'card_load'::text, 'load_reversal'::text, 'load_void'::text, 'order_paid'::text, 'order_refund'::text, 'card_refund'::text, 'tap'::text, 'clearing_in'::text, 'balance_transfer'::text, 'card_replacement'::text, 'revenue_reassign'::text]))),
    CONSTRAINT journal_transactions_memo_length CHECK ((char_length(memo) <= 200)),
    CONSTRAINT journal_transactions_non_cash_has_reference CHECK (((payment_method IS NULL) OR (payment_method = 'cash'::text) OR (payment_reference IS NOT NULL))),
    CONSTRAINT journal_transactions_payment_method CHECK ((payment_method = ANY (ARRAY['cash'::text, 'unionpay'::text, 'wechat_pay'::text, 'alipay'::text]))),
    CONSTRAINT journal_transactions_payment_reference_format CHECK ((payment_reference ~ '^[A-Za-z0-9_-]{4,64}$'::text)),
    CONSTRAINT journal_transactions_reference_has_method CHECK (((payment_reference IS NULL) OR (payment_method IS NOT NULL)))
);

--
-- Name: journal_transactions_transaction_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.journal_transactions ALTER COLUMN transaction_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.journal_transactions_transaction_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: ledger_accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ledger_accounts (
    account_id bigint NOT NULL,
    kind text NOT NULL,
    normal_side smallint NOT NULL,
    card_number text COLLATE pg_catalog."C",
    shift_id bigint,
    hall_id bigint,
    payment_method text,
    tracks_balance boolean NOT NULL,
    balance_fen bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    company_id bigint,
    CONSTRAINT ledger_accounts_balance_non_negative CHECK (((NOT tracks_balance) OR (balance_fen >= 0))),
    CONSTRAINT ledger_accounts_kind CHECK ((kind = ANY (ARRAY['card_purse'::text, 'deposits_held'::text, 'card_cost_income'::text, 'fee_income'::text, 'shift_cash'::text, 'hall_cash_office'::text, 'cash_over_short'::text, 'payment_channel'::text, 'topup_orders'::text, 'unsettled_spend'::text, 'transit_revenue'::text, 'platform_payable'::text, 'balance_transfer'::text]))),
    CONSTRAINT ledger_accounts_normal_side CHECK ((normal_side = ANY (ARRAY[1, '-1'::integer]))),
    CONSTRAINT ledger_accounts_owner CHECK (
CASE kind
    WHEN 'card_purse'::text THEN ((card_number IS NOT NULL) AND (shift_id IS NULL) AND (hall_id IS NULL) AND (payment_method IS NULL) AND (company_id IS NULL))
    WHEN 'shift_cash'::text THEN ((shift_id IS NOT NULL) AND (card_number IS NULL) AND (hall_id IS NULL) AND (payment_method IS NULL) AND (company_id IS NULL))
    WHEN 'hall_cash_office'::text THEN ((hall_id IS NOT NULL) AND (card_number IS NULL) AND (shift_id IS NULL) AND (payment_method IS NULL) AND (company_id IS NULL))
    WHEN 'cash_over_short'::text THEN ((hall_id IS NOT NULL) AND (card_number IS NULL) AND (shift_id IS NULL) AND (payment_method IS NULL) AND (company_id IS NULL))
    WHEN 'payment_channel'::text THEN ((payment_method IS NOT NULL) AND (card_number IS NULL) AND (shift_id IS NULL) AND (hall_id IS NULL) AND (company_id IS NULL))
    WHEN 'transit_revenue'::text THEN ((card_number IS NULL) AND (shift_id IS NULL) AND (hall_id IS NULL) AND (payment_method IS NULL))
    ELSE ((card_number IS NULL) AND (shift_id IS NULL) AND (hall_id IS NULL) AND (payment_method IS NULL) AND (company_id IS NULL))
END),
    CONSTRAINT ledger_accounts_tracking CHECK ((tracks_balance = (kind = 'card_purse'::text))),
    CONSTRAINT ledger_accounts_untracked_zero CHECK ((tracks_balance OR (balance_fen = 0)))
)
WITH (fillfactor='50');

--
-- Name: ledger_accounts_account_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.ledger_accounts ALTER COLUMN account_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.ledger_accounts_account_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: load_terminal_numbers; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.load_terminal_numbers
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    MAXVALUE 9999999999
    CACHE 1;

--
-- Name: load_terminals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.load_terminals (
    terminal_number text NOT NULL,
    hall_id bigint NOT NULL,
    label text NOT NULL,
    last_serial bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by bigint NOT NULL,
    CONSTRAINT load_terminals_label_format CHECK ((label ~ '^[A-Za-z0-9._-]{1,32}$'::text)),
    CONSTRAINT load_terminals_number_format CHECK ((terminal_number ~ '^[0-9]{12}$'::text)),
    CONSTRAINT load_terminals_serial CHECK (((last_serial >= 0) AND (last_serial <= '4294967295'::bigint)))
);

--
-- Name: loads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.loads (
    load_id bigint NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    state text NOT NULL,
    amount_fen bigint NOT NULL,
    old_balance_fen bigint NOT NULL,
    new_balance_fen bigint NOT NULL,
    online_serial integer NOT NULL,
    card_random bytea NOT NULL,
    key_version smallint NOT NULL,
    algorithm_id smallint NOT NULL,
    issuer_id text NOT NULL,
    terminal_number text NOT NULL,
    terminal_serial bigint NOT NULL,
    card_time text NOT NULL,
    mac2 bytea NOT NULL,
    tac bytea,
    payment_method text,
    payment_reference text,
    clerk_id bigint NOT NULL,
    hall_id bigint NOT NULL,
    shift_id bigint NOT NULL,
    transaction_id bigint NOT NULL,
    idempotency_key text NOT NULL,
    authorised_at timestamp with time zone DEFAULT now() NOT NULL,
    confirmed_at timestamp with time zone,
    resolved_at timestamp with time zone,
    resolved_by bigint,
    resolution text,
    observed_online_serial integer,
    observed_balance_fen bigint,
    reversal_transaction_id bigint,
    order_id bigint,
    void_card_answer bytea,
    void_terminal_serial bigint,
    void_card_time text,
    void_requested_by bigint,
    void_requested_at timestamp with time zone,
    void_tac bytea,
    voided_at timestamp with time zone,
    voided_by bigint,
    void_transaction_id bigint,
    CONSTRAINT loads_algorithm_id CHECK (((algorithm_id >= 0) AND (algorithm_id <= 255))),
    CONSTRAINT loads_amount CHECK (((amount_fen >= 1) AND (amount_fen <= '4294967295'::bigint))),
    CONSTRAINT loads_card_random CHECK ((octet_length(card_random) = 4)),
    CONSTRAINT loads_card_time_format CHECK ((card_time ~ '^[0-9]{14}$'::text)),
    CONSTRAINT loads_confirmed_has_evidence CHECK (((state <> 'confirmed'::text) OR (tac IS NOT NULL) OR (resolution = 'card_serial'::text))),
    CONSTRAINT loads_issuer_id_format CHECK ((issuer_id ~ '^[0-9A-F]{16}$'::text)),
    CONSTRAINT loads_key_version CHECK (((key_version >= 0) AND (key_version <= 255))),
    CONSTRAINT loads_mac2 CHECK ((octet_length(mac2) = 4)),
    CONSTRAINT loads_new_balance CHECK (((new_balance_fen = (old_balance_fen + amount_fen)) AND (new_balance_fen <= '4294967295'::bigint))),
    CONSTRAINT loads_old_balance CHECK (((old_balance_fen >= 0) AND (old_balance_fen <= '4294967295'::bigint))),
    CONSTRAINT loads_online_serial CHECK (((online_serial >= 0) AND (online_serial <= 65535))),
    CONSTRAINT loads_order_has_no_reference CHECK (((order_id IS NULL) OR (payment_reference IS NULL))),
    CONSTRAINT loads_payment_method CHECK ((payment_method = ANY (ARRAY['cash'::text, 'unionpay'::text, 'wechat_pay'::text, 'alipay'::text]))),
    CONSTRAINT loads_payment_or_order CHECK (((payment_method IS NOT NULL) OR (order_id IS NOT NULL))),
    CONSTRAINT loads_resolution CHECK ((resolution = ANY (ARRAY['tac'::text, 'card_serial'::text]))),
    CONSTRAINT loads_reversed_has_transaction CHECK (((state = 'reversed'::text) = (reversal_transaction_id IS NOT NULL))),
    CONSTRAINT loads_state CHECK ((state = ANY (ARRAY['mac2_issued'::text, 'confirmed'::text, 'grey'::text, 'reversed'::text, 'voided'::text]))),
    CONSTRAINT loads_tac CHECK ((octet_length(tac) = 4)),
    CONSTRAINT loads_terminal_serial CHECK (((terminal_serial >= 1) AND (terminal_serial <= '4294967295'::bigint))),
    CONSTRAINT loads_void_card_answer CHECK ((octet_length(void_card_answer) = 15)),
    CONSTRAINT loads_void_card_time_format CHECK ((void_card_time ~ '^[0-9]{14}$'::text)),
    CONSTRAINT loads_void_request_complete CHECK ((((void_card_answer IS NULL) = (void_terminal_serial IS NULL)) AND ((void_card_answer IS NULL) = (void_card_time IS NULL)) AND ((void_card_answer IS NULL) = (void_requested_by IS NULL)))),
    CONSTRAINT loads_void_tac CHECK ((octet_length(void_tac) = 4)),
    CONSTRAINT loads_void_terminal_serial CHECK (((void_terminal_serial >= 1) AND (void_terminal_serial <= '4294967295'::bigint))),
    CONSTRAINT loads_voided_has_evidence CHECK ((((state = 'voided'::text) = (void_transaction_id IS NOT NULL)) AND ((state <> 'voided'::text) OR ((void_tac IS NOT NULL) AND (void_card_answer IS NOT NULL) AND (voided_at IS NOT NULL)))))
);

--
-- Name: loads_load_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.loads ALTER COLUMN load_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.loads_load_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: login_failures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_failures (
    clerk_id bigint NOT NULL,
    client_address text NOT NULL,
    failed_logins integer DEFAULT 0 NOT NULL,
    locked_until timestamp with time zone,
    CONSTRAINT login_failures_count CHECK ((failed_logins >= 0))
);

--
-- Name: loss_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.loss_attempts (
    attempt_id bigint NOT NULL,
    attempted_at timestamp with time zone NOT NULL,
    client_address text NOT NULL,
    card_number text COLLATE pg_catalog."C",
    kind text NOT NULL,
    accepted boolean NOT NULL,
    CONSTRAINT loss_attempts_address CHECK ((char_length(client_address) <= 64)),
    CONSTRAINT loss_attempts_card CHECK ((card_number ~ '^[0-9]{19}$'::text)),
    CONSTRAINT loss_attempts_kind CHECK ((kind = ANY (ARRAY['report'::text, 'status'::text]))),
    CONSTRAINT loss_attempts_report_card CHECK (((kind = 'report'::text) = (card_number IS NOT NULL)))
);

--
-- Name: loss_attempts_attempt_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.loss_attempts ALTER COLUMN attempt_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.loss_attempts_attempt_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: loss_reports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.loss_reports (
    report_id bigint NOT NULL,
    reference text NOT NULL COLLATE pg_catalog."C",
    card_number text NOT NULL COLLATE pg_catalog."C",
    holder_id bigint NOT NULL,
    channel text NOT NULL,
    state text DEFAULT 'open'::text NOT NULL,
    reported_at timestamp with time zone NOT NULL,
    reported_by bigint,
    hall_id bigint,
    balance_fen bigint NOT NULL,
    listed_version bigint NOT NULL,
    reclaimed_at timestamp with time zone,
    reclaimed_by bigint,
    unlisted_version bigint,
    CONSTRAINT loss_reports_balance CHECK ((balance_fen >= 0)),
    CONSTRAINT loss_reports_channel CHECK ((channel = ANY (ARRAY['counter'::text, 'hotline'::text, 'self_service'::text]))),
    CONSTRAINT loss_reports_counter_hall CHECK (((channel = 'counter'::text) = (hall_id IS NOT NULL))),
    CONSTRAINT loss_reports_reclaimed CHECK (((state = 'reclaimed'::text) = ((reclaimed_at IS NOT NULL) AND (reclaimed_by IS NOT NULL) AND (unlisted_version IS NOT NULL)))),
    CONSTRAINT loss_reports_reference CHECK ((reference ~ '^GS[0-9A-HJKMNP-TV-Z]{10}$'::text)),
    CONSTRAINT loss_reports_staff CHECK (((channel = 'self_service'::text) = (reported_by IS NULL))),
    CONSTRAINT loss_reports_state CHECK ((state = ANY (ARRAY['open'::text, 'reclaimed'::text, 'replaced'::text])))
);

--
-- Name: loss_reports_report_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.loss_reports ALTER COLUMN report_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.loss_reports_report_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: progress_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.progress_entries (
    month text NOT NULL,
    variant text NOT NULL,
    row_number text NOT NULL,
    status text NOT NULL,
    note text NOT NULL,
    updated_by bigint NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT progress_entries_month CHECK ((month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'::text)),
    CONSTRAINT progress_entries_note_length CHECK ((char_length(note) <= 1000)),
    CONSTRAINT progress_entries_row CHECK ((row_number ~ '^([0-9](\.[0-9])?|problems|plan)$'::text)),
    CONSTRAINT progress_entries_status CHECK ((status = ANY (ARRAY['not_started'::text, 'in_progress'::text, 'done'::text, 'not_applicable'::text]))),
    CONSTRAINT progress_entries_variant CHECK ((variant = ANY (ARRAY['interconnected'::text, 'new'::text])))
);

--
-- Name: refund_approvals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refund_approvals (
    approval_id bigint NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    hall_id bigint NOT NULL,
    approved_by bigint NOT NULL,
    approved_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    CONSTRAINT refund_approvals_expiry CHECK ((expires_at > approved_at))
);

--
-- Name: refund_approvals_approval_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.refund_approvals ALTER COLUMN approval_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.refund_approvals_approval_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: refunds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refunds (
    refund_id bigint NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    card_balance_fen bigint NOT NULL,
    back_office_balance_fen bigint NOT NULL,
    deposit_fen bigint NOT NULL,
    fee_fen bigint NOT NULL,
    paid_fen bigint NOT NULL,
    unsettled_fen bigint NOT NULL,
    approval_id bigint,
    clerk_id bigint NOT NULL,
    hall_id bigint NOT NULL,
    shift_id bigint NOT NULL,
    transaction_id bigint,
    idempotency_key text NOT NULL,
    refunded_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT refunds_back_office_balance CHECK ((back_office_balance_fen >= 0)),
    CONSTRAINT refunds_card_balance CHECK (((card_balance_fen >= 0) AND (card_balance_fen <= '4294967295'::bigint))),
    CONSTRAINT refunds_deposit CHECK ((deposit_fen >= 0)),
    CONSTRAINT refunds_fee CHECK ((fee_fen >= 0)),
    CONSTRAINT refunds_paid CHECK ((paid_fen >= 0)),
    CONSTRAINT refunds_sum CHECK (((paid_fen = ((deposit_fen + card_balance_fen) - fee_fen)) AND (unsettled_fen = (back_office_balance_fen - card_balance_fen)))),
    CONSTRAINT refunds_unsettled CHECK ((unsettled_fen >= 0))
);

--
-- Name: refunds_refund_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.refunds ALTER COLUMN refund_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.refunds_refund_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: replacements; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replacements (
    replacement_id bigint NOT NULL,
    report_id bigint NOT NULL,
    old_card text NOT NULL COLLATE pg_catalog."C",
    new_card text NOT NULL COLLATE pg_catalog."C",
    balance_at_report_fen bigint NOT NULL,
    purse_at_replacement_fen bigint NOT NULL,
    holdback_fen bigint NOT NULL,
    provisional_fen bigint NOT NULL,
    provisional_order_id bigint,
    fee_fen bigint NOT NULL,
    fee_transaction_id bigint,
    deposit_fen bigint NOT NULL,
    clerk_id bigint NOT NULL,
    hall_id bigint NOT NULL,
    shift_id bigint NOT NULL,
    idempotency_key text NOT NULL,
    replaced_at timestamp with time zone NOT NULL,
    settle_after timestamp with time zone NOT NULL,
    settled_at timestamp with time zone,
    remainder_fen bigint,
    remainder_order_id bigint,
    CONSTRAINT replacements_balance CHECK ((balance_at_report_fen >= 0)),
    CONSTRAINT replacements_deposit CHECK ((deposit_fen >= 0)),
    CONSTRAINT replacements_fee CHECK ((fee_fen >= 0)),
    CONSTRAINT replacements_fee_paid CHECK (((fee_fen > 0) = (fee_transaction_id IS NOT NULL))),
    CONSTRAINT replacements_holdback CHECK ((holdback_fen >= 0)),
    CONSTRAINT replacements_provisional CHECK (((provisional_fen >= 0) AND (provisional_fen <= purse_at_replacement_fen) AND (provisional_fen <= GREATEST((balance_at_report_fen - holdback_fen), (0)::bigint)))),
    CONSTRAINT replacements_provisional_order CHECK (((provisional_fen > 0) = (provisional_order_id IS NOT NULL))),
    CONSTRAINT replacements_purse CHECK ((purse_at_replacement_fen >= 0)),
    CONSTRAINT replacements_remainder CHECK ((remainder_fen >= 0)),
    CONSTRAINT replacements_settle_after CHECK ((settle_after >= replaced_at)),
    CONSTRAINT replacements_settled CHECK ((((settled_at IS NULL) = (remainder_fen IS NULL)) AND ((remainder_order_id IS NULL) OR (remainder_fen > 0)) AND ((settled_at IS NULL) OR ((remainder_fen > 0) = (remainder_order_id IS NOT NULL))))),
    CONSTRAINT replacements_two_cards CHECK ((old_card <> new_card))
);

--
-- Name: replacements_replacement_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.replacements ALTER COLUMN replacement_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.replacements_replacement_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: service_halls; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.service_halls (
    hall_id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    address text,
    status text DEFAULT 'open'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT service_halls_address_length CHECK ((char_length(address) <= 200)),
    CONSTRAINT service_halls_code_format CHECK ((code ~ '^[A-Z0-9][A-Z0-9-]{1,15}$'::text)),
    CONSTRAINT service_halls_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100))),
    CONSTRAINT service_halls_status CHECK ((status = ANY (ARRAY['open'::text, 'closed'::text])))
);

--
-- Name: service_halls_hall_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.service_halls ALTER COLUMN hall_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.service_halls_hall_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    session_id bigint NOT NULL,
    token_hash bytea NOT NULL,
    clerk_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    client_address text,
    CONSTRAINT sessions_expiry CHECK ((expires_at > created_at)),
    CONSTRAINT sessions_token_hash_length CHECK ((octet_length(token_hash) = 32))
);

--
-- Name: sessions_session_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.sessions ALTER COLUMN session_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sessions_session_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: shifts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shifts (
    shift_id bigint NOT NULL,
    clerk_id bigint NOT NULL,
    hall_id bigint NOT NULL,
    opened_at timestamp with time zone DEFAULT now() NOT NULL,
    opening_float_fen bigint NOT NULL,
    closed_at timestamp with time zone,
    expected_cash_fen bigint,
    counted_cash_fen bigint,
    difference_fen bigint GENERATED ALWAYS AS ((counted_cash_fen - expected_cash_fen)) STORED,
    close_note text,
    closed_by bigint,
    force_close_reason text,
    CONSTRAINT shifts_close_complete CHECK ((((closed_at IS NULL) AND (expected_cash_fen IS NULL) AND (counted_cash_fen IS NULL)) OR ((closed_at IS NOT NULL) AND (expected_cash_fen IS NOT NULL) AND (counted_cash_fen IS NOT NULL)))),
    CONSTRAINT shifts_close_note_length CHECK ((char_length(close_note) <= 500)),
    CONSTRAINT shifts_counted_cash CHECK (((counted_cash_fen >= 0) AND (counted_cash_fen <= 1000000000))),
    CONSTRAINT shifts_force_close_reason_length CHECK (((char_length(force_close_reason) >= 1) AND (char_length(force_close_reason) <= 500))),
    CONSTRAINT shifts_forced_close_complete CHECK (((force_close_reason IS NULL) OR ((closed_at IS NOT NULL) AND (closed_by IS NOT NULL)))),
    CONSTRAINT shifts_opening_float CHECK (((opening_float_fen >= 0) AND (opening_float_fen <= 1000000000)))
);

--
-- Name: shifts_shift_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.shifts ALTER COLUMN shift_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.shifts_shift_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: stock_batches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stock_batches (
    batch_id bigint NOT NULL,
    product_id bigint NOT NULL,
    hall_id bigint,
    file_name text,
    file_sha256 bytea NOT NULL,
    card_count integer NOT NULL,
    first_card_number text NOT NULL,
    last_card_number text NOT NULL,
    imported_by bigint NOT NULL,
    imported_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stock_batches_card_count CHECK ((card_count > 0)),
    CONSTRAINT stock_batches_file_name_length CHECK ((char_length(file_name) <= 200)),
    CONSTRAINT stock_batches_file_sha256_length CHECK ((octet_length(file_sha256) = 32))
);

--
-- Name: stock_batches_batch_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.stock_batches ALTER COLUMN batch_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.stock_batches_batch_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: stock_movements; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stock_movements (
    movement_id bigint NOT NULL,
    product_id bigint NOT NULL,
    from_hall_id bigint,
    to_hall_id bigint NOT NULL,
    quantity integer NOT NULL,
    first_card_number text NOT NULL,
    last_card_number text NOT NULL,
    moved_by bigint NOT NULL,
    moved_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stock_movements_distinct CHECK ((from_hall_id IS DISTINCT FROM to_hall_id)),
    CONSTRAINT stock_movements_quantity CHECK ((quantity > 0))
);

--
-- Name: stock_movements_movement_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.stock_movements ALTER COLUMN movement_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.stock_movements_movement_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: tap_exceptions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tap_exceptions (
    exception_id bigint NOT NULL,
    kind text NOT NULL,
    terminal_number text NOT NULL COLLATE pg_catalog."C",
    terminal_serial bigint NOT NULL,
    tapped_at timestamp with time zone NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    amount_fen bigint NOT NULL,
    detail text DEFAULT ''::text NOT NULL,
    raised_at timestamp with time zone NOT NULL,
    resolved_by bigint,
    resolved_at timestamp with time zone,
    resolution text,
    CONSTRAINT tap_exceptions_card_format CHECK ((card_number ~ '^[0-9]{19}$'::text)),
    CONSTRAINT tap_exceptions_detail_length CHECK ((char_length(detail) <= 500)),
    CONSTRAINT tap_exceptions_kind CHECK ((kind = ANY (ARRAY['tac_invalid'::text, 'balance_discontinuity'::text, 'serial_gap'::text, 'listed_at_tap'::text, 'serial_conflict'::text, 'back_office_short'::text, 'unknown_card'::text]))),
    CONSTRAINT tap_exceptions_resolution_length CHECK ((char_length(resolution) <= 500)),
    CONSTRAINT tap_exceptions_resolved CHECK ((((resolved_by IS NULL) = (resolved_at IS NULL)) AND ((resolved_at IS NULL) = (resolution IS NULL))))
);

--
-- Name: tap_exceptions_exception_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.tap_exceptions ALTER COLUMN exception_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.tap_exceptions_exception_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: taps; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.taps (
    terminal_number text NOT NULL COLLATE pg_catalog."C",
    terminal_serial bigint NOT NULL,
    tapped_at timestamp with time zone NOT NULL,
    card_number text NOT NULL COLLATE pg_catalog."C",
    issuer_id text NOT NULL,
    card_type smallint NOT NULL,
    offline_serial integer NOT NULL,
    amount_fen bigint NOT NULL,
    balance_before_fen bigint NOT NULL,
    balance_after_fen bigint NOT NULL,
    transaction_type smallint NOT NULL,
    local_date_time text NOT NULL,
    tac text NOT NULL,
    mode text NOT NULL,
    line text NOT NULL,
    station text NOT NULL,
    validator_id bigint NOT NULL,
    received_at timestamp with time zone NOT NULL,
    own_card boolean NOT NULL,
    transaction_id bigint,
    company_id bigint,
    CONSTRAINT taps_amount CHECK ((amount_fen > 0)),
    CONSTRAINT taps_balance_after CHECK ((balance_after_fen >= 0)),
    CONSTRAINT taps_balance_before CHECK ((balance_before_fen >= 0)),
    CONSTRAINT taps_card_format CHECK (((octet_length(card_number) = 19) AND (ltrim(card_number, '0123456789'::text) = ''::text))),
    CONSTRAINT taps_card_type CHECK (((card_type >= 1) AND (card_type <= 5))),
    CONSTRAINT taps_issuer_format CHECK (((octet_length(issuer_id) = 16) AND (ltrim(issuer_id, '0123456789ABCDEF'::text) = ''::text) AND ("right"(issuer_id, 8) = 'FFFFFFFF'::text))),
    CONSTRAINT taps_line_length CHECK ((char_length(line) <= 40)),
    CONSTRAINT taps_local_date_time CHECK (((octet_length(local_date_time) = 14) AND (ltrim(local_date_time, '0123456789'::text) = ''::text))),
    CONSTRAINT taps_mode CHECK ((mode = ANY (ARRAY['bus'::text, 'metro'::text, 'brt'::text, 'tram'::text, 'ferry'::text, 'taxi'::text, 'rail'::text, 'bike'::text]))),
    CONSTRAINT taps_offline_serial CHECK (((offline_serial >= 0) AND (offline_serial <= 65535))),
    CONSTRAINT taps_station_length CHECK ((char_length(station) <= 40)),
    CONSTRAINT taps_tac CHECK (((octet_length(tac) = 8) AND (ltrim(tac, '0123456789ABCDEF'::text) = ''::text))),
    CONSTRAINT taps_terminal_format CHECK (((octet_length(terminal_number) = 12) AND (ltrim(terminal_number, '0123456789'::text) = ''::text))),
    CONSTRAINT taps_terminal_serial CHECK (((terminal_serial >= 0) AND (terminal_serial <= '4294967295'::bigint))),
    CONSTRAINT taps_transaction_type CHECK ((transaction_type = ANY (ARRAY[6, 9])))
)
PARTITION BY RANGE (tapped_at);

--
-- Name: topup_orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.topup_orders (
    order_id bigint NOT NULL,
    channel_id bigint,
    payment_method text,
    channel_reference text,
    card_number text NOT NULL COLLATE pg_catalog."C",
    amount_fen bigint NOT NULL,
    state text NOT NULL,
    paid_transaction_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    load_id bigint,
    loaded_at timestamp with time zone,
    refund_transaction_id bigint,
    refunded_at timestamp with time zone,
    loss_report_id bigint,
    CONSTRAINT topup_orders_amount CHECK (((amount_fen >= 1) AND (amount_fen <= '4294967295'::bigint))),
    CONSTRAINT topup_orders_expiry CHECK ((expires_at > created_at)),
    CONSTRAINT topup_orders_loaded_time CHECK (((state = 'loaded'::text) = (loaded_at IS NOT NULL))),
    CONSTRAINT topup_orders_loading_has_load CHECK (((state <> ALL (ARRAY['loading'::text, 'loaded'::text])) OR (load_id IS NOT NULL))),
    CONSTRAINT topup_orders_payment_method CHECK ((payment_method = ANY (ARRAY['unionpay'::text, 'wechat_pay'::text, 'alipay'::text]))),
    CONSTRAINT topup_orders_reference_format CHECK ((channel_reference ~ '^[A-Za-z0-9_-]{4,64}$'::text)),
    CONSTRAINT topup_orders_refunded_has_transaction CHECK (((state = 'refunded'::text) = ((refund_transaction_id IS NOT NULL) AND (refunded_at IS NOT NULL)))),
    CONSTRAINT topup_orders_replacement_not_refunded CHECK (((loss_report_id IS NULL) OR (state <> 'refunded'::text))),
    CONSTRAINT topup_orders_source CHECK (((loss_report_id IS NULL) = ((channel_id IS NOT NULL) AND (payment_method IS NOT NULL) AND (channel_reference IS NOT NULL)))),
    CONSTRAINT topup_orders_state CHECK ((state = ANY (ARRAY['pending'::text, 'loading'::text, 'loaded'::text, 'refunded'::text])))
);

--
-- Name: topup_orders_order_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.topup_orders ALTER COLUMN order_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.topup_orders_order_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: transport_companies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.transport_companies (
    company_id bigint NOT NULL,
    code text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT transport_companies_code_format CHECK ((code ~ '^[A-Z0-9][A-Z0-9_-]{1,19}$'::text)),
    CONSTRAINT transport_companies_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100)))
);

--
-- Name: transport_companies_company_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.transport_companies ALTER COLUMN company_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.transport_companies_company_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: transport_line_operators; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.transport_line_operators (
    line_id bigint NOT NULL,
    company_id bigint NOT NULL,
    valid_from timestamp with time zone NOT NULL,
    entered_at timestamp with time zone NOT NULL
);

--
-- Name: transport_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.transport_lines (
    line_id bigint NOT NULL,
    mode text NOT NULL,
    line text NOT NULL,
    stations text[] NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT transport_lines_line_length CHECK (((char_length(line) >= 1) AND (char_length(line) <= 40))),
    CONSTRAINT transport_lines_mode CHECK ((mode = ANY (ARRAY['bus'::text, 'metro'::text, 'brt'::text, 'tram'::text, 'ferry'::text, 'taxi'::text, 'rail'::text, 'bike'::text]))),
    CONSTRAINT transport_lines_stations CHECK ((cardinality(stations) <= 200))
);

--
-- Name: transport_lines_line_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.transport_lines ALTER COLUMN line_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.transport_lines_line_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: validator_groups; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.validator_groups (
    group_code text NOT NULL,
    max_entries integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT validator_groups_code_format CHECK ((group_code ~ '^[A-Za-z0-9_-]{1,32}$'::text)),
    CONSTRAINT validator_groups_max_entries CHECK ((max_entries >= 1))
);

--
-- Name: validators; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.validators (
    validator_id bigint NOT NULL,
    terminal_number text NOT NULL COLLATE pg_catalog."C",
    psam_serial text NOT NULL,
    mode text NOT NULL,
    line text NOT NULL,
    depot text NOT NULL,
    group_code text NOT NULL,
    token_hash bytea NOT NULL,
    registered_by bigint NOT NULL,
    registered_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    revoked_by bigint,
    applied_version bigint,
    applied_at timestamp with time zone,
    last_seen_at timestamp with time zone,
    CONSTRAINT validators_applied_version CHECK ((applied_version >= 0)),
    CONSTRAINT validators_depot_length CHECK (((char_length(depot) >= 1) AND (char_length(depot) <= 40))),
    CONSTRAINT validators_line_length CHECK (((char_length(line) >= 1) AND (char_length(line) <= 40))),
    CONSTRAINT validators_mode CHECK ((mode = ANY (ARRAY['bus'::text, 'metro'::text, 'brt'::text, 'tram'::text, 'ferry'::text, 'taxi'::text, 'rail'::text, 'bike'::text]))),
    CONSTRAINT validators_psam_format CHECK ((psam_serial ~ '^[0-9A-F]{10,20}$'::text)),
    CONSTRAINT validators_terminal_format CHECK ((terminal_number ~ '^[0-9]{12}$'::text))
);

--
-- Name: validators_validator_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.validators ALTER COLUMN validator_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.validators_validator_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: audit_events audit_events_chain_seq_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_chain_seq_key UNIQUE (chain_seq);

--
-- Name: audit_events audit_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (event_id);

--
-- Name: blacklist_batches blacklist_batches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_batches
    ADD CONSTRAINT blacklist_batches_pkey PRIMARY KEY (batch_id);

--
-- Name: blacklist_batches blacklist_batches_undo_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_batches
    ADD CONSTRAINT blacklist_batches_undo_once UNIQUE (undoes_batch);

--
-- Name: blacklist_changes blacklist_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_changes
    ADD CONSTRAINT blacklist_changes_pkey PRIMARY KEY (version);

--
-- Name: blacklist_entries blacklist_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_entries
    ADD CONSTRAINT blacklist_entries_pkey PRIMARY KEY (card_number);

--
-- Name: blacklist_head blacklist_head_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_head
    ADD CONSTRAINT blacklist_head_pkey PRIMARY KEY (one);

--
-- Name: blacklist_pending_changes blacklist_pending_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_pending_changes
    ADD CONSTRAINT blacklist_pending_changes_pkey PRIMARY KEY (batch_id, "position");

--
-- Name: card_products card_products_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_products
    ADD CONSTRAINT card_products_code_key UNIQUE (code);

--
-- Name: card_products card_products_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_products
    ADD CONSTRAINT card_products_pkey PRIMARY KEY (product_id);

--
-- Name: card_products card_products_type_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_products
    ADD CONSTRAINT card_products_type_key UNIQUE (product_id, card_type);

--
-- Name: card_stock card_stock_chip_uid_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_stock
    ADD CONSTRAINT card_stock_chip_uid_key UNIQUE (chip_uid);

--
-- Name: card_stock card_stock_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_stock
    ADD CONSTRAINT card_stock_pkey PRIMARY KEY (card_number);

--
-- Name: cards cards_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_pkey PRIMARY KEY (card_number);

--
-- Name: cards cards_replaces_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_replaces_once UNIQUE (replaces_card);

--
-- Name: channels channels_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channels
    ADD CONSTRAINT channels_pkey PRIMARY KEY (clerk_id);

--
-- Name: clearing_files clearing_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clearing_files
    ADD CONSTRAINT clearing_files_pkey PRIMARY KEY (file_id);

--
-- Name: clearing_incoming clearing_incoming_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clearing_incoming
    ADD CONSTRAINT clearing_incoming_pkey PRIMARY KEY (terminal_number, terminal_serial);

--
-- Name: clerks clerks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clerks
    ADD CONSTRAINT clerks_pkey PRIMARY KEY (clerk_id);

--
-- Name: clerks clerks_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clerks
    ADD CONSTRAINT clerks_username_key UNIQUE (username);

--
-- Name: holders holders_document_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.holders
    ADD CONSTRAINT holders_document_key UNIQUE (document_hash);

--
-- Name: holders holders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.holders
    ADD CONSTRAINT holders_pkey PRIMARY KEY (holder_id);

--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (clerk_id, operation, idempotency_key);

--
-- Name: installation installation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation
    ADD CONSTRAINT installation_pkey PRIMARY KEY (singleton);

--
-- Name: issuer_whitelist_entries issuer_whitelist_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.issuer_whitelist_entries
    ADD CONSTRAINT issuer_whitelist_entries_pkey PRIMARY KEY (version, card_prefix);

--
-- Name: issuer_whitelists issuer_whitelists_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.issuer_whitelists
    ADD CONSTRAINT issuer_whitelists_pkey PRIMARY KEY (version);

--
-- Name: journal_entries journal_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_pkey PRIMARY KEY (entry_id);

--
-- Name: journal_transactions journal_transactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_transactions
    ADD CONSTRAINT journal_transactions_pkey PRIMARY KEY (transaction_id);

--
-- Name: ledger_accounts ledger_accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_accounts
    ADD CONSTRAINT ledger_accounts_pkey PRIMARY KEY (account_id);

--
-- Name: load_terminals load_terminals_label_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.load_terminals
    ADD CONSTRAINT load_terminals_label_key UNIQUE (hall_id, label);

--
-- Name: load_terminals load_terminals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.load_terminals
    ADD CONSTRAINT load_terminals_pkey PRIMARY KEY (terminal_number);

--
-- Name: loads loads_initialize_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_initialize_key UNIQUE (card_number, online_serial, card_random);

--
-- Name: loads loads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_pkey PRIMARY KEY (load_id);

--
-- Name: loads loads_terminal_serial_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_terminal_serial_key UNIQUE (terminal_number, terminal_serial);

--
-- Name: login_failures login_failures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_failures
    ADD CONSTRAINT login_failures_pkey PRIMARY KEY (clerk_id, client_address);

--
-- Name: loss_attempts loss_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_attempts
    ADD CONSTRAINT loss_attempts_pkey PRIMARY KEY (attempt_id);

--
-- Name: loss_reports loss_reports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_pkey PRIMARY KEY (report_id);

--
-- Name: loss_reports loss_reports_reference_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_reference_key UNIQUE (reference);

--
-- Name: progress_entries progress_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.progress_entries
    ADD CONSTRAINT progress_entries_pkey PRIMARY KEY (month, variant, row_number);

--
-- Name: refund_approvals refund_approvals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refund_approvals
    ADD CONSTRAINT refund_approvals_pkey PRIMARY KEY (approval_id);

--
-- Name: refunds refunds_approval_used_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_approval_used_once UNIQUE (approval_id);

--
-- Name: refunds refunds_one_per_card; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_one_per_card UNIQUE (card_number);

--
-- Name: refunds refunds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_pkey PRIMARY KEY (refund_id);

--
-- Name: replacements replacements_new_card_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_new_card_key UNIQUE (new_card);

--
-- Name: replacements replacements_old_card_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_old_card_key UNIQUE (old_card);

--
-- Name: replacements replacements_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_pkey PRIMARY KEY (replacement_id);

--
-- Name: replacements replacements_report_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_report_id_key UNIQUE (report_id);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: service_halls service_halls_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_halls
    ADD CONSTRAINT service_halls_code_key UNIQUE (code);

--
-- Name: service_halls service_halls_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_halls
    ADD CONSTRAINT service_halls_pkey PRIMARY KEY (hall_id);

--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (session_id);

--
-- Name: sessions sessions_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_token_hash_key UNIQUE (token_hash);

--
-- Name: shifts shifts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifts
    ADD CONSTRAINT shifts_pkey PRIMARY KEY (shift_id);

--
-- Name: stock_batches stock_batches_file_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_batches
    ADD CONSTRAINT stock_batches_file_key UNIQUE (file_sha256);

--
-- Name: stock_batches stock_batches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_batches
    ADD CONSTRAINT stock_batches_pkey PRIMARY KEY (batch_id);

--
-- Name: stock_movements stock_movements_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_pkey PRIMARY KEY (movement_id);

--
-- Name: tap_exceptions tap_exceptions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tap_exceptions
    ADD CONSTRAINT tap_exceptions_pkey PRIMARY KEY (exception_id);

--
-- Name: taps taps_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.taps
    ADD CONSTRAINT taps_key PRIMARY KEY (terminal_number, terminal_serial, tapped_at);

--
-- Name: topup_orders topup_orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_pkey PRIMARY KEY (order_id);

--
-- Name: topup_orders topup_orders_reference_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_reference_key UNIQUE (channel_id, channel_reference);

--
-- Name: transport_companies transport_companies_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transport_companies
    ADD CONSTRAINT transport_companies_code_key UNIQUE (code);

--
-- Name: transport_companies transport_companies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transport_companies
    ADD CONSTRAINT transport_companies_pkey PRIMARY KEY (company_id);

--
-- Name: transport_line_operators transport_line_operators_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transport_line_operators
    ADD CONSTRAINT transport_line_operators_key PRIMARY KEY (line_id, valid_from);

--
-- Name: transport_lines transport_lines_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transport_lines
    ADD CONSTRAINT transport_lines_key UNIQUE (mode, line);

--
-- Name: transport_lines transport_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transport_lines
    ADD CONSTRAINT transport_lines_pkey PRIMARY KEY (line_id);

--
-- Name: validator_groups validator_groups_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.validator_groups
    ADD CONSTRAINT validator_groups_pkey PRIMARY KEY (group_code);

--
-- Name: validators validators_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.validators
    ADD CONSTRAINT validators_pkey PRIMARY KEY (validator_id);

--
-- Name: validators validators_terminal_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.validators
    ADD CONSTRAINT validators_terminal_key UNIQUE (terminal_number);

--
-- Name: validators validators_token_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.validators
    ADD CONSTRAINT validators_token_key UNIQUE (token_hash);

--
-- Name: audit_events_actor_action; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_events_actor_action ON public.audit_events USING btree (actor_clerk_id, action, occurred_at);

--
-- Name: audit_events_occurred; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_events_occurred ON public.audit_events USING btree (occurred_at);

--
-- Name: audit_events_unsealed; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_events_unsealed ON public.audit_events USING btree (event_id) WHERE (chain_seq IS NULL);

--
-- Name: blacklist_changes_batch; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX blacklist_changes_batch ON public.blacklist_changes USING btree (batch_id);

--
-- Name: blacklist_changes_card; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX blacklist_changes_card ON public.blacklist_changes USING btree (card_number, version);

--
-- Name: card_stock_available; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX card_stock_available ON public.card_stock USING btree (hall_id, product_id, card_number) WHERE (status = 'in_stock'::text);

--
-- Name: cards_holder; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cards_holder ON public.cards USING btree (holder_id) WHERE (holder_id IS NOT NULL);

--
-- Name: cards_issued_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cards_issued_at ON public.cards USING btree (issued_at);

--
-- Name: cards_shift; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cards_shift ON public.cards USING btree (issued_shift_id);

--
-- Name: clearing_incoming_card; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX clearing_incoming_card ON public.clearing_incoming USING btree (card_number);

--
-- Name: idempotency_keys_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_created ON public.idempotency_keys USING btree (created_at);

--
-- Name: journal_entries_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX journal_entries_account ON public.journal_entries USING btree (account_id);

--
-- Name: journal_entries_transaction; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX journal_entries_transaction ON public.journal_entries USING btree (transaction_id);

--
-- Name: journal_transactions_payment_reference_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_transactions_payment_reference_key ON public.journal_transactions USING btree (payment_method, payment_reference) WHERE (payment_reference IS NOT NULL);

--
-- Name: journal_transactions_shift; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX journal_transactions_shift ON public.journal_transactions USING btree (shift_id);

--
-- Name: ledger_accounts_card_purse; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ledger_accounts_card_purse ON public.ledger_accounts USING btree (card_number) WHERE (kind = 'card_purse'::text);

--
-- Name: ledger_accounts_one_per_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ledger_accounts_one_per_owner ON public.ledger_accounts USING btree (kind, COALESCE(card_number, ''::text), COALESCE(shift_id, (0)::bigint), COALESCE(hall_id, (0)::bigint), COALESCE(payment_method, ''::text), COALESCE(company_id, (0)::bigint));

--
-- Name: ledger_accounts_shift_cash; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ledger_accounts_shift_cash ON public.ledger_accounts USING btree (shift_id) WHERE (kind = 'shift_cash'::text);

--
-- Name: loads_card_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX loads_card_time ON public.loads USING btree (card_number, authorised_at);

--
-- Name: loads_one_live_per_order; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX loads_one_live_per_order ON public.loads USING btree (order_id) WHERE ((order_id IS NOT NULL) AND (state <> 'reversed'::text));

--
-- Name: loads_one_mac2_per_serial; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX loads_one_mac2_per_serial ON public.loads USING btree (card_number, online_serial) WHERE (state <> 'reversed'::text);

--
-- Name: loads_one_open_per_card; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX loads_one_open_per_card ON public.loads USING btree (card_number) WHERE (state = ANY (ARRAY['mac2_issued'::text, 'grey'::text]));

--
-- Name: loads_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX loads_open ON public.loads USING btree (hall_id, authorised_at) WHERE (state = ANY (ARRAY['mac2_issued'::text, 'grey'::text]));

--
-- Name: loads_shift; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX loads_shift ON public.loads USING btree (shift_id);

--
-- Name: loads_void_terminal_serial_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX loads_void_terminal_serial_key ON public.loads USING btree (terminal_number, void_terminal_serial) WHERE (void_terminal_serial IS NOT NULL);

--
-- Name: loss_attempts_address; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX loss_attempts_address ON public.loss_attempts USING btree (client_address, attempted_at);

--
-- Name: loss_attempts_card; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX loss_attempts_card ON public.loss_attempts USING btree (card_number, attempted_at);

--
-- Name: loss_reports_card; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX loss_reports_card ON public.loss_reports USING btree (card_number, reported_at DESC);

--
-- Name: loss_reports_one_open; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX loss_reports_one_open ON public.loss_reports USING btree (card_number) WHERE (state = 'open'::text);

--
-- Name: refund_approvals_card; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refund_approvals_card ON public.refund_approvals USING btree (card_number);

--
-- Name: replacements_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX replacements_due ON public.replacements USING btree (settle_after) WHERE (settled_at IS NULL);

--
-- Name: sessions_clerk; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_clerk ON public.sessions USING btree (clerk_id) WHERE (revoked_at IS NULL);

--
-- Name: sessions_clerk_address; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_clerk_address ON public.sessions USING btree (clerk_id, client_address, created_at);

--
-- Name: shifts_hall_opened; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX shifts_hall_opened ON public.shifts USING btree (hall_id, opened_at);

--
-- Name: shifts_one_open_per_clerk; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX shifts_one_open_per_clerk ON public.shifts USING btree (clerk_id) WHERE (closed_at IS NULL);

--
-- Name: tap_exceptions_card; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tap_exceptions_card ON public.tap_exceptions USING btree (card_number);

--
-- Name: tap_exceptions_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tap_exceptions_open ON public.tap_exceptions USING btree (exception_id) WHERE (resolved_at IS NULL);

--
-- Name: taps_card_serial; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX taps_card_serial ON ONLY public.taps USING btree (card_number, offline_serial);

--
-- Name: taps_terminal_serial; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX taps_terminal_serial ON ONLY public.taps USING btree (terminal_number, terminal_serial);

--
-- Name: taps_without_company; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX taps_without_company ON ONLY public.taps USING btree (mode, line) WHERE (company_id IS NULL);

--
-- Name: topup_orders_card; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX topup_orders_card ON public.topup_orders USING btree (card_number, order_id) WHERE (state = ANY (ARRAY['pending'::text, 'loading'::text]));

--
-- Name: topup_orders_expiring; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX topup_orders_expiring ON public.topup_orders USING btree (expires_at) WHERE (state = 'pending'::text);

--
-- Name: transport_line_operators_company; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX transport_line_operators_company ON public.transport_line_operators USING btree (company_id);

--
-- Name: validators_group; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX validators_group ON public.validators USING btree (group_code);

--
-- Name: audit_events audit_events_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_events_guard BEFORE DELETE OR UPDATE ON public.audit_events FOR EACH ROW EXECUTE FUNCTION public.audit_events_guard();

--
-- Name: audit_events audit_events_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON public.audit_events FOR EACH STATEMENT EXECUTE FUNCTION public.journal_append_only();

--
-- Name: audit_events audit_events_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_events_references AFTER INSERT ON public.audit_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.references_exist('actor_clerk_id', 'hall_id', '');

--
-- Name: blacklist_changes blacklist_changes_apply; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER blacklist_changes_apply BEFORE INSERT ON public.blacklist_changes FOR EACH ROW EXECUTE FUNCTION public.blacklist_changes_apply();

--
-- Name: blacklist_changes blacklist_changes_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER blacklist_changes_guard BEFORE DELETE OR UPDATE ON public.blacklist_changes FOR EACH ROW EXECUTE FUNCTION public.blacklist_changes_guard();

--
-- Name: blacklist_changes blacklist_changes_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER blacklist_changes_notify AFTER INSERT ON public.blacklist_changes REFERENCING NEW TABLE AS new_changes FOR EACH STATEMENT EXECUTE FUNCTION public.blacklist_changes_notify();

--
-- Name: card_products card_products_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER card_products_guard BEFORE UPDATE ON public.card_products FOR EACH ROW EXECUTE FUNCTION public.card_products_guard();

--
-- Name: card_products card_products_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER card_products_never_deleted BEFORE DELETE ON public.card_products FOR EACH ROW EXECUTE FUNCTION public.never_deleted();

--
-- Name: card_products card_products_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER card_products_no_truncate BEFORE TRUNCATE ON public.card_products FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: card_stock card_stock_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER card_stock_guard BEFORE DELETE OR UPDATE ON public.card_stock FOR EACH ROW EXECUTE FUNCTION public.card_stock_guard();

--
-- Name: card_stock card_stock_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER card_stock_references AFTER INSERT ON public.card_stock REFERENCING NEW TABLE AS new_stock FOR EACH STATEMENT EXECUTE FUNCTION public.card_stock_references();

--
-- Name: cards cards_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cards_guard BEFORE DELETE OR UPDATE ON public.cards FOR EACH ROW EXECUTE FUNCTION public.cards_guard();

--
-- Name: cards cards_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cards_references AFTER INSERT ON public.cards REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.references_exist('issued_clerk_id', 'issued_hall_id', 'issued_shift_id');

--
-- Name: cards cards_require_issued_stock; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cards_require_issued_stock BEFORE INSERT ON public.cards FOR EACH ROW EXECUTE FUNCTION public.cards_require_issued_stock();

--
-- Name: cards cards_shift_open; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cards_shift_open BEFORE INSERT ON public.cards FOR EACH ROW EXECUTE FUNCTION public.shift_still_open();

--
-- Name: cards cards_status_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cards_status_guard BEFORE UPDATE OF status ON public.cards FOR EACH ROW EXECUTE FUNCTION public.cards_status_guard();

--
-- Name: clerks clerks_key_fixed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER clerks_key_fixed BEFORE UPDATE OF clerk_id ON public.clerks FOR EACH ROW EXECUTE FUNCTION public.key_never_changes('clerk_id');

--
-- Name: clerks clerks_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER clerks_never_deleted BEFORE DELETE ON public.clerks FOR EACH ROW EXECUTE FUNCTION public.never_deleted();

--
-- Name: clerks clerks_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER clerks_no_truncate BEFORE TRUNCATE ON public.clerks FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: idempotency_keys idempotency_keys_key_fixed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER idempotency_keys_key_fixed BEFORE UPDATE OF clerk_id ON public.idempotency_keys FOR EACH ROW EXECUTE FUNCTION public.key_never_changes('clerk_id');

--
-- Name: idempotency_keys idempotency_keys_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER idempotency_keys_references AFTER INSERT ON public.idempotency_keys REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.references_exist('clerk_id', '', '');

--
-- Name: journal_entries journal_entries_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_entries_append_only BEFORE DELETE OR UPDATE ON public.journal_entries FOR EACH ROW EXECUTE FUNCTION public.journal_append_only();

--
-- Name: journal_entries journal_entries_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_entries_guard AFTER INSERT ON public.journal_entries REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION public.journal_entries_guard();

--
-- Name: journal_entries journal_entries_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON public.journal_entries FOR EACH STATEMENT EXECUTE FUNCTION public.journal_append_only();

--
-- Name: journal_entries journal_entries_tracked_balances; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_entries_tracked_balances AFTER INSERT ON public.journal_entries REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION public.journal_entries_tracked_balances();

--
-- Name: journal_transactions journal_transactions_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_transactions_append_only BEFORE DELETE OR UPDATE ON public.journal_transactions FOR EACH ROW EXECUTE FUNCTION public.journal_append_only();

--
-- Name: journal_transactions journal_transactions_balanced; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER journal_transactions_balanced AFTER INSERT ON public.journal_transactions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.journal_check_balanced();

--
-- Name: journal_transactions journal_transactions_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_transactions_no_truncate BEFORE TRUNCATE ON public.journal_transactions FOR EACH STATEMENT EXECUTE FUNCTION public.journal_append_only();

--
-- Name: journal_transactions journal_transactions_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_transactions_references AFTER INSERT ON public.journal_transactions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.references_exist('clerk_id', 'hall_id', 'shift_id');

--
-- Name: journal_transactions journal_transactions_shift_open; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_transactions_shift_open BEFORE INSERT ON public.journal_transactions FOR EACH ROW EXECUTE FUNCTION public.shift_still_open();

--
-- Name: ledger_accounts ledger_accounts_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ledger_accounts_guard BEFORE DELETE OR UPDATE ON public.ledger_accounts FOR EACH ROW EXECUTE FUNCTION public.ledger_accounts_guard();

--
-- Name: ledger_accounts ledger_accounts_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON public.ledger_accounts FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: loads loads_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER loads_guard BEFORE DELETE OR UPDATE ON public.loads FOR EACH ROW EXECUTE FUNCTION public.loads_guard();

--
-- Name: loads loads_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER loads_references AFTER INSERT ON public.loads REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.references_exist('clerk_id', 'hall_id', 'shift_id');

--
-- Name: loss_reports loss_reports_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER loss_reports_guard BEFORE DELETE OR UPDATE ON public.loss_reports FOR EACH ROW EXECUTE FUNCTION public.loss_reports_guard();

--
-- Name: refunds refunds_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refunds_guard BEFORE DELETE OR UPDATE ON public.refunds FOR EACH ROW EXECUTE FUNCTION public.refunds_guard();

--
-- Name: replacements replacements_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER replacements_guard BEFORE DELETE OR UPDATE ON public.replacements FOR EACH ROW EXECUTE FUNCTION public.replacements_guard();

--
-- Name: service_halls service_halls_key_fixed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER service_halls_key_fixed BEFORE UPDATE OF hall_id ON public.service_halls FOR EACH ROW EXECUTE FUNCTION public.key_never_changes('hall_id');

--
-- Name: service_halls service_halls_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER service_halls_never_deleted BEFORE DELETE ON public.service_halls FOR EACH ROW EXECUTE FUNCTION public.never_deleted();

--
-- Name: service_halls service_halls_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER service_halls_no_truncate BEFORE TRUNCATE ON public.service_halls FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: shifts shifts_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER shifts_guard BEFORE DELETE OR UPDATE ON public.shifts FOR EACH ROW EXECUTE FUNCTION public.shifts_guard();

--
-- Name: shifts shifts_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER shifts_no_truncate BEFORE TRUNCATE ON public.shifts FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: stock_batches stock_batches_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER stock_batches_never_deleted BEFORE DELETE ON public.stock_batches FOR EACH ROW EXECUTE FUNCTION public.never_deleted();

--
-- Name: stock_batches stock_batches_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER stock_batches_no_truncate BEFORE TRUNCATE ON public.stock_batches FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: card_stock stock_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER stock_no_truncate BEFORE TRUNCATE ON public.card_stock FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: taps taps_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER taps_guard BEFORE UPDATE ON public.taps FOR EACH ROW EXECUTE FUNCTION public.taps_guard();

--
-- Name: taps taps_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER taps_references AFTER INSERT ON public.taps REFERENCING NEW TABLE AS new_taps FOR EACH STATEMENT EXECUTE FUNCTION public.taps_references();

--
-- Name: topup_orders topup_orders_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER topup_orders_guard BEFORE DELETE OR UPDATE ON public.topup_orders FOR EACH ROW EXECUTE FUNCTION public.topup_orders_guard();

--
-- Name: transport_line_operators transport_line_operators_delete_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transport_line_operators_delete_guard BEFORE DELETE ON public.transport_line_operators FOR EACH ROW EXECUTE FUNCTION public.transport_line_operators_delete_guard();

--
-- Name: transport_line_operators transport_line_operators_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transport_line_operators_no_truncate BEFORE TRUNCATE ON public.transport_line_operators FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: validators validators_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER validators_never_deleted BEFORE DELETE ON public.validators FOR EACH ROW EXECUTE FUNCTION public.never_deleted();

--
-- Name: validators validators_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER validators_no_truncate BEFORE TRUNCATE ON public.validators FOR EACH STATEMENT EXECUTE FUNCTION public.never_deleted();

--
-- Name: blacklist_batches blacklist_batches_approved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_batches
    ADD CONSTRAINT blacklist_batches_approved_by_fkey FOREIGN KEY (approved_by) REFERENCES public.clerks(clerk_id);

--
-- Name: blacklist_batches blacklist_batches_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_batches
    ADD CONSTRAINT blacklist_batches_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.clerks(clerk_id);

--
-- Name: blacklist_batches blacklist_batches_rejected_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_batches
    ADD CONSTRAINT blacklist_batches_rejected_by_fkey FOREIGN KEY (rejected_by) REFERENCES public.clerks(clerk_id);

--
-- Name: blacklist_batches blacklist_batches_undoes_batch_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_batches
    ADD CONSTRAINT blacklist_batches_undoes_batch_fkey FOREIGN KEY (undoes_batch) REFERENCES public.blacklist_batches(batch_id);

--
-- Name: blacklist_changes blacklist_changes_batch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_changes
    ADD CONSTRAINT blacklist_changes_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.blacklist_batches(batch_id);

--
-- Name: blacklist_changes blacklist_changes_changed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_changes
    ADD CONSTRAINT blacklist_changes_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES public.clerks(clerk_id);

--
-- Name: blacklist_pending_changes blacklist_pending_changes_batch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blacklist_pending_changes
    ADD CONSTRAINT blacklist_pending_changes_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.blacklist_batches(batch_id);

--
-- Name: card_products card_products_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_products
    ADD CONSTRAINT card_products_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.clerks(clerk_id);

--
-- Name: card_stock card_stock_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_stock
    ADD CONSTRAINT card_stock_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: cards cards_card_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_card_number_fkey FOREIGN KEY (card_number) REFERENCES public.card_stock(card_number);

--
-- Name: cards cards_holder_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_holder_id_fkey FOREIGN KEY (holder_id) REFERENCES public.holders(holder_id);

--
-- Name: cards cards_issue_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_issue_transaction_id_fkey FOREIGN KEY (issue_transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: cards cards_product_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.card_products(product_id);

--
-- Name: cards cards_replaces_card_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_replaces_card_fkey FOREIGN KEY (replaces_card) REFERENCES public.cards(card_number);

--
-- Name: channels channels_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channels
    ADD CONSTRAINT channels_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.clerks(clerk_id);

--
-- Name: clearing_files clearing_files_made_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clearing_files
    ADD CONSTRAINT clearing_files_made_by_fkey FOREIGN KEY (made_by) REFERENCES public.clerks(clerk_id);

--
-- Name: clearing_incoming clearing_incoming_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clearing_incoming
    ADD CONSTRAINT clearing_incoming_file_id_fkey FOREIGN KEY (file_id) REFERENCES public.clearing_files(file_id);

--
-- Name: clearing_incoming clearing_incoming_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clearing_incoming
    ADD CONSTRAINT clearing_incoming_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: clerks clerks_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clerks
    ADD CONSTRAINT clerks_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: holders holders_registered_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.holders
    ADD CONSTRAINT holders_registered_by_fkey FOREIGN KEY (registered_by) REFERENCES public.clerks(clerk_id);

--
-- Name: holders holders_registered_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.holders
    ADD CONSTRAINT holders_registered_hall_id_fkey FOREIGN KEY (registered_hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: issuer_whitelist_entries issuer_whitelist_entries_version_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.issuer_whitelist_entries
    ADD CONSTRAINT issuer_whitelist_entries_version_fkey FOREIGN KEY (version) REFERENCES public.issuer_whitelists(version);

--
-- Name: issuer_whitelists issuer_whitelists_imported_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.issuer_whitelists
    ADD CONSTRAINT issuer_whitelists_imported_by_fkey FOREIGN KEY (imported_by) REFERENCES public.clerks(clerk_id);

--
-- Name: journal_entries journal_entries_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: ledger_accounts ledger_accounts_company_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_accounts
    ADD CONSTRAINT ledger_accounts_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.transport_companies(company_id);

--
-- Name: ledger_accounts ledger_accounts_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_accounts
    ADD CONSTRAINT ledger_accounts_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: ledger_accounts ledger_accounts_shift_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_accounts
    ADD CONSTRAINT ledger_accounts_shift_id_fkey FOREIGN KEY (shift_id) REFERENCES public.shifts(shift_id);

--
-- Name: load_terminals load_terminals_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.load_terminals
    ADD CONSTRAINT load_terminals_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.clerks(clerk_id);

--
-- Name: load_terminals load_terminals_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.load_terminals
    ADD CONSTRAINT load_terminals_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: loads loads_card_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_card_number_fkey FOREIGN KEY (card_number) REFERENCES public.cards(card_number);

--
-- Name: loads loads_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.topup_orders(order_id);

--
-- Name: loads loads_resolved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_resolved_by_fkey FOREIGN KEY (resolved_by) REFERENCES public.clerks(clerk_id);

--
-- Name: loads loads_reversal_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_reversal_transaction_id_fkey FOREIGN KEY (reversal_transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: loads loads_terminal_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_terminal_number_fkey FOREIGN KEY (terminal_number) REFERENCES public.load_terminals(terminal_number);

--
-- Name: loads loads_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: loads loads_void_requested_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_void_requested_by_fkey FOREIGN KEY (void_requested_by) REFERENCES public.clerks(clerk_id);

--
-- Name: loads loads_void_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_void_transaction_id_fkey FOREIGN KEY (void_transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: loads loads_voided_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loads
    ADD CONSTRAINT loads_voided_by_fkey FOREIGN KEY (voided_by) REFERENCES public.clerks(clerk_id);

--
-- Name: login_failures login_failures_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_failures
    ADD CONSTRAINT login_failures_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.clerks(clerk_id);

--
-- Name: loss_reports loss_reports_card_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_card_number_fkey FOREIGN KEY (card_number) REFERENCES public.cards(card_number);

--
-- Name: loss_reports loss_reports_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: loss_reports loss_reports_holder_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_holder_id_fkey FOREIGN KEY (holder_id) REFERENCES public.holders(holder_id);

--
-- Name: loss_reports loss_reports_listed_version_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_listed_version_fkey FOREIGN KEY (listed_version) REFERENCES public.blacklist_changes(version);

--
-- Name: loss_reports loss_reports_reclaimed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_reclaimed_by_fkey FOREIGN KEY (reclaimed_by) REFERENCES public.clerks(clerk_id);

--
-- Name: loss_reports loss_reports_reported_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_reported_by_fkey FOREIGN KEY (reported_by) REFERENCES public.clerks(clerk_id);

--
-- Name: loss_reports loss_reports_unlisted_version_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.loss_reports
    ADD CONSTRAINT loss_reports_unlisted_version_fkey FOREIGN KEY (unlisted_version) REFERENCES public.blacklist_changes(version);

--
-- Name: progress_entries progress_entries_updated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.progress_entries
    ADD CONSTRAINT progress_entries_updated_by_fkey FOREIGN KEY (updated_by) REFERENCES public.clerks(clerk_id);

--
-- Name: refund_approvals refund_approvals_approved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refund_approvals
    ADD CONSTRAINT refund_approvals_approved_by_fkey FOREIGN KEY (approved_by) REFERENCES public.clerks(clerk_id);

--
-- Name: refund_approvals refund_approvals_card_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refund_approvals
    ADD CONSTRAINT refund_approvals_card_number_fkey FOREIGN KEY (card_number) REFERENCES public.cards(card_number);

--
-- Name: refund_approvals refund_approvals_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refund_approvals
    ADD CONSTRAINT refund_approvals_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: refunds refunds_approval_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES public.refund_approvals(approval_id);

--
-- Name: refunds refunds_card_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_card_number_fkey FOREIGN KEY (card_number) REFERENCES public.cards(card_number);

--
-- Name: refunds refunds_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.clerks(clerk_id);

--
-- Name: refunds refunds_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: refunds refunds_shift_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_shift_id_fkey FOREIGN KEY (shift_id) REFERENCES public.shifts(shift_id);

--
-- Name: refunds refunds_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: replacements replacements_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.clerks(clerk_id);

--
-- Name: replacements replacements_fee_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_fee_transaction_id_fkey FOREIGN KEY (fee_transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: replacements replacements_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: replacements replacements_new_card_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_new_card_fkey FOREIGN KEY (new_card) REFERENCES public.cards(card_number);

--
-- Name: replacements replacements_old_card_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_old_card_fkey FOREIGN KEY (old_card) REFERENCES public.cards(card_number);

--
-- Name: replacements replacements_provisional_order_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_provisional_order_fkey FOREIGN KEY (provisional_order_id) REFERENCES public.topup_orders(order_id);

--
-- Name: replacements replacements_remainder_order_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_remainder_order_fkey FOREIGN KEY (remainder_order_id) REFERENCES public.topup_orders(order_id);

--
-- Name: replacements replacements_report_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_report_id_fkey FOREIGN KEY (report_id) REFERENCES public.loss_reports(report_id);

--
-- Name: replacements replacements_shift_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replacements
    ADD CONSTRAINT replacements_shift_id_fkey FOREIGN KEY (shift_id) REFERENCES public.shifts(shift_id);

--
-- Name: sessions sessions_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.clerks(clerk_id);

--
-- Name: shifts shifts_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifts
    ADD CONSTRAINT shifts_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.clerks(clerk_id);

--
-- Name: shifts shifts_closed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifts
    ADD CONSTRAINT shifts_closed_by_fkey FOREIGN KEY (closed_by) REFERENCES public.clerks(clerk_id);

--
-- Name: shifts shifts_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shifts
    ADD CONSTRAINT shifts_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: stock_batches stock_batches_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_batches
    ADD CONSTRAINT stock_batches_hall_id_fkey FOREIGN KEY (hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: stock_batches stock_batches_imported_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_batches
    ADD CONSTRAINT stock_batches_imported_by_fkey FOREIGN KEY (imported_by) REFERENCES public.clerks(clerk_id);

--
-- Name: stock_batches stock_batches_product_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_batches
    ADD CONSTRAINT stock_batches_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.card_products(product_id);

--
-- Name: stock_movements stock_movements_from_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_from_hall_id_fkey FOREIGN KEY (from_hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: stock_movements stock_movements_moved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_moved_by_fkey FOREIGN KEY (moved_by) REFERENCES public.clerks(clerk_id);

--
-- Name: stock_movements stock_movements_product_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.card_products(product_id);

--
-- Name: stock_movements stock_movements_to_hall_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_to_hall_id_fkey FOREIGN KEY (to_hall_id) REFERENCES public.service_halls(hall_id);

--
-- Name: tap_exceptions tap_exceptions_resolved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tap_exceptions
    ADD CONSTRAINT tap_exceptions_resolved_by_fkey FOREIGN KEY (resolved_by) REFERENCES public.clerks(clerk_id);

--
-- Name: topup_orders topup_orders_card_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_card_number_fkey FOREIGN KEY (card_number) REFERENCES public.cards(card_number);

--
-- Name: topup_orders topup_orders_channel_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_channel_id_fkey FOREIGN KEY (channel_id) REFERENCES public.channels(clerk_id);

--
-- Name: topup_orders topup_orders_load_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_load_id_fkey FOREIGN KEY (load_id) REFERENCES public.loads(load_id);

--
-- Name: topup_orders topup_orders_loss_report_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_loss_report_id_fkey FOREIGN KEY (loss_report_id) REFERENCES public.loss_reports(report_id);

--
-- Name: topup_orders topup_orders_paid_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_paid_transaction_id_fkey FOREIGN KEY (paid_transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: topup_orders topup_orders_refund_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.topup_orders
    ADD CONSTRAINT topup_orders_refund_transaction_id_fkey FOREIGN KEY (refund_transaction_id) REFERENCES public.journal_transactions(transaction_id);

--
-- Name: transport_line_operators transport_line_operators_company_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transport_line_operators
    ADD CONSTRAINT transport_line_operators_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.transport_companies(company_id);

--
-- Name: transport_line_operators transport_line_operators_line_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transport_line_operators
    ADD CONSTRAINT transport_line_operators_line_id_fkey FOREIGN KEY (line_id) REFERENCES public.transport_lines(line_id);

--
-- Name: validators validators_group_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.validators
    ADD CONSTRAINT validators_group_code_fkey FOREIGN KEY (group_code) REFERENCES public.validator_groups(group_code);

--
-- Name: validators validators_registered_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.validators
    ADD CONSTRAINT validators_registered_by_fkey FOREIGN KEY (registered_by) REFERENCES public.clerks(clerk_id);

--
-- Name: validators validators_revoked_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.validators
    ADD CONSTRAINT validators_revoked_by_fkey FOREIGN KEY (revoked_by) REFERENCES public.clerks(clerk_id);

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO tongka_service;

--
-- Name: TABLE audit_events; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.audit_events TO tongka_service;

--
-- Name: FUNCTION audit_seal(batch integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.audit_seal(batch integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.audit_seal(batch integer) TO tongka_service;

--
-- Name: FUNCTION taps_ensure_month(instant timestamp with time zone); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.taps_ensure_month(instant timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.taps_ensure_month(instant timestamp with time zone) TO tongka_service;

--
-- Name: TABLE blacklist_batches; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.blacklist_batches TO tongka_service;

--
-- Name: TABLE blacklist_changes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.blacklist_changes TO tongka_service;

--
-- Name: TABLE blacklist_entries; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.blacklist_entries TO tongka_service;

--
-- Name: TABLE blacklist_head; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.blacklist_head TO tongka_service;

--
-- Name: TABLE blacklist_pending_changes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.blacklist_pending_changes TO tongka_service;

--
-- Name: TABLE card_products; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.card_products TO tongka_service;

--
-- Name: TABLE card_stock; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.card_stock TO tongka_service;

--
-- Name: TABLE cards; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.cards TO tongka_service;

--
-- Name: TABLE channels; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.channels TO tongka_service;

--
-- Name: TABLE clearing_files; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.clearing_files TO tongka_service;

--
-- Name: TABLE clearing_incoming; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.clearing_incoming TO tongka_service;

--
-- Name: TABLE clerks; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.clerks TO tongka_service;

--
-- Name: TABLE holders; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.holders TO tongka_service;

--
-- Name: TABLE idempotency_keys; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.idempotency_keys TO tongka_service;

--
-- Name: TABLE installation; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.installation TO tongka_service;

--
-- Name: TABLE issuer_whitelist_entries; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.issuer_whitelist_entries TO tongka_service;

--
-- Name: TABLE issuer_whitelists; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.issuer_whitelists TO tongka_service;

--
-- Name: TABLE journal_entries; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.journal_entries TO tongka_service;

--
-- Name: TABLE journal_transactions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.journal_transactions TO tongka_service;

--
-- Name: TABLE ledger_accounts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.ledger_accounts TO tongka_service;

--
-- Name: SEQUENCE load_terminal_numbers; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.load_terminal_numbers TO tongka_service;

--
-- Name: TABLE load_terminals; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.load_terminals TO tongka_service;

--
-- Name: TABLE loads; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.loads TO tongka_service;

--
-- Name: TABLE login_failures; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.login_failures TO tongka_service;

--
-- Name: TABLE loss_attempts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.loss_attempts TO tongka_service;

--
-- Name: TABLE loss_reports; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.loss_reports TO tongka_service;

--
-- Name: TABLE progress_entries; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.progress_entries TO tongka_service;

--
-- Name: TABLE refund_approvals; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.refund_approvals TO tongka_service;

--
-- Name: TABLE refunds; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.refunds TO tongka_service;

--
-- Name: TABLE replacements; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.replacements TO tongka_service;

--
-- Name: TABLE schema_migrations; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.schema_migrations TO tongka_service;

--
-- Name: TABLE service_halls; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.service_halls TO tongka_service;

--
-- Name: TABLE sessions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.sessions TO tongka_service;

--
-- Name: TABLE shifts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.shifts TO tongka_service;

--
-- Name: TABLE stock_batches; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.stock_batches TO tongka_service;

--
-- Name: TABLE stock_movements; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.stock_movements TO tongka_service;

--
-- Name: TABLE tap_exceptions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.tap_exceptions TO tongka_service;

--
-- Name: TABLE taps; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.taps TO tongka_service;

--
-- Name: COLUMN taps.company_id; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(company_id) ON TABLE public.taps TO tongka_service;

--
-- Name: TABLE topup_orders; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.topup_orders TO tongka_service;

--
-- Name: TABLE transport_companies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.transport_companies TO tongka_service;

--
-- Name: TABLE transport_line_operators; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE ON TABLE public.transport_line_operators TO tongka_service;

--
-- Name: TABLE transport_lines; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.transport_lines TO tongka_service;

--
-- Name: TABLE validator_groups; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.validator_groups TO tongka_service;

--
-- Name: TABLE validators; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.validators TO tongka_service;

--
-- PostgreSQL database dump complete
--

