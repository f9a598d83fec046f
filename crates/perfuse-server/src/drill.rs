//! The browser Drill page's API: board-exam calculation items from `perfuse-drill` without
//! their answers, and server-side grading of one answer with the worked solution. The item is
//! regenerated from its id (`seed-n`) and the section filter it was drawn with, so the server
//! keeps no state between the two calls. With a records API token (`Authorization: Bearer`,
//! issued by `perfuse record user add`), each counted answer is stored under the token's name:
//! writing to the database needs an identity, or anyone could fill it.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use perfuse_drill::{Filter, Item, Outcome, Section};
use perfuse_record::store::drill::DrillResult;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::parse_body;
use crate::error::{ApiError, ErrorBody};

/// Most items in one request: a long practice set, far below the CLI's 1000.
const MAX_ITEMS: usize = 100;

/// The drill routes, annotated for the OpenAPI document.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_items))
        .routes(routes!(post_answer))
        .routes(routes!(get_progress))
}

/// Which items: the seed, how many, from which section.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ItemsQuery {
    /// Seed of the set; the same seed and section give the same items (as `perfuse drill --seed`).
    seed: u64,
    /// Number of items, 1–100 (default 10).
    count: Option<usize>,
    /// Only this ABCP section (e.g. `pharmacology`).
    section: Option<String>,
}

/// One item as the page shows it: no answer, no solution.
#[derive(Serialize, ToSchema)]
struct DrillItem {
    /// `seed-n`; send it back with the answer.
    id: String,
    /// The item type, e.g. `heparin-protamine`.
    kind: &'static str,
    /// ABCP section name.
    section: &'static str,
    /// ABCP section title.
    section_title: &'static str,
    /// The question.
    vignette: String,
}

/// A set of items.
#[derive(Serialize, ToSchema)]
struct DrillSet {
    /// The seed asked for.
    seed: u64,
    /// The section filter, if any.
    section: Option<&'static str>,
    /// The items, in order.
    items: Vec<DrillItem>,
}

fn section_filter(section: Option<&str>) -> Result<Filter, ApiError> {
    let section = match section.filter(|name| !name.is_empty()) {
        Some(name) => Some(Section::from_name(name).ok_or_else(|| {
            ApiError::bad_request(
                "section",
                format!("{name:?}: expected one of {}", Section::accepted_names()),
            )
        })?),
        None => None,
    };
    Ok(Filter {
        section,
        topic: None,
    })
}

fn generate(seed: u64, count: usize, filter: &Filter) -> Result<Vec<Item>, ApiError> {
    perfuse_drill::generate(seed, count, filter).map_err(|error| match error {
        perfuse_drill::DrillError::Catalog(_) => ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "items",
            error.to_string(),
        ),
        _ => ApiError::bad_request("section", error.to_string()),
    })
}

/// Drill items (without answers) for a seed and an optional section.
#[utoipa::path(
    get, path = "/api/drill/items", tag = "drill",
    params(ItemsQuery),
    responses((status = 200, body = DrillSet), (status = 400, body = ErrorBody))
)]
async fn get_items(
    query: Result<Query<ItemsQuery>, QueryRejection>,
) -> Result<Json<DrillSet>, ApiError> {
    let Query(query) =
        query.map_err(|rejection| ApiError::bad_request("query", rejection.body_text()))?;
    let count = query.count.unwrap_or(10);
    if !(1..=MAX_ITEMS).contains(&count) {
        return Err(ApiError::bad_request(
            "count",
            format!("{count}: must be between 1 and {MAX_ITEMS}"),
        ));
    }
    let filter = section_filter(query.section.as_deref())?;
    let items = generate(query.seed, count, &filter)?;
    Ok(Json(DrillSet {
        seed: query.seed,
        section: filter.section.map(Section::name),
        items: items
            .into_iter()
            .map(|item| DrillItem {
                id: item.id,
                kind: item.kind,
                section: item.section.name(),
                section_title: item.section.title(),
                vignette: item.vignette,
            })
            .collect(),
    }))
}

/// One typed answer to grade.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AnswerRequest {
    /// The item's id, `seed-n`, as `GET /api/drill/items` gave it.
    item_id: String,
    /// The section filter the item was drawn with (none: all sections).
    section: Option<String>,
    /// The answer as typed, with its unit, e.g. `4.8 L/min`.
    answer: String,
    /// Seconds from showing the item to the answer, stored with it (0–14400).
    seconds_taken: Option<f64>,
}

/// The verdict and, for a counted answer, the worked solution.
#[derive(Serialize, ToSchema)]
struct AnswerVerdict {
    /// `correct`, `wrong`, `wrong-unit`, `missing-unit` or `not-a-number` (ask again; nothing
    /// is shown or stored).
    outcome: &'static str,
    /// With a wrong or missing unit: whether the number itself is right in the answer's unit.
    number_matches: bool,
    /// The answer with its unit (absent for `not-a-number`).
    expected: Option<String>,
    /// The tolerance accepted, e.g. `±2 % of the answer` (absent for `not-a-number`).
    tolerance: Option<String>,
    /// The worked solution, one line per step, then the answer (empty for `not-a-number`).
    solution: Vec<String>,
    /// Whether the answer was stored (under the name of the request's API token).
    stored: bool,
}

/// Parses `seed-n` into (seed, n).
fn parse_item_id(id: &str) -> Result<(u64, usize), ApiError> {
    id.split_once('-')
        .and_then(|(seed, n)| Some((seed.parse().ok()?, n.parse().ok()?)))
        .filter(|&(_, n)| (1..=MAX_ITEMS).contains(&n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "item_id",
                format!("{id:?}: expected seed-n with n between 1 and {MAX_ITEMS}"),
            )
        })
}

/// Grades one answer server-side; with a records API token, stores it under the token's name.
#[utoipa::path(
    post, path = "/api/drill/answers", tag = "drill",
    request_body = AnswerRequest,
    responses((status = 200, body = AnswerVerdict), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody))
)]
async fn post_answer(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<AnswerVerdict>, ApiError> {
    let request: AnswerRequest = parse_body(body)?;
    let (seed, n) = parse_item_id(&request.item_id)?;
    let filter = section_filter(request.section.as_deref())?;
    let item = generate(seed, n, &filter)?
        .pop()
        .ok_or_else(|| ApiError::bad_request("item_id", "no such item"))?;
    let graded = perfuse_drill::grade(&item, &request.answer);
    if graded.outcome == Outcome::NotANumber {
        return Ok(Json(AnswerVerdict {
            outcome: graded.outcome.name(),
            number_matches: false,
            expected: None,
            tolerance: None,
            solution: Vec::new(),
            stored: false,
        }));
    }
    let stored = match crate::auth::bearer(&headers) {
        None => false,
        Some(_) => {
            let (store, actor) = crate::records::caller(&state, &headers).await?;
            store
                .record_drill_result(&DrillResult {
                    learner: actor.name,
                    item_id: item.id.clone(),
                    item_type: item.kind.to_owned(),
                    section: item.section.name().to_owned(),
                    outcome: graded.outcome.name().to_owned(),
                    seconds_taken: request.seconds_taken.unwrap_or(0.0),
                    answered_at: perfuse_record::time::now_rfc3339(),
                })
                .await?;
            true
        }
    };
    Ok(Json(AnswerVerdict {
        outcome: graded.outcome.name(),
        number_matches: graded.number_matches,
        expected: Some(format!("{} {}", item.answer_text(), item.unit)),
        tolerance: Some(item.tolerance.describe(item.unit)),
        solution: item.solution(),
        stored,
    }))
}

/// A learner's progress, and an educator's view of every learner.
#[derive(Serialize, ToSchema)]
struct Progress {
    /// The name of the token's holder.
    learner: String,
    /// Accuracy and time per section, weakest first.
    #[schema(value_type = Vec<Object>)]
    sections: Vec<perfuse_record::store::drill::SectionProgress>,
    /// Accuracy and time per day, oldest first.
    #[schema(value_type = Vec<Object>)]
    days: Vec<perfuse_record::store::drill::DayProgress>,
    /// Every learner, weakest first: for a chief (an educator) only, else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    learners: Option<Vec<perfuse_record::store::drill::LearnerProgress>>,
}

/// The caller's drill progress (records API token), and every learner's for a chief.
#[utoipa::path(
    get, path = "/api/drill/progress", tag = "drill",
    security(("bearer" = [])),
    responses((status = 200, body = Progress), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody))
)]
async fn get_progress(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Progress>, ApiError> {
    let (store, actor) = crate::records::caller(&state, &headers).await?;
    let learners = if actor.role == perfuse_record::Role::Chief {
        Some(store.drill_progress_by_learner().await?)
    } else {
        None
    };
    Ok(Json(Progress {
        sections: store.drill_progress_by_section(&actor.name).await?,
        days: store.drill_progress_by_day(&actor.name).await?,
        learner: actor.name,
        learners,
    }))
}
