//! Who is acting, and what each role may do. Enforced here, in the library, so every front end
//! (CLI, HTTP) gets the same rules.
//!
//! | action | read-only | perfusionist | chief |
//! |---|---|---|---|
//! | list, show, export, audit trail, case log | yes | yes | yes |
//! | create a draft | no | yes (becomes its author) | yes |
//! | edit a draft, finalise, amend a finalised record | no | only records they authored | any record |
//! | add a continuing-education entry | no | for themselves | for anyone |
//! | list who holds an API token | yes | yes | yes |
//! | issue an API token | no | no | yes |
//!
//! Authentication is not done here: the caller vouches for the [`Actor`] (the CLI trusts the
//! local user's `--as`/`PERFUSE_USER`; a web layer must authenticate before building one).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validate::check_text;

/// What an actor is allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates records and manages their own.
    Perfusionist,
    /// Chief perfusionist: may finalise and amend anyone's records.
    Chief,
    /// May read everything and write nothing (auditors, registry staff).
    ReadOnly,
}

impl Role {
    /// The name used on the command line and in the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Role::Perfusionist => "perfusionist",
            Role::Chief => "chief",
            Role::ReadOnly => "read_only",
        }
    }

    /// Parses a role name (`perfusionist`, `chief`, `read_only` or `read-only`).
    pub fn from_name(name: &str) -> Option<Role> {
        match name {
            "perfusionist" => Some(Role::Perfusionist),
            "chief" => Some(Role::Chief),
            "read_only" | "read-only" | "readonly" => Some(Role::ReadOnly),
            _ => None,
        }
    }
}

/// The person performing an operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Name, spelled as in record teams and the case log.
    pub name: String,
    /// Their role.
    pub role: Role,
}

impl Actor {
    /// Builds an actor, rejecting a blank name.
    pub fn new(name: impl Into<String>, role: Role) -> Result<Actor> {
        let name = name.into();
        check_text("actor.name", &name)?;
        Ok(Actor { name, role })
    }

    pub(crate) fn require_writer(&self) -> Result<()> {
        match self.role {
            Role::ReadOnly => Err(Error::Forbidden(format!(
                "{} has the read-only role",
                self.name
            ))),
            Role::Perfusionist | Role::Chief => Ok(()),
        }
    }

    /// Chiefs only (issuing API tokens); `what` completes "only chiefs …".
    pub(crate) fn require_chief(&self, what: &str) -> Result<()> {
        if self.role == Role::Chief {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{} is not a chief; only chiefs {what}",
                self.name
            )))
        }
    }

    /// A writer acting on their own log, or a chief on anyone's.
    pub(crate) fn require_own_log_or_chief(&self, person: &str, what: &str) -> Result<()> {
        self.require_self_or_chief(person, || {
            format!(
                "{} may {what} only to their own log (not {person})",
                self.name
            )
        })
    }

    /// Author or chief: who may edit, finalise or amend a record.
    pub(crate) fn require_owner_or_chief(&self, author: &str, what: &str) -> Result<()> {
        self.require_self_or_chief(author, || {
            format!(
                "only the author ({author}) or a chief may {what}; {} is a perfusionist",
                self.name
            )
        })
    }

    /// A writer who is `person`, or a chief; else forbidden with `refusal`.
    fn require_self_or_chief(&self, person: &str, refusal: impl FnOnce() -> String) -> Result<()> {
        self.require_writer()?;
        if self.role == Role::Chief || self.name == person {
            Ok(())
        } else {
            Err(Error::Forbidden(refusal()))
        }
    }
}
