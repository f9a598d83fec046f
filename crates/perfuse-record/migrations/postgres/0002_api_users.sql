-- Users of the records HTTP API: a name, a role and the SHA-256 of their bearer token.
-- The token itself is shown once when issued and never stored.
CREATE TABLE api_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('perfusionist', 'chief', 'read_only')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
