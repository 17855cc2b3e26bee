-- Retiring officers (issue 23): an officers upload row with active=false takes the officer role
-- from the accounts of that e-mail and stops new sign-ins from getting it.
ALTER TABLE "iam_officer_roster" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;
