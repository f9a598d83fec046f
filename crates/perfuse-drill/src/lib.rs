//! Board-exam calculation drills generated from the `perfuse-clinical` catalog.
//!
//! # Brief overview
//! An [`ItemType`] draws a clinically plausible patient or circuit from a seeded stream,
//! phrases it as a vignette and answers it with a chain of catalog calculations (BSA → flow →
//! DO2i, EBV → Hct on bypass, heparin → protamine…), each step recorded with its formula,
//! numbers and source. [`generate`] makes a set of [`Item`]s; [`grade`] judges a typed answer.
//! Nothing here does I/O or reads a clock: the same seed and filter give the same items on any
//! machine.
//!
//! # Example
//! ```
//! use perfuse_drill::{Filter, Outcome, generate, grade};
//! let items = generate(7, 3, &Filter::default()).unwrap();
//! assert_eq!(items, generate(7, 3, &Filter::default()).unwrap());
//! let item = &items[0];
//! let answer = format!("{} {}", item.answer_text(), item.unit);
//! assert_eq!(grade(item, &answer).outcome, Outcome::Correct);
//! assert_eq!(grade(item, "about right").outcome, Outcome::NotANumber);
//! ```

pub mod docs;
mod grade;
mod item;
mod kinds;
mod section;

use std::fmt;

use perfuse_clinical::catalog::InputError;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

pub use grade::{Graded, Outcome, grade};
pub use item::{Item, Quantity, Step, Tolerance, decimals};
pub use kinds::ItemType;
pub use section::Section;

use kinds::{Draw, ITEM_TYPES};

/// Every item type, grouped by section in knowledge-base order.
pub fn item_types() -> &'static [ItemType] {
    ITEM_TYPES
}

/// Every accepted `topic`: item-type names, then the catalog calculations they use, sorted,
/// without repeats.
pub fn topics() -> Vec<&'static str> {
    let mut calculations: Vec<&'static str> = ITEM_TYPES
        .iter()
        .flat_map(|t| t.calculations.iter().copied())
        .filter(|c| !ITEM_TYPES.iter().any(|t| t.name == *c))
        .collect();
    calculations.sort_unstable();
    calculations.dedup();
    let mut names: Vec<&'static str> = ITEM_TYPES.iter().map(|t| t.name).collect();
    names.sort_unstable();
    names.extend(calculations);
    names
}

/// Which item types to draw from.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this section.
    pub section: Option<Section>,
    /// Only this item type, or item types that use this catalog calculation.
    pub topic: Option<String>,
}

impl Filter {
    fn admits(&self, item_type: &ItemType) -> bool {
        self.section.is_none_or(|s| s == item_type.section)
            && self.topic.as_deref().is_none_or(|topic| {
                item_type.name == topic || item_type.calculations.contains(&topic)
            })
    }
}

/// Why no items could be made.
#[derive(Clone, Debug, PartialEq)]
pub enum DrillError {
    /// A topic that is neither an item type nor a calculation any item type uses.
    UnknownTopic {
        /// The topic given.
        topic: String,
    },
    /// Section and topic valid alone, but no item type has both.
    NoItemTypes {
        /// The section asked for.
        section: Section,
        /// The topic asked for.
        topic: String,
    },
    /// A section no item type drills (no catalog calculation belongs to it).
    EmptySection {
        /// The section asked for.
        section: Section,
    },
    /// A generated input the catalog refused: a bug in an item type, reported, not panicked.
    Catalog(InputError),
}

impl fmt::Display for DrillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrillError::UnknownTopic { topic } => write!(
                f,
                "--topic {topic}: expected one of {}",
                topics().join(", ")
            ),
            DrillError::NoItemTypes { section, topic } => write!(
                f,
                "--topic {topic}: no item type in section {section}; its topics are {}",
                topics_of(*section).join(", ")
            ),
            DrillError::EmptySection { section } => write!(
                f,
                "--section {section}: no calculation item types in this section; sections with items are {}",
                Section::ALL
                    .into_iter()
                    .filter(|s| !topics_of(*s).is_empty())
                    .map(Section::name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            DrillError::Catalog(error) => {
                write!(f, "generated an input the catalog refuses: {error}")
            }
        }
    }
}

impl std::error::Error for DrillError {}

/// The item-type names of one section.
fn topics_of(section: Section) -> Vec<&'static str> {
    ITEM_TYPES
        .iter()
        .filter(|t| t.section == section)
        .map(|t| t.name)
        .collect()
}

/// `count` items from `seed`, each of an item type the filter admits (drawn uniformly).
pub fn generate(seed: u64, count: usize, filter: &Filter) -> Result<Vec<Item>, DrillError> {
    if let Some(topic) = &filter.topic
        && !topics().contains(&topic.as_str())
    {
        return Err(DrillError::UnknownTopic {
            topic: topic.clone(),
        });
    }
    let types: Vec<&ItemType> = ITEM_TYPES.iter().filter(|t| filter.admits(t)).collect();
    if types.is_empty() {
        return Err(match (filter.section, &filter.topic) {
            (Some(section), Some(topic)) => DrillError::NoItemTypes {
                section,
                topic: topic.clone(),
            },
            (Some(section), None) => DrillError::EmptySection { section },
            // No section filter: a known topic always admits its item types.
            (None, topic) => DrillError::UnknownTopic {
                topic: topic.clone().unwrap_or_default(),
            },
        });
    }
    let mut draw = Draw::new(ChaCha8Rng::seed_from_u64(seed));
    (1..=count)
        .map(|n| {
            let item_type = types[draw.below(types.len())];
            let mut item = item_type.build(&mut draw).map_err(DrillError::Catalog)?;
            item.id = format!("{seed}-{n}");
            Ok(item)
        })
        .collect()
}
