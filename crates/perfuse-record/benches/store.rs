//! Query speed with 10,000 records in the database: the yearly case-log summary and list/filter
//! queries (target < 100 ms each). SQLite always; PostgreSQL when `PERFUSE_TEST_POSTGRES` is set.

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use perfuse_record::model::{Category, TeamMember, TeamRole};
use perfuse_record::{Actor, Date, ListFilter, Record, Role, Store};
use tokio::runtime::Runtime;

const RECORDS: usize = 10_000;
const PERFUSIONISTS: usize = 20;

fn records() -> Vec<Record> {
    let template = Record::from_toml_str(include_str!("../tests/data/adult_cabg.toml")).unwrap();
    (0..RECORDS)
        .map(|i| {
            let mut record = template.clone();
            let day = i % 365;
            record.case.date = Date::new(
                2020 + (i % 5) as i32,
                (day / 28 % 12 + 1) as u8,
                (day % 28 + 1) as u8,
            )
            .unwrap();
            record.case.category = Category::ALL[i % Category::ALL.len()];
            record.case.procedure = format!("case {i}");
            record.team = vec![
                TeamMember {
                    name: format!("Perfusionist {}", i % PERFUSIONISTS),
                    role: TeamRole::Primary,
                },
                TeamMember {
                    name: format!("Perfusionist {}", (i + 7) % PERFUSIONISTS),
                    role: TeamRole::Assisting,
                },
            ];
            record
        })
        .collect()
}

async fn fill(location: &str, schema_setup: Option<&str>) -> Store {
    if let Some(sql) = schema_setup {
        sqlx::any::install_default_drivers();
        let base = location.split('?').next().unwrap();
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(base)
            .await
            .unwrap();
        sqlx::Executor::execute(&mut admin, sql).await.unwrap();
    }
    let store = Store::open(location).await.unwrap();
    let chief = Actor::new("Pat Chief", Role::Chief).unwrap();
    let started = Instant::now();
    for chunk in records().chunks(1000) {
        store.import(&chief, chunk, true).await.unwrap();
    }
    eprintln!(
        "{location}: imported {RECORDS} finalised records in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store
}

fn queries(c: &mut Criterion, name: &str, runtime: &Runtime, store: &Store) {
    let reader = Actor::new("Quinn Auditor", Role::ReadOnly).unwrap();
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    group.bench_function("caselog_summary_year_all", |b| {
        b.iter(|| {
            runtime
                .block_on(store.case_log_summary(&reader, 2024, None))
                .unwrap()
        })
    });
    group.bench_function("caselog_summary_year_one_perfusionist", |b| {
        b.iter(|| {
            runtime
                .block_on(store.case_log_summary(&reader, 2024, Some("Perfusionist 3")))
                .unwrap()
        })
    });
    group.bench_function("caselog_entries_year_one_perfusionist", |b| {
        b.iter(|| {
            runtime
                .block_on(store.case_log(&reader, Some("Perfusionist 3"), Some(2024)))
                .unwrap()
        })
    });
    let year_adult = ListFilter {
        category: Some(Category::Adult),
        limit: Some(50),
        ..ListFilter::year(2023).unwrap()
    };
    group.bench_function("list_year_category_limit_50", |b| {
        b.iter(|| runtime.block_on(store.list(&reader, &year_adult)).unwrap())
    });
    let one_person = ListFilter {
        perfusionist: Some("Perfusionist 3".to_owned()),
        ..ListFilter::default()
    };
    group.bench_function("list_perfusionist_all_years", |b| {
        b.iter(|| runtime.block_on(store.list(&reader, &one_person)).unwrap())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-records.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let sqlite = runtime.block_on(fill(path.to_str().unwrap(), None));
    queries(c, "sqlite", &runtime, &sqlite);
    if let Ok(base) = std::env::var("PERFUSE_TEST_POSTGRES") {
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3Dbench_records");
        let setup = "DROP SCHEMA IF EXISTS bench_records CASCADE; CREATE SCHEMA bench_records";
        let postgres = runtime.block_on(fill(&url, Some(setup)));
        queries(c, "postgres", &runtime, &postgres);
    }
}

criterion_group!(store_benches, benches);
criterion_main!(store_benches);
