//! Board-exam drill results: one row per graded answer, and a learner's progress per ABCP
//! section (weakest first) and per day. Practice answers are not clinical data: they are keyed
//! by the learner's name, need no [`Actor`](crate::Actor) and are not audited.
//!
//! The crate does not depend on `perfuse-drill`: the section, item type and outcome arrive as
//! their stable names (`pharmacology`, `heparin-protamine`, `wrong-unit`).

use serde::Serialize;
use sqlx::Row;

use super::{Store, corrupt};
use crate::error::{Error, Result};
use crate::time::Date;
use crate::validate::{check_range, check_text};

/// Outcomes a result may have (`perfuse_drill::Outcome`, less "not a number", which is asked
/// again and never counted).
pub const OUTCOMES: [&str; 4] = ["correct", "wrong", "wrong-unit", "missing-unit"];

/// Longest time counted for one answer, in seconds: a whole four-hour ABCP exam.
const MAX_SECONDS: f64 = 4.0 * 3600.0;

/// One graded drill answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrillResult {
    /// Who answered (free text, as given with `--learner`).
    pub learner: String,
    /// The item's id, `seed-n`.
    pub item_id: String,
    /// The item type, e.g. `heparin-protamine`.
    pub item_type: String,
    /// The ABCP section name, e.g. `pharmacology`.
    pub section: String,
    /// One of [`OUTCOMES`].
    pub outcome: String,
    /// Seconds from showing the item to the graded answer.
    pub seconds_taken: f64,
    /// When it was answered, RFC 3339 UTC (e.g. `2026-12-02T03:10:00.000Z`).
    pub answered_at: String,
}

/// Progress in one section.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SectionProgress {
    /// The ABCP section name.
    pub section: String,
    /// Answers counted.
    pub answered: i64,
    /// Of which correct.
    pub correct: i64,
    /// `correct / answered`, 0–1.
    pub accuracy: f64,
    /// Mean seconds per answer.
    pub mean_seconds: f64,
}

/// One learner's progress, all sections together.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnerProgress {
    /// The learner's name.
    pub learner: String,
    /// Answers counted.
    pub answered: i64,
    /// Of which correct.
    pub correct: i64,
    /// `correct / answered`, 0–1.
    pub accuracy: f64,
    /// Mean seconds per answer.
    pub mean_seconds: f64,
}

/// Progress on one day (UTC), all sections together.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayProgress {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Answers counted.
    pub answered: i64,
    /// Of which correct.
    pub correct: i64,
    /// `correct / answered`, 0–1.
    pub accuracy: f64,
    /// Mean seconds per answer.
    pub mean_seconds: f64,
}

/// (key, answered, correct, mean seconds) rows of `drill_results` for one learner, grouped by
/// `key`, in key order.
const GROUPED: &str = "SELECT {key} AS k, COUNT(*), \
     SUM(CASE WHEN outcome = 'correct' THEN 1 ELSE 0 END), \
     CAST(AVG(seconds_taken) AS DOUBLE PRECISION) \
     FROM drill_results {where} GROUP BY k ORDER BY k";

impl Store {
    /// Stores one graded answer; returns its row id.
    pub async fn record_drill_result(&self, result: &DrillResult) -> Result<i64> {
        check_text("learner", &result.learner)?;
        check_text("item_id", &result.item_id)?;
        check_text("item_type", &result.item_type)?;
        check_text("section", &result.section)?;
        if !OUTCOMES.contains(&result.outcome.as_str()) {
            return Err(Error::invalid(
                "outcome",
                format!(
                    "{:?}: expected one of {}",
                    result.outcome,
                    OUTCOMES.join(", ")
                ),
            ));
        }
        check_range("seconds_taken", result.seconds_taken, 0.0, MAX_SECONDS, "s")?;
        check_answered_at(&result.answered_at)?;
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO drill_results \
             (learner, item_id, item_type, section, outcome, seconds_taken, answered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(result.learner.trim().to_owned())
        .bind(result.item_id.clone())
        .bind(result.item_type.clone())
        .bind(result.section.clone())
        .bind(result.outcome.clone())
        .bind(result.seconds_taken)
        .bind(result.answered_at.clone())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.commit().await?;
        Ok(id)
    }

    /// A learner's progress per section, weakest (lowest accuracy) first, then by name.
    pub async fn drill_progress_by_section(&self, learner: &str) -> Result<Vec<SectionProgress>> {
        let mut rows: Vec<SectionProgress> = self
            .grouped(Some(learner), "section")
            .await?
            .into_iter()
            .map(
                |(section, answered, correct, accuracy, mean_seconds)| SectionProgress {
                    section,
                    answered,
                    correct,
                    accuracy,
                    mean_seconds,
                },
            )
            .collect();
        rows.sort_by(|a, b| {
            a.accuracy
                .total_cmp(&b.accuracy)
                .then_with(|| a.section.cmp(&b.section))
        });
        Ok(rows)
    }

    /// A learner's progress per UTC day, oldest first.
    pub async fn drill_progress_by_day(&self, learner: &str) -> Result<Vec<DayProgress>> {
        Ok(self
            .grouped(Some(learner), "SUBSTR(answered_at, 1, 10)")
            .await?
            .into_iter()
            .map(
                |(day, answered, correct, accuracy, mean_seconds)| DayProgress {
                    day,
                    answered,
                    correct,
                    accuracy,
                    mean_seconds,
                },
            )
            .collect())
    }

    /// Every learner's overall progress, weakest (lowest accuracy) first: an educator's view of
    /// their students. `section` counts the sections practised.
    pub async fn drill_progress_by_learner(&self) -> Result<Vec<LearnerProgress>> {
        let mut rows: Vec<LearnerProgress> = self
            .grouped(None, "learner")
            .await?
            .into_iter()
            .map(
                |(learner, answered, correct, accuracy, mean_seconds)| LearnerProgress {
                    learner,
                    answered,
                    correct,
                    accuracy,
                    mean_seconds,
                },
            )
            .collect();
        rows.sort_by(|a, b| {
            a.accuracy
                .total_cmp(&b.accuracy)
                .then_with(|| a.learner.cmp(&b.learner))
        });
        Ok(rows)
    }

    /// (key, answered, correct, accuracy, mean seconds) per value of the SQL expression `key`,
    /// for one learner or for all.
    async fn grouped(
        &self,
        learner: Option<&str>,
        key: &str,
    ) -> Result<Vec<(String, i64, i64, f64, f64)>> {
        let sql = GROUPED.replace("{key}", key).replace(
            "{where}",
            if learner.is_some() {
                "WHERE learner = $1"
            } else {
                ""
            },
        );
        let mut query = sqlx::query(&sql);
        if let Some(learner) = learner {
            check_text("learner", learner)?;
            query = query.bind(learner.trim().to_owned());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let answered: i64 = row.try_get(1)?;
                let correct: i64 = row.try_get(2)?;
                let mean_seconds: f64 = row.try_get(3)?;
                if answered <= 0 || !(0..=answered).contains(&correct) {
                    return Err(corrupt(
                        "drill_results",
                        format!("{correct} correct of {answered}"),
                    ));
                }
                Ok((
                    row.try_get(0)?,
                    answered,
                    correct,
                    correct as f64 / answered as f64,
                    mean_seconds,
                ))
            })
            .collect()
    }
}

/// `answered_at` must start with a valid date and look like RFC 3339 UTC, so that its first
/// ten characters are the day it is grouped under.
fn check_answered_at(text: &str) -> Result<()> {
    let well_formed = text.len() >= 20
        && text.ends_with('Z')
        && text.as_bytes()[10] == b'T'
        && Date::parse(&text[..10]).is_ok();
    if well_formed {
        Ok(())
    } else {
        Err(Error::invalid(
            "answered_at",
            format!("{text:?}: expected RFC 3339 UTC, e.g. 2026-12-02T03:10:00.000Z"),
        ))
    }
}
