//! Integration tests: the real server on a random port, a fresh database per test
//! and backend, GraphQL over HTTP.

mod cli;
mod filters;
mod helpers;
mod migrations;
mod pagination;
mod relations;
mod server;
mod statements;
