//! Operators on one column, by column type. Text matching gives the same answers
//! on every backend: case-sensitive unless `insensitive: true` (MySQL compares
//! case-insensitively by default and SQLite's LIKE ignores ASCII case, so each gets
//! its own spelling), and `%`, `_` and `\` in user text match themselves.
//!
//! Nulls, as Django's `filter` and `exclude` treat them: `eq`, `in`, the orderings
//! and the text matches are false on a null; `ne` and `notIn` are their opposites
//! (`exclude(x=X)`), so true on a null; `isNull` says which. Every operator's
//! condition is thus true or false, never SQL's unknown.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{BinOper, Condition, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait};

use super::{ARGUMENT, Compiled, MAX_TEXT, Scope};
use crate::error::AppError;
use crate::graphql::core::{At, Node};
use crate::graphql::global_id;

/// The name of the Unicode uppercase function registered on every SQLite
/// connection (see `db`): SQLite's own `upper()` maps ASCII letters only.
pub const SQLITE_UPPER: &str = "unicode_upper";

/// A column a scalar filter compares, and whether it may hold nulls.
#[derive(Clone)]
pub struct Operand {
    pub expr: Expr,
    pub nullable: bool,
}

impl Operand {
    /// Column `col` of the row `at` names.
    pub fn of<E: EntityTrait>(at: &At<E>, col: E::Column) -> Self {
        Operand {
            expr: at.col(col),
            nullable: col.def().is_null(),
        }
    }
}

/// The operators of one scalar filter, gathered into one two-valued condition
/// (all of them must hold).
pub struct Ops {
    operand: Operand,
    /// Operators that are false on a null.
    held: Condition,
    any_held: bool,
    /// `isNull` and the opposites of `eq`/`in`, which say themselves what a null does.
    rest: Condition,
    null_row: bool,
}

impl Ops {
    pub fn new(operand: Operand) -> Self {
        Ops {
            operand,
            held: Condition::all(),
            any_held: false,
            rest: Condition::all(),
            null_row: true,
        }
    }

    pub fn col(&self) -> Expr {
        self.operand.expr.clone()
    }

    /// An operator that holds only for a value (`eq`, `gt`, `contains`...).
    pub fn holds(&mut self, expr: Expr) {
        self.held = std::mem::replace(&mut self.held, Condition::all()).add(expr);
        self.any_held = true;
        self.null_row = false;
    }

    /// The opposite of an operator that holds only for a value (`ne`, `notIn`):
    /// `value_opposite` says it for values, and a null passes.
    pub fn fails(&mut self, value_opposite: Expr) {
        let cond = if self.operand.nullable {
            Condition::any()
                .add(value_opposite)
                .add(self.col().is_null())
        } else {
            Condition::all().add(value_opposite)
        };
        self.rest = std::mem::replace(&mut self.rest, Condition::all()).add(cond);
    }

    /// `isNull`: true keeps only nulls, false only values.
    pub fn is_null(&mut self, yes: Option<bool>) {
        let Some(yes) = yes else { return };
        let col = self.col();
        let expr = if yes {
            col.is_null()
        } else {
            col.is_not_null()
        };
        self.rest = std::mem::replace(&mut self.rest, Condition::all()).add(expr);
        self.null_row &= yes;
    }

    pub fn done(self) -> Compiled {
        let mut sql = Condition::all();
        if self.any_held {
            // The operators compare values: a null makes them false, not unknown.
            if self.operand.nullable {
                sql = sql.add(self.operand.expr.is_not_null());
            }
            sql = sql.add(self.held);
        }
        Compiled::new(sql.add(self.rest), self.null_row)
    }
}

/// Operators on an `ID` column.
///
/// Every operator given must hold. On a null, `eq`, `in`, comparisons and text
/// matches are false, and `ne` and `notIn`, their opposites, are true: `not` of
/// any filter keeps exactly the rows the filter does not, as Django's `exclude`.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdFilter {
    pub eq: Option<ID>,
    /// Not `eq`: nulls included.
    pub ne: Option<ID>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<ID>>,
    /// Not `in`: nulls included.
    pub not_in: Option<Vec<ID>>,
    /// True: only nulls; false: only values. An id is null only on a missing
    /// related row: `{ profile: { id: { isNull: false } } }` is Django's
    /// `profile__isnull=False`.
    pub is_null: Option<bool>,
}

/// Operators on a text column.
///
/// Every operator given must hold. On a null, `eq`, `in`, comparisons and text
/// matches are false, and `ne` and `notIn`, their opposites, are true: `not` of
/// any filter keeps exactly the rows the filter does not, as Django's `exclude`.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StringFilter {
    pub eq: Option<String>,
    /// Not `eq`: nulls included (Django's `exclude(x=...)`).
    pub ne: Option<String>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
    /// Not `in`: nulls included.
    pub not_in: Option<Vec<String>>,
    /// True: only nulls; false: only values.
    pub is_null: Option<bool>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
    pub ends_with: Option<String>,
    /// Compare ignoring case (every operator above), by the database's uppercase
    /// of both sides as Django's `iexact` and `icontains` on PostgreSQL.
    /// Default: case matters.
    #[graphql(default)]
    pub insensitive: bool,
}

/// Operators on a timestamp column.
///
/// Every operator given must hold. On a null, `eq`, `in`, comparisons and text
/// matches are false, and `ne` and `notIn`, their opposites, are true: `not` of
/// any filter keeps exactly the rows the filter does not, as Django's `exclude`.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DateTimeFilter {
    pub eq: Option<DateTime<Utc>>,
    /// Not `eq`: nulls included (Django's `exclude(x=...)`).
    pub ne: Option<DateTime<Utc>>,
    pub gt: Option<DateTime<Utc>>,
    pub gte: Option<DateTime<Utc>>,
    pub lt: Option<DateTime<Utc>>,
    pub lte: Option<DateTime<Utc>>,
    /// True: only nulls; false: only values.
    pub is_null: Option<bool>,
}

/// Operators on a date column.
///
/// Every operator given must hold. On a null, `eq`, `in`, comparisons and text
/// matches are false, and `ne` and `notIn`, their opposites, are true: `not` of
/// any filter keeps exactly the rows the filter does not, as Django's `exclude`.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DateFilter {
    pub eq: Option<NaiveDate>,
    /// Not `eq`: nulls included (Django's `exclude(x=...)`).
    pub ne: Option<NaiveDate>,
    pub gt: Option<NaiveDate>,
    pub gte: Option<NaiveDate>,
    pub lt: Option<NaiveDate>,
    pub lte: Option<NaiveDate>,
    /// True: only nulls; false: only values.
    pub is_null: Option<bool>,
}

/// A row id, or a global id of an `E` (see `graphql::global_id`).
fn parse<E: Node>(id: &ID) -> Result<i64, AppError> {
    global_id::row::<E>(id).map_err(|why| AppError::bad_input(ARGUMENT, format!("an id {why}")))
}

/// Value lists longer than this belong in a join, not in a filter.
const MAX_LIST: usize = 1000;

fn non_empty<T>(op: &str, list: &[T]) -> Result<(), AppError> {
    if list.is_empty() || list.len() > MAX_LIST {
        return Err(AppError::bad_input(
            ARGUMENT,
            format!("`{op}` takes 1 to {MAX_LIST} values (got {})", list.len()),
        ));
    }
    Ok(())
}

/// How many values the options and lists of a filter bind.
pub fn bound<T, L>(options: &[&Option<T>], lists: &[&Option<Vec<L>>]) -> usize {
    options.iter().filter(|o| o.is_some()).count()
        + lists
            .iter()
            .map(|l| l.as_ref().map_or(0, Vec::len))
            .sum::<usize>()
}

impl IdFilter {
    /// The condition on `col`, an id of an `E`.
    pub fn condition<E: Node>(
        &self,
        col: Operand,
        scope: &mut Scope,
    ) -> Result<Compiled, AppError> {
        scope.count_values(bound(&[&self.eq, &self.ne], &[&self.in_, &self.not_in]))?;
        let mut ops = Ops::new(col);
        if let Some(v) = &self.eq {
            ops.holds(ExprTrait::eq(ops.col(), parse::<E>(v)?));
        }
        if let Some(v) = &self.ne {
            ops.fails(ops.col().ne(parse::<E>(v)?));
        }
        if let Some(list) = &self.in_ {
            non_empty("in", list)?;
            let ids = list.iter().map(parse::<E>).collect::<Result<Vec<_>, _>>()?;
            ops.holds(ops.col().is_in(ids));
        }
        if let Some(list) = &self.not_in {
            non_empty("notIn", list)?;
            let ids = list.iter().map(parse::<E>).collect::<Result<Vec<_>, _>>()?;
            ops.fails(ops.col().is_not_in(ids));
        }
        ops.is_null(self.is_null);
        Ok(ops.done())
    }
}

macro_rules! ordered_filter {
    ($filter:ty) => {
        impl $filter {
            pub fn condition(&self, col: Operand, scope: &mut Scope) -> Result<Compiled, AppError> {
                let options = [&self.eq, &self.ne, &self.gt, &self.gte, &self.lt, &self.lte];
                scope.count_values(bound::<_, ()>(&options, &[]))?;
                let mut ops = Ops::new(col);
                if let Some(v) = self.eq {
                    ops.holds(ExprTrait::eq(ops.col(), v));
                }
                if let Some(v) = self.ne {
                    ops.fails(ops.col().ne(v));
                }
                if let Some(v) = self.gt {
                    ops.holds(ops.col().gt(v));
                }
                if let Some(v) = self.gte {
                    ops.holds(ops.col().gte(v));
                }
                if let Some(v) = self.lt {
                    ops.holds(ops.col().lt(v));
                }
                if let Some(v) = self.lte {
                    ops.holds(ops.col().lte(v));
                }
                ops.is_null(self.is_null);
                Ok(ops.done())
            }
        }
    };
}
ordered_filter!(DateTimeFilter);
ordered_filter!(DateFilter);

/// Where in the text a pattern must match.
#[derive(Clone, Copy)]
enum Anchor {
    Anywhere,
    Start,
    End,
}

impl StringFilter {
    pub fn condition(&self, col: Operand, scope: &mut Scope) -> Result<Compiled, AppError> {
        let options = [
            &self.eq,
            &self.ne,
            &self.contains,
            &self.starts_with,
            &self.ends_with,
        ];
        let lists = [&self.in_, &self.not_in];
        scope.count_values(bound(&options, &lists))?;
        let texts = options.iter().filter_map(|o| o.as_deref());
        let listed = lists.iter().filter_map(|l| l.as_deref()).flatten();
        if texts
            .chain(listed.map(String::as_str))
            .any(|t| t.chars().count() > MAX_TEXT)
        {
            return Err(AppError::bad_input(
                ARGUMENT,
                format!("a filter compares with text of at most {MAX_TEXT} characters"),
            ));
        }
        let text = Text {
            backend: scope.backend,
            insensitive: self.insensitive,
        };
        let mut ops = Ops::new(col);
        let side = text.side(ops.col());
        if let Some(v) = &self.eq {
            ops.holds(ExprTrait::eq(side.clone(), text.value(v)));
        }
        if let Some(v) = &self.ne {
            ops.fails(side.clone().ne(text.value(v)));
        }
        if let Some(list) = &self.in_ {
            non_empty("in", list)?;
            ops.holds(side.clone().is_in(list.iter().map(|v| text.value(v))));
        }
        if let Some(list) = &self.not_in {
            non_empty("notIn", list)?;
            ops.fails(side.clone().is_not_in(list.iter().map(|v| text.value(v))));
        }
        ops.is_null(self.is_null);
        for (pattern, anchor) in [
            (&self.contains, Anchor::Anywhere),
            (&self.starts_with, Anchor::Start),
            (&self.ends_with, Anchor::End),
        ] {
            if let Some(p) = pattern {
                ops.holds(text.matches(ops.col(), p, anchor));
            }
        }
        Ok(ops.done())
    }
}

/// How text is compared on one backend.
struct Text {
    backend: DbBackend,
    insensitive: bool,
}

impl Text {
    /// Case folding, the one place it happens: the database's `UPPER` on both
    /// sides of every comparison, as Django's `iexact` and `icontains` are on
    /// PostgreSQL, so a text always matches itself (folding the search text in
    /// Rust and the column in SQL disagreed outside ASCII: final sigma, dotted I).
    /// SQLite's `upper()` maps ASCII only; it gets a Unicode one registered on
    /// each connection.
    fn fold(&self, e: Expr) -> Expr {
        match self.backend {
            DbBackend::Sqlite => Func::cust(SQLITE_UPPER).arg(e).into(),
            _ => Func::upper(e).into(),
        }
    }

    /// The column side of a comparison.
    fn side(&self, col: Expr) -> Expr {
        let col = if self.insensitive {
            self.fold(col)
        } else {
            col
        };
        if self.backend == DbBackend::MySql {
            // MySQL's default collations ignore case and accents and pad with
            // spaces; compare bytes.
            Expr::cust_with_expr("BINARY ?", col)
        } else {
            col
        }
    }

    /// The value side of a comparison, always a bound parameter.
    fn value(&self, v: &str) -> Expr {
        if self.insensitive {
            self.fold(Expr::val(v))
        } else {
            Expr::val(v)
        }
    }

    fn matches(&self, col: Expr, text: &str, anchor: Anchor) -> Expr {
        let wrap = |escaped: String, any: char| match anchor {
            Anchor::Anywhere => format!("{any}{escaped}{any}"),
            Anchor::Start => format!("{escaped}{any}"),
            Anchor::End => format!("{any}{escaped}"),
        };
        if self.backend == DbBackend::Sqlite && !self.insensitive {
            // SQLite's LIKE ignores ASCII case; GLOB does not.
            let pattern = wrap(escape_glob(text), '*');
            return col.binary(BinOper::Custom("GLOB"), Expr::val(pattern));
        }
        // The pattern is a bound value, folded by the database like the column
        // (folding leaves `%`, `_` and the escape `!` as they are); `!` needs no
        // escaping in any backend's string literals, unlike `\`.
        let pattern = self.value(&wrap(escape_like(text), '%'));
        // sea-query's placeholder for an expression is `$n` on PostgreSQL, `?` elsewhere.
        let like = match self.backend {
            DbBackend::Postgres => "$1 LIKE $2 ESCAPE '!'",
            _ => "? LIKE ? ESCAPE '!'",
        };
        Expr::cust_with_exprs(like, [self.side(col), pattern])
    }
}

/// `%`, `_` and the escape character `!` match literally after this.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// GLOB has no escape character: its specials are made literal by brackets.
fn escape_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape_glob, escape_like};

    #[test]
    fn user_text_matches_literally() {
        assert_eq!(escape_like(r"50%_off!\now"), r"50!%!_off!!\now");
        assert_eq!(escape_glob("a*b?[c]"), "a[*]b[?][[]c]");
    }
}
