-- Wrong passwords are counted per (clerk, client address): a guesser at one address locks out only
-- that address, not the clerk at the counter it normally logs in from. clerks.failed_logins and
-- clerks.locked_until now hold the much higher count per clerk over all addresses, whose lock
-- keeps out only addresses the clerk never logged in from (TongkaDomain/LoginPolicy.swift).
CREATE TABLE login_failures (
    clerk_id bigint NOT NULL REFERENCES clerks (clerk_id),
    -- The request's address; '' when unknown.
    client_address text NOT NULL,
    failed_logins integer NOT NULL DEFAULT 0 CONSTRAINT login_failures_count CHECK (failed_logins >= 0),
    locked_until timestamptz,
    PRIMARY KEY (clerk_id, client_address)
);

-- Known addresses: a successful login leaves a session with the address.
CREATE INDEX sessions_clerk_address ON sessions (clerk_id, client_address, created_at);

-- The service role (migration 0006) counts and clears failures.
GRANT SELECT, INSERT, UPDATE, DELETE ON login_failures TO tongka_service;
