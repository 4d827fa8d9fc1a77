//! The server's settings: one clap-derived struct in groups, read from flags and
//! the environment (`blogql serve --help` lists them), or made in code with
//! [`Config::new`]. Each default is written once, in its group's `Default`; the
//! command line shows it from there. Shared by the running server as `Arc<Config>`.

use std::fmt;
use std::num::ParseIntError;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::Args;

use crate::executor::{ApqLimits, DocumentCacheLimits};
use crate::graphql::limits::DocumentLimits;
use crate::graphql::{PageLimits, QueryLimits};

/// The highest `--max-nesting` and `--max-value-depth` accepted: past these the
/// parser's recursion would reach the end of a thread's stack.
const MAX_NESTING_CEILING: usize = 128;
const MAX_VALUE_DEPTH_CEILING: usize = 64;

#[derive(Args, Clone, Debug, Default)]
pub struct Config {
    /// From the command line's global `--database-url`.
    #[arg(skip)]
    pub database_url: String,
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub pool: PoolConfig,
    #[command(flatten)]
    pub auth: AuthConfig,
    #[command(flatten)]
    pub media: MediaConfig,
    #[command(flatten)]
    pub limits: PageLimits,
    #[command(flatten)]
    pub query_limits: QueryLimits,
    #[command(flatten)]
    pub document_limits: DocumentLimits,
    #[command(flatten)]
    pub apq: ApqLimits,
    #[command(flatten)]
    pub document_cache: DocumentCacheLimits,
    /// Report each response's SQL statement count in `extensions.sqlStatements`.
    #[arg(long, env = "BLOGQL_DEBUG_SQL", help_heading = "Database")]
    pub debug_sql: bool,
    /// Do not load the demo data set into an empty database.
    #[arg(long, env = "BLOGQL_NO_DEMO", help_heading = "Database")]
    pub no_demo: bool,
}

/// Listening and answering.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "HTTP")]
pub struct HttpConfig {
    /// Address to listen on.
    #[arg(long, env = "BLOGQL_HOST", default_value_t = HttpConfig::default().host)]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "BLOGQL_PORT", default_value_t = HttpConfig::default().port)]
    pub port: u16,
    /// The largest request body, in bytes; larger ones get 413 before parsing.
    #[arg(long, env = "BLOGQL_BODY_LIMIT", default_value_t = HttpConfig::default().body_limit)]
    pub body_limit: usize,
    /// The most operations in one batched (JSON array) request.
    #[arg(long, env = "BLOGQL_MAX_BATCH", default_value_t = HttpConfig::default().max_batch)]
    pub max_batch: usize,
    /// Seconds a request may take before it is answered with 408.
    #[arg(long = "request-timeout", env = "BLOGQL_REQUEST_TIMEOUT",
          value_name = "SECONDS", default_value_t = HttpConfig::default().request_timeout)]
    pub request_timeout: Secs,
    /// Milliseconds a subscription WebSocket may wait before `connection_init`
    /// (then it is closed with 4408).
    #[arg(long = "ws-init-timeout-ms", env = "BLOGQL_WS_INIT_TIMEOUT_MS",
          value_name = "MS", default_value_t = HttpConfig::default().ws_init_timeout)]
    pub ws_init_timeout: Millis,
    /// Browser origins allowed to call the API (CORS), comma-separated, or `*`.
    /// None by default: browsers on other origins are refused.
    #[arg(long, env = "BLOGQL_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// The most operations run at once; the rest wait their turn (within the
    /// request timeout). A running operation holds its resolvers and answer in
    /// memory (a nested page of thousands of rows is megabytes), so this bounds the
    /// server's memory under any load. Default: two per CPU core, enough to keep
    /// them busy with a local database; raise it for a remote or slow one.
    #[arg(long = "max-concurrent-operations", env = "BLOGQL_MAX_CONCURRENT_OPERATIONS",
          value_name = "N", default_value_t = HttpConfig::default().max_concurrent_operations)]
    pub max_concurrent_operations: usize,
    /// Production mode: no introspection, no field suggestions, no GraphiQL.
    #[arg(long, env = "BLOGQL_PRODUCTION")]
    pub production: bool,
    /// Do not serve Prometheus metrics at `/metrics`.
    #[arg(long, env = "BLOGQL_NO_METRICS")]
    pub no_metrics: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            host: "127.0.0.1".into(),
            port: 8000,
            body_limit: 1024 * 1024,
            max_batch: 10,
            request_timeout: Secs(Duration::from_secs(30)),
            ws_init_timeout: Millis(Duration::from_secs(10)),
            cors_origins: Vec::new(),
            max_concurrent_operations: std::thread::available_parallelism()
                .map_or(2, usize::from)
                .saturating_mul(2),
            production: false,
            no_metrics: false,
        }
    }
}

/// Uploaded files (the profile avatar).
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Uploads")]
pub struct MediaConfig {
    /// Folder uploaded files are kept in (Django's MEDIA_ROOT); avatars go under
    /// `avatars/`, named by the SHA-256 of their bytes.
    #[arg(long, env = "BLOGQL_MEDIA_DIR", value_name = "DIR",
          default_value_os_t = MediaConfig::default().media_dir)]
    pub media_dir: PathBuf,
    /// Where the files are published (Django's MEDIA_URL): `avatarUrl` is this plus
    /// the file's name. The server serves them at `/media/`; give an absolute URL
    /// when a CDN or proxy in front serves that path.
    #[arg(long, env = "BLOGQL_MEDIA_URL", value_name = "URL",
          default_value_t = MediaConfig::default().media_url)]
    pub media_url: String,
    /// The largest file one upload may carry, in bytes: past it the request is
    /// answered 413 without reading the rest of the file.
    #[arg(long, env = "BLOGQL_MAX_UPLOAD_BYTES", value_name = "BYTES",
          default_value_t = MediaConfig::default().max_upload_bytes)]
    pub max_upload_bytes: usize,
    /// The most files one multipart request may carry.
    #[arg(long, env = "BLOGQL_MAX_UPLOAD_FILES", value_name = "N",
          default_value_t = MediaConfig::default().max_upload_files)]
    pub max_upload_files: usize,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            media_dir: PathBuf::from("media"),
            media_url: "/media/".into(),
            // Django keeps uploads up to 2.5 MB in memory; an avatar is far less.
            max_upload_bytes: 2 * 1024 * 1024,
            max_upload_files: 1,
        }
    }
}

/// The database connections.
#[derive(Args, Clone, Copy, Debug)]
#[command(next_help_heading = "Database")]
pub struct PoolConfig {
    /// Database connections in the pool.
    #[arg(long, env = "BLOGQL_MAX_CONNECTIONS",
          default_value_t = PoolConfig::default().max_connections)]
    pub max_connections: u32,
    /// Milliseconds a request waits for a database connection before it is
    /// answered SERVICE_UNAVAILABLE.
    #[arg(long = "acquire-timeout-ms", env = "BLOGQL_ACQUIRE_TIMEOUT_MS",
          value_name = "MS", default_value_t = PoolConfig::default().acquire_timeout)]
    pub acquire_timeout: Millis,
    /// Milliseconds one SQL statement may run on PostgreSQL before it is cancelled
    /// (`statement_timeout`).
    #[arg(long = "statement-timeout-ms", env = "BLOGQL_STATEMENT_TIMEOUT_MS",
          value_name = "MS", default_value_t = PoolConfig::default().statement_timeout)]
    pub statement_timeout: Millis,
    /// What the PostgreSQL planner takes a random page read to cost on this
    /// server's connections (`random_page_cost`), or `server` for the server's own
    /// setting. See [`PageCost`].
    #[arg(long = "pg-random-page-cost", env = "BLOGQL_PG_RANDOM_PAGE_COST",
          value_name = "COST", default_value_t = PoolConfig::default().random_page_cost)]
    pub random_page_cost: PageCost,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_connections: 10,
            acquire_timeout: Millis(Duration::from_secs(3)),
            statement_timeout: Millis(Duration::from_secs(10)),
            random_page_cost: PageCost(Some(1.1)),
        }
    }
}

/// PostgreSQL's `random_page_cost` for this server's sessions; `None` keeps the
/// server's. PostgreSQL's default, 4.0, models disks where a random read costs four
/// sequential ones; the rows an API serves are hot (shared buffers or the page
/// cache), which its documentation models as 1.1. At 4.0 the planner answered Q2's
/// filter across the post–tag hop by probing each candidate post's ~5 links and
/// their tags (1,800 probes, 4.4 ms a statement under load) rather than reading the
/// tag's 540 links once (1.1 ms), and which plan each connection's prepared
/// statement settled on depended on what it had run before.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageCost(pub Option<f64>);

/// A `--pg-random-page-cost` that is neither `server` nor a cost PostgreSQL takes.
#[derive(Debug, thiserror::Error)]
#[error("a page cost is `server` or a number from 0 to 1000 (got `{0}`)")]
pub struct BadPageCost(String);

impl FromStr for PageCost {
    type Err = BadPageCost;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "server" {
            return Ok(PageCost(None));
        }
        match s.parse::<f64>() {
            // Checked here because the value is sent in every connection's start-up
            // packet, where PostgreSQL refuses the connection for a bad one.
            Ok(cost) if (0.0..=1000.0).contains(&cost) => Ok(PageCost(Some(cost))),
            _ => Err(BadPageCost(s.to_owned())),
        }
    }
}

impl fmt::Display for PageCost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(cost) => write!(f, "{cost}"),
            None => f.write_str("server"),
        }
    }
}

/// Bearer tokens.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Accounts")]
pub struct AuthConfig {
    /// Secret for signing bearer tokens (at least 32 bytes). Unset: a random one per
    /// process, so tokens stop working at restart.
    #[arg(long, env = "BLOGQL_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Seconds a bearer token from `register` or `login` stays valid.
    #[arg(long = "token-ttl", env = "BLOGQL_TOKEN_TTL",
          value_name = "SECONDS", default_value_t = AuthConfig::default().token_ttl)]
    pub token_ttl: Secs,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            jwt_secret: None,
            token_ttl: Secs(Duration::from_secs(24 * 3600)),
        }
    }
}

/// A setting that cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the JWT secret must be at least 32 bytes")]
    ShortSecret,
    #[error("page sizes: need 0 < default ({default}) <= max ({max})")]
    PageSizes { default: u64, max: u64 },
    #[error(
        "--max-nesting is at most {MAX_NESTING_CEILING} and --max-value-depth at most \
         {MAX_VALUE_DEPTH_CEILING}"
    )]
    Nesting,
}

impl Config {
    /// The defaults for `database_url`, listening on a free loopback port.
    pub fn new(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            http: HttpConfig {
                port: 0,
                ..HttpConfig::default()
            },
            ..Config::default()
        }
    }

    /// Refuses what cannot be served; counts and durations of zero become one (a
    /// pool, a batch or a timeout of nothing is never what was meant).
    pub fn checked(mut self) -> Result<Self, ConfigError> {
        if self.auth.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err(ConfigError::ShortSecret);
        }
        let pages = self.limits;
        if pages.max_size == 0 || pages.default_size > pages.max_size {
            return Err(ConfigError::PageSizes {
                default: pages.default_size,
                max: pages.max_size,
            });
        }
        let doc = &mut self.document_limits;
        if doc.max_nesting > MAX_NESTING_CEILING || doc.max_value_depth > MAX_VALUE_DEPTH_CEILING {
            return Err(ConfigError::Nesting);
        }
        doc.max_nesting = doc.max_nesting.max(1);
        doc.max_value_depth = doc.max_value_depth.max(1);
        self.http.max_batch = self.http.max_batch.max(1);
        self.http.max_concurrent_operations = self.http.max_concurrent_operations.max(1);
        self.apq.max_entries = self.apq.max_entries.max(1);
        self.pool.max_connections = self.pool.max_connections.max(1);
        let at_least = |d: Duration, least: Duration| d.max(least);
        let (ms, s) = (Duration::from_millis(1), Duration::from_secs(1));
        self.pool.acquire_timeout.0 = at_least(self.pool.acquire_timeout.0, ms);
        self.pool.statement_timeout.0 = at_least(self.pool.statement_timeout.0, ms);
        self.http.ws_init_timeout.0 = at_least(self.http.ws_init_timeout.0, ms);
        self.http.request_timeout.0 = at_least(self.http.request_timeout.0, s);
        self.auth.token_ttl.0 = at_least(self.auth.token_ttl.0, s);
        Ok(self)
    }
}

/// A duration written in whole milliseconds on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Millis(pub Duration);

/// A duration written in whole seconds on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Secs(pub Duration);

impl FromStr for Millis {
    type Err = ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Millis(Duration::from_millis(s.parse()?)))
    }
}

impl FromStr for Secs {
    type Err = ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secs(Duration::from_secs(s.parse()?)))
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_millis())
    }
}

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs())
    }
}

impl From<Duration> for Millis {
    fn from(d: Duration) -> Self {
        Millis(d)
    }
}

impl From<Duration> for Secs {
    fn from(d: Duration) -> Self {
        Secs(d)
    }
}

#[cfg(test)]
mod tests {
    use clap::{FromArgMatches, Parser};

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    /// Parses `args` as the command line would, ignoring the environment.
    fn parse(args: &[&str]) -> Config {
        let command = <Cli as clap::CommandFactory>::command().mut_args(|a| a.env(None));
        let matches = command
            .try_get_matches_from(std::iter::once("blogql").chain(args.iter().copied()))
            .unwrap();
        Cli::from_arg_matches(&matches).unwrap().config
    }

    #[test]
    fn the_command_line_defaults_are_the_groups_defaults() {
        let parsed = parse(&[]);
        let defaults = Config::default();
        assert_eq!(format!("{parsed:?}"), format!("{defaults:?}"));
        assert_eq!(parsed.http.port, 8000);
        assert_eq!(
            Config::new("sqlite::memory:").http.port,
            0,
            "tests listen anywhere"
        );
    }

    #[test]
    fn the_page_cost_is_a_number_postgresql_takes_or_the_servers() {
        assert_eq!(parse(&[]).pool.random_page_cost, PageCost(Some(1.1)));
        let set = |v: &str| parse(&["--pg-random-page-cost", v]).pool.random_page_cost;
        assert_eq!(set("server"), PageCost(None));
        assert_eq!(set("4"), PageCost(Some(4.0)));
        assert_eq!(set("0"), PageCost(Some(0.0)));
        for bad in [
            "-1",
            "1001",
            "NaN",
            "inf",
            "fast",
            "",
            "1.1 -c work_mem=1TB",
        ] {
            assert!(bad.parse::<PageCost>().is_err(), "{bad:?}");
        }
        assert_eq!(PageCost(Some(1.1)).to_string(), "1.1");
        assert_eq!(PageCost(None).to_string(), "server");
    }

    #[test]
    fn flags_land_in_their_groups_and_are_checked() {
        let config = parse(&[
            "--max-batch",
            "0",
            "--max-concurrent-operations",
            "0",
            "--acquire-timeout-ms",
            "250",
            "--token-ttl",
            "60",
            "--max-page-size",
            "50",
            "--apq-cache-size",
            "7",
            "--document-cache-size",
            "0",
            "--max-aliases",
            "3",
            "--max-depth",
            "4",
            "--cors-origins",
            "https://a.example,https://b.example",
            "--no-demo",
        ])
        .checked()
        .unwrap();
        assert_eq!(config.http.max_batch, 1, "a batch of none is one");
        assert_eq!(
            config.http.max_concurrent_operations, 1,
            "none at once is one"
        );
        assert_eq!(config.pool.acquire_timeout.0, Duration::from_millis(250));
        assert_eq!(config.auth.token_ttl.0, Duration::from_secs(60));
        assert_eq!(config.limits.max_size, 50);
        assert_eq!(config.apq.max_entries, 7);
        assert_eq!(config.document_cache.entries, 0, "no cache is allowed");
        assert_eq!(config.document_limits.max_aliases, 3);
        assert_eq!(config.query_limits.max_depth, 4);
        assert_eq!(config.http.cors_origins.len(), 2);
        assert!(config.no_demo);

        let refused = |args: &[&str]| parse(args).checked().unwrap_err().to_string();
        assert!(refused(&["--jwt-secret", "short"]).contains("32 bytes"));
        assert!(refused(&["--default-page-size", "200"]).contains("page sizes"));
        assert!(refused(&["--max-nesting", "500"]).contains("--max-nesting"));
    }
}
