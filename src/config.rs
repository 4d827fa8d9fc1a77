//! The server's settings, independent of where they came from (flags, environment,
//! or a test building them directly).

use std::time::Duration;

use crate::executor::ApqLimits;
use crate::graphql::limits::DocumentLimits;
use crate::graphql::{PageLimits, QueryLimits};

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub host: String,
    pub port: u16,
    pub limits: PageLimits,
    pub query_limits: QueryLimits,
    pub document_limits: DocumentLimits,
    /// Bodies larger than this many bytes are refused with 413 before parsing.
    pub body_limit: usize,
    /// The most operations one batched request may hold.
    pub max_batch: usize,
    /// How many persisted query documents, and how many bytes of them, are kept.
    pub apq: ApqLimits,
    /// How long a request waits for a pooled connection before it is answered
    /// `SERVICE_UNAVAILABLE`.
    pub acquire_timeout: Duration,
    /// The longest one SQL statement may run on PostgreSQL (`statement_timeout`).
    pub statement_timeout: Duration,
    /// How long a WebSocket may stay open without `connection_init` (then 4408).
    pub ws_init_timeout: Duration,
    /// Put the SQL statement count of each response in its `extensions`.
    pub debug_sql: bool,
    /// Load the demo data set into an empty database at start.
    pub demo: bool,
    pub max_connections: u32,
    pub request_timeout: Duration,
    /// The secret tokens are signed with; a random one per process when unset.
    pub jwt_secret: Option<String>,
    /// How long a token from `register` or `login` is good for.
    pub token_ttl: Duration,
    /// Browser origins allowed to call the API (CORS); `*` for any. Empty: none.
    pub cors_origins: Vec<String>,
    /// No introspection, no field suggestions, no GraphiQL.
    pub production: bool,
}

impl Config {
    /// Defaults for `database_url`, listening on a free loopback port.
    pub fn new(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            host: "127.0.0.1".into(),
            port: 0,
            limits: PageLimits::default(),
            query_limits: QueryLimits::default(),
            document_limits: DocumentLimits::default(),
            body_limit: 1024 * 1024,
            max_batch: 10,
            apq: ApqLimits::default(),
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(10),
            ws_init_timeout: Duration::from_secs(10),
            debug_sql: false,
            demo: true,
            max_connections: 10,
            request_timeout: Duration::from_secs(30),
            jwt_secret: None,
            token_ttl: Duration::from_secs(24 * 3600),
            cors_origins: Vec::new(),
            production: false,
        }
    }
}
