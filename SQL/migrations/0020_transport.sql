-- Transport companies, their lines and stations (issue 10): the reference data that says which
-- company ran the line a validator's record names, for the daily revenue report and the clearing
-- summary between this operator (the issuer) and the companies (the acquirers). A line is named
-- as validators name it (mode and line, as in `validators` and `taps`) and belongs to one company.
CREATE TABLE transport_companies (
    company_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text COLLATE "C" NOT NULL CONSTRAINT transport_companies_code_key UNIQUE
        CONSTRAINT transport_companies_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,19}$'),
    name text NOT NULL CONSTRAINT transport_companies_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL
);

CREATE TABLE transport_lines (
    line_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES transport_companies (company_id),
    mode text NOT NULL CONSTRAINT transport_lines_mode CHECK (mode IN ('bus', 'metro', 'brt', 'tram', 'ferry', 'taxi', 'rail', 'bike')),
    line text NOT NULL CONSTRAINT transport_lines_line_length CHECK (char_length(line) BETWEEN 1 AND 40),
    -- The stations or stops in order, as validators name them.
    stations text[] NOT NULL CONSTRAINT transport_lines_stations CHECK (cardinality(stations) <= 200),
    created_at timestamptz NOT NULL,
    CONSTRAINT transport_lines_key UNIQUE (mode, line)
);
CREATE INDEX transport_lines_company ON transport_lines (company_id);

GRANT SELECT, INSERT ON transport_companies, transport_lines TO tongka_service;
