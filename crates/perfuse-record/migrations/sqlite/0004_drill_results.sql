-- Board-exam drill answers (perfuse drill, the browser Drill page): one row per graded answer,
-- for a learner's progress per ABCP section and over time. Not clinical data; not audited.
-- Same table and columns as migrations/postgres/0004_drill_results.sql; only the dialect differs.
CREATE TABLE drill_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learner TEXT NOT NULL,
    item_id TEXT NOT NULL,
    item_type TEXT NOT NULL,
    section TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('correct', 'wrong', 'wrong-unit', 'missing-unit')),
    seconds_taken DOUBLE PRECISION NOT NULL CHECK (seconds_taken >= 0),
    answered_at TEXT NOT NULL
);
CREATE INDEX drill_results_learner ON drill_results (learner, answered_at);
