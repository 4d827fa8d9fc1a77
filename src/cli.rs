//! The command line: `blogql [serve]`, `migrate`, `seed`, `schema [--diff]`,
//! `promote`, `media gc`. The server's
//! settings are [`Config`]'s; every one can also come from the environment.

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, MediaConfig};
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
    /// Look after the uploaded files.
    Media {
        #[command(subcommand)]
        action: MediaAction,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum MediaAction {
    /// Remove stored files that no row holds, and unfinished uploads: what a crash
    /// between a commit and a file's removal, or replicas racing, leave behind.
    Gc(GcArgs),
}

#[derive(Args, Debug, Clone)]
pub struct GcArgs {
    /// The media folder, as `serve --media-dir` names it.
    #[arg(long, env = "BLOGQL_MEDIA_DIR", value_name = "DIR",
          default_value_os_t = MediaConfig::default().media_dir)]
    pub media_dir: std::path::PathBuf,
    /// Leave files younger than this many seconds: an upload in flight stores its
    /// file before the commit that names it.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub older_than: u64,
    /// List what would be removed, and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
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
