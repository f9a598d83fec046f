//! Live console sessions kept across server restarts: one row per session code holding the
//! snapshot perfuse-server writes (opaque JSON here). Not part of any record: no actor, no
//! audit; the server removes the row when it removes the session.

use sqlx::Row;

use super::{Store, now_rfc3339};
use crate::error::Result;

impl Store {
    /// Writes (or replaces) the snapshot of live session `code`.
    pub async fn save_live_session(&self, code: &str, snapshot: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO live_sessions (code, snapshot, saved_at) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO UPDATE SET snapshot = excluded.snapshot, saved_at = excluded.saved_at",
        )
        .bind(code.to_owned())
        .bind(snapshot.to_owned())
        .bind(now_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every saved live session: `(code, snapshot)`, by code.
    pub async fn live_sessions(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT code, snapshot FROM live_sessions ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("code")?, row.try_get("snapshot")?)))
            .collect()
    }

    /// Forgets live session `code` (ended and reaped).
    pub async fn delete_live_session(&self, code: &str) -> Result<()> {
        sqlx::query("DELETE FROM live_sessions WHERE code = $1")
            .bind(code.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
