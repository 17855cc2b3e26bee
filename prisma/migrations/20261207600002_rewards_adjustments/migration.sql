-- Admin corrections are ledger entries of their own kind (credit or claw-back, with a reason
-- kept in the audit trail and in PointsAdjusted).
ALTER TABLE "rewards_ledger_entry" DROP CONSTRAINT "rewards_ledger_entry_reason";
ALTER TABLE "rewards_ledger_entry" ADD CONSTRAINT "rewards_ledger_entry_reason"
  CHECK ("reason" IN ('connection', 'redemption', 'donation', 'adjustment'));
