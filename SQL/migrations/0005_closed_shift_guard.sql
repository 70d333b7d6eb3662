-- A closed shift takes nothing more: no journal transaction and no issued card may name it, also
-- when the money went to a payment channel and not to the shift's drawer (0003 guards the
-- drawer). The closing transaction itself is posted while the shift is still open.
CREATE FUNCTION shift_still_open() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER journal_transactions_shift_open BEFORE INSERT ON journal_transactions
    FOR EACH ROW EXECUTE FUNCTION shift_still_open();
CREATE TRIGGER cards_shift_open BEFORE INSERT ON cards FOR EACH ROW EXECUTE FUNCTION shift_still_open();
