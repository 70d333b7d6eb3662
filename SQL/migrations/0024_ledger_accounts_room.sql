-- Room on every page of ledger_accounts for the new versions of its rows. Each posting rewrites
-- the stored balance of the card purses it touches (a tap upload: one per card of the batch); with
-- full pages the new version goes to another page and every index of the table (the key, the
-- owner index, the purse index) gets a new entry. With half of each page free the update stays on
-- its page (a HOT update: no index entry; balance_fen is in no index) and pruning reuses the space
-- of old versions. Applies to pages written from now on; an existing database gets it for all
-- rows with VACUUM FULL ledger_accounts in a quiet hour.
ALTER TABLE ledger_accounts SET (fillfactor = 50);
