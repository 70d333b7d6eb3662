-- The blacklist (黑名单) and the validators it goes to, issue 9.
--
-- Every addition and removal is a row of blacklist_changes, append-only, with the next version.
-- Versions are handed out under a lock on the one blacklist_head row, so they are gap-free and in
-- commit order: a validator that has seen version V has seen every change up to V. Full lists and
-- deltas are derived from the log; blacklist_entries is the current state, kept by a trigger on
-- the log (the service cannot write it directly).

-- A batch: the changes of one command, import or undo, applied together and undone together. A
-- batch above the configured size is held (state 'pending', its changes in
-- blacklist_pending_changes) until a second admin approves it.
CREATE TABLE blacklist_batches (
    batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CONSTRAINT blacklist_batches_kind CHECK (kind IN ('manual', 'refund', 'import', 'undo', 'expiry')),
    note text NOT NULL DEFAULT '' CONSTRAINT blacklist_batches_note_length CHECK (char_length(note) <= 500),
    size integer NOT NULL CONSTRAINT blacklist_batches_size CHECK (size >= 1),
    state text NOT NULL CONSTRAINT blacklist_batches_state CHECK (state IN ('applied', 'pending', 'rejected')),
    created_by bigint REFERENCES clerks (clerk_id),
    created_at timestamptz NOT NULL DEFAULT now(),
    approved_by bigint REFERENCES clerks (clerk_id),
    approved_at timestamptz,
    -- A second admin approves: never the one who made the batch.
    CONSTRAINT blacklist_batches_second_admin CHECK (approved_by IS NULL OR approved_by IS DISTINCT FROM created_by),
    undoes_batch bigint REFERENCES blacklist_batches (batch_id),
    CONSTRAINT blacklist_batches_undo_once UNIQUE (undoes_batch),
    CONSTRAINT blacklist_batches_undo_kind CHECK ((kind = 'undo') = (undoes_batch IS NOT NULL)),
    -- The issuer an import came from (16 hex digits).
    source_issuer text CONSTRAINT blacklist_batches_source_issuer CHECK (source_issuer ~ '^[0-9A-F]{16}$')
);

CREATE TABLE blacklist_head (
    one boolean PRIMARY KEY DEFAULT true CONSTRAINT blacklist_head_one CHECK (one),
    version bigint NOT NULL DEFAULT 0 CONSTRAINT blacklist_head_version CHECK (version >= 0)
);
INSERT INTO blacklist_head DEFAULT VALUES;

CREATE TABLE blacklist_changes (
    version bigint PRIMARY KEY CONSTRAINT blacklist_changes_version CHECK (version >= 1),
    card_number text COLLATE "C" NOT NULL CONSTRAINT blacklist_changes_card_format CHECK (card_number ~ '^[0-9]{19}$'),
    action text NOT NULL CONSTRAINT blacklist_changes_action CHECK (action IN ('add', 'remove')),
    reason text NOT NULL
        CONSTRAINT blacklist_changes_reason CHECK (reason IN ('lost', 'refunded', 'fraud', 'damaged', 'external', 'expired')),
    batch_id bigint NOT NULL REFERENCES blacklist_batches (batch_id),
    changed_by bigint REFERENCES clerks (clerk_id),
    changed_at timestamptz NOT NULL DEFAULT now(),
    -- The card's valid-to date when it is one of ours (validators drop expired cards).
    valid_to date
);
CREATE INDEX blacklist_changes_card ON blacklist_changes (card_number, version);
CREATE INDEX blacklist_changes_batch ON blacklist_changes (batch_id);

-- The changes a held batch will make once approved.
CREATE TABLE blacklist_pending_changes (
    batch_id bigint NOT NULL REFERENCES blacklist_batches (batch_id),
    position integer NOT NULL,
    PRIMARY KEY (batch_id, position),
    card_number text COLLATE "C" NOT NULL CONSTRAINT blacklist_pending_card_format CHECK (card_number ~ '^[0-9]{19}$'),
    action text NOT NULL CONSTRAINT blacklist_pending_action CHECK (action IN ('add', 'remove')),
    reason text NOT NULL
        CONSTRAINT blacklist_pending_reason CHECK (reason IN ('lost', 'refunded', 'fraud', 'damaged', 'external', 'expired'))
);

-- The current list: one row per listed card (ours and other issuers').
CREATE TABLE blacklist_entries (
    card_number text COLLATE "C" PRIMARY KEY,
    reason text NOT NULL,
    -- The change that listed it (no foreign key: the entry is written before the change row).
    version bigint NOT NULL,
    valid_to date
);

CREATE FUNCTION blacklist_changes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'blacklist changes are never changed or deleted' USING ERRCODE = 'TK001', CONSTRAINT = 'blacklist_changes_guard';
END $$;
CREATE TRIGGER blacklist_changes_guard BEFORE UPDATE OR DELETE ON blacklist_changes
    FOR EACH ROW EXECUTE FUNCTION blacklist_changes_guard();

-- Each change gets the next version here (the head row is locked until commit, so versions follow
-- commit order), and the current list is kept in step. Adding a listed card or removing an
-- unlisted one is refused. SECURITY DEFINER: the service may not write the head or the entries.
CREATE FUNCTION blacklist_changes_apply() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
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
CREATE TRIGGER blacklist_changes_apply BEFORE INSERT ON blacklist_changes
    FOR EACH ROW EXECUTE FUNCTION blacklist_changes_apply();

-- Long-polling validators wait on this channel: the payload is the newest version. Delivered at
-- commit, so a waiter never reads a version that is not visible yet.
CREATE FUNCTION blacklist_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tongka_blacklist', (SELECT max(version)::text FROM new_changes));
    RETURN NULL;
END $$;
CREATE TRIGGER blacklist_changes_notify AFTER INSERT ON blacklist_changes
    REFERENCING NEW TABLE AS new_changes FOR EACH STATEMENT EXECUTE FUNCTION blacklist_changes_notify();

-- Validator groups: a hardware class with the most entries its memory holds (NULL: no limit).
CREATE TABLE validator_groups (
    group_code text PRIMARY KEY CONSTRAINT validator_groups_code_format CHECK (group_code ~ '^[A-Za-z0-9_-]{1,32}$'),
    max_entries integer CONSTRAINT validator_groups_max_entries CHECK (max_entries >= 1),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE validators (
    validator_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The terminal number, 6 bytes BCD: 12 digits.
    terminal_number text COLLATE "C" NOT NULL CONSTRAINT validators_terminal_format CHECK (terminal_number ~ '^[0-9]{12}$'),
    CONSTRAINT validators_terminal_key UNIQUE (terminal_number),
    psam_serial text NOT NULL CONSTRAINT validators_psam_format CHECK (psam_serial ~ '^[0-9A-F]{10,20}$'),
    mode text NOT NULL CONSTRAINT validators_mode CHECK (mode IN ('bus', 'metro', 'brt', 'tram', 'ferry', 'taxi', 'rail', 'bike')),
    line text NOT NULL CONSTRAINT validators_line_length CHECK (char_length(line) BETWEEN 1 AND 40),
    depot text NOT NULL CONSTRAINT validators_depot_length CHECK (char_length(depot) BETWEEN 1 AND 40),
    group_code text NOT NULL REFERENCES validator_groups (group_code),
    token_hash bytea NOT NULL,
    CONSTRAINT validators_token_key UNIQUE (token_hash),
    registered_by bigint NOT NULL REFERENCES clerks (clerk_id),
    registered_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_by bigint REFERENCES clerks (clerk_id),
    applied_version bigint CONSTRAINT validators_applied_version CHECK (applied_version >= 0),
    applied_at timestamptz,
    last_seen_at timestamptz
);
CREATE INDEX validators_group ON validators (group_code);

GRANT SELECT, INSERT, UPDATE ON blacklist_batches TO tongka_service;
GRANT SELECT ON blacklist_head TO tongka_service;
GRANT SELECT, INSERT ON blacklist_changes TO tongka_service;
GRANT SELECT, INSERT ON blacklist_pending_changes TO tongka_service;
GRANT SELECT ON blacklist_entries TO tongka_service;
GRANT SELECT, INSERT, UPDATE ON validator_groups TO tongka_service;
GRANT SELECT, INSERT, UPDATE ON validators TO tongka_service;
