//! Integration tests: the real server on a random port, a fresh database per test
//! and backend, GraphQL over HTTP.

mod accounts;
mod cli;
mod django;
mod domain;
mod filters;
mod hardening;
mod helpers;
mod joined;
mod metrics;
mod migrations;
mod mutations;
mod ordering;
mod pagination;
mod protocol;
mod relations;
mod relay;
mod response_order;
mod server;
mod startup;
mod statements;
mod subscriptions;
mod uploads;
mod visibility;
