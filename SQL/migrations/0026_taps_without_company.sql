-- Records of a line no company was entered for yet, found by their mode and line: entering the line
-- (TransportStore.createLine) credits them to its company, and without an index it read every
-- record of every month. Partial: only records without a company are in it, so the upload path
-- pays for it only for records of lines not entered (rare), not for every record.
CREATE INDEX taps_without_company ON taps (mode, line) WHERE company_id IS NULL;
