-- SPEC §7: credits that leave an account unspent (a grant's expiry, an
-- admin's void) are EXPIRE entries. On its own: a new enum value cannot be
-- used in the transaction that adds it.
ALTER TYPE "LedgerKind" ADD VALUE 'EXPIRE';
