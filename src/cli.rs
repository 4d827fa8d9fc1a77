//! The command line: `blogql [serve]`, `migrate`, `seed`, `schema [--diff]`. The server's
//! settings are [`Config`]'s; every one can also come from the environment.

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::logging::LogFormat;

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

    /// How log events are written to standard error: `text` lines, or one `json`
    /// object per line for a log pipeline.
    #[arg(
        long,
        env = "BLOGQL_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// The server's settings, for `blogql` alone.
    #[command(flatten)]
    pub serve: Config,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (what `blogql` alone does).
    Serve(Box<Config>),
    /// Apply, roll back or inspect schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Fill an empty database with the deterministic benchmark data set.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL), or with `--diff` what changed since an
    /// older one.
    Schema(SchemaArgs),
    /// Mark an author as staff: they may then rename and delete categories and tags.
    Promote {
        /// The author's username.
        username: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct SchemaArgs {
    /// Compare the schema with this older SDL file instead of printing it: each
    /// change is listed as BREAKING, DANGEROUS or SAFE, and the exit status is 1
    /// when a breaking change is not accepted.
    #[arg(long, value_name = "OLD.graphql")]
    pub diff: Option<std::path::PathBuf>,
    /// Breaking changes made on purpose, one per line as the diff names them
    /// (`FIELD_REMOVED Post.rowId`); `#` starts a comment.
    #[arg(long, value_name = "FILE", requires = "diff")]
    pub accept: Option<std::path::PathBuf>,
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
