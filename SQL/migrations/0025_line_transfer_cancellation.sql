-- A change of company entered for a future day can be withdrawn (`transport line cancel-transfer`)
-- while no record can have been credited under it. The service deletes the row; this trigger
-- refuses the deletion of any row that has begun or begins within the validators' allowed clock
-- skew (five minutes, TapRules.clockSkew), and of a line's first company, whatever the caller.
CREATE FUNCTION transport_line_operators_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.valid_from = '-infinity' OR OLD.valid_from <= now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'only a change of company that has not begun can be withdrawn'
            USING ERRCODE = 'TK001', CONSTRAINT = 'transport_line_operators_delete_guard';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER transport_line_operators_delete_guard BEFORE DELETE ON transport_line_operators
    FOR EACH ROW EXECUTE FUNCTION transport_line_operators_delete_guard();
CREATE TRIGGER transport_line_operators_no_truncate BEFORE TRUNCATE ON transport_line_operators
    FOR EACH STATEMENT EXECUTE FUNCTION never_deleted();

GRANT DELETE ON transport_line_operators TO tongka_service;
