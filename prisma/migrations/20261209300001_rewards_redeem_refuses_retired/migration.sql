-- Rewards: a retired offer (or an offer of a retired retailer) is refused at once, in the same
-- statement as the debit. The application reads offers through a cache of a few seconds
-- (PrismaRedemptions) and this function only checked the terms the voucher was signed on, so
-- an offer ETL had just made inactive stayed redeemable until the cached entry expired. Now the
-- offer's and its retailer's `active` are checked beside the terms: a retired one raises HBR01,
-- nothing is written, and the general path answers 422 OFFER_UNAVAILABLE (reason `retired`).
-- Same signature, so CREATE OR REPLACE keeps every caller and grant.
CREATE OR REPLACE FUNCTION rewards_redeem_at_once(
  p_account uuid,
  p_offer uuid,
  p_retailer uuid,
  p_points integer,
  p_valid_from timestamptz,
  p_valid_until timestamptz,
  p_limited boolean,
  p_voucher_id uuid,
  p_code text,
  p_issued_at timestamptz,
  p_expires_at timestamptz,
  p_kid text,
  p_signature text,
  p_debit_key text,
  p_idem_key text,
  p_idem_operation text,
  p_idem_fingerprint text,
  p_answer_status integer,
  p_answer jsonb,
  p_event_id uuid,
  p_event_type text,
  p_event_version integer,
  p_event_occurred_at timestamptz,
  p_event_payload jsonb
) RETURNS TABLE (entry_id uuid, entry_seq bigint, balance_after integer, created_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  v_entry uuid := gen_random_uuid();
  v_balance integer;
  v_seq bigint;
  v_created timestamptz;
BEGIN
  IF p_idem_key IS NOT NULL THEN
    -- A concurrent twin waits here until this statement commits, then finds the key taken.
    INSERT INTO rewards_idempotency_key (account_id, key, operation, fingerprint, status, response)
    VALUES (p_account, p_idem_key, p_idem_operation, p_idem_fingerprint, p_answer_status, p_answer)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'HBR01', MESSAGE = 'redeem at once: idempotency key seen before';
    END IF;
  END IF;

  IF p_limited THEN
    -- The row lock makes concurrent takers of a limited offer queue; each re-checks the stock.
    UPDATE rewards_offer SET redeemed_count = redeemed_count + 1
    WHERE id = p_offer AND retailer_id = p_retailer AND points_cost = p_points
      AND valid_from = p_valid_from AND valid_until = p_valid_until
      AND max_redemptions IS NOT NULL AND redeemed_count < max_redemptions
      AND active AND EXISTS (SELECT 1 FROM rewards_retailer r WHERE r.id = p_retailer AND r.active);
  ELSE
    -- Unlimited offers are only read: no lock, so redemptions of one offer do not queue.
    PERFORM 1 FROM rewards_offer
    WHERE id = p_offer AND retailer_id = p_retailer AND points_cost = p_points
      AND valid_from = p_valid_from AND valid_until = p_valid_until AND max_redemptions IS NULL
      AND active AND EXISTS (SELECT 1 FROM rewards_retailer r WHERE r.id = p_retailer AND r.active);
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'HBR01', MESSAGE = 'redeem at once: offer changed, retired or sold out';
  END IF;

  -- As the ledger's debit: the account's row lock queues concurrent debits, each re-checks.
  UPDATE rewards_account SET balance = balance - p_points, updated_at = now()
  WHERE account_id = p_account AND balance >= p_points
  RETURNING balance INTO v_balance;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'HBR01', MESSAGE = 'redeem at once: balance short';
  END IF;

  INSERT INTO rewards_ledger_entry (id, account_id, delta, balance_after, reason, reference, idempotency_key)
  VALUES (v_entry, p_account, -p_points, v_balance, 'redemption', p_voucher_id::text, p_debit_key)
  RETURNING seq, rewards_ledger_entry.created_at INTO v_seq, v_created;

  INSERT INTO rewards_voucher (id, code, account_id, offer_id, retailer_id, points_cost, issued_at, expires_at, kid, signature, ledger_entry_id)
  VALUES (p_voucher_id, p_code, p_account, p_offer, p_retailer, p_points, p_issued_at, p_expires_at, p_kid, p_signature, v_entry);

  INSERT INTO platform_outbox_event (id, type, version, occurred_at, payload)
  VALUES (p_event_id, p_event_type, p_event_version, p_event_occurred_at,
          p_event_payload || jsonb_build_object('balance', v_balance, 'ledgerSeq', v_seq::text, 'entryId', v_entry::text));

  RETURN QUERY SELECT v_entry, v_seq, v_balance, v_created;
END
$$;
