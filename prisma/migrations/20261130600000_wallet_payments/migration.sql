-- Payments of the wallet (SPEC §7): receipts on checkouts, Stripe references,
-- saved payment methods, auto top-up and its one-per-crossing trigger.
-- None of the money functions change: the trigger below reads what
-- cw_ledger_post has just written and only enqueues work.

-- Checkout: the facts a receipt shows, frozen when the checkout opens or completes.
CREATE SEQUENCE checkout_receipt_number_seq AS INTEGER START 1;

ALTER TABLE "checkout"
  ADD COLUMN "currency" TEXT NOT NULL DEFAULT 'usd',
  ADD COLUMN "source" TEXT NOT NULL DEFAULT 'USER',
  ADD COLUMN "receipt_number" INTEGER,
  ADD COLUMN "card_brand" TEXT,
  ADD COLUMN "card_last4" TEXT,
  ADD COLUMN "provider_reference" TEXT,
  ADD COLUMN "provider_session_id" TEXT,
  ADD COLUMN "payment_method_id" UUID;

-- Checkouts completed before receipts existed get their numbers in order.
UPDATE "checkout" c SET "receipt_number" = n.number
FROM (
  SELECT id, nextval('checkout_receipt_number_seq')::int AS number
  FROM (SELECT id FROM "checkout" WHERE status = 'COMPLETED' ORDER BY completed_at, id) ordered
) n
WHERE c.id = n.id;

ALTER TABLE "checkout"
  ADD CONSTRAINT checkout_status_known CHECK (status IN ('OPEN', 'COMPLETED', 'DECLINED')),
  ADD CONSTRAINT checkout_source_known CHECK (source IN ('USER', 'AUTO_TOPUP')),
  -- A receipt exists if and only if the checkout was paid (its PURCHASE exists).
  ADD CONSTRAINT checkout_receipt_when_completed CHECK ((status = 'COMPLETED') = (receipt_number IS NOT NULL)),
  ADD CONSTRAINT checkout_card_last4_digits CHECK (card_last4 IS NULL OR card_last4 ~ '^[0-9]{4}$'),
  ADD CONSTRAINT checkout_currency_lower CHECK (currency ~ '^[a-z]{3}$');

CREATE UNIQUE INDEX "checkout_receipt_number_key" ON "checkout"("receipt_number");
CREATE UNIQUE INDEX "checkout_provider_session_id_key" ON "checkout"("provider_session_id");

-- A saved card: only what a receipt or a settings page shows, and the
-- provider's token. Never the number or the CVC.
CREATE TABLE "payment_method" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "brand" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "exp_month" INTEGER NOT NULL,
    "exp_year" INTEGER NOT NULL,
    "token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "payment_method_pkey" PRIMARY KEY ("id"),
    CONSTRAINT payment_method_last4_digits CHECK (last4 ~ '^[0-9]{4}$'),
    CONSTRAINT payment_method_exp_month CHECK (exp_month BETWEEN 1 AND 12)
);
CREATE INDEX "payment_method_user_id_created_at_idx" ON "payment_method"("user_id", "created_at");
ALTER TABLE "payment_method" ADD CONSTRAINT "payment_method_user_id_fkey"
  FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "checkout" ADD CONSTRAINT "checkout_payment_method_id_fkey"
  FOREIGN KEY ("payment_method_id") REFERENCES "payment_method"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- One auto top-up setting per user.
CREATE TABLE "auto_topup" (
    "user_id" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "threshold_credits" INTEGER NOT NULL,
    "pack_id" TEXT NOT NULL,
    "payment_method_id" UUID,
    "disabled_reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auto_topup_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT auto_topup_threshold_positive CHECK (threshold_credits >= 1),
    CONSTRAINT auto_topup_enabled_has_method CHECK (NOT enabled OR payment_method_id IS NOT NULL)
);
ALTER TABLE "auto_topup" ADD CONSTRAINT "auto_topup_user_id_fkey"
  FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "auto_topup" ADD CONSTRAINT "auto_topup_payment_method_id_fkey"
  FOREIGN KEY ("payment_method_id") REFERENCES "payment_method"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- One row per threshold crossing: the debit's ledger entry is its key.
CREATE TABLE "topup" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "trigger_entry_id" BIGINT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "pack_id" TEXT NOT NULL,
    "payment_method_id" UUID NOT NULL,
    "checkout_id" UUID,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "topup_pkey" PRIMARY KEY ("id"),
    CONSTRAINT topup_status_known CHECK (status IN ('PENDING', 'PROCESSING', 'SUCCEEDED', 'DECLINED', 'FAILED')),
    CONSTRAINT topup_key_from_entry CHECK (idempotency_key = 'auto-topup:' || trigger_entry_id),
    CONSTRAINT topup_finished_when_final CHECK ((status IN ('SUCCEEDED', 'DECLINED', 'FAILED')) = (finished_at IS NOT NULL))
);
CREATE UNIQUE INDEX "topup_trigger_entry_id_key" ON "topup"("trigger_entry_id");
CREATE UNIQUE INDEX "topup_idempotency_key_key" ON "topup"("idempotency_key");
CREATE UNIQUE INDEX "topup_checkout_id_key" ON "topup"("checkout_id");
CREATE INDEX "topup_user_id_created_at_idx" ON "topup"("user_id", "created_at");
-- At most one top-up in flight per user.
CREATE UNIQUE INDEX topup_one_in_flight ON "topup"("user_id") WHERE status IN ('PENDING', 'PROCESSING');
ALTER TABLE "topup" ADD CONSTRAINT "topup_user_id_fkey"
  FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "topup" ADD CONSTRAINT "topup_trigger_entry_id_fkey"
  FOREIGN KEY ("trigger_entry_id") REFERENCES "ledger_entry"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "topup" ADD CONSTRAINT "topup_payment_method_id_fkey"
  FOREIGN KEY ("payment_method_id") REFERENCES "payment_method"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "topup" ADD CONSTRAINT "topup_checkout_id_fkey"
  FOREIGN KEY ("checkout_id") REFERENCES "checkout"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The crossing lives in the database, in the transaction of the debit: a
-- debit that takes the balance from at or above the threshold to below it
-- starts exactly one top-up (its key is the debit's entry), and the partial
-- unique index keeps at most one in flight. Debits of one account queue on
-- the user row lock, so of 20 concurrent debits exactly one crosses.
CREATE FUNCTION cw_auto_topup_on_debit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_setting auto_topup%ROWTYPE;
  v_topup_id uuid;
BEGIN
  SELECT * INTO v_setting FROM auto_topup WHERE user_id = NEW.user_id AND enabled;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF NEW.balance_before >= v_setting.threshold_credits AND NEW.balance_after < v_setting.threshold_credits THEN
    INSERT INTO topup (id, user_id, trigger_entry_id, idempotency_key, status, pack_id, payment_method_id)
    VALUES (gen_random_uuid(), NEW.user_id, NEW.id, 'auto-topup:' || NEW.id, 'PENDING',
            v_setting.pack_id, v_setting.payment_method_id)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_topup_id;
    IF v_topup_id IS NOT NULL THEN
      PERFORM graphile_worker.add_job('auto-topup', json_build_object('topupId', v_topup_id, 'userId', NEW.user_id),
        job_key := 'auto-topup:' || v_topup_id, max_attempts := 5);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;

-- Spending crosses the threshold (a charge, an admin's deduction), not the
-- expiry of credits: nobody's card is charged because a promotion ended.
CREATE TRIGGER ledger_entry_auto_topup AFTER INSERT ON ledger_entry
  FOR EACH ROW WHEN (NEW.amount < 0 AND NEW.kind IN ('CHARGE', 'ADJUSTMENT')) EXECUTE FUNCTION cw_auto_topup_on_debit();
