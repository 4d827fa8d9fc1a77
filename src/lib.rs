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
