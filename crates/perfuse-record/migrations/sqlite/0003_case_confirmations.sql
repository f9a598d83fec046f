-- A team member's confirmation that a finalised record counts in their case log (issue 15).
-- One row per record and person; the author's own entries need none. Records finalised before
-- this migration were already counted: they are confirmed here (source 'migration') so that
-- no one's log shrinks on upgrade.
CREATE TABLE case_confirmations (
    record_id BIGINT NOT NULL REFERENCES records (id),
    perfusionist TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('confirm', 'migration')),
    PRIMARY KEY (record_id, perfusionist)
);

INSERT INTO case_confirmations (record_id, perfusionist, confirmed_at, source)
SELECT DISTINCT t.record_id, t.perfusionist, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'migration'
FROM record_team t JOIN records r ON r.id = t.record_id
WHERE r.status <> 'draft' AND t.perfusionist <> r.author;
