-- cw_default_priority: Default grant priorities (SPEC §7): promotional
-- credits (10) are spent before paid ones (50); lower is spent first.
--
-- Guards: SPEC §7 spending order.
-- History: created in 20261130300100_wallet_grants, never replaced.
CREATE OR REPLACE FUNCTION cw_default_priority(p_category "GrantCategory") RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_category WHEN 'PROMOTIONAL' THEN 10 ELSE 50 END
$$;
