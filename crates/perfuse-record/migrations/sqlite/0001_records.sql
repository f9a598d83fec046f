-- Perfusion records, team (case log), append-only audit log, continuing education.
-- Same tables and columns as migrations/postgres/0001_records.sql; only the dialect differs.

CREATE TABLE records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('clinical', 'training')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'final', 'amended')),
    version BIGINT NOT NULL,
    author TEXT NOT NULL,
    case_date TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    category TEXT NOT NULL,
    urgency TEXT NOT NULL,
    primary_perfusionist TEXT,
    deidentified BIGINT NOT NULL,
    bypass_time_min DOUBLE PRECISION,
    cross_clamp_time_min DOUBLE PRECISION,
    nadir_hct_pct DOUBLE PRECISION,
    nadir_do2i_ml_min_m2 DOUBLE PRECISION,
    time_below_do2i_272_min DOUBLE PRECISION,
    max_lactate_mmol_l DOUBLE PRECISION,
    prbc_units DOUBLE PRECISION NOT NULL,
    transfused BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finalised_at TEXT,
    finalised_by TEXT,
    body TEXT NOT NULL
);
CREATE INDEX records_case_date ON records (case_date);
CREATE INDEX records_category_case_date ON records (category, case_date);

CREATE TABLE record_team (
    record_id BIGINT NOT NULL REFERENCES records (id),
    perfusionist TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (record_id, perfusionist, role)
);
CREATE INDEX record_team_perfusionist ON record_team (perfusionist, record_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id BIGINT NOT NULL REFERENCES records (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    before_json TEXT,
    after_json TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE ce_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    perfusionist TEXT NOT NULL,
    title TEXT NOT NULL,
    provider TEXT NOT NULL,
    units DOUBLE PRECISION NOT NULL,
    entry_date TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ce_entries_perfusionist ON ce_entries (perfusionist, entry_date);
