//! API users: who may call the records HTTP API, with which role. A chief issues a bearer
//! token per person; only its SHA-256 is stored, so a copy of the database leaks no
//! credentials. Tokens expire (90 days unless issued otherwise; `never` only when asked for)
//! and are rotated by issuing a new one, which ends the old. The HTTP layer turns a token back
//! into an [`Actor`] with [`Store::authenticate`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, now_rfc3339};
use crate::access::{Actor, Role};
use crate::error::{Error, Result};
use crate::time::rfc3339_in_days;
use crate::validate::check_text;

/// Random bytes in a token (256 bits, hex-encoded).
const TOKEN_BYTES: usize = 32;

fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How long a new token works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenLifetime {
    /// This many whole days from issue (1 to [`TokenLifetime::MAX_DAYS`]).
    Days(u32),
    /// Until replaced; only when asked for explicitly.
    Never,
}

impl TokenLifetime {
    /// The lifetime of a token when none is given: 90 days.
    pub const DEFAULT: TokenLifetime = TokenLifetime::Days(90);
    /// The longest finite lifetime: ten years.
    pub const MAX_DAYS: u32 = 3650;

    /// When a token issued now stops working (RFC 3339 UTC); `None` for [`TokenLifetime::Never`].
    fn expires_at(self) -> Result<Option<String>> {
        match self {
            TokenLifetime::Never => Ok(None),
            TokenLifetime::Days(days) => rfc3339_in_days(days)
                .map(Some)
                .ok_or_else(|| Error::invalid("expires", format!("{days}d: too far ahead"))),
        }
    }
}

impl std::str::FromStr for TokenLifetime {
    type Err = Error;

    /// `Nd` (whole days, 1 to 3650, digits only) or `never`.
    fn from_str(text: &str) -> Result<TokenLifetime> {
        if text == "never" {
            return Ok(TokenLifetime::Never);
        }
        let refuse = || {
            Error::invalid(
                "expires",
                format!(
                    "{text:?}: expected whole days such as 90d (1d to {}d), or never",
                    TokenLifetime::MAX_DAYS
                ),
            )
        };
        let digits = text.strip_suffix('d').ok_or_else(refuse)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse());
        }
        match digits.parse::<u32>() {
            Ok(days) if (1..=TokenLifetime::MAX_DAYS).contains(&days) => {
                Ok(TokenLifetime::Days(days))
            }
            _ => Err(refuse()),
        }
    }
}

/// Someone who holds an API token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUser {
    /// Name, as in record teams.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// When their token stops working (RFC 3339 UTC); `None`: it does not expire.
    pub expires_at: Option<String>,
}

fn new_token() -> Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Conflict(format!("no randomness for a token: {e}")))?;
    Ok(hex::encode(bytes))
}

impl Store {
    /// Issues (or replaces) the API token of `name` with `role`, working for `lifetime`; chiefs
    /// only. Returns the token, which is not stored and cannot be shown again.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        lifetime: TokenLifetime,
    ) -> Result<String> {
        actor.require_chief("issue API tokens")?;
        check_text("name", name)?;
        let expires_at = lifetime.expires_at()?;
        let token = new_token()?;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM api_users WHERE name = $1")
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO api_users (name, role, token_sha256, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(name.to_owned())
        .bind(role.name())
        .bind(token_sha256(&token))
        .bind(actor.name.clone())
        .bind(now_rfc3339())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Rotates the API token of an existing user (same role): a new token working for
    /// `lifetime`; the old one stops working at once. Chiefs only.
    pub async fn rotate_token(
        &self,
        actor: &Actor,
        name: &str,
        lifetime: TokenLifetime,
    ) -> Result<String> {
        actor.require_chief("rotate API tokens")?;
        let expires_at = lifetime.expires_at()?;
        let token = new_token()?;
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE api_users SET token_sha256 = $1, created_by = $2, created_at = $3, \
             expires_at = $4 WHERE name = $5",
        )
        .bind(token_sha256(&token))
        .bind(actor.name.clone())
        .bind(now_rfc3339())
        .bind(expires_at)
        .bind(name.to_owned())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(Error::invalid(
                "name",
                format!("{name:?} holds no API token (issue one with `perfuse record user add`)"),
            ));
        }
        tx.commit().await?;
        Ok(token)
    }

    /// The actor a bearer token stands for; unknown and expired tokens are refused.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        let token = token.trim();
        if token.len() != 2 * TOKEN_BYTES || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Unauthenticated("malformed API token".into()));
        }
        let row =
            sqlx::query("SELECT name, role, expires_at FROM api_users WHERE token_sha256 = $1")
                .bind(token_sha256(&token.to_ascii_lowercase()))
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| Error::Unauthenticated("unknown API token".into()))?;
        // Fixed-width UTC RFC 3339 texts compare as the times they name.
        if let Some(expires_at) = row.try_get::<Option<String>, _>(2)? {
            if expires_at <= now_rfc3339() {
                return Err(Error::Unauthenticated(format!(
                    "token expired on {expires_at}; ask a chief for a new one"
                )));
            }
        }
        let role: String = row.try_get(1)?;
        let role = Role::from_name(&role)
            .ok_or_else(|| Error::Unauthenticated(format!("stored role {role:?} is unknown")))?;
        Actor::new(row.try_get::<String, _>(0)?, role)
    }

    /// Everyone who holds an API token, by name, with when it expires (any role may see who
    /// has access).
    pub async fn api_users(&self, _actor: &Actor) -> Result<Vec<ApiUser>> {
        let rows = sqlx::query("SELECT name, role, expires_at FROM api_users ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get(1)?;
                let role = Role::from_name(&role).ok_or_else(|| {
                    Error::Conflict(format!("api_users.role {role:?} is unknown"))
                })?;
                Ok(ApiUser {
                    name: row.try_get(0)?,
                    role,
                    expires_at: row.try_get(2)?,
                })
            })
            .collect()
    }
}
