//! blogql: a GraphQL server over a relational blog model, with every relation
//! level answered by a batched loader.

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod executor;
pub mod graphql;
pub mod http;
pub mod logging;
pub mod media;
pub mod metrics;
pub mod schema_diff;
pub mod seed;
pub mod sqlite_functions;
pub mod startup;
pub mod statement;
pub mod traces;

/// A request allocates thousands of small values (rows, strings, response maps);
/// jemalloc serves them in fewer instructions than glibc (see Cargo.toml). Declared
/// here, so the server runs on it in its binary, its tests and its benchmarks alike.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once at start. Blocks up to 128 KiB (a response being
/// written, a statement's rows) stay in the thread's cache when freed: above the
/// default 32 KiB they went back to the arena, which returned their pages to the
/// kernel at once, four `madvise` calls per Q4 request, each a TLB shootdown on
/// every core (a tenth of the server's time).
#[used]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 18] = b"tcache_max:131072\0";
