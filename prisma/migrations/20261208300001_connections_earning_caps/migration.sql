-- Anti-farming caps (issue 19): a connection beyond the citizen's daily or the officer's hourly
-- cap of points-earning connections is still recorded, but earns nothing, and says why.
ALTER TABLE "connections_connection"
  ADD COLUMN "earns_points" BOOLEAN NOT NULL DEFAULT true,
  ADD COLUMN "no_points_reason" TEXT,
  ADD CONSTRAINT "connections_connection_no_points_reason"
    CHECK (("earns_points" AND "no_points_reason" IS NULL)
      OR (NOT "earns_points" AND "no_points_reason" IN ('CITIZEN_DAILY_CAP', 'OFFICER_HOURLY_CAP')));
