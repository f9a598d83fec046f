//! Storage of records in SQLite (embedded, the default) or PostgreSQL (a department server),
//! behind one service API that takes the acting [`Actor`] on every call.
//!
//! - One schema, kept in `migrations/sqlite` and `migrations/postgres` (same tables and columns,
//!   dialect differences only), applied on [`Store::open`].
//! - Queried fields are columns (date, category, status, team and roles, indicators); the record
//!   document itself is the JSON `body`.
//! - Every write is one transaction (SQLite: `BEGIN IMMEDIATE`, WAL, `synchronous=FULL`): a
//!   crash leaves either the whole record with its team rows and audit entry, or nothing.
//! - Every change appends to `audit_log` (who, when, action, reason, state before and after);
//!   triggers make that table append-only in both databases.
//! - Writes a front end refused go to the (equally append-only) `refusals` log.

use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::access::Actor;
use crate::error::{Error, Result};
use crate::indicators::Indicators;
use crate::model::{Category, Record, RecordKind};
use crate::plan::Plan;
use crate::time::{Date, now_rfc3339};
use crate::validate::{check_multiline_text, check_range, check_text, validate, validate_complete};

pub mod drill;
mod labs;
mod live;
mod refusals;
mod users;

pub use labs::{Attached, MATCH_SPAN_S, Received};
pub use refusals::Refusal;
pub use users::{ApiUser, TokenLifetime};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Life cycle of a record: drafts are edited freely (each edit audited); finalised records are
/// only changed by an amendment with a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written.
    Draft,
    /// Finalised; counts in the case log.
    Final,
    /// Finalised and amended at least once; counts in the case log.
    Amended,
}

impl Status {
    /// The name stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Final => "final",
            Status::Amended => "amended",
        }
    }

    fn from_name(name: &str) -> Result<Status> {
        match name {
            "draft" => Ok(Status::Draft),
            "final" => Ok(Status::Final),
            "amended" => Ok(Status::Amended),
            other => Err(Error::invalid(
                "status",
                format!("{other:?}: expected draft, final or amended"),
            )),
        }
    }
}

/// A record as stored: the document plus its metadata and derived numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// Database id.
    pub id: i64,
    /// Life-cycle state.
    pub status: Status,
    /// Increases by one with every change.
    pub version: i64,
    /// Who created it.
    pub author: String,
    /// When it was created (RFC 3339 UTC).
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it was finalised.
    pub finalised_at: Option<String>,
    /// The document.
    pub record: Record,
    /// Its pre-bypass plan.
    pub plan: Plan,
    /// Its quality indicators.
    pub indicators: Indicators,
}

/// One line of a record listing (columns only, no JSON body).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // same meaning as the fields of StoredRecord, Case and Indicators
pub struct RecordSummary {
    pub id: i64,
    pub status: Status,
    pub kind: String,
    pub case_date: String,
    pub procedure: String,
    pub category: String,
    pub urgency: String,
    pub primary_perfusionist: Option<String>,
    pub author: String,
    pub bypass_time_min: Option<f64>,
    pub cross_clamp_time_min: Option<f64>,
    pub nadir_hct_pct: Option<f64>,
    pub nadir_do2i_ml_min_m2: Option<f64>,
    pub time_below_do2i_272_min: Option<f64>,
    pub max_lactate_mmol_l: Option<f64>,
    pub prbc_units: f64,
    pub transfused: bool,
}

/// Filters for [`Store::list`]; all optional, combined with AND.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListFilter {
    /// Case date on or after.
    pub from: Option<Date>,
    /// Case date on or before.
    pub to: Option<Date>,
    /// Someone on the team, in any role.
    pub perfusionist: Option<String>,
    /// Case-log category.
    pub category: Option<Category>,
    /// Life-cycle state.
    pub status: Option<Status>,
    /// Clinical or training.
    pub kind: Option<RecordKind>,
    /// At most this many rows (newest case first); all when `None`.
    pub limit: Option<i64>,
}

impl ListFilter {
    /// A filter on a calendar year, or on a date range (either end open); not both.
    pub fn for_dates(
        year: Option<i32>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<ListFilter> {
        match year {
            Some(_) if from.is_some() || to.is_some() => Err(Error::invalid(
                "year",
                "give either a year or from/to dates, not both",
            )),
            Some(year) => ListFilter::year(year),
            None => Ok(ListFilter {
                from,
                to,
                ..ListFilter::default()
            }),
        }
    }

    /// A filter on one calendar year.
    pub fn year(year: i32) -> Result<ListFilter> {
        let (from, to) = year_bounds(year)?;
        Ok(ListFilter {
            from: Some(from),
            to: Some(to),
            ..ListFilter::default()
        })
    }
}

/// One entry of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number (increasing).
    pub id: i64,
    /// The record changed.
    pub record_id: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// Their role at the time.
    pub actor_role: String,
    /// `create`, `update`, `finalise`, `amend` or `confirm` (a team member's case-log entry).
    pub action: String,
    /// The amendment's reason.
    pub reason: Option<String>,
    /// State before (status, version, document) as JSON; none for `create`.
    pub before: Option<serde_json::Value>,
    /// State after, as JSON.
    pub after: serde_json::Value,
}

/// One case in a perfusionist's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // same meaning as in RecordSummary
pub struct CaseLogEntry {
    pub record_id: i64,
    pub case_date: String,
    pub perfusionist: String,
    pub role: String,
    pub category: String,
    pub kind: String,
    pub procedure: String,
    pub urgency: String,
    pub bypass_time_min: Option<f64>,
    pub cross_clamp_time_min: Option<f64>,
    /// The perfusionist confirmed the entry (or authored the record); only then does it count.
    pub confirmed: bool,
}

/// Case count of one perfusionist in one category and role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct CaseLogCount {
    pub perfusionist: String,
    pub category: String,
    pub role: String,
    pub kind: String,
    /// Confirmed cases: the ones that count.
    pub cases: i64,
    /// Cases awaiting the perfusionist's confirmation (`perfuse record confirm ID`).
    pub pending: i64,
}

/// A year of the case log: counts per perfusionist, category, role and kind, and CE units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseLogSummary {
    /// The calendar year.
    pub year: i32,
    /// Finalised cases (drafts do not count), confirmed and pending.
    pub counts: Vec<CaseLogCount>,
    /// Continuing-education units per perfusionist.
    pub ce_units: Vec<CeTotal>,
}

/// Continuing-education units of one perfusionist in a year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CeTotal {
    /// Name.
    pub perfusionist: String,
    /// Sum of units.
    pub units: f64,
}

/// A continuing-education activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeEntry {
    /// Whose log it counts in.
    pub perfusionist: String,
    /// Title of the activity.
    pub title: String,
    /// Organiser or accrediting provider.
    pub provider: String,
    /// CE units (CEUs / credits) awarded.
    pub units: f64,
    /// Date of the activity.
    pub date: Date,
}

impl CeEntry {
    /// Checks every field (names and titles as text fields, units within 0–100).
    pub fn validate(&self) -> Result<()> {
        check_text("perfusionist", &self.perfusionist)?;
        check_text("title", &self.title)?;
        check_text("provider", &self.provider)?;
        check_range("units", self.units, 0.0, 100.0, "units")
    }
}

/// Team rows of finalised records with their confirmations (`t`, `r`, `c`).
const FINALISED_TEAM: &str = "FROM record_team t JOIN records r ON r.id = t.record_id \
     LEFT JOIN case_confirmations c ON c.record_id = t.record_id AND c.perfusionist = t.perfusionist \
     WHERE r.status <> 'draft'";

/// A team row counts in its perfusionist's log: they authored the record or confirmed it.
const CONFIRMED: &str = "(t.perfusionist = r.author OR c.record_id IS NOT NULL)";

/// Appends `AND date BETWEEN …` for a calendar year and `AND person = …` to `sql`, as given;
/// returns the values to bind, in placeholder order.
fn filter_year_and_person(
    sql: &mut String,
    (date_column, person_column): (&str, &str),
    year: Option<i32>,
    perfusionist: Option<&str>,
) -> Result<Vec<Bind>> {
    let mut binds = Vec::new();
    if let Some(year) = year {
        let (from, to) = year_bounds(year)?;
        sql.push_str(&format!(" AND {date_column} >= $1 AND {date_column} <= $2"));
        binds.extend([Bind::Text(from.to_string()), Bind::Text(to.to_string())]);
    }
    if let Some(name) = perfusionist {
        binds.push(Bind::Text(name.to_owned()));
        sql.push_str(&format!(" AND {person_column} = ${}", binds.len()));
    }
    Ok(binds)
}

/// A value bound to a dynamically built query.
enum Bind {
    Text(String),
    Int(i64),
}

/// The record store. Cheap to clone (a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating if needed) the store at `location` and brings its schema up to date:
    /// `postgres://…`/`postgresql://…` for PostgreSQL, `sqlite:…` or a plain file path
    /// (e.g. `perfuse.db`) for SQLite. A new SQLite file is created readable by its owner only
    /// (mode 0600): it holds names, MRNs and birth dates.
    pub async fn open(location: &str) -> Result<Store> {
        Store::connect(location, true).await
    }

    /// Opens an existing store, never creating a SQLite file (for commands that only read):
    /// a missing file is [`Error::Invalid`] on `db`.
    pub async fn open_existing(location: &str) -> Result<Store> {
        Store::connect(location, false).await
    }

    async fn connect(location: &str, create: bool) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend) =
            if location.starts_with("postgres://") || location.starts_with("postgresql://") {
                (location.to_owned(), Backend::Postgres)
            } else if let Some(rest) = location.strip_prefix("sqlite:") {
                let path = rest.trim_start_matches("//");
                let path = path.split('?').next().unwrap_or_default();
                if !path.is_empty() && path != ":memory:" {
                    prepare_sqlite_file(std::path::Path::new(path), create)?;
                }
                (location.to_owned(), Backend::Sqlite)
            } else {
                if location.trim().is_empty() || location.contains('?') {
                    return Err(Error::invalid(
                        "db",
                        format!("{location:?}: expected a file path or a postgres:// URL"),
                    ));
                }
                prepare_sqlite_file(std::path::Path::new(location), create)?;
                (format!("sqlite://{location}?mode=rw"), Backend::Sqlite)
            };
        let options =
            AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 4 } else { 8 });
        let options = match backend {
            Backend::Postgres => options,
            Backend::Sqlite => options.after_connect(|connection, _| {
                Box::pin(async move {
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 10000",
                    ] {
                        sqlx::query(pragma).execute(&mut *connection).await?;
                    }
                    Ok(())
                })
            }),
        };
        let pool = options.connect(&url).await?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Store { pool, backend })
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            // Take the write lock up front so two writers queue instead of failing on upgrade.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Creates a draft record authored by `actor`; returns its id.
    pub async fn create(&self, actor: &Actor, record: &Record) -> Result<i64> {
        self.add(actor, record, false).await
    }

    /// Creates one record, finalised in the same transaction if `finalise`; returns its id.
    pub async fn add(&self, actor: &Actor, record: &Record, finalise: bool) -> Result<i64> {
        let ids = self
            .import(actor, std::slice::from_ref(record), finalise)
            .await?;
        Ok(ids[0])
    }

    /// Imports many records in one transaction (all or none), optionally finalising each;
    /// returns their ids in order.
    pub async fn import(
        &self,
        actor: &Actor,
        records: &[Record],
        finalise: bool,
    ) -> Result<Vec<i64>> {
        actor.require_writer()?;
        for (i, record) in records.iter().enumerate() {
            let checked = if finalise {
                validate_complete(record)
            } else {
                validate(record)
            };
            checked.map_err(|error| prefix_field(error, records.len() > 1, i))?;
        }
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(records.len());
        for record in records {
            let now = now_rfc3339();
            let status = if finalise {
                Status::Final
            } else {
                Status::Draft
            };
            let id = insert_record(&mut tx, actor, record, status, &now).await?;
            let after = state_json(Status::Draft, 1, record);
            append_audit(&mut tx, id, actor, "create", None, None, &after, &now).await?;
            if finalise {
                let finalised = state_json(Status::Final, 1, record);
                append_audit(
                    &mut tx,
                    id,
                    actor,
                    "finalise",
                    None,
                    Some(&after),
                    &finalised,
                    &now,
                )
                .await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Reads one record.
    pub async fn get(&self, _actor: &Actor, id: i64) -> Result<StoredRecord> {
        let row = sqlx::query(
            "SELECT id, status, version, author, created_at, updated_at, finalised_at, body FROM records WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound { what: "record", id })?;
        stored_from_row(&row)
    }

    /// Replaces the document of a draft (author or chief). Finalised records must be amended.
    /// With `expected_version`, refuses ([`Error::VersionMismatch`]) unless the record is still
    /// at that version: checked inside the write transaction, so no other write slips between.
    pub async fn update_draft(
        &self,
        actor: &Actor,
        id: i64,
        record: &Record,
        expected_version: Option<i64>,
    ) -> Result<()> {
        validate(record)?;
        let mut tx = self.begin().await?;
        let current = current_state(&mut tx, id).await?;
        actor.require_owner_or_chief(&current.author, "edit this record")?;
        current.require_version(id, expected_version)?;
        if current.status != Status::Draft {
            return Err(Error::Conflict(format!(
                "record {id} is finalised; amend it with a reason instead"
            )));
        }
        let change = Change {
            action: "update",
            status: Status::Draft,
            record,
            reason: None,
        };
        commit_change(tx, actor, id, &current, change).await
    }

    /// Finalises a draft (author or chief): it must be complete, and then counts in the case log.
    /// `expected_version` as for [`Store::update_draft`].
    pub async fn finalise(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let current = current_state(&mut tx, id).await?;
        actor.require_owner_or_chief(&current.author, "finalise this record")?;
        current.require_version(id, expected_version)?;
        if current.status != Status::Draft {
            return Err(Error::Conflict(format!("record {id} is already finalised")));
        }
        validate_complete(&current.record)?;
        let change = Change {
            action: "finalise",
            status: Status::Final,
            record: &current.record,
            reason: None,
        };
        commit_change(tx, actor, id, &current, change).await
    }

    /// Amends a finalised record (author or chief) with a reason; before and after are kept in
    /// the audit log. `expected_version` as for [`Store::update_draft`].
    pub async fn amend(
        &self,
        actor: &Actor,
        id: i64,
        record: &Record,
        reason: &str,
        expected_version: Option<i64>,
    ) -> Result<()> {
        check_multiline_text("reason", reason)?;
        validate_complete(record)?;
        let mut tx = self.begin().await?;
        let current = current_state(&mut tx, id).await?;
        actor.require_owner_or_chief(&current.author, "amend this record")?;
        current.require_version(id, expected_version)?;
        if current.status == Status::Draft {
            return Err(Error::Conflict(format!(
                "record {id} is a draft; edit it, or finalise it first"
            )));
        }
        let change = Change {
            action: "amend",
            status: Status::Amended,
            record,
            reason: Some(reason),
        };
        commit_change(tx, actor, id, &current, change).await
    }

    /// The audit trail of a record, oldest first.
    pub async fn audit_trail(&self, _actor: &Actor, id: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, record_id, at, actor, actor_role, action, reason, before_json, after_json \
             FROM audit_log WHERE record_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Err(Error::NotFound { what: "record", id });
        }
        rows.iter()
            .map(|row| {
                let json = |text: String| {
                    serde_json::from_str(&text).map_err(|error| corrupt("audit_log", error))
                };
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    record_id: row.try_get("record_id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    actor_role: row.try_get("actor_role")?,
                    action: row.try_get("action")?,
                    reason: row.try_get("reason")?,
                    before: row
                        .try_get::<Option<String>, _>("before_json")?
                        .map(json)
                        .transpose()?,
                    after: json(row.try_get("after_json")?)?,
                })
            })
            .collect()
    }

    /// Lists records matching the filter, newest case first.
    pub async fn list(&self, _actor: &Actor, filter: &ListFilter) -> Result<Vec<RecordSummary>> {
        let mut sql = String::from(
            "SELECT id, status, kind, case_date, procedure_name, category, urgency, primary_perfusionist, author, \
             bypass_time_min, cross_clamp_time_min, nadir_hct_pct, nadir_do2i_ml_min_m2, time_below_do2i_272_min, \
             max_lactate_mmol_l, prbc_units, transfused FROM records WHERE 1 = 1",
        );
        let mut binds = Vec::new();
        let mut condition = |sql: &mut String, clause: &str, bind: Bind| {
            binds.push(bind);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(from) = filter.from {
            condition(
                &mut sql,
                " AND case_date >= ?",
                Bind::Text(from.to_string()),
            );
        }
        if let Some(to) = filter.to {
            condition(&mut sql, " AND case_date <= ?", Bind::Text(to.to_string()));
        }
        if let Some(name) = &filter.perfusionist {
            let clause = " AND id IN (SELECT record_id FROM record_team WHERE perfusionist = ?)";
            condition(&mut sql, clause, Bind::Text(name.clone()));
        }
        if let Some(category) = filter.category {
            condition(
                &mut sql,
                " AND category = ?",
                Bind::Text(enum_name(&category)),
            );
        }
        if let Some(status) = filter.status {
            condition(
                &mut sql,
                " AND status = ?",
                Bind::Text(status.name().to_owned()),
            );
        }
        if let Some(kind) = filter.kind {
            condition(&mut sql, " AND kind = ?", Bind::Text(enum_name(&kind)));
        }
        sql.push_str(" ORDER BY case_date DESC, id DESC");
        if let Some(limit) = filter.limit {
            check_range("limit", limit as f64, 1.0, 1.0e9, "rows")?;
            condition(&mut sql, " LIMIT ?", Bind::Int(limit));
        }
        let rows = bind_all(sqlx::query(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Exports the full stored records matching the filter (for JSON export and registries).
    pub async fn export(&self, actor: &Actor, filter: &ListFilter) -> Result<Vec<StoredRecord>> {
        let summaries = self.list(actor, filter).await?;
        let mut records = Vec::with_capacity(summaries.len());
        for summary in summaries {
            records.push(self.get(actor, summary.id).await?);
        }
        Ok(records)
    }

    /// Confirms that a finalised record counts in the actor's case log: they must be on its
    /// team (the author's own entries count without it). Audited; confirming twice is a conflict.
    pub async fn confirm(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_writer()?;
        let mut tx = self.begin().await?;
        let current = current_state(&mut tx, id).await?;
        if !current.record.team.iter().any(|m| m.name == actor.name) {
            return Err(Error::Forbidden(format!(
                "{} is not on the team of record {id}; only team members confirm their entries",
                actor.name
            )));
        }
        if current.status == Status::Draft {
            return Err(Error::Conflict(format!(
                "record {id} is a draft; confirm it once it is finalised"
            )));
        }
        let already = sqlx::query(
            "SELECT COUNT(*) FROM case_confirmations WHERE record_id = $1 AND perfusionist = $2",
        )
        .bind(id)
        .bind(actor.name.clone())
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?
            > 0;
        if already || current.author == actor.name {
            return Err(Error::Conflict(format!(
                "record {id} already counts in {}'s case log",
                actor.name
            )));
        }
        let now = now_rfc3339();
        sqlx::query(
            "INSERT INTO case_confirmations (record_id, perfusionist, confirmed_at, source) \
             VALUES ($1, $2, $3, 'confirm')",
        )
        .bind(id)
        .bind(actor.name.clone())
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;
        let state = state_json(current.status, current.version, &current.record);
        append_audit(
            &mut tx,
            id,
            actor,
            "confirm",
            None,
            Some(&state),
            &state,
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The case log: one line per finalised record and team member, oldest first, with whether
    /// the member confirmed it; optionally for one perfusionist and one year.
    pub async fn case_log(
        &self,
        _actor: &Actor,
        perfusionist: Option<&str>,
        year: Option<i32>,
    ) -> Result<Vec<CaseLogEntry>> {
        let mut sql = format!(
            "SELECT r.id, r.case_date, t.perfusionist, t.role, r.category, r.kind, r.procedure_name, r.urgency, \
             r.bypass_time_min, r.cross_clamp_time_min, CAST(CASE WHEN {CONFIRMED} THEN 1 ELSE 0 END AS BIGINT) \
             {FINALISED_TEAM}",
        );
        let binds = filter_year_and_person(
            &mut sql,
            ("r.case_date", "t.perfusionist"),
            year,
            perfusionist,
        )?;
        sql.push_str(" ORDER BY r.case_date, r.id, t.perfusionist, t.role");
        let rows = bind_all(sqlx::query(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CaseLogEntry {
                    record_id: row.try_get(0)?,
                    case_date: row.try_get(1)?,
                    perfusionist: row.try_get(2)?,
                    role: row.try_get(3)?,
                    category: row.try_get(4)?,
                    kind: row.try_get(5)?,
                    procedure: row.try_get(6)?,
                    urgency: row.try_get(7)?,
                    bypass_time_min: row.try_get(8)?,
                    cross_clamp_time_min: row.try_get(9)?,
                    confirmed: row.try_get::<i64, _>(10)? != 0,
                })
            })
            .collect()
    }

    /// Case counts and CE units for one year, optionally for one perfusionist.
    pub async fn case_log_summary(
        &self,
        _actor: &Actor,
        year: i32,
        perfusionist: Option<&str>,
    ) -> Result<CaseLogSummary> {
        let mut sql = format!(
            "SELECT t.perfusionist, r.category, t.role, r.kind, \
             CAST(SUM(CASE WHEN {CONFIRMED} THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN {CONFIRMED} THEN 0 ELSE 1 END) AS BIGINT) \
             {FINALISED_TEAM}",
        );
        let binds = filter_year_and_person(
            &mut sql,
            ("r.case_date", "t.perfusionist"),
            Some(year),
            perfusionist,
        )?;
        sql.push_str(
            " GROUP BY t.perfusionist, r.category, t.role, r.kind \
             ORDER BY t.perfusionist, r.category, t.role, r.kind",
        );
        let counts = bind_all(sqlx::query(&sql), binds)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(CaseLogCount {
                    perfusionist: row.try_get(0)?,
                    category: row.try_get(1)?,
                    role: row.try_get(2)?,
                    kind: row.try_get(3)?,
                    cases: row.try_get(4)?,
                    pending: row.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut sql = String::from(
            "SELECT perfusionist, CAST(SUM(units) AS DOUBLE PRECISION) FROM ce_entries WHERE 1 = 1",
        );
        let binds = filter_year_and_person(
            &mut sql,
            ("entry_date", "perfusionist"),
            Some(year),
            perfusionist,
        )?;
        sql.push_str(" GROUP BY perfusionist ORDER BY perfusionist");
        let ce_units = bind_all(sqlx::query(&sql), binds)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(CeTotal {
                    perfusionist: row.try_get(0)?,
                    units: row.try_get(1)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CaseLogSummary {
            year,
            counts,
            ce_units,
        })
    }

    /// Adds a continuing-education entry: perfusionists for themselves, chiefs for anyone.
    pub async fn add_ce(&self, actor: &Actor, entry: &CeEntry) -> Result<i64> {
        actor.require_writer()?;
        entry.validate()?;
        actor.require_own_log_or_chief(&entry.perfusionist, "add continuing education")?;
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO ce_entries (perfusionist, title, provider, units, entry_date, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(entry.perfusionist.clone())
        .bind(entry.title.clone())
        .bind(entry.provider.clone())
        .bind(entry.units)
        .bind(entry.date.to_string())
        .bind(actor.name.clone())
        .bind(now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.commit().await?;
        Ok(id)
    }

    /// Continuing-education entries, oldest first; optionally for one perfusionist and year.
    pub async fn list_ce(
        &self,
        _actor: &Actor,
        perfusionist: Option<&str>,
        year: Option<i32>,
    ) -> Result<Vec<CeEntry>> {
        let mut sql = String::from(
            "SELECT perfusionist, title, provider, units, entry_date FROM ce_entries WHERE 1 = 1",
        );
        let binds =
            filter_year_and_person(&mut sql, ("entry_date", "perfusionist"), year, perfusionist)?;
        sql.push_str(" ORDER BY entry_date, id");
        let rows = bind_all(sqlx::query(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let date: String = row.try_get(4)?;
                Ok(CeEntry {
                    perfusionist: row.try_get(0)?,
                    title: row.try_get(1)?,
                    provider: row.try_get(2)?,
                    units: row.try_get(3)?,
                    date: Date::parse(&date)
                        .map_err(|error| corrupt("ce_entries.entry_date", error))?,
                })
            })
            .collect()
    }

    /// Checks that every record is whole: its body parses and its team rows and audit entries
    /// match. Returns the number of records checked. Used after a crash and by tests.
    pub async fn check_integrity(&self, actor: &Actor) -> Result<usize> {
        let ids: Vec<i64> = sqlx::query("SELECT id FROM records ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        for &id in &ids {
            let stored = self.get(actor, id).await?;
            let team_rows = sqlx::query("SELECT COUNT(*) FROM record_team WHERE record_id = $1")
                .bind(id)
                .fetch_one(&self.pool)
                .await?
                .try_get::<i64, _>(0)?;
            if team_rows != stored.record.team.len() as i64 {
                return Err(corrupt(
                    "record_team",
                    format!("record {id}: {team_rows} team rows"),
                ));
            }
            let trail = self.audit_trail(actor, id).await?;
            let last = trail.last().map(|entry| entry.after.clone());
            if last != Some(state_json(stored.status, stored.version, &stored.record)) {
                return Err(corrupt(
                    "audit_log",
                    format!("record {id}: last audit entry differs from the record"),
                ));
            }
        }
        Ok(ids.len())
    }
}

/// Makes sure the SQLite file exists before SQLite opens it: created empty with mode 0600 when
/// `create` (SQLite gives its `-wal` and `-shm` files the same mode), else required to exist.
fn prepare_sqlite_file(path: &std::path::Path, create: bool) -> Result<()> {
    if !create {
        return if path.exists() {
            Ok(())
        } else {
            Err(Error::invalid(
                "db",
                format!(
                    "{}: no such database (writing a record creates it)",
                    path.display()
                ),
            ))
        };
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(Error::invalid(
            "db",
            format!("{}: cannot create: {error}", path.display()),
        )),
    }
}

/// The state of a record as kept in the audit log.
fn state_json(status: Status, version: i64, record: &Record) -> serde_json::Value {
    serde_json::json!({ "status": status, "version": version, "record": record })
}

fn enum_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => unreachable!("unit enums serialise to strings"),
    }
}

fn year_bounds(year: i32) -> Result<(Date, Date)> {
    let from = Date::new(year, 1, 1);
    let to = Date::new(year, 12, 31);
    from.zip(to)
        .ok_or_else(|| Error::invalid("year", format!("{year}: must be between 1900 and 2199")))
}

fn prefix_field(error: Error, many: bool, index: usize) -> Error {
    match error {
        Error::Invalid { field, message } if many => {
            Error::invalid(format!("records[{index}].{field}"), message)
        }
        other => other,
    }
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::Storage(sqlx::Error::Protocol(format!("corrupt {what}: {detail}")))
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text),
            Bind::Int(number) => query.bind(number),
        };
    }
    query
}

/// The indexed columns of a record, computed from its document.
struct Columns {
    primary_perfusionist: Option<String>,
    indicators: Indicators,
}

impl Columns {
    fn of(record: &Record) -> Columns {
        Columns {
            primary_perfusionist: record.primary_perfusionist().map(str::to_owned),
            indicators: Indicators::of(record),
        }
    }
}

async fn insert_record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    actor: &Actor,
    record: &Record,
    status: Status,
    now: &str,
) -> Result<i64> {
    let columns = Columns::of(record);
    let finalised = (status != Status::Draft).then(|| (now.to_owned(), actor.name.clone()));
    let id: i64 = bind_columns(
        sqlx::query(
            "INSERT INTO records (kind, status, case_date, procedure_name, category, urgency, \
             primary_perfusionist, deidentified, bypass_time_min, cross_clamp_time_min, nadir_hct_pct, \
             nadir_do2i_ml_min_m2, time_below_do2i_272_min, max_lactate_mmol_l, prbc_units, transfused, \
             version, author, created_at, updated_at, finalised_at, finalised_by, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18, $18, $19, $20, $21) \
             RETURNING id",
        ),
        record,
        status,
        &columns,
    )
    .bind(actor.name.clone())
    .bind(now.to_owned())
    .bind(finalised.as_ref().map(|(at, _)| at.clone()))
    .bind(finalised.map(|(_, by)| by))
    .bind(serde_json::to_string(record).expect("a record always serialises"))
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    insert_team(tx, id, record).await?;
    Ok(id)
}

async fn insert_team(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    record: &Record,
) -> Result<()> {
    for member in &record.team {
        sqlx::query("INSERT INTO record_team (record_id, perfusionist, role) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(member.name.clone())
            .bind(member.role.name())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Binds $1–$16 of an INSERT or UPDATE of `records`: kind, status, the case columns and the
/// indicator columns, in table order.
fn bind_columns<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    record: &Record,
    status: Status,
    columns: &Columns,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let indicators = &columns.indicators;
    query
        .bind(enum_name(&record.case.kind))
        .bind(status.name())
        .bind(record.case.date.to_string())
        .bind(record.case.procedure.clone())
        .bind(enum_name(&record.case.category))
        .bind(enum_name(&record.case.urgency))
        .bind(columns.primary_perfusionist.clone())
        .bind(i64::from(record.case.patient.identity.is_none()))
        .bind(indicators.bypass_time_min)
        .bind(indicators.cross_clamp_time_min)
        .bind(indicators.nadir_hct_pct)
        .bind(indicators.nadir_do2i_ml_min_m2)
        .bind(indicators.time_below_do2i_272_min)
        .bind(indicators.max_lactate_mmol_l)
        .bind(indicators.prbc_units)
        .bind(i64::from(indicators.transfused()))
}

/// Rewrites the document and its columns if the version is still `version`, else
/// [`Error::VersionMismatch`] with the version now stored (the set half of the compare-and-set).
async fn write_body(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    version: i64,
    status: Status,
    record: &Record,
    now: &str,
    finalised_by: Option<&str>,
) -> Result<()> {
    let columns = Columns::of(record);
    let result = bind_columns(
        sqlx::query(
            "UPDATE records SET kind = $1, status = $2, version = version + 1, case_date = $3, procedure_name = $4, \
             category = $5, urgency = $6, primary_perfusionist = $7, deidentified = $8, bypass_time_min = $9, \
             cross_clamp_time_min = $10, nadir_hct_pct = $11, nadir_do2i_ml_min_m2 = $12, \
             time_below_do2i_272_min = $13, max_lactate_mmol_l = $14, prbc_units = $15, transfused = $16, \
             updated_at = $17, finalised_at = COALESCE(finalised_at, $18), finalised_by = COALESCE(finalised_by, $19), \
             body = $20 WHERE id = $21 AND version = $22",
        ),
        record,
        status,
        &columns,
    )
    .bind(now.to_owned())
    .bind(finalised_by.map(|_| now.to_owned()))
    .bind(finalised_by.map(str::to_owned))
    .bind(serde_json::to_string(record).expect("a record always serialises"))
    .bind(id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    if result.rows_affected() != 1 {
        let actual = sqlx::query("SELECT version FROM records WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
        return Err(Error::VersionMismatch {
            id,
            expected: version,
            actual,
        });
    }
    sqlx::query("DELETE FROM record_team WHERE record_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    insert_team(tx, id, record).await
}

#[allow(clippy::too_many_arguments)]
async fn append_audit(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    actor: &Actor,
    action: &str,
    reason: Option<&str>,
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (record_id, at, actor, actor_role, action, reason, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(now.to_owned())
    .bind(actor.name.clone())
    .bind(actor.role.name())
    .bind(action.to_owned())
    .bind(reason.map(str::to_owned))
    .bind(before.map(|value| value.to_string()))
    .bind(after.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One audited change of a stored record.
struct Change<'a> {
    /// Audit-log action: `update`, `finalise` or `amend`.
    action: &'static str,
    /// Status after the change.
    status: Status,
    /// The document after the change.
    record: &'a Record,
    /// Why (amendments).
    reason: Option<&'a str>,
}

/// Writes `change` over `current` (if nobody changed it meanwhile), appends its audit entry with
/// the states before and after, and commits: one transaction, so the record and its audit trail
/// never disagree. Finalising stamps the actor as `finalised_by`.
async fn commit_change(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    actor: &Actor,
    id: i64,
    current: &CurrentState,
    change: Change<'_>,
) -> Result<()> {
    let now = now_rfc3339();
    let finalised_by = (change.status == Status::Final).then_some(actor.name.as_str());
    write_body(
        &mut tx,
        id,
        current.version,
        change.status,
        change.record,
        &now,
        finalised_by,
    )
    .await?;
    let before = state_json(current.status, current.version, &current.record);
    let after = state_json(change.status, current.version + 1, change.record);
    append_audit(
        &mut tx,
        id,
        actor,
        change.action,
        change.reason,
        Some(&before),
        &after,
        &now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

struct CurrentState {
    author: String,
    status: Status,
    version: i64,
    record: Record,
}

impl CurrentState {
    /// The compare half of the compare-and-set on `version` (the set half is [`write_body`]'s
    /// `WHERE version = …`).
    fn require_version(&self, id: i64, expected: Option<i64>) -> Result<()> {
        match expected {
            Some(expected) if expected != self.version => Err(Error::VersionMismatch {
                id,
                expected,
                actual: self.version,
            }),
            _ => Ok(()),
        }
    }
}

async fn current_state(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
) -> Result<CurrentState> {
    let row = sqlx::query("SELECT author, status, version, body FROM records WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::NotFound { what: "record", id })?;
    let body: String = row.try_get("body")?;
    Ok(CurrentState {
        author: row.try_get("author")?,
        status: Status::from_name(&row.try_get::<String, _>("status")?)?,
        version: row.try_get("version")?,
        record: serde_json::from_str(&body).map_err(|error| corrupt("records.body", error))?,
    })
}

fn stored_from_row(row: &AnyRow) -> Result<StoredRecord> {
    let body: String = row.try_get("body")?;
    let record: Record =
        serde_json::from_str(&body).map_err(|error| corrupt("records.body", error))?;
    Ok(StoredRecord {
        id: row.try_get("id")?,
        status: Status::from_name(&row.try_get::<String, _>("status")?)?,
        version: row.try_get("version")?,
        author: row.try_get("author")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finalised_at: row.try_get("finalised_at")?,
        plan: Plan::of(&record),
        indicators: Indicators::of(&record),
        record,
    })
}

fn summary_from_row(row: &AnyRow) -> Result<RecordSummary> {
    Ok(RecordSummary {
        id: row.try_get("id")?,
        status: Status::from_name(&row.try_get::<String, _>("status")?)?,
        kind: row.try_get("kind")?,
        case_date: row.try_get("case_date")?,
        procedure: row.try_get("procedure_name")?,
        category: row.try_get("category")?,
        urgency: row.try_get("urgency")?,
        primary_perfusionist: row.try_get("primary_perfusionist")?,
        author: row.try_get("author")?,
        bypass_time_min: row.try_get("bypass_time_min")?,
        cross_clamp_time_min: row.try_get("cross_clamp_time_min")?,
        nadir_hct_pct: row.try_get("nadir_hct_pct")?,
        nadir_do2i_ml_min_m2: row.try_get("nadir_do2i_ml_min_m2")?,
        time_below_do2i_272_min: row.try_get("time_below_do2i_272_min")?,
        max_lactate_mmol_l: row.try_get("max_lactate_mmol_l")?,
        prbc_units: row.try_get("prbc_units")?,
        transfused: row.try_get::<i64, _>("transfused")? != 0,
    })
}
