//! Aggregates as GraphQL types.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::graphql::loaders::aggregate::Aggregate;

/// The earliest and latest value of a timestamp over a set; null for an empty set
/// (or one where every value is null).
#[derive(SimpleObject, Clone, Copy, Debug, Default)]
pub struct TimeRange {
    pub min: Option<DateTime<Utc>>,
    pub max: Option<DateTime<Utc>>,
}

/// A set of posts summed up: how many, and when they were published, created and
/// last updated.
#[derive(SimpleObject, Clone, Debug)]
pub struct PostAggregate {
    pub count: i64,
    pub published_at: TimeRange,
    pub created_at: TimeRange,
    pub updated_at: TimeRange,
}

impl From<Aggregate> for PostAggregate {
    /// The ranges come in the order of `Timed::TIMES` for posts.
    fn from(a: Aggregate) -> Self {
        let range = |i: usize| {
            a.ranges
                .get(i)
                .map(|&(min, max)| TimeRange { min, max })
                .unwrap_or_default()
        };
        PostAggregate {
            count: a.count,
            published_at: range(0),
            created_at: range(1),
            updated_at: range(2),
        }
    }
}
