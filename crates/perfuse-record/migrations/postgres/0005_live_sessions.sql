-- Live console sessions, so that a restarted server resumes them (perfuse-server writes a
-- snapshot every few seconds and on shutdown). Not records: no audit, removed with the session.
CREATE TABLE live_sessions (
    code TEXT PRIMARY KEY,
    snapshot TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
