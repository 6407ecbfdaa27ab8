-- Requests accepted before reservations existed were final: they become "fulfilled" (the mentor
-- took them), not reservations to lapse. A migration of its own: a value added to an enum may be
-- used only once the transaction that added it has committed.
UPDATE "help_requests" SET "status" = 'fulfilled' WHERE "status" = 'accepted' AND "reserved_until" IS NULL;
