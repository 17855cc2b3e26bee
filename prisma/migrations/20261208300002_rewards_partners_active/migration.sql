-- Retiring partners (issue 23): an ETL row may carry `active`; an inactive retailer, offer,
-- municipality, scheme or charity leaves the app's lists (vouchers already issued stay valid).
ALTER TABLE "rewards_retailer" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "rewards_offer" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "rewards_municipality" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "rewards_scheme" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "rewards_charity" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;
-- The admin's retailer search (`GET /admin/retailers?q`) pages by name.
CREATE INDEX "rewards_retailer_name_id_idx" ON "rewards_retailer" ("name", "id");
