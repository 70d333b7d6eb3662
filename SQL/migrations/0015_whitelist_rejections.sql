-- Issue 9, completed: a held blacklist batch can be rejected, and the issuer whitelist
-- (发卡机构白名单, card prefix -> issuer id) the national platform distributes is imported and
-- served to validators with the list (docs/blacklist-format.md section 6).

-- A rejected batch names who rejected it and when; its held changes stay for the record.
ALTER TABLE blacklist_batches
    ADD COLUMN rejected_by bigint REFERENCES clerks (clerk_id),
    ADD COLUMN rejected_at timestamptz,
    ADD CONSTRAINT blacklist_batches_rejection
        CHECK ((state = 'rejected') = (rejected_by IS NOT NULL AND rejected_at IS NOT NULL));

-- Every imported whitelist is kept (append-only, like the blacklist log); the newest is current.
CREATE TABLE issuer_whitelists (
    version bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    imported_by bigint NOT NULL REFERENCES clerks (clerk_id),
    imported_at timestamptz NOT NULL DEFAULT now(),
    entries integer NOT NULL CONSTRAINT issuer_whitelists_entries CHECK (entries >= 0),
    -- The CRC-32 of the imported file's lines (its trailer), as 8 upper-case hex digits.
    file_crc text NOT NULL CONSTRAINT issuer_whitelists_file_crc CHECK (file_crc ~ '^[0-9A-F]{8}$')
);

CREATE TABLE issuer_whitelist_entries (
    version bigint NOT NULL REFERENCES issuer_whitelists (version),
    card_prefix text COLLATE "C" NOT NULL CONSTRAINT issuer_whitelist_entries_prefix CHECK (card_prefix ~ '^[0-9]{8}$'),
    issuer_id text NOT NULL CONSTRAINT issuer_whitelist_entries_issuer CHECK (issuer_id ~ '^[0-9A-F]{8}FFFFFFFF$'),
    PRIMARY KEY (version, card_prefix)
);

-- No UPDATE or DELETE: an import never rewrites an earlier one.
GRANT SELECT, INSERT ON issuer_whitelists TO tongka_service;
GRANT SELECT, INSERT ON issuer_whitelist_entries TO tongka_service;
