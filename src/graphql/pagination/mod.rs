//! Relay cursor pagination done in SQL: orderings with a unique tiebreak, opaque
//! cursors that carry the whole sort key, keyset conditions, and the validated page
//! request that every list (root or nested) is built from.

pub mod connection;
pub mod cursor;
pub mod derived;
pub mod keyset;
pub mod order;
pub mod request;

pub use connection::{Conn, TotalCount};
pub use derived::Derived;
pub use order::Source;
pub use order::{NullsOrder, Order, OrderDirection, SortField};
pub use request::{Cursored, Keyed, Page, PageArgs, PageLimits, PageRequest};
