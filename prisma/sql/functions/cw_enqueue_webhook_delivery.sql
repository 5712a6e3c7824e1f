-- cw_enqueue_webhook_delivery: The graphile-worker job of one webhook
-- delivery: the job key makes a re-add replace the waiting job instead of
-- adding a second one.
--
-- Guards: §3.13 (delivery retried until it succeeds or its window ends).
-- History: created in 20261130500000_webhooks, never replaced.
CREATE OR REPLACE FUNCTION cw_enqueue_webhook_delivery(p_delivery_id uuid, p_run_at timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM graphile_worker.add_job('deliver-webhook', json_build_object('deliveryId', p_delivery_id),
    run_at := p_run_at, job_key := 'webhook-delivery:' || p_delivery_id, max_attempts := 25);
END $$;
