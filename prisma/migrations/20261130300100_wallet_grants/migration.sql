-- The wallet (SPEC §7): every credit enters an account as a grant, and every
-- debit draws from grants in a fixed order. The balance on the user row stays
-- the one number every check reads; the grants explain it:
--
--   balance = sum(remaining) over the account's open grants    (checked at COMMIT)
--   remaining = what its draws left                             (the draw trigger)
--   the draws of a ledger entry sum to its amount               (cw_ledger_post)
--
-- A grant is pending until it is effective (no credits yet: its opening
-- entry is written when it becomes effective), open while its credits count,
-- closed when it expired or was voided (its rest written off by one EXPIRE
-- entry). cw_ledger_post stays the only writer of balances and ledger
-- entries, and now of draws too.

CREATE TYPE "GrantCategory" AS ENUM ('PAID', 'PROMOTIONAL');

CREATE TABLE credit_grant (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL REFERENCES "user"(id) ON DELETE RESTRICT ON UPDATE CASCADE,
  category "GrantCategory" NOT NULL,
  -- 0–100, lower is spent first.
  priority integer NOT NULL,
  amount integer NOT NULL,
  remaining integer NOT NULL DEFAULT 0,
  effective_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3),
  -- The ledger kind of the entry that opens it (GRANT, PURCHASE, ADJUSTMENT, REFUND).
  kind "LedgerKind" NOT NULL,
  reason text NOT NULL,
  -- Per user: a grant given twice under one key is given once.
  idempotency_key text,
  -- When its credits entered the balance, and the entry that brought them
  -- (NULL for the balances that became grants when the wallet arrived).
  opened_at timestamptz(3),
  opened_by bigint REFERENCES ledger_entry(id) ON DELETE RESTRICT ON UPDATE CASCADE,
  closed_at timestamptz(3),
  voided_at timestamptz(3),
  void_reason text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT credit_grant_amount_positive CHECK (amount > 0),
  CONSTRAINT credit_grant_remaining_within_amount CHECK (remaining >= 0 AND remaining <= amount),
  CONSTRAINT credit_grant_priority_range CHECK (priority BETWEEN 0 AND 100),
  CONSTRAINT credit_grant_expires_after_effective CHECK (expires_at IS NULL OR expires_at > effective_at),
  CONSTRAINT credit_grant_kind_adds CHECK (kind IN ('GRANT', 'PURCHASE', 'ADJUSTMENT', 'REFUND')),
  CONSTRAINT credit_grant_pending_holds_nothing CHECK (opened_at IS NOT NULL OR remaining = 0),
  CONSTRAINT credit_grant_closed_holds_nothing CHECK (closed_at IS NULL OR remaining = 0),
  CONSTRAINT credit_grant_void_closes CHECK (voided_at IS NULL OR (closed_at IS NOT NULL AND void_reason IS NOT NULL))
);
CREATE UNIQUE INDEX credit_grant_user_id_idempotency_key_key ON credit_grant (user_id, idempotency_key);
CREATE UNIQUE INDEX credit_grant_opened_by_key ON credit_grant (opened_by);
-- The account's open grants in spending order: a debit reads the first
-- ones, the balance checks sum them. `remaining` is in no index (nor in an
-- index's predicate) and the table leaves room on its pages, so a draw is a
-- HOT update: no index page changes. That matters at SERIALIZABLE: every
-- debit reads these index pages, which many accounts share, and a write to
-- one of them would make the readers of other accounts fail to serialize.
-- Index pages change only when a grant is created or closed.
ALTER TABLE credit_grant SET (fillfactor = 50);
CREATE INDEX credit_grant_spendable_idx ON credit_grant (user_id, priority, expires_at, effective_at, id)
  WHERE closed_at IS NULL;
-- The account's open grants by expiry (its own expiry), and its pending
-- grants by effective date (their opening).
CREATE INDEX credit_grant_open_by_user_idx ON credit_grant (user_id, expires_at) WHERE closed_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX credit_grant_pending_by_user_idx ON credit_grant (user_id, effective_at) WHERE opened_at IS NULL AND closed_at IS NULL;
-- The sweep: open grants by expiry, pending grants by effective date.
CREATE INDEX credit_grant_open_expiry_idx ON credit_grant (expires_at) WHERE closed_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX credit_grant_pending_idx ON credit_grant (effective_at) WHERE opened_at IS NULL AND closed_at IS NULL;
-- The statement's wallet: every grant of the account, newest first.
CREATE INDEX credit_grant_user_id_id_idx ON credit_grant (user_id, id);

-- One draw per (ledger entry, grant): negative takes credits from the grant,
-- positive gives them (its opening, a refund). Append-only like the ledger.
-- entry_id has no foreign key on purpose: its check would read the newest
-- leaf page of ledger_entry's primary key, which every create also writes,
-- and at SERIALIZABLE that makes concurrent creates of different accounts
-- fail each other (measured: 7 in 10 retried). cw_ledger_post writes each
-- draw right after its entry, and the integrity check draws-name-an-entry
-- asserts it.
CREATE TABLE credit_draw (
  entry_id bigint NOT NULL,
  grant_id bigint NOT NULL REFERENCES credit_grant(id) ON DELETE RESTRICT ON UPDATE CASCADE,
  amount integer NOT NULL,
  CONSTRAINT credit_draw_pkey PRIMARY KEY (entry_id, grant_id),
  CONSTRAINT credit_draw_amount_non_zero CHECK (amount <> 0)
);

CREATE FUNCTION credit_draw_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_draw is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER credit_draw_append_only BEFORE UPDATE OR DELETE ON credit_draw
  FOR EACH ROW EXECUTE FUNCTION credit_draw_refuse_change();
CREATE TRIGGER credit_draw_no_truncate BEFORE TRUNCATE ON credit_draw
  FOR EACH STATEMENT EXECUTE FUNCTION credit_draw_refuse_change();

-- A draw moves its grant's remaining (a closed grant holds nothing: what a
-- refund returns to it is written off by an EXPIRE draw of the same amount
-- in the same transaction). Only this trigger changes remaining.
CREATE FUNCTION credit_draw_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE credit_grant SET remaining = remaining + NEW.amount WHERE id = NEW.grant_id AND closed_at IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER credit_draw_apply AFTER INSERT ON credit_draw
  FOR EACH ROW EXECUTE FUNCTION credit_draw_apply();

CREATE FUNCTION credit_grant_refuse_remaining_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_grant.remaining is kept by its draws: direct update refused'
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER credit_grant_remaining_guard BEFORE UPDATE OF remaining, amount, user_id ON credit_grant
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION credit_grant_refuse_remaining_change();

-- The entry that opened or closed a grant (its GRANT/PURCHASE/… entry, and
-- the EXPIRE of its expiry or void): at most one of each per grant.
ALTER TABLE ledger_entry ADD COLUMN grant_id bigint REFERENCES credit_grant(id) ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE UNIQUE INDEX ledger_entry_one_expiry_per_grant ON ledger_entry (grant_id)
  WHERE kind = 'EXPIRE' AND grant_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_entry_one_opening_per_grant ON ledger_entry (grant_id)
  WHERE kind <> 'EXPIRE' AND grant_id IS NOT NULL;
-- An EXPIRE takes credits away; it is written by the expiry, a void, or a
-- refund into an expired grant (then it names the job).
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_sign,
  ADD CONSTRAINT ledger_entry_sign CHECK (
    (kind IN ('GRANT', 'PURCHASE', 'REFUND') AND amount > 0)
    OR (kind IN ('CHARGE', 'EXPIRE') AND amount < 0)
    OR (kind = 'ADJUSTMENT' AND amount <> 0)
  ),
  DROP CONSTRAINT ledger_entry_job_kinds,
  ADD CONSTRAINT ledger_entry_job_kinds CHECK (
    kind = 'EXPIRE' OR (kind IN ('CHARGE', 'REFUND')) = (job_id IS NOT NULL)
  );

-- A job names its CHARGE entry (its refund finds the charge's draws by it).
ALTER TABLE job ADD COLUMN charge_entry_id bigint;

-- The balances of today become grants: one per account with credits, paid
-- when the account ever bought credits, promotional otherwise, never
-- expiring (nothing promised an expiry). No entry moves: the balance and
-- the ledger stay as they are, and the grant says where the credits are.
INSERT INTO credit_grant (user_id, category, priority, amount, remaining, effective_at, kind, reason, opened_at, created_at)
SELECT u.id,
  CASE WHEN p.bought THEN 'PAID'::"GrantCategory" ELSE 'PROMOTIONAL'::"GrantCategory" END,
  CASE WHEN p.bought THEN 50 ELSE 10 END,
  u.balance, u.balance, now(),
  CASE WHEN p.bought THEN 'PURCHASE'::"LedgerKind" ELSE 'GRANT'::"LedgerKind" END,
  'Credits held before the wallet', now(), now()
FROM "user" u
CROSS JOIN LATERAL (
  SELECT EXISTS (SELECT 1 FROM ledger_entry l WHERE l.user_id = u.id AND l.kind = 'PURCHASE') AS bought
) p
WHERE u.balance > 0;

-- §3.1 and §3.12 from the user row's side, at COMMIT: a changed balance is
-- where the ledger ends, and what the account's open grants hold.
CREATE OR REPLACE FUNCTION user_balance_matches_ledger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  tail integer;
  held integer;
BEGIN
  SELECT balance, ledger_tail INTO current_balance, tail FROM "user" WHERE id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF current_balance <> COALESCE(tail, 0) THEN
    RAISE EXCEPTION 'balance of user % is % but the ledger ends at %',
      NEW.id, current_balance, COALESCE(tail, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT COALESCE(sum(remaining), 0) INTO held FROM credit_grant WHERE user_id = NEW.id AND closed_at IS NULL;
  IF current_balance <> held THEN
    RAISE EXCEPTION 'balance of user % is % but its grants hold %', NEW.id, current_balance, held
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- The same fact from the grants' side: a grant added or closed by hand (not
-- through a ledger entry, which moves the balance) must still add up. Draws
-- change remaining only together with an entry, so the balance trigger
-- covers them.
CREATE FUNCTION credit_grant_matches_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  held integer;
BEGIN
  SELECT balance INTO current_balance FROM "user" WHERE id = NEW.user_id;
  SELECT COALESCE(sum(remaining), 0) INTO held FROM credit_grant WHERE user_id = NEW.user_id AND closed_at IS NULL;
  IF current_balance <> held THEN
    RAISE EXCEPTION 'balance of user % is % but its grants hold %', NEW.user_id, current_balance, held
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER credit_grant_matches_balance
  AFTER INSERT OR UPDATE OF closed_at ON credit_grant
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION credit_grant_matches_balance();

-- Default priorities (SPEC §7): promotional credits are spent first.
CREATE FUNCTION cw_default_priority(p_category "GrantCategory") RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_category WHEN 'PROMOTIONAL' THEN 10 ELSE 50 END
$$;

-- Moves `p_amount` credits and appends the entry that explains it, with its
-- draws. A debit that would overdraw is refused (CW402), never clamped. The
-- balance UPDATE takes the user row lock when the caller does not hold it.
--  * credits in (GRANT, PURCHASE, ADJUSTMENT > 0) open the pending grant
--    p_grant_id, of exactly this amount;
--  * REFUND returns credits to the grants the job's charge drew from;
--  * EXPIRE takes exactly p_draw_amounts from p_draw_grants (p_grant_id:
--    the grant this entry closes, if any);
--  * other debits (CHARGE, ADJUSTMENT < 0) draw in spending order. The
--    caller has brought the account's grants up to date (cw_refresh_grants).
-- p_entry_id: the entry's id when the caller took it from the sequence first
-- (a job's charge: the job row names it).
DROP FUNCTION cw_ledger_post(text, "LedgerKind", integer, uuid, "ActorType", text, text, text);
CREATE FUNCTION cw_ledger_post(
  p_user_id text, p_kind "LedgerKind", p_amount integer, p_job_id uuid,
  p_actor_type "ActorType", p_actor_id text, p_reason text, p_idempotency_key text,
  p_grant_id bigint DEFAULT NULL, p_draw_grants bigint[] DEFAULT NULL, p_draw_amounts integer[] DEFAULT NULL,
  p_entry_id bigint DEFAULT NULL
) RETURNS ledger_entry
LANGUAGE plpgsql AS $$
DECLARE
  v_before integer;
  v_entry ledger_entry;
BEGIN
  IF p_amount = 0 THEN
    RAISE EXCEPTION 'a ledger amount is a non-zero integer' USING ERRCODE = 'CW500';
  END IF;
  UPDATE "user" SET balance = balance + p_amount, updated_at = now()
    WHERE id = p_user_id AND balance + p_amount >= 0
    RETURNING balance - p_amount INTO v_before;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'insufficient credits for user %', p_user_id USING ERRCODE = 'CW402';
  END IF;
  INSERT INTO ledger_entry
    (id, user_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id, reason, idempotency_key,
     grant_id, created_at)
  VALUES
    (COALESCE(p_entry_id, nextval('ledger_entry_id_seq')), p_user_id, p_kind, p_amount, v_before, v_before + p_amount,
     p_job_id, p_actor_type, p_actor_id, p_reason,
     p_idempotency_key, CASE WHEN p_kind = 'REFUND' THEN NULL ELSE p_grant_id END, clock_timestamp())
  RETURNING * INTO v_entry;
  IF p_kind = 'REFUND' THEN
    PERFORM cw_return_credits(v_entry);
  ELSIF p_kind = 'EXPIRE' THEN
    IF p_draw_grants IS NULL OR (SELECT sum(a) FROM unnest(p_draw_amounts) AS t(a)) <> p_amount THEN
      RAISE EXCEPTION 'the draws of an expiry must sum to it' USING ERRCODE = 'CW500';
    END IF;
    INSERT INTO credit_draw (entry_id, grant_id, amount)
      SELECT v_entry.id, g, a FROM unnest(p_draw_grants, p_draw_amounts) AS t(g, a);
  ELSIF p_amount > 0 THEN
    UPDATE credit_grant SET opened_at = v_entry.created_at, opened_by = v_entry.id
      WHERE id = p_grant_id AND user_id = p_user_id AND opened_at IS NULL AND closed_at IS NULL AND amount = p_amount;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'credits in need a pending grant of the same amount (grant %)', p_grant_id USING ERRCODE = 'CW500';
    END IF;
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (v_entry.id, p_grant_id, p_amount);
  ELSE
    PERFORM cw_draw_credits(v_entry);
  END IF;
  RETURN v_entry;
END $$;

-- A debit's draws, in spending order (SPEC §7): priority, then soonest
-- expiry (never-expiring last), then oldest.
CREATE FUNCTION cw_draw_credits(p_entry ledger_entry) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_left integer := -p_entry.amount;
  v_grant record;
  v_take integer;
BEGIN
  FOR v_grant IN
    SELECT id, remaining FROM credit_grant
    WHERE user_id = p_entry.user_id AND closed_at IS NULL AND remaining > 0
    ORDER BY priority, expires_at NULLS LAST, effective_at, id
  LOOP
    v_take := least(v_left, v_grant.remaining);
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (p_entry.id, v_grant.id, -v_take);
    v_left := v_left - v_take;
    EXIT WHEN v_left = 0;
  END LOOP;
  IF v_left > 0 THEN
    RAISE EXCEPTION 'the grants of user % hold % credits less than a debit of %', p_entry.user_id, v_left, -p_entry.amount
      USING ERRCODE = 'CW500';
  END IF;
END $$;

-- A refund's draws: back to the grants the job's charge drew from, each up
-- to what it gave (open grants first, the last spent first). What returns
-- to a grant that has closed meanwhile expires at once, in one EXPIRE entry:
-- a refund never revives expired credits. A charge from before the wallet
-- drew from no grant: its refund opens a grant of its own.
CREATE FUNCTION cw_return_credits(p_entry ledger_entry) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_left integer := p_entry.amount;
  v_charge_id bigint;
  v_draw record;
  v_take integer;
  v_dead_grants bigint[] := '{}';
  v_dead_amounts integer[] := '{}';
  v_grant_id bigint;
BEGIN
  -- The job row names its charge (read by id: no shared index page of the
  -- ledger is read, which matters at SERIALIZABLE); jobs from before the
  -- wallet are looked up by job.
  SELECT charge_entry_id INTO v_charge_id FROM job WHERE id = p_entry.job_id;
  IF v_charge_id IS NULL THEN
    SELECT id INTO v_charge_id FROM ledger_entry WHERE job_id = p_entry.job_id AND kind = 'CHARGE';
  END IF;
  FOR v_draw IN
    SELECT d.grant_id, -d.amount AS drawn, g.closed_at IS NULL AS open
    FROM credit_draw d JOIN credit_grant g ON g.id = d.grant_id
    WHERE d.entry_id = v_charge_id AND d.amount < 0
    ORDER BY g.closed_at IS NULL DESC, g.priority DESC, g.expires_at DESC NULLS FIRST, g.effective_at DESC, g.id DESC
  LOOP
    v_take := least(v_left, v_draw.drawn);
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (p_entry.id, v_draw.grant_id, v_take);
    IF NOT v_draw.open THEN
      v_dead_grants := v_dead_grants || v_draw.grant_id;
      v_dead_amounts := v_dead_amounts || -v_take;
    END IF;
    v_left := v_left - v_take;
    EXIT WHEN v_left = 0;
  END LOOP;
  IF v_left > 0 THEN
    IF EXISTS (SELECT 1 FROM credit_draw WHERE entry_id = v_charge_id) THEN
      RAISE EXCEPTION 'refund % of job % is more than its charge drew', p_entry.amount, p_entry.job_id USING ERRCODE = 'CW500';
    END IF;
    INSERT INTO credit_grant (user_id, category, priority, amount, effective_at, kind, reason, opened_at, opened_by, created_at)
    VALUES (p_entry.user_id, 'PAID', 50, v_left, p_entry.created_at, 'REFUND', p_entry.reason,
            p_entry.created_at, p_entry.id, p_entry.created_at)
    RETURNING id INTO v_grant_id;
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (p_entry.id, v_grant_id, v_left);
  END IF;
  IF cardinality(v_dead_grants) > 0 THEN
    PERFORM cw_ledger_post(p_entry.user_id, 'EXPIRE', (SELECT sum(a)::integer FROM unnest(v_dead_amounts) AS t(a)),
      p_entry.job_id, 'SYSTEM', 'expiry', 'Refunded credits of a grant that has expired', NULL,
      NULL, v_dead_grants, v_dead_amounts);
  END IF;
END $$;

-- Closes one open grant: its rest (if any) written off by one EXPIRE entry,
-- the grant's closing entry (ledger_entry_one_expiry_per_grant).
CREATE FUNCTION cw_close_grant(
  p_grant credit_grant, p_actor_type "ActorType", p_actor_id text, p_reason text, p_void_reason text
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_grant.remaining > 0 THEN
    PERFORM cw_ledger_post(p_grant.user_id, 'EXPIRE', -p_grant.remaining, NULL, p_actor_type, p_actor_id, p_reason, NULL,
      p_grant.id, ARRAY[p_grant.id], ARRAY[-p_grant.remaining]);
  END IF;
  UPDATE credit_grant SET closed_at = clock_timestamp(),
      voided_at = CASE WHEN p_void_reason IS NULL THEN NULL ELSE clock_timestamp() END,
      void_reason = p_void_reason
    WHERE id = p_grant.id AND closed_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'grant % closed twice', p_grant.id USING ERRCODE = 'CW500';
  END IF;
END $$;

-- Brings one account's grants up to the clock: pending grants that became
-- effective are opened (their credits enter), open grants past their expiry
-- are closed (their rest expires). The caller holds the user row lock; under
-- SERIALIZABLE and that lock each grant changes state at most once, whoever
-- runs this (a debit, a refund, the sweep). Returns the grants expired.
CREATE FUNCTION cw_refresh_grants(p_user_id text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_grant credit_grant;
  v_expired integer := 0;
BEGIN
  FOR v_grant IN
    SELECT * FROM (
      SELECT * FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND expires_at <= v_now
      UNION
      SELECT * FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND opened_at IS NULL AND effective_at <= v_now
    ) due
    ORDER BY id
  LOOP
    IF v_grant.opened_at IS NULL AND (v_grant.expires_at IS NULL OR v_grant.expires_at > v_now) THEN
      PERFORM cw_ledger_post(p_user_id, v_grant.kind, v_grant.amount, NULL, 'SYSTEM', 'wallet', v_grant.reason, NULL, v_grant.id);
    ELSE
      -- Expired (whether or not it ever became effective).
      PERFORM cw_close_grant(v_grant, 'SYSTEM', 'expiry', 'Expired: ' || v_grant.reason, NULL);
      v_expired := v_expired + 1;
    END IF;
  END LOOP;
  RETURN v_expired;
END $$;

-- Grants, purchases and adjustments outside jobs, once per (user, key).
-- Credits in become a grant (p_category, p_priority, p_effective_at,
-- p_expires_at; NULL: the defaults), opened now or when effective.
-- outcome: POSTED | SCHEDULED (a grant effective later: no entry yet) |
-- REPLAYED | KEY_REUSED | INSUFFICIENT | NOT_POSITIVE | EXPIRY_PAST | NO_USER.
DROP FUNCTION cw_move_credits(text, "LedgerKind", integer, "ActorType", text, text, text);
CREATE FUNCTION cw_move_credits(
  p_user_id text, p_kind "LedgerKind", p_amount integer,
  p_actor_type "ActorType", p_actor_id text, p_reason text, p_idempotency_key text,
  p_category "GrantCategory" DEFAULT NULL, p_priority integer DEFAULT NULL,
  p_effective_at timestamptz DEFAULT NULL, p_expires_at timestamptz DEFAULT NULL
) RETURNS TABLE (outcome text, available integer, entry ledger_entry, grant_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_balance integer;
  v_existing ledger_entry;
  v_grant credit_grant;
  v_now timestamptz := clock_timestamp();
  v_category "GrantCategory";
  v_effective_at timestamptz;
BEGIN
  PERFORM cw_assert_serializable();
  PERFORM 1 FROM "user" WHERE id = p_user_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'NO_USER'::text, NULL::integer, NULL::ledger_entry, NULL::bigint;
    RETURN;
  END IF;
  PERFORM cw_refresh_grants(p_user_id);
  SELECT balance INTO v_balance FROM "user" WHERE id = p_user_id;
  SELECT * INTO v_grant FROM credit_grant WHERE user_id = p_user_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_grant.kind <> p_kind OR v_grant.amount <> p_amount THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, v_balance, l, v_grant.id FROM (SELECT 1) one
        LEFT JOIN ledger_entry l ON l.id = v_grant.opened_by;
    END IF;
    RETURN;
  END IF;
  SELECT * INTO v_existing FROM ledger_entry WHERE user_id = p_user_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_existing.kind <> p_kind OR v_existing.amount <> p_amount THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, v_balance, v_existing, v_existing.grant_id;
    END IF;
    RETURN;
  END IF;
  IF p_kind <> 'ADJUSTMENT' AND p_amount <= 0 THEN
    RETURN QUERY SELECT 'NOT_POSITIVE'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    RETURN;
  END IF;
  IF p_amount < 0 THEN
    IF v_balance + p_amount < 0 THEN
      RETURN QUERY SELECT 'INSUFFICIENT'::text, v_balance, NULL::ledger_entry, NULL::bigint;
      RETURN;
    END IF;
    RETURN QUERY SELECT 'POSTED'::text, v_balance + p_amount,
      cw_ledger_post(p_user_id, p_kind, p_amount, NULL, p_actor_type, p_actor_id, p_reason, p_idempotency_key), NULL::bigint;
    RETURN;
  END IF;
  v_effective_at := greatest(COALESCE(p_effective_at, v_now), v_now);
  IF p_expires_at IS NOT NULL AND p_expires_at <= v_effective_at THEN
    RETURN QUERY SELECT 'EXPIRY_PAST'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    RETURN;
  END IF;
  v_category := COALESCE(p_category, CASE WHEN p_kind = 'GRANT' THEN 'PROMOTIONAL'::"GrantCategory" ELSE 'PAID' END);
  INSERT INTO credit_grant (user_id, category, priority, amount, effective_at, expires_at, kind, reason, idempotency_key, created_at)
  VALUES (p_user_id, v_category, COALESCE(p_priority, cw_default_priority(v_category)), p_amount, v_effective_at,
          p_expires_at, p_kind, p_reason, p_idempotency_key, v_now)
  RETURNING * INTO v_grant;
  IF v_effective_at > v_now THEN
    RETURN QUERY SELECT 'SCHEDULED'::text, v_balance, NULL::ledger_entry, v_grant.id;
    RETURN;
  END IF;
  RETURN QUERY SELECT 'POSTED'::text, v_balance + p_amount,
    cw_ledger_post(p_user_id, p_kind, p_amount, NULL, p_actor_type, p_actor_id, p_reason, p_idempotency_key, v_grant.id),
    v_grant.id;
END $$;

-- An admin's void (SPEC §7): the grant's rest leaves the account in one
-- EXPIRE entry with the admin as actor; a pending grant is closed before it
-- brings anything. outcome: VOIDED | ALREADY_VOIDED | EXPIRED | NOT_FOUND.
CREATE FUNCTION cw_void_grant(p_grant_id bigint, p_admin_id text, p_reason text)
RETURNS TABLE (outcome text, voided integer, user_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_user_id text;
  v_grant credit_grant;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT g.user_id INTO v_user_id FROM credit_grant g WHERE g.id = p_grant_id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'NOT_FOUND'::text, 0, NULL::text;
    RETURN;
  END IF;
  PERFORM 1 FROM "user" WHERE id = v_user_id FOR UPDATE;
  PERFORM cw_refresh_grants(v_user_id);
  SELECT * INTO v_grant FROM credit_grant WHERE id = p_grant_id;
  IF v_grant.voided_at IS NOT NULL THEN
    RETURN QUERY SELECT 'ALREADY_VOIDED'::text, 0, v_user_id;
  ELSIF v_grant.closed_at IS NOT NULL THEN
    RETURN QUERY SELECT 'EXPIRED'::text, 0, v_user_id;
  ELSE
    PERFORM cw_close_grant(v_grant, 'ADMIN', p_admin_id, 'Voided: ' || p_reason, p_reason);
    RETURN QUERY SELECT 'VOIDED'::text, v_grant.remaining, v_user_id;
  END IF;
END $$;

-- The create now brings the account's grants up to date before it reads the
-- balance (an expired grant is not spent; a grant that became effective is).
CREATE OR REPLACE FUNCTION cw_create_job(
  p_user_id text, p_idempotency_key text, p_request_hash text, p_model_id text, p_prompt text,
  p_outputs integer, p_price integer, p_timeout_ms integer, p_max_active integer, p_rate_limit integer,
  p_rate_window_s integer
) RETURNS TABLE (outcome text, detail integer, available integer, j job)
LANGUAGE plpgsql AS $$
DECLARE
  v_user record;
  v_job job;
  v_cost integer := p_price * p_outputs;
  v_now timestamptz := clock_timestamp();
  -- Rounded up: never before the job's created_at (stored to the millisecond).
  v_now_ms bigint := ceil(extract(epoch FROM v_now) * 1000)::bigint;
  v_slots integer := p_rate_window_s + 1;
  v_slot integer := ((v_now_ms / 1000) % v_slots)::integer + 1;
  v_last_ms bigint[];
  v_counts integer[];
  v_recent integer;
  v_oldest_last_ms bigint;
  v_active integer;
  v_balance integer;
  v_refusal text;
  v_detail integer;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT balance, deleted_at, jobs_active_bound, job_rate_last_ms, job_rate_counts INTO v_user
    FROM "user" WHERE id = p_user_id FOR UPDATE;
  IF NOT FOUND OR v_user.deleted_at IS NOT NULL THEN
    RETURN QUERY SELECT 'NO_USER'::text, NULL::integer, NULL::integer, NULL::job;
    RETURN;
  END IF;
  v_balance := v_user.balance;
  IF EXISTS (SELECT 1 FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND expires_at <= v_now)
     OR EXISTS (SELECT 1 FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND opened_at IS NULL
                  AND effective_at <= v_now) THEN
    PERFORM cw_refresh_grants(p_user_id);
    SELECT balance INTO v_balance FROM "user" WHERE id = p_user_id;
  END IF;
  -- The per-second ring: a second counts until 60 s after its latest creation.
  v_last_ms := v_user.job_rate_last_ms;
  v_counts := v_user.job_rate_counts;
  IF cardinality(v_last_ms) <> v_slots THEN
    v_last_ms := array_fill(0::bigint, ARRAY[v_slots]);
    v_counts := array_fill(0, ARRAY[v_slots]);
  END IF;
  SELECT COALESCE(sum(c), 0), min(l) INTO v_recent, v_oldest_last_ms
    FROM unnest(v_last_ms, v_counts) AS t(l, c) WHERE c > 0 AND l > v_now_ms - p_rate_window_s * 1000;
  v_active := v_user.jobs_active_bound;
  IF v_active >= p_max_active THEN
    SELECT count(*) INTO v_active FROM job WHERE user_id = p_user_id AND status IN ('PENDING', 'PROCESSING');
  END IF;
  IF v_recent >= p_rate_limit THEN
    v_refusal := 'RATE_LIMITED';
    v_detail := greatest(1, ceil((v_oldest_last_ms + p_rate_window_s * 1000 - v_now_ms) / 1000.0))::integer;
  ELSIF v_active >= p_max_active THEN
    v_refusal := 'MAX_ACTIVE';
    v_detail := v_active;
  ELSIF v_balance < v_cost THEN
    v_refusal := 'INSUFFICIENT';
    v_detail := v_cost - v_balance;
  END IF;
  IF v_refusal IS NULL THEN
    -- created_at is the clock at insert time, taken under the user lock.
    INSERT INTO job (id, user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
                     idempotency_key, request_hash, deadline_at, created_at, updated_at, charge_entry_id)
    VALUES (gen_random_uuid(), p_user_id, p_model_id, p_prompt, p_outputs, p_price, v_cost,
            p_idempotency_key, p_request_hash, v_now + make_interval(secs => p_timeout_ms / 1000.0), v_now, v_now,
            nextval('ledger_entry_id_seq'))
    ON CONFLICT (user_id, idempotency_key) DO NOTHING
    RETURNING * INTO v_job;
    IF FOUND THEN
      IF v_last_ms[v_slot] / 1000 = v_now_ms / 1000 THEN
        v_counts[v_slot] := v_counts[v_slot] + 1;
      ELSE
        v_counts[v_slot] := 1;
      END IF;
      v_last_ms[v_slot] := v_now_ms;
      UPDATE "user" SET jobs_active_bound = v_active + 1, job_rate_last_ms = v_last_ms, job_rate_counts = v_counts
        WHERE id = p_user_id;
      PERFORM cw_ledger_post(p_user_id, 'CHARGE', -v_cost, v_job.id, 'USER', p_user_id, 'Generation job', NULL,
        p_entry_id := v_job.charge_entry_id);
      PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', v_job.id, 'userId', p_user_id), max_attempts := 5);
      INSERT INTO job_event (job_id, type, worker_id, data, created_at)
      VALUES (v_job.id, 'created', NULL, jsonb_build_object('cost', v_cost, 'outputs', p_outputs), clock_timestamp());
      RETURN QUERY SELECT 'CREATED'::text, NULL::integer, v_balance - v_cost, v_job;
      RETURN;
    END IF;
  END IF;
  -- Refused, or the key exists: the same request is a replay (whatever the
  -- limits say now), another request under the same key is refused.
  SELECT * INTO v_job FROM job WHERE user_id = p_user_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_job.request_hash <> p_request_hash THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, NULL::integer, v_balance, NULL::job;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, NULL::integer, v_balance, v_job;
    END IF;
    RETURN;
  END IF;
  IF v_refusal IS NULL THEN
    RAISE EXCEPTION 'key % of user % conflicted but no job holds it', p_idempotency_key, p_user_id USING ERRCODE = 'CW500';
  END IF;
  RETURN QUERY SELECT v_refusal, v_detail, v_balance, NULL::job;
END $$;

-- Settlement brings the account's grants up to date before a refund, so
-- that credits returned to a grant past its expiry expire with it.
CREATE OR REPLACE FUNCTION cw_settle_job(
  p_job_id uuid, p_status "JobStatus", p_guard text, p_worker_id text,
  p_actor_type "ActorType", p_actor_id text, p_error_code text, p_error_message text,
  p_goodwill boolean, p_reason text
) RETURNS TABLE (settled boolean, refunded integer, j job)
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
  v_refund integer;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT * INTO v_job FROM job WHERE id = p_job_id;
  IF NOT FOUND OR NOT cw_guard_holds(v_job, p_guard, p_worker_id) THEN
    RETURN QUERY SELECT false, 0, v_job;
    RETURN;
  END IF;
  v_refund := CASE WHEN p_goodwill THEN v_job.total_cost
                   ELSE (v_job.outputs_requested - v_job.outputs_done) * v_job.price_per_output END;
  IF v_refund > 0 THEN
    PERFORM 1 FROM "user" WHERE id = v_job.user_id FOR UPDATE;
    PERFORM cw_refresh_grants(v_job.user_id);
  END IF;
  UPDATE job SET
      status = p_status, refunded_amount = v_refund, refund_whole_cost = p_goodwill,
      error_code = p_error_code, error_message = p_error_message,
      lease_owner = NULL, lease_expires_at = NULL,
      finished_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status IN ('PENDING', 'PROCESSING')
    RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % changed under a serializable settlement', p_job_id USING ERRCODE = 'CW500';
  END IF;
  IF v_refund > 0 THEN
    PERFORM cw_ledger_post(v_job.user_id, 'REFUND', v_refund, p_job_id, p_actor_type, p_actor_id, p_reason, NULL);
  END IF;
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  VALUES (p_job_id, 'settled', p_worker_id,
          jsonb_build_object('status', p_status, 'refunded', v_refund, 'errorCode', p_error_code, 'goodwill', p_goodwill),
          clock_timestamp());
  RETURN QUERY SELECT true, v_refund, v_job;
END $$;

-- The cleanup's account pass now also sweeps the account's grants: expired
-- grants close (their rest expires), effective ones open.
DROP FUNCTION cw_cleanup_account(text, uuid[], uuid[], integer);
CREATE FUNCTION cw_cleanup_account(p_user_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (recovered integer, failed integer, refunded integer, grants_expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
  v_attempts integer;
  v_settled record;
  v_recovered integer := 0;
  v_failed integer := 0;
  v_refunded integer := 0;
  v_grants_expired integer;
BEGIN
  PERFORM cw_assert_serializable();
  PERFORM 1 FROM "user" WHERE id = p_user_id FOR UPDATE;
  v_grants_expired := cw_refresh_grants(p_user_id);
  FOREACH v_id IN ARRAY p_overdue LOOP
    SELECT * INTO v_settled FROM cw_settle_job(v_id, 'FAILED', 'overdue', NULL, 'SYSTEM', 'cleanup',
      'TIMEOUT', 'The job did not finish before its deadline.', false, 'Job failed (TIMEOUT): undelivered outputs');
    IF v_settled.settled THEN
      v_failed := v_failed + 1;
      IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
    END IF;
  END LOOP;
  FOREACH v_id IN ARRAY p_expired LOOP
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()
      WHERE id = v_id AND user_id = p_user_id AND status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
        AND attempts < p_max_attempts AND deadline_at > clock_timestamp()
      RETURNING attempts INTO v_attempts;
    IF FOUND THEN
      PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', v_id, 'userId', p_user_id), max_attempts := 5);
      INSERT INTO job_event (job_id, type, worker_id, data, created_at)
      VALUES (v_id, 'recovered', NULL, jsonb_build_object('attempts', v_attempts), clock_timestamp());
      v_recovered := v_recovered + 1;
    ELSE
      SELECT * INTO v_settled FROM cw_settle_job(v_id, 'FAILED', 'lease-expired', NULL, 'SYSTEM', 'cleanup',
        'WORKER_LOST', format('The worker stopped responding %s times.', p_max_attempts), false,
        'Job failed (WORKER_LOST): undelivered outputs');
      IF v_settled.settled THEN
        v_failed := v_failed + 1;
        IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
      END IF;
    END IF;
  END LOOP;
  RETURN QUERY SELECT v_recovered, v_failed, v_refunded, v_grants_expired;
END $$;
