//! The reference workload of `docs/model.md` (Q1–Q4), and two orderings by related
//! keys (O1 and O3 by counts, O2 by a related row's column), against the real server over
//! HTTP: seeds the benchmark data set, then times each query and reports its SQL
//! statement count.
//!
//! `cargo bench --bench workload` runs it on a fresh SQLite file at scale S1.
//! Environment: `BLOGQL_BENCH_DATABASE_URL` (an empty database; default a temp
//! SQLite file), `BLOGQL_BENCH_AUTHORS` (default 1000), `BLOGQL_BENCH_ITERATIONS`
//! (default 200).

use std::time::{Duration, Instant};

use blogql::config::Config;
use blogql::startup::Application;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};

const QUERIES: [(&str, &str); 7] = [
    (
        "Q1 nested",
        r#"{ authors(first: 50) { nodes { username profile { city }
             posts(first: 10) { nodes { title tags { nodes { name } } } } } } }"#,
    ),
    (
        "Q2 across relations",
        r#"{ posts(first: 20, filter: {
             author: { profile: { city: { eq: "Casablanca" } } }
             tags: { some: { slug: { eq: "django" } } } }) { nodes { title author { username } } } }"#,
    ),
    (
        "Q3 reverse m2m",
        r#"{ tag(slug: "rust") { posts(first: 20) { nodes { title author { username } commentCount } } } }"#,
    ),
    (
        "Q4 point lookup",
        r#"{ post(slug: "post-21") { title body author { username profile { bio } } category { name }
             tags { nodes { name } } comments(first: 10) { nodes { body author { username } } } } }"#,
    ),
    (
        "O1 tags by post count",
        r#"{ tags(first: 20, orderBy: [{ field: POST_COUNT, direction: DESC }]) { nodes { name postCount } } }"#,
    ),
    (
        "O2 posts by author",
        r#"{ posts(first: 20, orderBy: [{ field: AUTHOR_USERNAME, direction: DESC }]) { nodes { title } } }"#,
    ),
    (
        "O3 authors by comment count",
        r#"{ authors(first: 20, orderBy: [{ field: COMMENT_COUNT, direction: DESC }]) { nodes { username } } }"#,
    ),
];

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let authors = env_number("BLOGQL_BENCH_AUTHORS", 1000);
    let iterations = env_number("BLOGQL_BENCH_ITERATIONS", 200).max(1);
    let temp = std::env::temp_dir().join(format!("blogql-bench-{}.db", std::process::id()));
    let url = std::env::var("BLOGQL_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", temp.display()));

    let conn = blogql::db::connect(&url, blogql::db::PoolSettings::single())
        .await
        .expect("connect");
    Migrator::fresh(&conn).await.expect("migrate");
    let started = Instant::now();
    blogql::seed::bench::data(authors)
        .insert(&conn)
        .await
        .expect("seed");
    println!(
        "seeded {authors} authors into {} in {:.2}s",
        url.split(':').next().unwrap_or("?"),
        started.elapsed().as_secs_f64()
    );
    if conn.get_database_backend() == DbBackend::Postgres {
        // PostgreSQL plans from statistics that only ANALYZE gathers (autovacuum
        // would, a minute after a deployment's load): without them the planner
        // guesses, and a setting such as `random_page_cost` moves its guesses
        // (tags by post count 23 -> 119 ms, the same 37 ms either way once analyzed).
        conn.execute_unprepared("ANALYZE").await.expect("analyze");
    }
    conn.close().await.ok();

    let mut config = Config::new(url);
    config.no_demo = true;
    config.debug_sql = true;
    let app = Application::build(config).await.expect("start");
    let endpoint = format!("http://{}/graphql", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();

    println!(
        "{:<22} {:>10} {:>10} {:>10} {:>6} {:>9}",
        "query", "p50 ms", "p95 ms", "max ms", "stmts", "bytes"
    );
    for (name, query) in QUERIES {
        let run = || async {
            let started = Instant::now();
            let resp = client
                .post(&endpoint)
                .json(&json!({ "query": query }))
                .send()
                .await
                .expect("POST");
            let body = resp.bytes().await.expect("body");
            (started.elapsed(), body)
        };
        for _ in 0..5 {
            run().await;
        }
        let mut times: Vec<Duration> = Vec::with_capacity(iterations as usize);
        let mut last = Default::default();
        for _ in 0..iterations {
            let (elapsed, body) = run().await;
            times.push(elapsed);
            last = body;
        }
        times.sort();
        let value: Value = serde_json::from_slice(&last).expect("json");
        assert!(value.get("errors").is_none(), "{name}: {value}");
        let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
        println!(
            "{name:<22} {:>10.2} {:>10.2} {:>10.2} {:>6} {:>9}",
            pct(0.5),
            pct(0.95),
            pct(1.0),
            value["extensions"]["sqlStatements"],
            last.len()
        );
    }
    let _ = std::fs::remove_file(&temp);
}
