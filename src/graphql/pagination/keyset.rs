//! Keyset conditions: "rows strictly after this cursor" under an ordering, with
//! nulls placed as the ordering says. Every value is a bound parameter.

use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait};

use super::cursor::CursorValue;
use super::order::SortKey;

/// Rows that come strictly after `values` under `keys`:
/// `k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`, each `>` read through the key's
/// direction and null placement.
pub fn after<E: EntityTrait>(keys: &[SortKey<E>], values: &[CursorValue]) -> Condition {
    let mut any = Condition::any();
    let mut branches = 0;
    for (i, (key, value)) in keys.iter().zip(values).enumerate() {
        let Some(beyond) = strictly_after(key, value) else {
            continue;
        };
        let mut branch = Condition::all();
        for (k, v) in keys[..i].iter().zip(values) {
            branch = branch.add(equal(k, v));
        }
        any = any.add(branch.add(beyond));
        branches += 1;
    }
    if branches == 0 {
        // Nothing can come after the last possible key.
        Condition::all().add(ExprTrait::eq(Expr::val(1), 0))
    } else {
        any
    }
}

fn equal<E: EntityTrait>(key: &SortKey<E>, value: &CursorValue) -> Expr {
    match value {
        CursorValue::Null => key.column().into_expr().is_null(),
        v => ExprTrait::eq(key.column().into_expr(), v.to_value()),
    }
}

/// The rows past `value` on this one key, or `None` when none can be.
fn strictly_after<E: EntityTrait>(key: &SortKey<E>, value: &CursorValue) -> Option<Condition> {
    let col = key.column().into_expr();
    match value {
        CursorValue::Null if key.nulls_first => Some(Condition::all().add(col.is_not_null())),
        CursorValue::Null => None,
        v => {
            let past = if key.desc {
                col.clone().lt(v.to_value())
            } else {
                col.clone().gt(v.to_value())
            };
            let mut cond = Condition::any().add(past);
            if key.nullable() && !key.nulls_first {
                cond = cond.add(col.is_null());
            }
            Some(cond)
        }
    }
}
