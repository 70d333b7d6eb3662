-- The ministry's monthly progress report (issue 10, domain.md section 9): an admin's status and
-- note per row and month, for the rows live data cannot fill, and the month's problems and next
-- month's plan (rows 'problems' and 'plan'). One current entry per month, variant and row; each
-- change is audited.
CREATE TABLE progress_entries (
    month text NOT NULL CONSTRAINT progress_entries_month CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    variant text NOT NULL CONSTRAINT progress_entries_variant CHECK (variant IN ('interconnected', 'new')),
    row_number text NOT NULL CONSTRAINT progress_entries_row CHECK (row_number ~ '^([0-9](\.[0-9])?|problems|plan)$'),
    status text NOT NULL CONSTRAINT progress_entries_status CHECK (status IN ('not_started', 'in_progress', 'done', 'not_applicable')),
    note text NOT NULL CONSTRAINT progress_entries_note_length CHECK (char_length(note) <= 1000),
    updated_by bigint NOT NULL REFERENCES clerks (clerk_id),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (month, variant, row_number)
);
GRANT SELECT, INSERT, UPDATE ON progress_entries TO tongka_service;
