//! API users: who may call the records HTTP API, with which role. A chief issues a bearer
//! token per person; only its SHA-256 is stored, so a copy of the database leaks no
//! credentials. The HTTP layer turns a token back into an [`Actor`] with
//! [`Store::authenticate`].

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, now_rfc3339};
use crate::access::{Actor, Role};
use crate::error::{Error, Result};
use crate::validate::check_text;

/// Random bytes in a token (256 bits, hex-encoded).
const TOKEN_BYTES: usize = 32;

fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Issues (or replaces) the API token of `name` with `role`; chiefs only. Returns the
    /// token, which is not stored and cannot be shown again.
    pub async fn issue_token(&self, actor: &Actor, name: &str, role: Role) -> Result<String> {
        actor.require_chief("issue API tokens")?;
        check_text("name", name)?;
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Conflict(format!("no randomness for a token: {e}")))?;
        let token = hex::encode(bytes);
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM api_users WHERE name = $1")
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO api_users (name, role, token_sha256, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(name.to_owned())
        .bind(role.name())
        .bind(token_sha256(&token))
        .bind(actor.name.clone())
        .bind(now_rfc3339())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The actor a bearer token stands for.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        let token = token.trim();
        if token.len() != 2 * TOKEN_BYTES || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Unauthenticated("malformed API token".into()));
        }
        let row = sqlx::query("SELECT name, role FROM api_users WHERE token_sha256 = $1")
            .bind(token_sha256(&token.to_ascii_lowercase()))
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::Unauthenticated("unknown API token".into()))?;
        let role: String = row.try_get(1)?;
        let role = Role::from_name(&role)
            .ok_or_else(|| Error::Unauthenticated(format!("stored role {role:?} is unknown")))?;
        Actor::new(row.try_get::<String, _>(0)?, role)
    }

    /// Everyone who holds an API token, by name (any role may see who has access).
    pub async fn api_users(&self, _actor: &Actor) -> Result<Vec<(String, Role)>> {
        let rows = sqlx::query("SELECT name, role FROM api_users ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get(1)?;
                let role = Role::from_name(&role).ok_or_else(|| {
                    Error::Conflict(format!("api_users.role {role:?} is unknown"))
                })?;
                Ok((row.try_get(0)?, role))
            })
            .collect()
    }
}
