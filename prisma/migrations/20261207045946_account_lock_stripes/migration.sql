-- One account's money transactions are ordered across processes
-- (src/server/money/shapes.ts, docs/decisions/0008-account-order.md): each
-- first takes an EXCLUSIVE lock on its account's stripe, one of 256 empty
-- tables. LOCK TABLE takes no snapshot, so a SERIALIZABLE transaction that
-- waited for the lock then sees what its predecessor committed and has
-- nothing to abort; the lock ends with the transaction. The tables hold no
-- rows and nothing else reads or writes them; they live in their own schema,
-- apart from the app's tables.
CREATE SCHEMA cw_lock;
COMMENT ON SCHEMA cw_lock IS 'Empty tables whose EXCLUSIVE locks order one account''s money transactions across processes (256 stripes).';
DO $$
BEGIN
  FOR stripe IN 0..255 LOOP
    EXECUTE format('CREATE TABLE cw_lock.account_%s ()', stripe);
  END LOOP;
END $$;
