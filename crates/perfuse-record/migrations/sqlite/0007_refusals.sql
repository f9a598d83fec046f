-- Refused writes (role, state, version, invalid input): who tried what, on which record, and
-- why it was refused. Kept apart from audit_log, whose entries are the states a record went
-- through (a refused write changes no state, and may name no record); append-only like it.
CREATE TABLE refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    record_id BIGINT,
    http_status BIGINT NOT NULL,
    field TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX refusals_record ON refusals (record_id, id);
CREATE TRIGGER refusals_no_update BEFORE UPDATE ON refusals
BEGIN
    SELECT RAISE(ABORT, 'refusals is append-only');
END;
CREATE TRIGGER refusals_no_delete BEFORE DELETE ON refusals
BEGIN
    SELECT RAISE(ABORT, 'refusals is append-only');
END;
