-- cw_assert_serializable: Every money function starts with it: raises CW500
-- unless the transaction runs at SERIALIZABLE, the isolation level their
-- checks rely on (SPEC §2 "Transactions").
--
-- Guards: SPEC §2; underpins §3.3, §3.4, §3.6, §3.7 and §3.14 under
--   concurrency.
-- History: created in 20261130120000_money_functions, never replaced.
CREATE OR REPLACE FUNCTION cw_assert_serializable() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'serializable' THEN
    RAISE EXCEPTION 'a money transaction must run at SERIALIZABLE, not %', current_setting('transaction_isolation')
      USING ERRCODE = 'CW500';
  END IF;
END $$;
