//! Prometheus metrics at `/metrics`: after a few requests the counters,
//! histograms and gauges a scrape shows have moved by what those requests did.
//! The recorder is the process's, shared by every test running beside this one,
//! so per-operation numbers are read under operation names only this test sends,
//! and process-wide ones are compared as lower bounds.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, Fixture, TestApp};
use crate::subscriptions::{ready, recv, subscribe};

/// The value of the sample `name{labels}` in a scrape; None when absent.
fn sample(scrape: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        let matches = metric == name
            && labels
                .iter()
                .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
        matches.then(|| value.parse().ok()).flatten()
    })
}

async fn scrape(app: &TestApp) -> String {
    let resp = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("scrape");
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    resp.text().await.expect("a body")
}

#[tokio::test]
async fn a_scrape_shows_what_requests_did() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let before = scrape(&app).await;
    let persisted = |scrape: &str, result| {
        sample(
            scrape,
            "blogql_persisted_queries_total",
            &[("result", result)],
        )
        .unwrap_or(0.0)
    };

    // Two operations that run, with their statements counted.
    let probe = "query MetricsProbe { posts(first: 2) { nodes { title author { username } } } }";
    let (_, statements) = app.counted(probe).await;
    let (_, again) = app.counted(probe).await;
    assert_eq!(statements, again);
    // One whose field fails, one that does not parse, one that does not validate.
    let body = app
        .request(
            r#"query MetricsProbeFails { post(id: "x") { id } }"#,
            json!({}),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
    app.request("query MetricsProbeBroken {", json!({})).await;
    let body = app
        .request("query MetricsProbeInvalid { nope }", json!({}))
        .await;
    assert!(body["errors"].is_array(), "{body}");
    // A persisted query: unknown, then registered, then found.
    let query = "query MetricsProbeApq { tags { totalCount } }";
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let apq = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    for body in [
        json!({ "extensions": apq }),
        json!({ "query": query, "extensions": apq }),
        json!({ "extensions": apq }),
    ] {
        app.client
            .post(format!("{}/graphql", app.base))
            .json(&body)
            .send()
            .await
            .expect("send");
    }
    // A WebSocket connection with a subscription running on it.
    let mut ws = ready(&app.base, None).await;
    subscribe(&mut ws, "live", "subscription { postPublished { title } }").await;
    // Its start is asynchronous: a ping round trip after it has surely begun.
    crate::subscriptions::send(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut ws).await["type"], "pong");

    let after = scrape(&app).await;
    let requests = |op, outcome| {
        sample(
            &after,
            "blogql_graphql_requests_total",
            &[("operation", op), ("outcome", outcome)],
        )
    };
    assert_eq!(requests("MetricsProbe", "ok"), Some(2.0), "{after}");
    assert_eq!(requests("MetricsProbeFails", "error"), Some(1.0), "{after}");
    // Not parsed, its name is the request's (none: anonymous); not valid, its own.
    assert_eq!(requests("MetricsProbeInvalid", "rejected"), Some(1.0));
    assert!(requests("anonymous", "rejected").is_some_and(|n| n >= 1.0));
    assert_eq!(requests("MetricsProbeApq", "ok"), Some(2.0), "{after}");
    let probe = [("operation", "MetricsProbe")];
    let seconds = "blogql_graphql_request_duration_seconds";
    assert_eq!(
        sample(&after, &format!("{seconds}_count"), &probe),
        Some(2.0)
    );
    assert!(sample(&after, &format!("{seconds}_sum"), &probe).is_some_and(|s| s > 0.0));
    let le = [("operation", "MetricsProbe"), ("le", "10")];
    assert_eq!(sample(&after, &format!("{seconds}_bucket"), &le), Some(2.0));
    let sql = "blogql_graphql_sql_statements";
    #[allow(clippy::cast_precision_loss)]
    let total = (statements + again) as f64;
    assert_eq!(sample(&after, &format!("{sql}_sum"), &probe), Some(total));
    assert_eq!(sample(&after, &format!("{sql}_count"), &probe), Some(2.0));
    // Process-wide: at least what this test did.
    assert!(persisted(&after, "miss") >= persisted(&before, "miss") + 1.0);
    assert!(persisted(&after, "registered") >= persisted(&before, "registered") + 1.0);
    assert!(persisted(&after, "hit") >= persisted(&before, "hit") + 1.0);
    let gauge = |name, labels: &[(&str, &str)]| sample(&after, name, labels).unwrap_or(0.0);
    assert!(gauge("blogql_websocket_connections", &[]) >= 1.0, "{after}");
    assert!(gauge("blogql_websocket_operations", &[]) >= 1.0, "{after}");
    let pool = |state| gauge("blogql_db_pool_connections", &[("state", state)]);
    assert!(pool("size") >= 1.0, "{after}");
    assert_eq!(pool("size"), pool("idle") + pool("in_use"));
    assert!(after.contains("# HELP blogql_graphql_requests_total"));
}

#[tokio::test]
async fn metrics_can_be_turned_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, Fixture::Demo, |config| {
        config.http.no_metrics = true;
    })
    .await;
    let resp = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 404);
}
