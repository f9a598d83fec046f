//! The refusal log: every write a front end refused (role, state, version, invalid input) —
//! who tried what, on which record, and why. Separate from the audit log, whose entries are
//! the states of a record (a refusal changes none, and a refused create names no record);
//! append-only like it (database triggers).

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Store, corrupt, now_rfc3339};
use crate::access::Actor;
use crate::error::Result;

/// One refused write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// Sequence number (increasing).
    pub id: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who tried.
    pub actor: String,
    /// Their role at the time.
    pub actor_role: String,
    /// What they tried: `create`, `update`, `finalise`, `amend`, `confirm`, `add_ce`.
    pub action: String,
    /// The record it was about, if any.
    pub record_id: Option<i64>,
    /// The status it was refused with (403 role, 409 state, 412 version, 422 invalid, …).
    pub http_status: u16,
    /// The field the refusal names (`version`, `case.patient.weight_kg`, …).
    pub field: String,
    /// Why, as told to the caller.
    pub reason: String,
}

impl Store {
    /// Appends a refused write to the refusal log: `actor` tried `action` (on `record_id`) and
    /// was refused with `http_status`, naming `field`, because `reason`. Needs no role:
    /// refusals of read-only users are logged too.
    pub async fn log_refusal(
        &self,
        actor: &Actor,
        action: &str,
        record_id: Option<i64>,
        http_status: u16,
        field: &str,
        reason: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO refusals (at, actor, actor_role, action, record_id, http_status, field, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(now_rfc3339())
        .bind(actor.name.clone())
        .bind(actor.role.name())
        .bind(action.to_owned())
        .bind(record_id)
        .bind(i64::from(http_status))
        .bind(field.to_owned())
        .bind(reason.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Logged refusals, oldest first; only those about `record_id` when given.
    pub async fn refusals(&self, _actor: &Actor, record_id: Option<i64>) -> Result<Vec<Refusal>> {
        let sql = "SELECT id, at, actor, actor_role, action, record_id, http_status, field, reason \
                   FROM refusals";
        let rows = match record_id {
            Some(id) => {
                sqlx::query(&format!("{sql} WHERE record_id = $1 ORDER BY id"))
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("{sql} ORDER BY id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|row| {
                Ok(Refusal {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    actor_role: row.try_get("actor_role")?,
                    action: row.try_get("action")?,
                    record_id: row.try_get("record_id")?,
                    http_status: u16::try_from(row.try_get::<i64, _>("http_status")?)
                        .map_err(|error| corrupt("refusals.http_status", error))?,
                    field: row.try_get("field")?,
                    reason: row.try_get("reason")?,
                })
            })
            .collect()
    }
}
