-- Card numbers compare in the "C" collation everywhere (migration 0004 did it for stock, cards and
-- ledger accounts). The tables added since kept the database's default collation, so a join such
-- as `loads.card_number = cards.card_number` compared under two collations and could not use the
-- card-number indexes of loads: every top-up's facts (today's loads, the open load) scanned the
-- whole loads table, and top-ups got slower as loads accumulated (Scripts/bench/topup.sh).
ALTER TABLE loads ALTER COLUMN card_number TYPE text COLLATE "C";
ALTER TABLE topup_orders ALTER COLUMN card_number TYPE text COLLATE "C";
ALTER TABLE refunds ALTER COLUMN card_number TYPE text COLLATE "C";
ALTER TABLE refund_approvals ALTER COLUMN card_number TYPE text COLLATE "C";
