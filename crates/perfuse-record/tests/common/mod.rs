//! Shared test helpers: the sample record and one fresh store per test on each backend.
//!
//! PostgreSQL tests read the server URL from `PERFUSE_TEST_POSTGRES`; unset, the build script
//! marks them ignored (shown as such in the test summary), except when `CI` is set: then they
//! run and fail.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::atomic::{AtomicUsize, Ordering};

use perfuse_record::{Actor, Record, Role, Store};
use sqlx::Executor;

pub const ADULT_CABG_TOML: &str = include_str!("../data/adult_cabg.toml");

pub fn adult_cabg() -> Record {
    Record::from_toml_str(ADULT_CABG_TOML).expect("the sample record is valid")
}

pub fn author() -> Actor {
    Actor::new("Alex Morgan", Role::Perfusionist).unwrap()
}

pub fn colleague() -> Actor {
    Actor::new("Sam Lee", Role::Perfusionist).unwrap()
}

pub fn chief() -> Actor {
    Actor::new("Pat Chief", Role::Chief).unwrap()
}

pub fn auditor() -> Actor {
    Actor::new("Quinn Auditor", Role::ReadOnly).unwrap()
}

fn unique_name(test: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        test
    )
}

/// A store in a fresh SQLite file; returns the store and the `sqlite:` URL of the file.
pub async fn sqlite_store(test: &str) -> (Store, String) {
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.db", unique_name(test)));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let location = path.to_str().unwrap().to_owned();
    let store = Store::open(&location).await.expect("open sqlite store");
    (store, format!("sqlite://{location}"))
}

/// The PostgreSQL server URL (the tests that call this are ignored when it is not set).
pub fn postgres_url() -> String {
    std::env::var("PERFUSE_TEST_POSTGRES")
        .expect("PERFUSE_TEST_POSTGRES names the PostgreSQL server of the tests")
}

/// A store in a fresh PostgreSQL schema; returns the store and its URL (search_path set).
pub async fn postgres_store(test: &str) -> (Store, String) {
    let base = postgres_url();
    let schema = unique_name(test).to_lowercase();
    sqlx::any::install_default_drivers();
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
        .await
        .unwrap();
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let store = Store::open(&url).await.expect("open postgres store");
    (store, url)
}

/// Drops the schema of a store made by [`postgres_store`] (after a passing test).
pub async fn drop_postgres_schema(url: &str) {
    let (base, schema) = url
        .rsplit_once("search_path%3D")
        .expect("a postgres_store URL");
    let base = base
        .trim_end_matches("options=-c%20")
        .trim_end_matches(['?', '&']);
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(base)
        .await
        .unwrap();
    admin
        .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
        .await
        .unwrap();
}

/// Generates one `#[tokio::test]` per backend for each `async fn name(store: Store, url: String)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (store, url) = $crate::common::sqlite_store(stringify!($name)).await;
                    super::$name(store, url).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(perfuse_no_postgres, ignore = "PERFUSE_TEST_POSTGRES is not set (.ci/postgres.sh starts a server)")]
                async fn $name() {
                    let (store, url) = $crate::common::postgres_store(stringify!($name)).await;
                    super::$name(store.clone(), url.clone()).await;
                    store.close().await;
                    $crate::common::drop_postgres_schema(&url).await;
                }
            )*
        }
    };
}
