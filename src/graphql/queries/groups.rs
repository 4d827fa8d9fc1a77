//! Group-by results for the screens a blog has (Django's
//! `values("category").annotate(Count("id"))`): posts per category, per tag and
//! per month, each one grouped statement, seen as the viewer may see them.

use async_graphql::{Context, Object, SimpleObject};
use entity::{category, post, post_tag, tag};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend};

use crate::error::GqlResult;
use crate::graphql::context::RequestCtx;
use crate::graphql::filter::FilterArg;
use crate::graphql::policy;
use crate::graphql::registry;
use crate::graphql::relations;
use crate::graphql::types::{Category, PostFilter, Tag};
use crate::statement::Select;

const KEY: &str = "__key";
const COUNT: &str = "__count";

/// How many posts a category holds; `category` is null for uncategorised posts.
pub struct CategoryPostCount {
    category_id: Option<i64>,
    count: i64,
}

#[Object]
impl CategoryPostCount {
    async fn category(&self, ctx: &Context<'_>) -> GqlResult<Option<Category>> {
        match self.category_id {
            Some(id) => Ok(relations::belongs_to::<category::Entity>(ctx, id)
                .await?
                .map(Category)),
            None => Ok(None),
        }
    }

    async fn count(&self) -> i64 {
        self.count
    }
}

/// How many posts carry a tag.
pub struct TagPostCount {
    tag_id: i64,
    count: i64,
}

#[Object]
impl TagPostCount {
    async fn tag(&self, ctx: &Context<'_>) -> GqlResult<Tag> {
        relations::required::<tag::Entity>(ctx, self.tag_id)
            .await
            .map(Tag)
    }

    async fn count(&self) -> i64 {
        self.count
    }
}

/// How many posts were published in a month (`2026-01`, UTC).
#[derive(SimpleObject)]
pub struct MonthPostCount {
    pub month: String,
    pub count: i64,
}

/// Posts of the viewer's view that pass `filter`, grouped by `key`, largest groups
/// first (then by key), or by key alone when `by_key`.
async fn grouped<K: sea_orm::TryGetable>(
    ctx: &Context<'_>,
    filter: Option<&PostFilter>,
    mut stmt: SelectStatement,
    key: Expr,
    by_key: bool,
) -> GqlResult<Vec<(K, i64)>> {
    let request = RequestCtx::of(ctx)?;
    stmt.from(post::Entity)
        .expr_as(key.clone(), Alias::new(KEY))
        .expr_as(Func::count(Expr::col(Asterisk)), Alias::new(COUNT))
        .cond_where(policy::rows::<post::Entity>(request.reader(), filter)?)
        .add_group_by([key.clone()]);
    // By the expressions, not their aliases: PostgreSQL takes an alias in ORDER BY
    // only on its own, not inside `IS NULL`.
    if !by_key {
        stmt.order_by_expr(Func::count(Expr::col(Asterisk)).into(), Order::Desc);
    }
    // The null group (uncategorised) last on every backend, then by key.
    stmt.order_by_expr(key.clone().is_null(), Order::Asc)
        .order_by_expr(key, Order::Asc);
    let rows = request.db.query_all(&Select(&stmt)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push((row.try_get("", KEY)?, row.try_get("", COUNT)?));
    }
    Ok(out)
}

/// `published_at` as `YYYY-MM` in UTC, in each backend's dialect.
fn month(backend: DbBackend) -> Expr {
    let col = post::Column::PublishedAt.into_expr();
    match backend {
        DbBackend::Postgres => {
            // PostgreSQL's placeholder here is $1; the others' is ?.
            Expr::cust_with_expr("to_char(timezone('UTC', $1), 'YYYY-MM')", col)
        }
        DbBackend::MySql => Expr::cust_with_expr("DATE_FORMAT(?, '%Y-%m')", col),
        _ => Expr::cust_with_expr("strftime('%Y-%m', ?)", col),
    }
}

#[derive(Default)]
pub struct GroupQuery;

#[Object]
impl GroupQuery {
    /// Posts per category (the filter applies first), largest first.
    async fn posts_by_category(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<PostFilter>,
    ) -> GqlResult<Vec<CategoryPostCount>> {
        let key = registry::POST_CATEGORY.column.into_expr();
        let groups =
            grouped::<Option<i64>>(ctx, filter.as_deref(), Query::select(), key, false).await?;
        Ok(groups
            .into_iter()
            .map(|(category_id, count)| CategoryPostCount { category_id, count })
            .collect())
    }

    /// Posts per tag (the filter applies first), largest first.
    async fn posts_by_tag(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<PostFilter>,
    ) -> GqlResult<Vec<TagPostCount>> {
        let (to_post, to_tag) = registry::POST_TAGS.columns();
        let mut stmt = Query::select();
        stmt.inner_join(
            post_tag::Entity,
            ExprTrait::eq(to_post.into_expr(), post::Column::Id.into_expr()),
        );
        let key = to_tag.into_expr();
        let groups = grouped::<i64>(ctx, filter.as_deref(), stmt, key, false).await?;
        Ok(groups
            .into_iter()
            .map(|(tag_id, count)| TagPostCount { tag_id, count })
            .collect())
    }

    /// Posts per month of publication (drafts have none), oldest month first.
    async fn posts_by_month(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<PostFilter>,
    ) -> GqlResult<Vec<MonthPostCount>> {
        let backend = RequestCtx::of(ctx)?.db.get_database_backend();
        let mut stmt = Query::select();
        stmt.and_where(post::Column::PublishedAt.is_not_null());
        let groups = grouped::<String>(ctx, filter.as_deref(), stmt, month(backend), true).await?;
        Ok(groups
            .into_iter()
            .map(|(month, count)| MonthPostCount { month, count })
            .collect())
    }
}
