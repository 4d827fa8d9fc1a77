//! HTTP: the routes and the middleware around them.

mod graphql;
mod health;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use std::sync::Arc;

use crate::auth::Keys;
use crate::config::Config;
use crate::db::WriteLock;
use crate::graphql::AppSchema;

/// Requests larger than this are refused with 413 before any parsing.
const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub debug_sql: bool,
    pub keys: Arc<Keys>,
    pub writes: WriteLock,
}

pub fn router(state: AppState, config: &Config) -> Router {
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/", get(graphql::graphiql))
        .route("/health", get(health::health))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
}
