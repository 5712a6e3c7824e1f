-- better-auth recorded an IPv6 client's /64 (its rate-limit key, written out
-- in full: 2001:0db8:abcd:0012:0000:0000:0000:0000) as the session's address,
-- which the sessions list showed as if it were one. New sessions record the
-- client's own address (src/server/auth/auth.ts); the old records are not
-- addresses at all, so they are forgotten rather than shown. A client's own
-- address never ends in 64 zero bits (that is the prefix's subnet-router
-- anycast address), so nothing real is lost.
UPDATE "session"
SET "ip_address" = NULL
WHERE "ip_address" ~ '^([0-9a-f]{4}:){4}0000:0000:0000:0000$';
