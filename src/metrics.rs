//! Prometheus metrics, scraped at `/metrics`: requests by operation name and
//! outcome, their latency and SQL statements, the pool, WebSocket connections and
//! subscriptions, and persisted-query lookups. Recorded with the `metrics` crate's
//! macros into one process-wide recorder (`metrics-exporter-prometheus`).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};

/// Latency buckets, seconds: a point lookup takes about a millisecond, a large
/// nested page a few tens.
const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Statements per request: a handful, however many rows.
const STATEMENTS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 50.0,
];

/// The most operation names kept as label values; the rest count as `other`, so
/// that clients sending new names cannot grow the scrape without bound.
const MAX_OPERATION_NAMES: usize = 200;

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(SQL_PER_REQUEST.into()), STATEMENTS)
            });
        // Both bucket lists are non-empty, so building cannot fail; if it did,
        // the defaults (summaries) would do.
        let recorder = builder.unwrap_or_default().build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (blogql embedded in a program with
        // its own) keeps its place: this one then renders nothing.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

const REQUESTS: &str = "blogql_graphql_requests_total";
const DURATION: &str = "blogql_graphql_request_duration_seconds";
const SQL_PER_REQUEST: &str = "blogql_graphql_sql_statements";
const PERSISTED: &str = "blogql_persisted_queries_total";
const POOL: &str = "blogql_db_pool_connections";
const WAITING: &str = "blogql_db_pool_waiting";
const SOCKETS: &str = "blogql_websocket_connections";
const WS_OPERATIONS: &str = "blogql_websocket_operations";
const QUEUED: &str = "blogql_graphql_operations_waiting";

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "GraphQL operations by operation name and outcome (ok, error: field errors, rejected: never ran)"
    );
    describe_histogram!(
        DURATION,
        Unit::Seconds,
        "Time to answer an operation that ran"
    );
    describe_histogram!(SQL_PER_REQUEST, "SQL statements one operation sent");
    describe_counter!(PERSISTED, "Automatic persisted query lookups by result");
    describe_gauge!(
        POOL,
        "Database connections by state (idle, in_use) and the pool's size"
    );
    describe_gauge!(WAITING, "Operations waiting for a database connection");
    describe_gauge!(SOCKETS, "Open GraphQL WebSocket connections");
    describe_gauge!(
        WS_OPERATIONS,
        "Operations running on WebSocket connections: subscriptions, mostly"
    );
    describe_gauge!(
        QUEUED,
        "Operations waiting for a turn to run (--max-concurrent-operations)"
    );
}

/// How an operation ended.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Ok,
    /// It ran, and some field failed.
    Error,
    /// It never ran: not parsed, over a limit, an unknown persisted query, ...
    Rejected,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Rejected => "rejected",
        }
    }
}

/// The label for an operation name as a client sent it: the name when it is a
/// GraphQL name among the first [`MAX_OPERATION_NAMES`], `anonymous` without one,
/// `other` otherwise.
pub fn operation_label(name: Option<&str>) -> String {
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let Some(name) = name else {
        return "anonymous".to_owned();
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return "other".to_owned();
    }
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(HashSet::new);
    if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// An operation that ran: its outcome, how long it took and the statements it sent.
pub fn operation_ran(operation: &str, outcome: Outcome, took: Duration, statements: usize) {
    let labels = [
        ("operation", operation.to_owned()),
        ("outcome", outcome.label().to_owned()),
    ];
    counter!(REQUESTS, &labels).increment(1);
    let operation = [("operation", operation.to_owned())];
    histogram!(DURATION, &operation).record(took.as_secs_f64());
    // Statement counts are small integers: exact in an f64.
    #[allow(clippy::cast_precision_loss)]
    histogram!(SQL_PER_REQUEST, &operation).record(statements as f64);
}

/// An operation refused before it ran.
pub fn operation_rejected(operation: &str) {
    let labels = [
        ("operation", operation.to_owned()),
        ("outcome", Outcome::Rejected.label().to_owned()),
    ];
    counter!(REQUESTS, &labels).increment(1);
}

/// A persisted-query lookup: `hit`, `miss` or `registered`.
pub fn persisted_query(result: &'static str) {
    counter!(PERSISTED, "result" => result).increment(1);
}

/// The pool's state now, read at each scrape.
pub fn pool(db: &DatabaseConnection) {
    // Each backend's own pool, as `db::Lending` reaches it.
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::MySql => {
            let pool = db.get_mysql_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    gauge!(POOL, "state" => "size").set(f64::from(size));
    gauge!(POOL, "state" => "idle").set(f64::from(idle));
    gauge!(POOL, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
}

/// Counts one of something open while it lives: a waiting acquire, a WebSocket
/// connection, an operation on one.
pub struct Open(&'static str);

impl Open {
    fn new(name: &'static str) -> Open {
        gauge!(name).increment(1.0);
        Open(name)
    }

    pub fn waiting_for_connection() -> Open {
        Open::new(WAITING)
    }

    pub fn websocket() -> Open {
        Open::new(SOCKETS)
    }

    pub fn websocket_operation() -> Open {
        Open::new(WS_OPERATIONS)
    }

    pub fn waiting_for_turn() -> Open {
        Open::new(QUEUED)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}

/// The scrape: every metric in Prometheus's text format.
pub fn render(db: &DatabaseConnection) -> String {
    let handle = handle();
    pool(db);
    handle.run_upkeep();
    handle.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("Q1")), "Q1");
        for bad in ["", "1up", "a b", "naïve", &"x".repeat(65), "a{b=\"c\"}"] {
            assert_eq!(operation_label(Some(bad)), "other", "{bad:?}");
        }
        for n in 0..MAX_OPERATION_NAMES * 2 {
            let _ = operation_label(Some(&format!("Op{n}")));
        }
        assert_eq!(operation_label(Some("NeverSeenBefore")), "other");
        // A name kept before the cap stays itself.
        assert_eq!(operation_label(Some("Q1")), "Q1");
    }
}
