//! Crash safety: a writer process importing records is killed with SIGKILL mid-import; the
//! database must open clean with every committed record whole and no partial batch.
//!
//! The writer is this test binary re-invoked with `PERFUSE_CRASH_WRITER_DB` set: the
//! `crash_writer_child` test is a no-op otherwise.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use perfuse_record::{ListFilter, Store};

const CHILD_ENV: &str = "PERFUSE_CRASH_WRITER_DB";
/// Records per transaction: a partial batch would show as a count not divisible by this.
const BATCH: usize = 5;
/// Batches to see committed before the kill.
const BATCHES_BEFORE_KILL: usize = 6;

#[test]
fn crash_writer_child() {
    let Ok(location) = std::env::var(CHILD_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&location).await.unwrap();
        for batch in 0.. {
            let records: Vec<_> = (0..BATCH)
                .map(|i| {
                    let mut record = common::adult_cabg();
                    record.case.procedure = format!("import {}", batch * BATCH + i);
                    record
                })
                .collect();
            let ids = store
                .import(&common::author(), &records, true)
                .await
                .unwrap();
            for (i, id) in ids.iter().enumerate() {
                println!("committed {id} import {}", batch * BATCH + i);
            }
        }
    });
}

async fn kill_writer_mid_import(location: &str) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, location)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut committed: Vec<(i64, String)> = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("committed ") {
            let (id, procedure) = rest.split_once(' ').unwrap();
            committed.push((id.parse().unwrap(), procedure.to_owned()));
        }
        if committed.len() >= BATCH * BATCHES_BEFORE_KILL {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no rollback, no checkpoint
    child.wait().unwrap();
    assert!(
        committed.len() >= BATCH * BATCHES_BEFORE_KILL,
        "the writer died early: {committed:?}"
    );

    let store = Store::open(location)
        .await
        .expect("the database opens after the crash");
    let reader = common::auditor();
    let checked = store
        .check_integrity(&reader)
        .await
        .expect("every stored record is whole");
    assert_eq!(
        checked % BATCH,
        0,
        "a partial batch was stored ({checked} records)"
    );
    assert!(checked >= committed.len());
    for (id, procedure) in &committed {
        let stored = store.get(&reader, *id).await.unwrap();
        assert_eq!(&stored.record.case.procedure, procedure);
        assert_eq!(stored.indicators.bypass_time_min, Some(80.0));
    }
    assert_eq!(
        store
            .list(&reader, &ListFilter::default())
            .await
            .unwrap()
            .len(),
        checked
    );
    // And it still takes writes.
    store
        .create(&common::author(), &common::adult_cabg())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_kill_9_mid_import() {
    let (store, url) = common::sqlite_store("crash").await;
    store.close().await;
    let location = url.strip_prefix("sqlite://").unwrap().to_owned();
    kill_writer_mid_import(&location).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    perfuse_no_postgres,
    ignore = "PERFUSE_TEST_POSTGRES is not set (.ci/postgres.sh starts a server)"
)]
async fn postgres_survives_kill_9_mid_import() {
    let (store, url) = common::postgres_store("crash").await;
    store.close().await;
    kill_writer_mid_import(&url).await;
    common::drop_postgres_schema(&url).await;
}
