//! HTTP: the routes and the middleware around them.

mod body_limit;
mod graphiql;
mod graphql;
mod health;
mod media;
mod metrics;
mod multipart;
mod negotiate;
mod subscriptions;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use std::sync::Arc;

use crate::auth::Keys;
use crate::config::Config;
use crate::executor::Executor;
use crate::graphql::registry;

/// Bytes an answer must exceed to be compressed: about one TCP segment's payload
/// on a 1,500-byte MTU.
const COMPRESS_ABOVE: u16 = 1400;

/// CORS for the configured browser origins: GET and POST with the JSON, bearer and
/// upload preflight headers, without credentials (tokens travel in a header, not a
/// cookie). No origins configured: no CORS headers, so browsers refuse other
/// origins.
fn cors(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            CONTENT_TYPE,
            AUTHORIZATION,
            ACCEPT,
            HeaderName::from_static("apollo-require-preflight"),
            HeaderName::from_static("x-apollo-operation-name"),
        ])
        .max_age(std::time::Duration::from_secs(3600))
}

#[derive(Clone)]
pub struct AppState {
    /// What runs operations, for every transport.
    pub executor: Arc<Executor>,
    /// The pool, for `/health` and for checking tokens.
    pub db: DatabaseConnection,
    pub keys: Arc<Keys>,
    /// The settings (batch size, CORS origins also for WebSocket upgrades, ...).
    pub config: Arc<Config>,
    /// Turns true when the server starts shutting down.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let http = &config.http;
    let mut routes = Router::new()
        .route("/graphql", get(get_graphql).post(graphql::post))
        .route("/health", get(health::health));
    if !http.no_metrics {
        routes = routes.route("/metrics", get(metrics::scrape));
    }
    routes = routes.nest_service(
        "/media/avatars",
        media::files(&config.media.media_dir.join(registry::PROFILE_AVATAR.folder)),
    );
    if !http.production {
        routes = routes
            .route("/", get(graphiql::page))
            .route("/assets/graphiql/{name}", get(graphiql::asset));
    }
    routes
        .with_state(state)
        .layer(cors(&http.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            body_limit::Limits {
                json: http.body_limit,
                multipart: multipart::body_bytes(&config),
            },
            body_limit::limit,
        ))
        // The fastest level, nginx's default for gzip: answers are generated per
        // request, and level 6 spent 4% of Q1's instructions for a few percent
        // fewer bytes. Answers that fit one TCP segment go as they are: gzip
        // cannot save them a packet, and a deflater set up per answer was 2% of a
        // point lookup's (Q4) time.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(
                    SizeAbove::new(COMPRESS_ABOVE)
                        .and(NotForContentType::GRPC)
                        .and(NotForContentType::IMAGES)
                        .and(NotForContentType::SSE),
                ),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            http.request_timeout.0,
        ))
        .layer(TraceLayer::new_for_http())
}

/// GET `/graphql`: a WebSocket upgrade opens a subscription connection; anything
/// else is a query in the URL (or GraphiQL, for a browser).
async fn get_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    params: Result<Query<graphql::GetParams>, QueryRejection>,
) -> Response {
    match upgrade {
        Ok(ws) => subscriptions::upgrade(state, &headers, ws),
        Err(_) => graphql::get(state, &headers, params).await,
    }
}
