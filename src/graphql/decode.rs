//! Rows decoded by column position. SeaORM's derived decoding finds every column by
//! its name, hashing it, and under a prefix first formats that name, for every column
//! of every row: the rows joined to a page of posts were a sixth of the instructions
//! of a reverse many-to-many query (callgrind, Q3). Here the columns of each model a
//! statement carries are found once per statement, and each value is read where it
//! stands; a type this does not read falls back to SeaORM's own decoding.

use std::any::TypeId;

use sea_orm::sea_query::{ArrayType, Value};
use sea_orm::{
    ActiveModelTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, ModelTrait,
    QueryResult, TryIntoModel,
};

/// The column names of one statement's rows, and where each model's columns
/// start among them, by entity and prefix.
pub struct Columns {
    names: Vec<String>,
    starts: Vec<(TypeId, String, Option<usize>)>,
}

impl Columns {
    pub fn of(row: &QueryResult) -> Self {
        Columns {
            names: row.column_names(),
            starts: Vec::new(),
        }
    }

    /// Where `T`'s columns, in their declared order and each under `prefix`, start.
    fn start<T: EntityTrait>(&mut self, prefix: &str) -> Option<usize> {
        let entity = TypeId::of::<T>();
        let known = self
            .starts
            .iter()
            .find(|(e, p, _)| *e == entity && p == prefix);
        if let Some((_, _, start)) = known {
            return *start;
        }
        let named = |at: usize, col: T::Column| {
            self.names
                .get(at)
                .and_then(|name| name.strip_prefix(prefix))
                .is_some_and(|name| name == col.as_str())
        };
        let first = T::Column::iter().next();
        let start = first.and_then(|first| {
            (0..self.names.len()).find(|&at| {
                named(at, first) && T::Column::iter().enumerate().all(|(j, c)| named(at + j, c))
            })
        });
        self.starts.push((entity, prefix.to_owned(), start));
        start
    }
}

/// An entity whose rows are decoded by position: every SeaORM entity.
pub trait Decode: EntityTrait {
    /// The model whose columns `row` carries under `prefix`.
    fn decode(row: &QueryResult, columns: &mut Columns, prefix: &str)
    -> Result<Self::Model, DbErr>;
}

impl<T> Decode for T
where
    T: EntityTrait,
    T::ActiveModel: TryIntoModel<T::Model>,
{
    fn decode(row: &QueryResult, columns: &mut Columns, prefix: &str) -> Result<T::Model, DbErr> {
        if let Some(start) = columns.start::<T>(prefix)
            && let Some(model) = by_position::<T>(row, start)?
        {
            return Ok(model);
        }
        T::Model::from_query_result(row, prefix)
    }
}

fn by_position<T>(row: &QueryResult, start: usize) -> Result<Option<T::Model>, DbErr>
where
    T: EntityTrait,
    T::ActiveModel: TryIntoModel<T::Model>,
{
    let mut model = <T::ActiveModel as ActiveModelTrait>::default();
    for (j, col) in T::Column::iter().enumerate() {
        let ty = <T::Model as ModelTrait>::get_value_type(col);
        let Some(value) = value_at(row, start + j, ty)? else {
            return Ok(None);
        };
        model.try_set(col, value)?;
    }
    model.try_into_model().map(Some)
}

/// The value at `at`, read as the type the model holds (`None`: a type this does
/// not read).
fn value_at(row: &QueryResult, at: usize, ty: ArrayType) -> Result<Option<Value>, DbErr> {
    Ok(Some(match ty {
        ArrayType::Bool => Value::Bool(row.try_get_by_index(at)?),
        ArrayType::Int => Value::Int(row.try_get_by_index(at)?),
        ArrayType::BigInt => Value::BigInt(row.try_get_by_index(at)?),
        ArrayType::String => Value::String(row.try_get_by_index(at)?),
        ArrayType::ChronoDate => Value::ChronoDate(row.try_get_by_index(at)?),
        ArrayType::ChronoDateTimeUtc => Value::ChronoDateTimeUtc(row.try_get_by_index(at)?),
        _ => return Ok(None),
    }))
}

/// `T`'s primary key in `row` under `prefix` (`None`: NULL, as a LEFT JOIN that
/// found nothing leaves it).
pub fn id<T: EntityTrait>(
    row: &QueryResult,
    columns: &mut Columns,
    prefix: &str,
    id: T::Column,
) -> Result<Option<i64>, DbErr> {
    let at = T::Column::iter().position(|c| c.as_str() == id.as_str());
    match (columns.start::<T>(prefix), at) {
        (Some(start), Some(at)) => row.try_get_by_index(start + at),
        _ => row.try_get(prefix, id.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use entity::{author, category, comment, post, post_tag, profile, tag};
    use migration::{Migrator, MigratorTrait};
    use sea_orm::sea_query::{Alias, Expr, IntoIden, JoinType, Order};
    use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, ExprTrait, QueryTrait};

    use super::*;
    use crate::db::{PoolSettings, connect};

    type Outcome = Result<(), Box<dyn std::error::Error>>;

    async fn demo() -> Result<DatabaseConnection, DbErr> {
        let conn = connect("sqlite::memory:", PoolSettings::single()).await?;
        Migrator::up(&conn, None).await?;
        crate::seed::demo::load(&conn).await?;
        Ok(conn)
    }

    /// Every row of `T` decodes by position as SeaORM decodes it by name; how many
    /// rows there were.
    async fn same_as_by_name<T: EntityTrait>(conn: &DatabaseConnection) -> Result<usize, DbErr>
    where
        T::Model: PartialEq + std::fmt::Debug,
        T::ActiveModel: TryIntoModel<T::Model>,
    {
        let rows = conn.query_all(&T::find().into_query()).await?;
        let Some(first) = rows.first() else {
            return Ok(0);
        };
        let mut columns = Columns::of(first);
        for row in &rows {
            let by_name = T::Model::from_query_result(row, "")?;
            assert_eq!(T::decode(row, &mut columns, "")?, by_name);
        }
        Ok(rows.len())
    }

    #[tokio::test]
    async fn by_position_reads_what_seaorm_reads_by_name() -> Outcome {
        let conn = demo().await?;
        assert_eq!(same_as_by_name::<author::Entity>(&conn).await?, 3);
        assert_eq!(same_as_by_name::<profile::Entity>(&conn).await?, 2);
        assert_eq!(same_as_by_name::<category::Entity>(&conn).await?, 2);
        assert_eq!(same_as_by_name::<tag::Entity>(&conn).await?, 3);
        assert_eq!(same_as_by_name::<post::Entity>(&conn).await?, 4);
        assert_eq!(same_as_by_name::<post_tag::Entity>(&conn).await?, 5);
        assert_eq!(same_as_by_name::<comment::Entity>(&conn).await?, 4);
        Ok(())
    }

    /// A model under a prefix, after another's columns; and a NULL key where a
    /// LEFT JOIN found nothing.
    #[tokio::test]
    async fn prefixed_models_and_missing_rows() -> Outcome {
        let conn = demo().await?;
        let at = Alias::new("p").into_iden();
        let mut stmt = author::Entity::find().into_query();
        stmt.join_as(
            JoinType::LeftJoin,
            profile::Entity,
            at.clone(),
            Expr::col((at.clone(), profile::Column::AuthorId))
                .equals((author::Entity, author::Column::Id)),
        );
        for col in profile::Column::iter() {
            stmt.expr_as(
                col.select_as(Expr::col((at.clone(), col))),
                Alias::new(format!("p_{}", col.as_str())),
            );
        }
        stmt.order_by((author::Entity, author::Column::Id), Order::Asc);
        let rows = conn.query_all(&stmt).await?;
        let first = rows.first().ok_or("no authors")?;
        let mut columns = Columns::of(first);
        let mut found = Vec::new();
        for row in &rows {
            let author = author::Entity::decode(row, &mut columns, "")?;
            let profile = match id::<profile::Entity>(row, &mut columns, "p_", profile::Column::Id)?
            {
                Some(_) => Some(profile::Entity::decode(row, &mut columns, "p_")?),
                None => None,
            };
            if let Some(profile) = &profile {
                assert_eq!(profile, &profile::Model::from_query_result(row, "p_")?);
            }
            found.push((author.username, profile.and_then(|p| p.city)));
        }
        assert_eq!(
            found,
            [
                ("alice".to_owned(), Some("Casablanca".to_owned())),
                ("bob".to_owned(), Some("Lyon".to_owned())),
                ("carol".to_owned(), None),
            ]
        );
        // A name the statement does not carry falls back to SeaORM, which says so.
        let mut elsewhere = Columns::of(first);
        assert!(tag::Entity::decode(first, &mut elsewhere, "t_").is_err());
        Ok(())
    }
}
