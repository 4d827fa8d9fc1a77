//! The command line: `blogql [serve]`, `migrate`, `seed`, `schema`. Every server
//! setting can also come from the environment.

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::executor::ApqLimits;
use crate::graphql::limits::DocumentLimits;

/// The highest `--max-nesting` and `--max-value-depth` accepted.
const MAX_NESTING_CEILING: usize = 128;
const MAX_VALUE_DEPTH_CEILING: usize = 64;
use crate::graphql::{PageLimits, QueryLimits};

#[derive(Parser, Debug)]
#[command(
    name = "blogql",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Database URL: sqlite://FILE, postgres://... or mysql://...
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://blogql.db",
        global = true
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (what `blogql` alone does).
    Serve(Box<ServeArgs>),
    /// Apply, roll back or inspect schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Fill an empty database with the deterministic benchmark data set.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Mark an author as staff: they may then rename and delete categories and tags.
    Promote {
        /// The author's username.
        username: String,
    },
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum MigrateAction {
    /// Apply pending migrations.
    Up,
    /// Roll back the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table, then apply all migrations.
    Fresh,
}

#[derive(Args, Debug, Clone)]
pub struct SeedArgs {
    /// Authors to create; everything else scales with them (20 posts each, ...).
    #[arg(long, default_value_t = 1000)]
    pub authors: u32,
    /// Drop and recreate the schema first, even when the database holds data.
    #[arg(long)]
    pub fresh: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BLOGQL_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "BLOGQL_PORT", default_value_t = 8000)]
    pub port: u16,
    /// Page size of a list when the client gives no `first` or `last`.
    #[arg(long, env = "BLOGQL_DEFAULT_PAGE_SIZE", default_value_t = 20)]
    pub default_page_size: u64,
    /// The largest `first` or `last` accepted; larger requests are refused.
    #[arg(long, env = "BLOGQL_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u64,
    /// The deepest selection nesting an operation may have.
    #[arg(long, env = "BLOGQL_MAX_DEPTH", default_value_t = QueryLimits::default().max_depth)]
    pub max_depth: usize,
    /// The highest complexity an operation may have (a list costs its page size
    /// times what one row costs).
    #[arg(long, env = "BLOGQL_MAX_COMPLEXITY", default_value_t = QueryLimits::default().max_complexity)]
    pub max_complexity: usize,
    /// The most lexical tokens a document may have (counted before parsing).
    #[arg(long, env = "BLOGQL_MAX_TOKENS", default_value_t = DocumentLimits::default().max_tokens)]
    pub max_tokens: usize,
    /// The most aliased fields (`__typename` included) a document may have.
    #[arg(long, env = "BLOGQL_MAX_ALIASES", default_value_t = DocumentLimits::default().max_aliases)]
    pub max_aliases: usize,
    /// The most fields one operation may select at its root.
    #[arg(long, env = "BLOGQL_MAX_ROOT_FIELDS", default_value_t = DocumentLimits::default().max_root_fields)]
    pub max_root_fields: usize,
    /// The most directives on one field or fragment.
    #[arg(long, env = "BLOGQL_MAX_DIRECTIVES", default_value_t = DocumentLimits::default().max_directives)]
    pub max_directives: usize,
    /// The most fields a document may select once its fragments are expanded.
    #[arg(long, env = "BLOGQL_MAX_FIELDS", default_value_t = DocumentLimits::default().max_fields)]
    pub max_fields: u64,
    /// The deepest brackets may nest in a document (selection sets, lists, objects,
    /// argument lists; a fragment spread counts as a level). At most 128.
    #[arg(long, env = "BLOGQL_MAX_NESTING", default_value_t = DocumentLimits::default().max_nesting)]
    pub max_nesting: usize,
    /// The deepest lists and objects may nest in one argument value or variable.
    /// At most 64.
    #[arg(long, env = "BLOGQL_MAX_VALUE_DEPTH", default_value_t = DocumentLimits::default().max_value_depth)]
    pub max_value_depth: usize,
    /// The most operations in one batched (JSON array) request.
    #[arg(long, env = "BLOGQL_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// The largest request body, in bytes; larger ones get 413.
    #[arg(long, env = "BLOGQL_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// Persisted query documents kept in memory (least recently used evicted).
    #[arg(long, env = "BLOGQL_APQ_CACHE_SIZE", default_value_t = 1000)]
    pub apq_cache_size: usize,
    /// Bytes of persisted documents kept in memory at most.
    #[arg(long, env = "BLOGQL_APQ_CACHE_BYTES", default_value_t = ApqLimits::default().max_bytes)]
    pub apq_cache_bytes: usize,
    /// The largest document that is persisted, in bytes (larger ones still run).
    #[arg(long, env = "BLOGQL_APQ_MAX_DOCUMENT_BYTES", default_value_t = ApqLimits::default().max_document_bytes)]
    pub apq_max_document_bytes: usize,
    /// Milliseconds a request waits for a database connection before it is
    /// answered SERVICE_UNAVAILABLE.
    #[arg(long, env = "BLOGQL_ACQUIRE_TIMEOUT_MS", default_value_t = 3000)]
    pub acquire_timeout_ms: u64,
    /// Milliseconds one SQL statement may run on PostgreSQL before it is cancelled.
    #[arg(long, env = "BLOGQL_STATEMENT_TIMEOUT_MS", default_value_t = 10_000)]
    pub statement_timeout_ms: u64,
    /// Milliseconds a subscription WebSocket may wait before `connection_init`.
    #[arg(long, env = "BLOGQL_WS_INIT_TIMEOUT_MS", default_value_t = 10_000)]
    pub ws_init_timeout_ms: u64,
    /// Report each response's SQL statement count in `extensions.sqlStatements`.
    #[arg(long, env = "BLOGQL_DEBUG_SQL")]
    pub debug_sql: bool,
    /// Do not load the demo data set into an empty database.
    #[arg(long, env = "BLOGQL_NO_DEMO")]
    pub no_demo: bool,
    /// Database connections in the pool.
    #[arg(long, env = "BLOGQL_MAX_CONNECTIONS", default_value_t = 10)]
    pub max_connections: u32,
    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "BLOGQL_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Secret for signing bearer tokens (at least 32 bytes). Unset: a random one per
    /// process, so tokens stop working at restart.
    #[arg(long, env = "BLOGQL_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Browser origins allowed to call the API (CORS), comma-separated, or `*`.
    /// None by default: browsers on other origins are refused.
    #[arg(long, env = "BLOGQL_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Production mode: no introspection, no field suggestions, no GraphiQL.
    #[arg(long, env = "BLOGQL_PRODUCTION")]
    pub production: bool,
    /// Seconds a bearer token stays valid.
    #[arg(long, env = "BLOGQL_TOKEN_TTL", default_value_t = 86_400)]
    pub token_ttl: u64,
}

impl ServeArgs {
    pub fn into_config(self, database_url: String) -> Result<Config, String> {
        if self.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err("the JWT secret must be at least 32 bytes".to_owned());
        }
        if self.max_page_size == 0 || self.default_page_size > self.max_page_size {
            return Err(format!(
                "page sizes: need 0 < default ({}) <= max ({})",
                self.default_page_size, self.max_page_size
            ));
        }
        // Past these the parser's recursion would reach the end of a thread's stack.
        if self.max_nesting > MAX_NESTING_CEILING || self.max_value_depth > MAX_VALUE_DEPTH_CEILING
        {
            return Err(format!(
                "--max-nesting is at most {MAX_NESTING_CEILING} and --max-value-depth at most \
                 {MAX_VALUE_DEPTH_CEILING}"
            ));
        }
        Ok(Config {
            database_url,
            host: self.host,
            port: self.port,
            limits: PageLimits {
                default_size: self.default_page_size,
                max_size: self.max_page_size,
            },
            query_limits: QueryLimits {
                max_depth: self.max_depth,
                max_complexity: self.max_complexity,
            },
            document_limits: DocumentLimits {
                max_tokens: self.max_tokens,
                max_aliases: self.max_aliases,
                max_root_fields: self.max_root_fields,
                max_directives: self.max_directives,
                max_fields: self.max_fields,
                max_nesting: self.max_nesting.max(1),
                max_value_depth: self.max_value_depth.max(1),
            },
            body_limit: self.body_limit,
            max_batch: self.max_batch.max(1),
            apq: ApqLimits {
                max_entries: self.apq_cache_size.max(1),
                max_bytes: self.apq_cache_bytes,
                max_document_bytes: self.apq_max_document_bytes,
            },
            acquire_timeout: std::time::Duration::from_millis(self.acquire_timeout_ms.max(1)),
            statement_timeout: std::time::Duration::from_millis(self.statement_timeout_ms.max(1)),
            ws_init_timeout: std::time::Duration::from_millis(self.ws_init_timeout_ms.max(1)),
            debug_sql: self.debug_sql,
            demo: !self.no_demo,
            max_connections: self.max_connections.max(1),
            request_timeout: std::time::Duration::from_secs(self.request_timeout.max(1)),
            jwt_secret: self.jwt_secret,
            token_ttl: std::time::Duration::from_secs(self.token_ttl.max(1)),
            cors_origins: self.cors_origins,
            production: self.production,
        })
    }
}
