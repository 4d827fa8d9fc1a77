//! Operators on one column, by column type. Text matching gives the same answers
//! on every backend: case-sensitive unless `insensitive: true` (MySQL compares
//! case-insensitively by default and SQLite's LIKE ignores ASCII case, so each gets
//! its own spelling), and `%`, `_` and `\` in user text match themselves.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DbBackend;
use sea_orm::sea_query::{BinOper, Condition, Expr, ExprTrait, Func, LikeExpr, SimpleExpr};

use super::{ARGUMENT, MAX_TEXT, Scope, never};
use crate::error::AppError;

/// Operators on an `ID` column.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdFilter {
    pub eq: Option<ID>,
    pub ne: Option<ID>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<ID>>,
    pub not_in: Option<Vec<ID>>,
}

/// Operators on a text column.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StringFilter {
    pub eq: Option<String>,
    pub ne: Option<String>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
    pub not_in: Option<Vec<String>>,
    /// True: only nulls; false: only values.
    pub is_null: Option<bool>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
    pub ends_with: Option<String>,
    /// Compare ignoring case (every operator above). Default: case matters.
    #[graphql(default)]
    pub insensitive: bool,
}

/// Operators on a timestamp column.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DateTimeFilter {
    pub eq: Option<DateTime<Utc>>,
    pub ne: Option<DateTime<Utc>>,
    pub gt: Option<DateTime<Utc>>,
    pub gte: Option<DateTime<Utc>>,
    pub lt: Option<DateTime<Utc>>,
    pub lte: Option<DateTime<Utc>>,
    /// True: only nulls; false: only values.
    pub is_null: Option<bool>,
}

/// Operators on a date column.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DateFilter {
    pub eq: Option<NaiveDate>,
    pub ne: Option<NaiveDate>,
    pub gt: Option<NaiveDate>,
    pub gte: Option<NaiveDate>,
    pub lt: Option<NaiveDate>,
    pub lte: Option<NaiveDate>,
    /// True: only nulls; false: only values.
    pub is_null: Option<bool>,
}

fn parse(id: &ID) -> Result<i64, AppError> {
    id.parse()
        .map_err(|_| AppError::bad_input(ARGUMENT, format!("`{}` is not a valid ID", id.as_str())))
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

fn is_null(col: &Expr, is_null: Option<bool>) -> Option<Expr> {
    is_null.map(|yes| {
        if yes {
            col.clone().is_null()
        } else {
            col.clone().is_not_null()
        }
    })
}

/// `ne` and `notIn` keep nulls out, as SQL's `<>` does; say `isNull` to get them.
fn all_of(parts: impl IntoIterator<Item = Expr>) -> Condition {
    parts.into_iter().fold(Condition::all(), Condition::add)
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
    pub fn condition(&self, col: Expr, scope: &mut Scope) -> Result<Condition, AppError> {
        scope.count_values(bound(&[&self.eq, &self.ne], &[&self.in_, &self.not_in]))?;
        let mut parts = Vec::new();
        if let Some(v) = &self.eq {
            parts.push(ExprTrait::eq(col.clone(), parse(v)?));
        }
        if let Some(v) = &self.ne {
            parts.push(col.clone().ne(parse(v)?));
        }
        if let Some(list) = &self.in_ {
            non_empty("in", list)?;
            let ids = list.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
            parts.push(col.clone().is_in(ids));
        }
        if let Some(list) = &self.not_in {
            non_empty("notIn", list)?;
            let ids = list.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
            parts.push(col.clone().is_not_in(ids));
        }
        Ok(all_of(parts))
    }
}

macro_rules! ordered_filter {
    ($filter:ty) => {
        impl $filter {
            pub fn condition(&self, col: Expr, scope: &mut Scope) -> Result<Condition, AppError> {
                let options = [&self.eq, &self.ne, &self.gt, &self.gte, &self.lt, &self.lte];
                scope.count_values(bound::<_, ()>(&options, &[]))?;
                let mut parts = Vec::new();
                if let Some(v) = self.eq {
                    parts.push(ExprTrait::eq(col.clone(), v));
                }
                if let Some(v) = self.ne {
                    parts.push(col.clone().ne(v));
                }
                if let Some(v) = self.gt {
                    parts.push(col.clone().gt(v));
                }
                if let Some(v) = self.gte {
                    parts.push(col.clone().gte(v));
                }
                if let Some(v) = self.lt {
                    parts.push(col.clone().lt(v));
                }
                if let Some(v) = self.lte {
                    parts.push(col.clone().lte(v));
                }
                parts.extend(is_null(&col, self.is_null));
                Ok(all_of(parts))
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
    pub fn condition(&self, col: Expr, scope: &mut Scope) -> Result<Condition, AppError> {
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
        let mut parts = Vec::new();
        if let Some(v) = &self.eq {
            parts.push(ExprTrait::eq(text.side(col.clone()), text.value(v)));
        }
        if let Some(v) = &self.ne {
            parts.push(text.side(col.clone()).ne(text.value(v)));
        }
        if let Some(list) = &self.in_ {
            non_empty("in", list)?;
            parts.push(
                text.side(col.clone())
                    .is_in(list.iter().map(|v| text.value(v))),
            );
        }
        if let Some(list) = &self.not_in {
            non_empty("notIn", list)?;
            parts.push(
                text.side(col.clone())
                    .is_not_in(list.iter().map(|v| text.value(v))),
            );
        }
        parts.extend(is_null(&col, self.is_null));
        for (pattern, anchor) in [
            (&self.contains, Anchor::Anywhere),
            (&self.starts_with, Anchor::Start),
            (&self.ends_with, Anchor::End),
        ] {
            if let Some(p) = pattern {
                parts.push(text.matches(col.clone(), p, anchor));
            }
        }
        let cond = all_of(parts);
        // An `in` that keeps nothing still keeps nothing with other operators.
        Ok(if self.in_.as_ref().is_some_and(Vec::is_empty) {
            never()
        } else {
            cond
        })
    }
}

/// How text is compared on one backend.
struct Text {
    backend: DbBackend,
    insensitive: bool,
}

impl Text {
    /// The column side of a comparison.
    fn side(&self, col: Expr) -> Expr {
        if self.insensitive {
            Func::lower(col).into()
        } else if self.backend == DbBackend::MySql {
            // MySQL's default collations ignore case; compare bytes.
            Expr::cust_with_expr("BINARY ?", col)
        } else {
            col
        }
    }

    /// The value side of a comparison, always a bound parameter.
    fn value(&self, v: &str) -> Expr {
        if self.insensitive {
            Func::lower(Expr::val(v)).into()
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
        if self.insensitive {
            // Lowered here rather than with LOWER(?) so the pattern stays a plain
            // LIKE pattern whose ESCAPE sea-query spells for each backend.
            let pattern = wrap(escape_like(&text.to_lowercase()), '%');
            return SimpleExpr::from(Func::lower(col)).like(LikeExpr::new(pattern).escape('\\'));
        }
        if self.backend == DbBackend::Sqlite {
            // SQLite's LIKE ignores ASCII case; GLOB does not.
            let pattern = wrap(escape_glob(text), '*');
            return col.binary(BinOper::Custom("GLOB"), Expr::val(pattern));
        }
        let pattern = wrap(escape_like(text), '%');
        self.side(col).like(LikeExpr::new(pattern).escape('\\'))
    }
}

/// `%`, `_` and the escape character itself match literally after this.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
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
        assert_eq!(escape_like(r"50%_off\now"), r"50\%\_off\\now");
        assert_eq!(escape_glob("a*b?[c]"), "a[*]b[?][[]c]");
    }
}
