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
pub mod seed;
pub mod startup;

/// A request allocates thousands of small values (rows, strings, response maps);
/// jemalloc serves them in fewer instructions than glibc (see Cargo.toml). Declared
/// here, so the server runs on it in its binary, its tests and its benchmarks alike.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
