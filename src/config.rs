//! The server's settings, independent of where they came from (flags, environment,
//! or a test building them directly).

use std::time::Duration;

use crate::graphql::{PageLimits, QueryLimits};

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub host: String,
    pub port: u16,
    pub limits: PageLimits,
    pub query_limits: QueryLimits,
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
