//! How resolvers reach data: one function per relation kind, each through its
//! generic loader, plus root lists. Types call these with their relation's columns.

use std::sync::Arc;

use async_graphql::connection::{ConnectionNameType, EdgeNameType, EmptyFields};
use async_graphql::dataloader::Loader;
use async_graphql::{Context, ObjectType, OutputType};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ConnectionTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryResult, QueryTrait,
};

use super::columns;
use super::context::RequestCtx;
use super::core::{Col, ForeignKey, JoinedKey, JoinedRow, ManyToMany, Node, as_i64};
use super::filter::FilterArg;
use super::joins::Joins;
use super::loaders::aggregate::{self, Aggregate, AggregateOf, Timed};
use super::loaders::{
    self, ById, CountOf, CountThrough, HasOneOf, Linked, Loaders, PageOf, ThroughPage,
};
use super::pagination::connection::{CountSource, connection};
use super::pagination::{Conn, Keyed, PageRequest, TotalCount};
use super::policy;
use crate::error::{AppError, GqlResult};
use crate::graphql::decode::Decode;
use crate::statement::Select;

/// Belongs-to: the row a foreign key points at.
pub async fn belongs_to<E: Node>(ctx: &Context<'_>, id: i64) -> GqlResult<Option<E::Model>> {
    let loaders = RequestCtx::of(ctx)?.loader.loader();
    if let Some(joined) = loaders.joined::<E>(JoinedKey::new::<E>(E::ID, id)) {
        return Ok(joined);
    }
    loaders.plan::<ById<E>>(Joins::of_field::<E>(ctx));
    load(ctx, ById::<E>::new(id)).await
}

/// Belongs-to through a non-null foreign key: the row must exist.
pub async fn required<E: Node>(ctx: &Context<'_>, id: i64) -> GqlResult<E::Model> {
    belongs_to::<E>(ctx, id)
        .await?
        .ok_or_else(|| AppError::not_found(E::NAME))
}

/// Has-one: the row whose unique foreign key `fk` points at `parent`.
pub async fn has_one<E: Node, P: EntityTrait>(
    ctx: &Context<'_>,
    fk: ForeignKey<E, P>,
    parent: i64,
) -> GqlResult<Option<E::Model>> {
    let loaders = RequestCtx::of(ctx)?.loader.loader();
    if let Some(joined) = loaders.joined::<E>(JoinedKey::new::<E>(fk.column, parent)) {
        return Ok(joined);
    }
    loaders.plan::<HasOneOf<E>>(Joins::of_field::<E>(ctx));
    let key = HasOneOf {
        fk: Col::<E>(fk.column),
        parent,
    };
    load(ctx, key).await
}

/// Has-many: a page of the rows whose `fk` points at `parent`. Boxed, as are the
/// other list relations: see [`load`].
pub fn has_many<'a, E: Node, P: EntityTrait, N: OutputType + 'a>(
    ctx: &'a Context<'_>,
    fk: ForeignKey<E, P>,
    parent: i64,
    page: PageRequest<E>,
    node: fn(E::Model) -> N,
) -> BoxFuture<'a, GqlResult<Conn<N>>> {
    Box::pin(async move {
        let fk = Col(fk.column);
        let key = PageOf {
            fk,
            parent,
            page: page.clone(),
        };
        let loaders = RequestCtx::of(ctx)?.loader.loader();
        loaders.plan::<PageOf<E>>(Joins::of_nodes::<E>(ctx));
        let rows = load(ctx, key).await?;
        let total = TotalCount(Box::new(RelationCount {
            fk,
            parent,
            filter: page.filter.clone(),
        }));
        Ok(connection(
            rows.map_or_else(|| page.page(Vec::new()), loaders::take),
            total,
            |m| (node(m), EmptyFields),
        ))
    })
}

/// Many-to-many: a page of the rows of `E` linked to `parent` through the join
/// table `J`; `edge` makes each node and the edge fields from its join row.
pub fn through<'a, P, E, J, N, EF, CN, EN>(
    ctx: &'a Context<'_>,
    link_rows: ManyToMany<J, P, E>,
    parent: i64,
    page: PageRequest<E>,
    edge: fn(Linked<E, J>) -> (N, EF),
) -> BoxFuture<'a, GqlResult<Conn<N, EF, CN, EN>>>
where
    P: EntityTrait,
    E: Node,
    J: EntityTrait<Model: Sync> + Decode,
    N: OutputType + 'a,
    EF: ObjectType + 'a,
    CN: ConnectionNameType,
    EN: EdgeNameType,
{
    Box::pin(async move {
        let (from, to) = link_rows.columns();
        let (from, to) = (Col::<J>(from), Col::<J>(to));
        let key = ThroughPage {
            from,
            to,
            fanout: link_rows.fanout,
            parent,
            page: page.clone(),
        };
        let loaders = RequestCtx::of(ctx)?.loader.loader();
        loaders.plan::<ThroughPage<E, J>>(Joins::of_nodes::<E>(ctx));
        let rows = load(ctx, key).await?;
        let total = TotalCount(Box::new(ThroughCount::<E, J> {
            from,
            to,
            parent,
            filter: page.filter.clone(),
        }));
        Ok(connection(
            rows.map_or_else(|| page.page(Vec::new()), loaders::take),
            total,
            edge,
        ))
    })
}

/// How many rows of `E` have `fk = parent` (and pass `filter`).
pub async fn count<E: Node, P: EntityTrait>(
    ctx: &Context<'_>,
    fk: ForeignKey<E, P>,
    parent: i64,
    filter: FilterArg<E::Filter>,
) -> GqlResult<i64> {
    if filter.is_none()
        && let Some(n) = joined_count(ctx, JoinedKey::count_of(fk, parent))?
    {
        return Ok(n);
    }
    let key = CountOf {
        fk: Col::<E>(fk.column),
        parent,
        filter: filter.map(Arc::from),
    };
    load_count(ctx, key).await
}

/// A count the statement that read the parent selected with it (`graphql::joins`).
fn joined_count(ctx: &Context<'_>, key: JoinedKey) -> GqlResult<Option<i64>> {
    Ok(RequestCtx::of(ctx)?.loader.loader().joined_count(key))
}

/// How many rows of `E` are linked to `parent` through the join table `J`
/// (and pass `filter`).
pub async fn count_through<P: EntityTrait, E: Node, J: EntityTrait>(
    ctx: &Context<'_>,
    link_rows: ManyToMany<J, P, E>,
    parent: i64,
    filter: FilterArg<E::Filter>,
) -> GqlResult<i64> {
    if filter.is_none()
        && let Some(n) = joined_count(ctx, JoinedKey::count_through(link_rows, parent))?
    {
        return Ok(n);
    }
    let (from, to) = link_rows.columns();
    let key = CountThrough::<E, J> {
        from: Col(from),
        to: Col(to),
        parent,
        filter: filter.map(Arc::from),
    };
    load_count(ctx, key).await
}

/// The count and timestamp ranges of the rows of `E` with `fk = parent`.
pub async fn aggregate<E: Timed, P: EntityTrait>(
    ctx: &Context<'_>,
    fk: ForeignKey<E, P>,
    parent: i64,
    filter: FilterArg<E::Filter>,
) -> GqlResult<Aggregate> {
    let key = AggregateOf {
        fk: Col::<E>(fk.column),
        parent,
        filter: filter.map(Arc::from),
    };
    let loaded = load(ctx, key).await?;
    Ok(loaded.unwrap_or_default())
}

/// The count and timestamp ranges of every row of `E` the reader sees that passes
/// `filter`, in one statement.
pub async fn aggregate_all<E: Timed>(
    ctx: &Context<'_>,
    filter: FilterArg<E::Filter>,
) -> GqlResult<Aggregate> {
    let request = RequestCtx::of(ctx)?;
    let rows = policy::rows::<E>(request.reader(), filter.as_deref())?;
    aggregate::whole::<E>(&request.db, rows).await
}

/// Loads one key through the request's loader. Boxed: async-graphql sizes the
/// future of every field of a type by its largest field, and a loader's load is
/// kilobytes of state; behind a box only the fields that load pay for it (Q1's
/// 2,500 tag names each cost a 9 KB allocation before).
fn load<'a, K>(
    ctx: &'a Context<'_>,
    key: K,
) -> BoxFuture<'a, GqlResult<Option<<Loaders as Loader<K>>::Value>>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = AppError>,
{
    Box::pin(async move { RequestCtx::of(ctx)?.loader.load_one(key).await })
}

async fn load_count<K>(ctx: &Context<'_>, key: K) -> GqlResult<i64>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Value = i64, Error = AppError>,
{
    let loaded = load(ctx, key).await?;
    Ok(loaded.unwrap_or_default())
}

/// A root list: one page of all rows of `E`, in one statement.
pub async fn root_list<E: Node, N: OutputType>(
    ctx: &Context<'_>,
    page: PageRequest<E>,
    node: fn(E::Model) -> N,
) -> GqlResult<Conn<N>> {
    let request = RequestCtx::of(ctx)?;
    let reader = request.reader();
    let mut candidates = columns::find::<E>(reader).into_query();
    candidates.cond_where(page.rows(reader, None)?);
    // Counts stay with the count loader here: a root list orders and limits this
    // very statement, and where it sorts (by a count, say) SQLite and MariaDB
    // evaluate a selected count for every candidate row, not only the page's (tags
    // by post count: 115 ms -> 3.8 s on MariaDB, 23 -> 194 ms on PostgreSQL).
    let joins = Joins::of_nodes::<E>(ctx).without_counts();
    joins.add::<E>(&mut candidates, reader);
    let Keyed {
        mut stmt, terms, ..
    } = page.keyed_whole(candidates, reader);
    for (expr, order) in terms {
        stmt.order_by_expr(expr, order);
    }
    stmt.limit(page.fetch());
    let cursors = page.cursors();
    // A count the page is ordered by is read with each row: its field needs no
    // statement of its own (tags by post count, with `postCount`).
    let counts_read = page.counts_read();
    let mut counts = Vec::new();
    let loaders = request.loader.loader();
    let stamp = loaders.stamp();
    let rows = read_joined::<E, _>(request, &stmt, joins, |model, row| {
        if let Some(id) = as_i64(model.get(E::ID)) {
            for (alias, key) in &counts_read {
                let n: i64 = row.try_get("", alias)?;
                counts.push(JoinedRow {
                    key: key(id),
                    row: Box::new(n),
                });
            }
        }
        Ok((cursors.of(&model, row)?, model))
    })
    .await?;
    loaders.keep(stamp, counts);
    let total = TotalCount(Box::new(TableCount::<E> {
        filter: page.filter.clone(),
    }));
    Ok(connection(page.page(rows), total, |m| {
        (node(m), EmptyFields)
    }))
}

/// Runs `stmt`, which reads rows of `E` joined to the relations of `joins`, outside
/// any loader (a root list or lookup): each row is made into a `T` by `make`, and
/// the joined rows are kept for their fields.
pub async fn read_joined<E: Node, T>(
    request: &RequestCtx,
    stmt: &SelectStatement,
    joins: Joins,
    mut make: impl FnMut(E::Model, &QueryResult) -> GqlResult<T>,
) -> GqlResult<Vec<T>> {
    let loaders = request.loader.loader();
    let stamp = loaders.stamp();
    let mut out = Vec::new();
    let mut joined = Vec::new();
    let rows = request.db.query_all(&Select(stmt)).await?;
    joins.decode_each::<E, AppError>(rows, &mut joined, |model, row, _| {
        out.push(make(model, row)?);
        Ok(())
    })?;
    loaders.keep(stamp, joined);
    Ok(out)
}

/// A nested list's total: counted per parent through the count loader.
struct RelationCount<E: Node> {
    fk: Col<E>,
    parent: i64,
    filter: Option<Arc<E::Filter>>,
}

#[async_trait::async_trait]
impl<E: Node> CountSource for RelationCount<E> {
    async fn count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        let key = CountOf {
            fk: self.fk,
            parent: self.parent,
            filter: self.filter.clone(),
        };
        load_count(ctx, key).await
    }
}

/// A many-to-many list's total: the linked rows that pass the filter.
struct ThroughCount<E: Node, J: EntityTrait> {
    from: Col<J>,
    to: Col<J>,
    parent: i64,
    filter: Option<Arc<E::Filter>>,
}

#[async_trait::async_trait]
impl<E: Node, J: EntityTrait> CountSource for ThroughCount<E, J> {
    async fn count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        let key = CountThrough::<E, J> {
            from: self.from,
            to: self.to,
            parent: self.parent,
            filter: self.filter.clone(),
        };
        load_count(ctx, key).await
    }
}

/// A root list's total: every row of the table that passes the filter.
struct TableCount<E: Node> {
    filter: Option<Arc<E::Filter>>,
}

#[async_trait::async_trait]
impl<E: Node> CountSource for TableCount<E> {
    async fn count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        let request = RequestCtx::of(ctx)?;
        let rows = policy::rows::<E>(request.reader(), self.filter.as_deref())?;
        let n = E::find().filter(rows).count(&request.db).await?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
