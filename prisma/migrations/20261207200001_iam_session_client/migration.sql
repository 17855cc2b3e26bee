-- Which client a session belongs to: the dashboard (web) is never a phone device, so a phone
-- verified on a new device ends the old device's app sessions but not the dashboard's.
ALTER TABLE "iam_session" ADD COLUMN "client" TEXT NOT NULL DEFAULT 'app';

-- Pruning of ended sessions finds them by when they ended.
CREATE INDEX "iam_session_revoked_at_idx" ON "iam_session"("revoked_at");
