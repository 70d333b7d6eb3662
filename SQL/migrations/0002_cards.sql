-- Card issuance: products, stock batches and stock, holders with protected identity data, cards.

CREATE TABLE card_products (
    product_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL CONSTRAINT card_products_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,19}$'),
    name text NOT NULL CONSTRAINT card_products_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    card_type smallint NOT NULL CONSTRAINT card_products_card_type CHECK (card_type BETWEEN 1 AND 5),
    deposit_fen bigint NOT NULL CONSTRAINT card_products_deposit CHECK (deposit_fen BETWEEN 0 AND 1000000),
    card_cost_fen bigint NOT NULL CONSTRAINT card_products_card_cost CHECK (card_cost_fen BETWEEN 0 AND 1000000),
    replacement_fee_fen bigint NOT NULL DEFAULT 0
        CONSTRAINT card_products_replacement_fee CHECK (replacement_fee_fen BETWEEN 0 AND 1000000),
    transport_modes text[] NOT NULL CONSTRAINT card_products_transport_modes CHECK (
        cardinality(transport_modes) >= 1
        AND transport_modes <@ ARRAY['bus', 'metro', 'brt', 'tram', 'ferry', 'taxi', 'rail', 'bike']),
    interconnection boolean NOT NULL,
    allows_anonymous boolean NOT NULL,
    allows_registered boolean NOT NULL,
    max_balance_fen bigint NOT NULL CONSTRAINT card_products_max_balance CHECK (max_balance_fen BETWEEN 1 AND 4294967295),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES clerks (clerk_id),
    CONSTRAINT card_products_code_key UNIQUE (code),
    CONSTRAINT card_products_issuable CHECK (allows_anonymous OR allows_registered),
    -- Reduced-fare cards are personal: never anonymous.
    CONSTRAINT card_products_reduced_fare_registered CHECK (card_type NOT IN (2, 3, 5) OR NOT allows_anonymous),
    -- Target of card_stock's composite key, so a stock card's type always matches its product.
    CONSTRAINT card_products_type_key UNIQUE (product_id, card_type)
);

CREATE TABLE stock_batches (
    batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES card_products (product_id),
    hall_id bigint REFERENCES service_halls (hall_id),
    file_name text CONSTRAINT stock_batches_file_name_length CHECK (char_length(file_name) <= 200),
    file_sha256 bytea NOT NULL CONSTRAINT stock_batches_file_sha256_length CHECK (octet_length(file_sha256) = 32),
    card_count integer NOT NULL CONSTRAINT stock_batches_card_count CHECK (card_count > 0),
    first_card_number text NOT NULL,
    last_card_number text NOT NULL,
    imported_by bigint NOT NULL REFERENCES clerks (clerk_id),
    imported_at timestamptz NOT NULL DEFAULT now(),
    -- The same factory file twice is a mistake, not a second batch.
    CONSTRAINT stock_batches_file_key UNIQUE (file_sha256)
);

-- Pre-personalised cards with their file 0015 data. A card is in stock at exactly one place until
-- issued: a hall (hall_id) or the central warehouse (hall_id NULL).
CREATE TABLE card_stock (
    card_number text PRIMARY KEY CONSTRAINT card_stock_card_number_format CHECK (card_number ~ '^[0-9]{19}$'),
    batch_id bigint NOT NULL REFERENCES stock_batches (batch_id),
    product_id bigint NOT NULL,
    card_type smallint NOT NULL,
    issuer_id text NOT NULL CONSTRAINT card_stock_issuer_id_format CHECK (issuer_id ~ '^[0-9A-F]{8}FFFFFFFF$'),
    valid_from date NOT NULL,
    valid_to date NOT NULL,
    chip_uid text NOT NULL CONSTRAINT card_stock_chip_uid_format CHECK (chip_uid ~ '^([0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$'),
    hall_id bigint REFERENCES service_halls (hall_id),
    status text NOT NULL DEFAULT 'in_stock' CONSTRAINT card_stock_status CHECK (status IN ('in_stock', 'issued')),
    CONSTRAINT card_stock_validity CHECK (valid_to > valid_from),
    CONSTRAINT card_stock_chip_uid_key UNIQUE (chip_uid),
    CONSTRAINT card_stock_product_type_fkey FOREIGN KEY (product_id, card_type)
        REFERENCES card_products (product_id, card_type)
);
CREATE INDEX card_stock_available ON card_stock (hall_id, product_id, card_number) WHERE status = 'in_stock';
CREATE INDEX card_stock_batch ON card_stock (batch_id);

-- Moves of stock between the warehouse and halls.
CREATE TABLE stock_movements (
    movement_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES card_products (product_id),
    from_hall_id bigint REFERENCES service_halls (hall_id),
    to_hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    quantity integer NOT NULL CONSTRAINT stock_movements_quantity CHECK (quantity > 0),
    first_card_number text NOT NULL,
    last_card_number text NOT NULL,
    moved_by bigint NOT NULL REFERENCES clerks (clerk_id),
    moved_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stock_movements_distinct CHECK (from_hall_id IS DISTINCT FROM to_hall_id)
);

-- Holders. Document numbers and phones are AES-GCM ciphertext; the document is found by its keyed
-- hash (HMAC-SHA256 of type and number), which is unique: one document, one holder.
CREATE TABLE holders (
    holder_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CONSTRAINT holders_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    document_type text NOT NULL CONSTRAINT holders_document_type CHECK (
        document_type IN ('resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit')),
    document_hash bytea NOT NULL CONSTRAINT holders_document_hash_length CHECK (octet_length(document_hash) = 32),
    document_ciphertext bytea NOT NULL,
    phone_ciphertext bytea,
    registered_at timestamptz NOT NULL DEFAULT now(),
    registered_by bigint NOT NULL REFERENCES clerks (clerk_id),
    registered_hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    CONSTRAINT holders_document_key UNIQUE (document_hash)
);

CREATE TABLE cards (
    card_number text PRIMARY KEY REFERENCES card_stock (card_number),
    product_id bigint NOT NULL REFERENCES card_products (product_id),
    holder_id bigint REFERENCES holders (holder_id),
    status text NOT NULL DEFAULT 'active' CONSTRAINT cards_status CHECK (status IN ('active')),
    issued_at timestamptz NOT NULL DEFAULT now(),
    issued_hall_id bigint NOT NULL REFERENCES service_halls (hall_id),
    issued_clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    issued_shift_id bigint NOT NULL REFERENCES shifts (shift_id),
    issue_transaction_id bigint REFERENCES journal_transactions (transaction_id),
    deposit_fen bigint NOT NULL CONSTRAINT cards_deposit CHECK (deposit_fen >= 0),
    card_cost_fen bigint NOT NULL CONSTRAINT cards_card_cost CHECK (card_cost_fen >= 0),
    payment_method text NOT NULL CONSTRAINT cards_payment_method CHECK (
        payment_method IN ('cash', 'unionpay', 'wechat_pay', 'alipay')),
    -- A paid issue has its journal transaction; a free one (no deposit, no cost) has none.
    CONSTRAINT cards_paid_has_transaction CHECK ((deposit_fen + card_cost_fen = 0) = (issue_transaction_id IS NULL))
);
CREATE INDEX cards_issued_at ON cards (issued_at);
CREATE INDEX cards_holder ON cards (holder_id) WHERE holder_id IS NOT NULL;
CREATE INDEX cards_shift ON cards (issued_shift_id);

-- A card row exists only for a stock card marked issued in the same transaction.
CREATE FUNCTION cards_require_issued_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM card_stock WHERE card_number = NEW.card_number AND status = 'issued') THEN
        RAISE EXCEPTION 'card % is not marked issued in stock', left(NEW.card_number, 4)
            USING ERRCODE = 'TK003', CONSTRAINT = 'cards_stock_issued';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cards_require_issued_stock BEFORE INSERT ON cards
    FOR EACH ROW EXECUTE FUNCTION cards_require_issued_stock();
