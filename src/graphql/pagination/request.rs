//! A validated page request, built once from a list field's arguments and used both
//! as (part of) a batch key and to write the SQL of the page.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, LazyLock};

use async_graphql::Context;
use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, DynIden, Expr, ExprTrait, Func, IntoIden, JoinType,
    Order as SqlOrder, Query, SelectStatement,
};

use super::cursor::{self, Cursor, CursorValue, Cursors};
use super::derived::{GROUP_KEY, GROUP_VALUE};
use super::keyset;
use super::order::{Order, Sort, SortField, SortKey, Source, key_alias};
use crate::error::AppError;
use crate::graphql::RequestCtx;
use crate::graphql::core::{JoinedKey, Node};
use crate::graphql::core::{Reader, Reads};
use crate::graphql::filter::FilterArg;
use crate::graphql::policy;

/// Page sizes: the size when a client names none, and the most it may ask for.
#[derive(clap::Args, Clone, Copy, Debug, PartialEq, Eq)]
#[command(next_help_heading = "Pages")]
pub struct PageLimits {
    /// Page size of a list when the client gives no `first` or `last`.
    #[arg(long = "default-page-size", env = "BLOGQL_DEFAULT_PAGE_SIZE",
          default_value_t = PageLimits::default().default_size)]
    pub default_size: u64,
    /// The largest `first` or `last` accepted; larger requests are refused.
    #[arg(long = "max-page-size", env = "BLOGQL_MAX_PAGE_SIZE",
          default_value_t = PageLimits::default().max_size)]
    pub max_size: u64,
}

impl Default for PageLimits {
    fn default() -> Self {
        PageLimits {
            default_size: 20,
            max_size: 100,
        }
    }
}

/// The Relay arguments of a list field, as the client sent them.
pub struct PageArgs<F: SortField> {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub order_by: Option<Vec<Order<F>>>,
    pub filter: FilterArg<<F::Entity as Node>::Filter>,
}

/// What to fetch: a filter, an ordering, a size, a direction and the cursor bounds.
pub struct PageRequest<E: Node> {
    /// Shared: a request and the keys of every batch it is part of hold it, and a
    /// filter is hundreds of bytes.
    pub filter: Option<Arc<E::Filter>>,
    /// The ordering as the client reads the page.
    pub sort: Sort<E>,
    pub limit: u64,
    /// `last`: read from the end, then hand the page back in reading order.
    pub backward: bool,
    pub after: Option<Vec<CursorValue>>,
    pub before: Option<Vec<CursorValue>>,
    /// The hash of the fields above, taken once when the request is made (they
    /// are not changed after). A request is part of every batch key of its list,
    /// which the DataLoader hashes a dozen times per key; hashing the filter and
    /// ordering each time was 7% of Q1's instructions.
    fingerprint: u64,
}

impl<E: Node> Clone for PageRequest<E> {
    fn clone(&self) -> Self {
        PageRequest {
            filter: self.filter.clone(),
            sort: self.sort.clone(),
            after: self.after.clone(),
            before: self.before.clone(),
            ..*self
        }
    }
}
impl<E: Node> PartialEq for PageRequest<E> {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
            && self.filter == other.filter
            && self.sort == other.sort
            && self.limit == other.limit
            && self.backward == other.backward
            && self.after == other.after
            && self.before == other.before
    }
}
impl<E: Node> Eq for PageRequest<E> {}
impl<E: Node> Hash for PageRequest<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint);
    }
}

/// Keyed per process, like the hash tables the fingerprints end up in.
static FINGERPRINTS: LazyLock<RandomState> = LazyLock::new(RandomState::new);

/// An item of a page with its cursor.
pub type Cursored<T> = (Cursor, T);

/// One page of rows in reading order, each with its cursor, and whether more lie
/// beyond either end.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<Cursored<T>>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<E: Node> PageRequest<E> {
    pub fn new<F: SortField<Entity = E>>(
        ctx: &Context<'_>,
        args: PageArgs<F>,
    ) -> Result<Self, AppError> {
        let limits = ctx.data::<PageLimits>().copied().unwrap_or_default();
        let request = Self::with_limits(limits, args)?;
        // Compiled here only to refuse a bad filter before any SQL is sent; the
        // loader compiles it again where it writes the statement.
        let reader = ctx.data::<RequestCtx>().map_or(
            Reader {
                backend: DbBackend::Postgres,
                viewer: None,
                reads: Reads::ALL,
            },
            RequestCtx::reader,
        );
        // A list may run through a join table; the loader knows, so `taggedAt` is
        // accepted here and checked again where the statement is written.
        request.rows(reader, Some(Alias::new("__link").into_iden()))?;
        Ok(request)
    }

    pub fn with_limits<F: SortField<Entity = E>>(
        limits: PageLimits,
        args: PageArgs<F>,
    ) -> Result<Self, AppError> {
        let sort = Sort::from_orders(args.order_by.as_deref().unwrap_or_default())?;
        let size = |name: &'static str, n: i32| match u64::try_from(n) {
            Ok(n) if n <= limits.max_size => Ok(n),
            _ => Err(AppError::bad_input(
                name,
                format!(
                    "`{name}` must be between 0 and {} (got {n})",
                    limits.max_size
                ),
            )),
        };
        let (limit, backward) = match (args.first, args.last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input(
                    "last",
                    "pass `first` or `last`, not both",
                ));
            }
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (limits.default_size, false),
        };
        let after = args
            .after
            .map(|c| cursor::decode("after", &c, &sort))
            .transpose()?;
        let before = args
            .before
            .map(|c| cursor::decode("before", &c, &sort))
            .transpose()?;
        let filter = args.filter.map(Arc::from);
        let fingerprint = FINGERPRINTS.hash_one((&filter, &sort, limit, backward, &after, &before));
        Ok(PageRequest {
            filter,
            sort,
            limit,
            backward,
            after,
            before,
            fingerprint,
        })
    }

    /// The ordering the SQL reads in: reversed for `last`.
    pub fn query_sort(&self) -> Sort<E> {
        if self.backward {
            self.sort.reversed()
        } else {
            self.sort.clone()
        }
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// The rows of the page's list the reader may see and the filter keeps, as a
    /// WHERE condition on the table under its own name; `link` is the join table
    /// the rows are read through, if they are.
    pub fn rows(&self, reader: Reader, link: Option<DynIden>) -> Result<Condition, AppError> {
        policy::rows_via::<E>(reader, self.filter.as_deref(), link)
    }

    /// Turns `candidates` (a SELECT of the list's rows of `E`, under the table's
    /// own name) into a statement whose rows lie within the cursor bounds, with
    /// the terms to order it by.
    ///
    /// Derived keys are computed once per row: selected beside the row as
    /// `__k0..` (read back for cursors), in a subquery that the bounds and the
    /// ordering then name, since neither WHERE nor a window may use an alias.
    pub fn keyed(&self, candidates: SelectStatement, reader: Reader) -> Keyed {
        self.keyed_as(candidates, reader, false)
    }

    /// [`PageRequest::keyed`] for a list of every row of the table (a root list):
    /// counts are joined once, grouped, rather than counted row by row.
    pub fn keyed_whole(&self, candidates: SelectStatement, reader: Reader) -> Keyed {
        self.keyed_as(candidates, reader, true)
    }

    fn keyed_as(&self, mut candidates: SelectStatement, reader: Reader, whole: bool) -> Keyed {
        if !self.sort.has_derived() {
            let in_place = |_: usize, key: &SortKey<E>| key.expr(reader);
            candidates.cond_where(self.bounds(in_place));
            return Keyed {
                terms: self.query_sort().terms(in_place),
                stmt: candidates,
                at: None,
            };
        }
        for (i, key) in self.sort.keys.iter().enumerate() {
            let Source::Derived(derived) = &key.source else {
                continue;
            };
            // Where grouping was measured to pay: PostgreSQL; on SQLite, counts
            // through a join table, whose grouped form lists the rows the reader
            // sees once (tags by post count 170 -> 17 ms), where a count by foreign
            // key took 5% longer grouped (authors by comment count). MariaDB took
            // as long either way.
            let groups = match reader.backend {
                DbBackend::Postgres => true,
                DbBackend::Sqlite => derived.through,
                _ => false,
            };
            let value = match derived.grouped {
                Some(grouped) if whole && groups => {
                    let counts = Alias::new(format!("__grouped{i}")).into_iden();
                    candidates.join_subquery(
                        JoinType::LeftJoin,
                        grouped(reader),
                        counts.clone(),
                        Expr::col((counts.clone(), Alias::new(GROUP_KEY)))
                            .equals((E::default(), E::ID)),
                    );
                    // A row with no related rows is in no group: its count is 0.
                    Expr::from(Func::coalesce([
                        Expr::col((counts, Alias::new(GROUP_VALUE))),
                        Expr::val(0i64),
                    ]))
                }
                _ => key.expr(reader),
            };
            candidates.expr_as(value, Alias::new(key_alias(i)));
        }
        let at = Alias::new("__keyed").into_iden();
        let over = |i: usize, key: &SortKey<E>| match &key.source {
            Source::Column(col) => Expr::col((at.clone(), col.0)),
            Source::Derived(_) => Expr::col((at.clone(), Alias::new(key_alias(i)))),
        };
        let mut stmt = Query::select();
        stmt.column((at.clone(), Asterisk))
            .from_subquery(candidates, at.clone())
            .cond_where(self.bounds(over));
        Keyed {
            terms: self.query_sort().terms(over),
            stmt,
            at: Some(at.clone()),
        }
    }

    /// The cursor bounds (`after`, `before`) over key values read by `value`.
    fn bounds(&self, value: impl Fn(usize, &SortKey<E>) -> Expr) -> Condition {
        let mut cond = Condition::all();
        if let Some(values) = &self.after {
            cond = cond.add(keyset::after(&self.sort.keys, values, &value));
        }
        if let Some(values) = &self.before {
            cond = cond.add(keyset::after(&self.sort.reversed().keys, values, &value));
        }
        cond
    }

    /// Cuts fetched rows (in query order, at most `fetch()`, each with its
    /// cursor) into the page.
    pub fn page<T>(&self, mut rows: Vec<Cursored<T>>) -> Page<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        if self.backward {
            rows.reverse();
            Page {
                items: rows,
                has_previous: more,
                has_next: self.before.is_some(),
            }
        } else {
            Page {
                items: rows,
                has_previous: self.after.is_some(),
                has_next: more,
            }
        }
    }

    /// Makes the cursors of the rows this request fetches.
    pub fn cursors(&self) -> Cursors<'_, E> {
        Cursors::new(&self.sort)
    }

    /// The counts this page is ordered by that a count field also reads: each
    /// row's value is selected as the alias, and the field looks it up by the key.
    pub fn counts_read(&self) -> Vec<(String, CountKey)> {
        let derived = self
            .sort
            .keys
            .iter()
            .enumerate()
            .filter_map(|(i, key)| match &key.source {
                Source::Derived(derived) => Some((i, derived.joined?)),
                Source::Column(_) => None,
            });
        derived.map(|(i, joined)| (key_alias(i), joined)).collect()
    }
}

/// The key a count field looks a row's count up by (see `graphql::joins`).
pub type CountKey = fn(i64) -> JoinedKey;

/// A page's statement before it is ordered and cut: see [`PageRequest::keyed`].
pub struct Keyed {
    pub stmt: SelectStatement,
    /// ORDER BY terms, in the order the SQL reads (reversed for `last`).
    pub terms: Vec<(Expr, SqlOrder)>,
    /// The name the rows are read under when derived keys wrapped them.
    pub at: Option<DynIden>,
}
