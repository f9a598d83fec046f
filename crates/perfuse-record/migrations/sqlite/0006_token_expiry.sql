-- When an API token stops working (RFC 3339 UTC). NULL: no expiry — tokens issued before
-- expiry existed keep working and are listed as such; new ones expire unless issued `never`.
ALTER TABLE api_users ADD COLUMN expires_at TEXT;
