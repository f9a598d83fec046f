//! The records HTTP API: thin glue over [`perfuse_record::Store`], the same operations as
//! `perfuse record`. Every endpoint, reads included (records hold patient data), needs an API
//! token that a chief issued with `perfuse record user add`; the token names the [`Actor`] and
//! the library enforces what its role may do. Errors keep the library's status and field:
//! 422 invalid field, 401 no/unknown token, 403 role, 404 id, 409 state, 412 version.
//!
//! Optimistic concurrency: a record read carries its `version` as a strong `ETag` (`"3"`), and
//! every write that changes a stored record (PUT, finalise, amend) must send it back in
//! `If-Match`: 428 without it, 412 when the record has changed since (compared inside the
//! store's write transaction), so two editors never silently overwrite each other.
//!
//! Every write refused after authentication (403 role, 409 state, 412/428 version, 422 invalid,
//! 400/404) is appended to the store's append-only refusal log (`GET /api/refusals`): who
//! tried what, on which record, and why.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use perfuse_record::model::{Category, RecordKind};
use perfuse_record::store::{
    AuditEntry, CaseLogEntry, CaseLogSummary, CeEntry, RecordSummary, Refusal,
};
use perfuse_record::{Actor, Date, ListFilter, Record, Status, Store, StoredRecord, csv};
use perfuse_report::{Paper, Provenance};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::bearer;
use crate::error::{ApiError, ErrorBody};
use crate::training::{Trainee, training_record};

/// The record routes, annotated for the OpenAPI document.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_records, create_record))
        .routes(routes!(get_record, update_record))
        .routes(routes!(finalise_record))
        .routes(routes!(confirm_record))
        .routes(routes!(record_fhir))
        .routes(routes!(record_report_pdf))
        .routes(routes!(record_report_html))
        .routes(routes!(session_report_pdf))
        .routes(routes!(session_report_html))
        .routes(routes!(amend_record))
        .routes(routes!(audit_trail))
        .routes(routes!(export_records))
        .routes(routes!(case_log))
        .routes(routes!(list_ce, add_ce))
        .routes(routes!(save_session))
        .routes(routes!(list_refusals))
}

/// Passes `result` through; a refusal (4xx) is first appended to the refusal log as `actor`
/// trying `action` on `record_id`. A refusal that cannot be logged answers the storage error.
async fn logged<T>(
    store: &Store,
    actor: &Actor,
    (action, record_id): (&str, Option<i64>),
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let Err(error) = &result
        && error.status.is_client_error()
    {
        store
            .log_refusal(
                actor,
                action,
                record_id,
                error.status.as_u16(),
                &error.field,
                &error.message,
            )
            .await?;
    }
    result
}

/// A records error as the API's JSON error, with the status the records crate chose.
impl From<perfuse_record::Error> for ApiError {
    fn from(error: perfuse_record::Error) -> ApiError {
        let status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = error.to_json();
        let field = body["error"]["field"]
            .as_str()
            .unwrap_or("record")
            .to_owned();
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        ApiError::new(status, field, message)
    }
}

/// The store and the caller, or 503 without a database and 401 (field `authorization`)
/// without a valid token: missing, unknown or expired.
pub(crate) async fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Store, Actor), ApiError> {
    let store = state.records.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "db",
            "this server has no records database (start it with --db)",
        )
    })?;
    let token = bearer(headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authorization",
            "missing bearer token (issued by `perfuse record user add`)",
        )
    })?;
    let actor = store.authenticate(token).await.map_err(|error| {
        let refused = ApiError::from(error);
        if refused.status == StatusCode::UNAUTHORIZED {
            ApiError::new(refused.status, "authorization", refused.message)
        } else {
            refused
        }
    })?;
    Ok((store, actor))
}

/// The `ETag` of a record version: its number, quoted (a strong validator).
fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version a write was based on, from `If-Match`: required (428 without it), one strong
/// entity tag as sent in [`etag`] (400 otherwise).
fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "if-match",
            "send the ETag of the record you read (GET /api/records/{id}) in If-Match",
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|text| {
            text.trim()
                .strip_prefix('"')?
                .strip_suffix('"')?
                .parse()
                .ok()
        })
        .filter(|version: &i64| *version >= 1)
        .ok_or_else(|| {
            ApiError::bad_request(
                "if-match",
                format!("{value:?}: expected one ETag as sent by GET, e.g. \"3\""),
            )
        })
}

/// A record document in the request body: the JSON shape of `docs/records.md`.
fn record_from(body: Result<Json<serde_json::Value>, JsonRejection>) -> Result<Record, ApiError> {
    let Json(value) =
        body.map_err(|rejection| ApiError::new(rejection.status(), "body", rejection.body_text()))?;
    Ok(Record::from_json_str(&value.to_string())?)
}

/// Filters of a listing or export; all optional, combined with AND.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Filter {
    /// Cases in this calendar year.
    year: Option<i32>,
    /// Cases on or after this date (YYYY-MM-DD).
    #[param(value_type = Option<String>)]
    from: Option<Date>,
    /// Cases on or before this date (YYYY-MM-DD).
    #[param(value_type = Option<String>)]
    to: Option<Date>,
    /// Someone on the team, in any role.
    perfusionist: Option<String>,
    /// adult, pediatric, neonatal, ecmo, vad or other.
    #[param(value_type = Option<String>)]
    category: Option<Category>,
    /// draft, final or amended.
    #[param(value_type = Option<String>)]
    status: Option<Status>,
    /// clinical or training.
    #[param(value_type = Option<String>)]
    kind: Option<RecordKind>,
    /// At most this many rows, newest case first.
    limit: Option<i64>,
    /// Export format: `json` (default) or `csv`.
    format: Option<String>,
}

impl Filter {
    fn to_list_filter(&self) -> Result<ListFilter, ApiError> {
        let mut filter = ListFilter::for_dates(self.year, self.from, self.to)?;
        filter.perfusionist = self.perfusionist.clone();
        filter.category = self.category;
        filter.status = self.status;
        filter.kind = self.kind;
        filter.limit = self.limit;
        Ok(filter)
    }
}

fn query<T: Default>(
    query: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|rejection| ApiError::bad_request("query", rejection.body_text()))
}

/// Records matching the filters (summaries, newest case first).
#[utoipa::path(
    get, path = "/api/records", tag = "records", params(Filter), security(("bearer" = [])),
    responses((status = 200, body = Vec<serde_json::Value>, description = "Record summaries"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody))
)]
async fn list_records(
    State(state): State<AppState>,
    headers: HeaderMap,
    filter: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<RecordSummary>>, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let filter = query(filter)?.to_list_filter()?;
    Ok(Json(store.list(&actor, &filter).await?))
}

/// A new id.
#[derive(Serialize, ToSchema)]
struct CreatedRecord {
    /// Database id of the record.
    id: i64,
}

/// Creates a draft record (the caller becomes its author); nothing is written if any field is
/// invalid.
#[utoipa::path(
    post, path = "/api/records", tag = "records", security(("bearer" = [])),
    request_body(content = serde_json::Value, description = "A record document (docs/records.md)"),
    responses((status = 201, body = CreatedRecord), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Read-only role"), (status = 422, body = ErrorBody, description = "Invalid field, named"))
)]
async fn create_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let result = async {
        let record = record_from(body)?;
        Ok(store.create(&actor, &record).await?)
    }
    .await;
    let id = logged(&store, &actor, ("create", None), result).await?;
    Ok((StatusCode::CREATED, Json(CreatedRecord { id })).into_response())
}

/// One record with its plan and quality indicators.
#[utoipa::path(
    get, path = "/api/records/{id}", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, body = serde_json::Value, description = "The stored record, plan and indicators; `ETag` is its version, for `If-Match` on writes", headers(("ETag" = String, description = "The record's version, quoted"))), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn get_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let stored = store.get(&actor, id).await?;
    Ok((
        [(header::ETAG, etag(stored.version))],
        Json::<StoredRecord>(stored),
    )
        .into_response())
}

/// Replaces a draft (author or chief); finalised records are amended instead.
#[utoipa::path(
    put, path = "/api/records/{id}", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id")),
    request_body(content = serde_json::Value, description = "The whole corrected record document"),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Not a draft"), (status = 422, body = ErrorBody), (status = 412, body = ErrorBody, description = "Changed since the If-Match version"), (status = 428, body = ErrorBody, description = "No If-Match"))
)]
async fn update_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let result = async {
        let version = if_match(&headers)?;
        let record = record_from(body)?;
        Ok(store
            .update_draft(&actor, id, &record, Some(version))
            .await?)
    }
    .await;
    logged(&store, &actor, ("update", Some(id)), result).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Finalises a draft (author or chief): from now on it counts in the case log and changes only
/// by audited amendment.
#[utoipa::path(
    post, path = "/api/records/{id}/finalise", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody, description = "Record incomplete"), (status = 412, body = ErrorBody, description = "Changed since the If-Match version"), (status = 428, body = ErrorBody, description = "No If-Match"))
)]
async fn finalise_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let result = async {
        let version = if_match(&headers)?;
        Ok(store.finalise(&actor, id, Some(version)).await?)
    }
    .await;
    logged(&store, &actor, ("finalise", Some(id)), result).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirms the caller's entry on a finalised record: only then does it count in their case
/// log (the author's entries count without it).
#[utoipa::path(
    post, path = "/api/records/{id}/confirm", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Not on the team"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Draft, or already counted"))
)]
async fn confirm_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let result = store.confirm(&actor, id).await.map_err(ApiError::from);
    logged(&store, &actor, ("confirm", Some(id)), result).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A finalised record as a FHIR R4 Bundle (collection); drafts are refused with 409.
#[utoipa::path(
    get, path = "/api/records/{id}/fhir", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "FHIR R4 Bundle (JSON)"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Draft"))
)]
async fn record_fhir(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let bundle = perfuse_record::fhir::bundle(&store.get(&actor, id).await?)?;
    Ok((
        [(header::CONTENT_TYPE, "application/fhir+json")],
        Json(bundle),
    )
        .into_response())
}

/// An amendment: the whole corrected record and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Amendment {
    /// The corrected record document.
    record: serde_json::Value,
    /// Why it is amended (kept in the audit log).
    reason: String,
}

/// Amends a finalised record with a reason (author or chief); the before and after states go
/// to the append-only audit log.
#[utoipa::path(
    post, path = "/api/records/{id}/amend", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id")), request_body = Amendment,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Not finalised"), (status = 422, body = ErrorBody), (status = 412, body = ErrorBody, description = "Changed since the If-Match version"), (status = 428, body = ErrorBody, description = "No If-Match"))
)]
async fn amend_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let result = async {
        let version = if_match(&headers)?;
        let amendment: Amendment = crate::api::parse_body(body)?;
        let record = Record::from_json_str(&amendment.record.to_string())?;
        Ok(store
            .amend(&actor, id, &record, &amendment.reason, Some(version))
            .await?)
    }
    .await;
    logged(&store, &actor, ("amend", Some(id)), result).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every change to a record: who, when, what, why, before and after.
#[utoipa::path(
    get, path = "/api/records/{id}/audit", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, body = Vec<serde_json::Value>, description = "Audit entries, oldest first"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn audit_trail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    Ok(Json(store.audit_trail(&actor, id).await?))
}

fn csv_response(text: String, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        text,
    )
        .into_response()
}

/// Export: whole records as JSON (re-importable with `perfuse record import`), or the
/// registry-style CSV extract with `format=csv`.
#[utoipa::path(
    get, path = "/api/records/export", tag = "records", params(Filter), security(("bearer" = [])),
    responses((status = 200, description = "JSON array of stored records, or text/csv"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
async fn export_records(
    State(state): State<AppState>,
    headers: HeaderMap,
    filter: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let filter = query(filter)?;
    let list_filter = filter.to_list_filter()?;
    match filter.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(store.export(&actor, &list_filter).await?).into_response()),
        "csv" => {
            let rows = store.list(&actor, &list_filter).await?;
            Ok(csv_response(csv::records_csv(&rows), "records.csv"))
        }
        other => Err(ApiError::bad_request(
            "format",
            format!("{other:?}: expected json or csv"),
        )),
    }
}

/// Which part of the case log.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CaseLogQuery {
    /// Calendar year (required for the summary).
    year: Option<i32>,
    /// Only this perfusionist.
    perfusionist: Option<String>,
    /// `summary` (default, JSON counts per category and role), `json` (every case) or `csv`.
    format: Option<String>,
}

/// A summary of the case log for recertification.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum CaseLogBody {
    /// Counts per perfusionist, category, role and kind, with CE units.
    #[schema(value_type = Object)]
    Summary(CaseLogSummary),
    /// Every case.
    #[schema(value_type = Vec<Object>)]
    Entries(Vec<CaseLogEntry>),
}

/// The recertification case log: finalised records only, once per team member and role.
#[utoipa::path(
    get, path = "/api/caselog", tag = "records", params(CaseLogQuery), security(("bearer" = [])),
    responses((status = 200, body = CaseLogBody, description = "Summary (JSON), cases (JSON) or CSV"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
async fn case_log(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CaseLogQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let q = query(q)?;
    let perfusionist = q.perfusionist.as_deref();
    match q.format.as_deref().unwrap_or("summary") {
        "summary" => {
            let year = q
                .year
                .ok_or_else(|| ApiError::bad_request("year", "required for the summary"))?;
            let summary = store.case_log_summary(&actor, year, perfusionist).await?;
            Ok(Json(CaseLogBody::Summary(summary)).into_response())
        }
        "json" => {
            let entries = store.case_log(&actor, perfusionist, q.year).await?;
            Ok(Json(CaseLogBody::Entries(entries)).into_response())
        }
        "csv" => {
            let entries = store.case_log(&actor, perfusionist, q.year).await?;
            Ok(csv_response(csv::case_log_csv(&entries), "caselog.csv"))
        }
        other => Err(ApiError::bad_request(
            "format",
            format!("{other:?}: expected summary, json or csv"),
        )),
    }
}

/// Which continuing-education entries.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CeQuery {
    /// Calendar year.
    year: Option<i32>,
    /// Only this perfusionist.
    perfusionist: Option<String>,
}

/// Continuing-education entries, oldest first.
#[utoipa::path(
    get, path = "/api/ce", tag = "records", params(CeQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<serde_json::Value>, description = "Entries: perfusionist, title, provider, units, date"), (status = 401, body = ErrorBody))
)]
async fn list_ce(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<CeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<CeEntry>>, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let q = query(q)?;
    Ok(Json(
        store
            .list_ce(&actor, q.perfusionist.as_deref(), q.year)
            .await?,
    ))
}

/// Adds a continuing-education entry (to your own log; a chief may add to anyone's).
#[utoipa::path(
    post, path = "/api/ce", tag = "records", security(("bearer" = [])),
    request_body(content = serde_json::Value, description = "perfusionist, title, provider, units (0–100), date (YYYY-MM-DD)"),
    responses((status = 201, body = CreatedRecord), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn add_ce(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let result = async {
        let entry: CeEntry = crate::api::parse_body(body)?;
        Ok(store.add_ce(&actor, &entry).await?)
    }
    .await;
    let id = logged(&store, &actor, ("add_ce", None), result).await?;
    Ok((StatusCode::CREATED, Json(CreatedRecord { id })).into_response())
}

/// The paper of a report.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    /// `a4` (default) or `letter`.
    paper: Option<String>,
}

impl ReportQuery {
    fn paper(&self) -> Result<Paper, ApiError> {
        match &self.paper {
            None => Ok(Paper::A4),
            Some(name) => Paper::from_name(name).ok_or_else(|| {
                ApiError::bad_request(
                    "paper",
                    format!("{name:?}: must be one of {:?}", Paper::NAMES),
                )
            }),
        }
    }
}

/// A report as a PDF download or as an HTML page. The page gets its own Content-Security-Policy:
/// nothing but its one stylesheet (allowed by hash) and inline images; no script, no
/// connection, never framed.
fn report_response(
    record: &Record,
    provenance: &Provenance,
    paper: Paper,
    file_stem: &str,
    as_pdf: bool,
) -> Result<Response, ApiError> {
    let failed = |error: perfuse_report::ReportError| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "report",
            error.to_string(),
        )
    };
    if as_pdf {
        let bytes = perfuse_report::pdf(record, provenance, paper).map_err(failed)?;
        let disposition = format!("attachment; filename=\"{file_stem}.pdf\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response());
    }
    let text = perfuse_report::html(record, provenance, paper).map_err(failed)?;
    let csp = format!(
        "default-src 'none'; style-src '{}'; img-src data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'",
        perfuse_report::style_csp_hash(paper)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        text,
    )
        .into_response())
}

/// The report of a stored record with its finalisation and amendments.
async fn stored_report(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    q: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
    as_pdf: bool,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(state, headers).await?;
    let paper = query(q)?.paper()?;
    let stored = store.get(&actor, id).await?;
    let trail = store.audit_trail(&actor, id).await?;
    let provenance = Provenance::of(&stored, &trail);
    report_response(
        &stored.record,
        &provenance,
        paper,
        &format!("perfuse-record-{id}"),
        as_pdf,
    )
}

/// The record as a printable, signable PDF (fonts embedded; docs/records.md, "Report").
#[utoipa::path(
    get, path = "/api/records/{id}/report.pdf", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id"), ReportQuery),
    responses((status = 200, content_type = "application/pdf", description = "The report (attachment)"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn record_report_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    q: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    stored_report(&state, &headers, id, q, true).await
}

/// The record's report as one self-contained HTML page (inline SVG chart, print stylesheet).
#[utoipa::path(
    get, path = "/api/records/{id}/report.html", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Record id"), ReportQuery),
    responses((status = 200, content_type = "text/html", description = "The report"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn record_report_html(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    q: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    stored_report(&state, &headers, id, q, false).await
}

/// Who ran a session, for the report of its debrief, and on which paper.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SessionReportQuery {
    /// The student who ran the pump (the record's team needs a name).
    trainee: String,
    /// The supervising educator.
    supervisor: Option<String>,
    /// `a4` (default) or `letter`.
    paper: Option<String>,
}

/// A live or ended session's debrief as the report of the training record it would be saved
/// as (not stored: no id, no finalisation), with the session's own token.
fn session_report(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    q: Result<Query<SessionReportQuery>, axum::extract::rejection::QueryRejection>,
    as_pdf: bool,
) -> Result<Response, ApiError> {
    let (session, _) =
        crate::auth::session_role(&state.registry, code, crate::auth::bearer(headers))?;
    let Query(q) = q.map_err(|rejection| ApiError::bad_request("query", rejection.body_text()))?;
    let paper = ReportQuery { paper: q.paper }.paper()?;
    let trainee = Trainee {
        name: q.trainee,
        supervisor: q.supervisor,
        date: Date::today_utc(),
    };
    let record = training_record(&session.scenario, &session.csv(), trainee)?;
    report_response(
        &record,
        &Provenance::default(),
        paper,
        &format!("perfuse-session-{}", session.code),
        as_pdf,
    )
}

/// A session's debrief as a PDF report (session token).
#[utoipa::path(
    get, path = "/api/sessions/{code}/report.pdf", tag = "sessions", security(("bearer" = [])),
    params(("code" = String, Path, description = "Join code"), SessionReportQuery),
    responses((status = 200, content_type = "application/pdf", description = "The report (attachment)"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn session_report_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    q: Result<Query<SessionReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    session_report(&state, &headers, &code, q, true)
}

/// A session's debrief as an HTML report (session token).
#[utoipa::path(
    get, path = "/api/sessions/{code}/report.html", tag = "sessions", security(("bearer" = [])),
    params(("code" = String, Path, description = "Join code"), SessionReportQuery),
    responses((status = 200, content_type = "text/html", description = "The report"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn session_report_html(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    q: Result<Query<SessionReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    session_report(&state, &headers, &code, q, false)
}

/// Who ran a live session, to save it as a training record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SaveSession {
    /// The student who ran the pump.
    trainee: String,
    /// The supervising educator.
    supervisor: Option<String>,
    /// Finalise the record at once (default false: a draft to review).
    finalise: Option<bool>,
}

/// Saves a live session, as recorded so far, as a training record (kind `training`, dated today)
/// authored by the caller: the trainee's and supervisor's case log counts it once finalised.
#[utoipa::path(
    post, path = "/api/sessions/{code}/training-record", tag = "records", security(("bearer" = [])),
    params(("code" = String, Path, description = "Join code")), request_body = SaveSession,
    responses((status = 201, body = CreatedRecord), (status = 401, body = ErrorBody, description = "No records API token"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn save_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let result = async {
        let request: SaveSession = crate::api::parse_body(body)?;
        let session = state.registry.get(&code)?;
        let trainee = Trainee {
            name: request.trainee,
            supervisor: request.supervisor,
            date: Date::today_utc(),
        };
        let mut record = training_record(&session.scenario, &session.csv(), trainee)?;
        record.pints = session.pints();
        record.notes = session.record_notes();
        let finalise = request.finalise.unwrap_or(false);
        Ok(store.add(&actor, &record, finalise).await?)
    }
    .await;
    let id = logged(&store, &actor, ("create", None), result).await?;
    Ok((StatusCode::CREATED, Json(CreatedRecord { id })).into_response())
}

/// Which refusals.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RefusalQuery {
    /// Only those about this record.
    record_id: Option<i64>,
}

/// Refused writes, oldest first: who tried what on which record, the status and why.
#[utoipa::path(
    get, path = "/api/refusals", tag = "records", params(RefusalQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<serde_json::Value>, description = "Refusals: id, at, actor, actor_role, action, record_id, http_status, field, reason"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
async fn list_refusals(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<RefusalQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Refusal>>, ApiError> {
    let (store, actor) = caller(&state, &headers).await?;
    let q = query(q)?;
    Ok(Json(store.refusals(&actor, q.record_id).await?))
}
