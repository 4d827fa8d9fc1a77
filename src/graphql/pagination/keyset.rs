//! Keyset conditions: "rows strictly after this cursor" under an ordering, with
//! nulls placed as the ordering says. Every value is a bound parameter.

use sea_orm::EntityTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};

use super::cursor::CursorValue;
use super::order::SortKey;

/// Rows that come strictly after `values` under `keys`, each key's value read by
/// `value` (from its position): `k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`, each `>`
/// read through the key's direction and null placement.
pub fn after<E: EntityTrait>(
    keys: &[SortKey<E>],
    values: &[CursorValue],
    value: impl Fn(usize, &SortKey<E>) -> Expr,
) -> Condition {
    let exprs: Vec<Expr> = keys.iter().enumerate().map(|(i, k)| value(i, k)).collect();
    let mut any = Condition::any();
    let mut branches = 0;
    for (i, (key, v)) in keys.iter().zip(values).enumerate() {
        let Some(beyond) = strictly_after(key, &exprs[i], v) else {
            continue;
        };
        let mut branch = Condition::all();
        for (expr, v) in exprs[..i].iter().zip(values) {
            branch = branch.add(equal(expr, v));
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

fn equal(expr: &Expr, value: &CursorValue) -> Expr {
    match value {
        CursorValue::Null => expr.clone().is_null(),
        v => ExprTrait::eq(expr.clone(), v.to_value()),
    }
}

/// The rows past `value` on this one key, or `None` when none can be.
fn strictly_after<E: EntityTrait>(
    key: &SortKey<E>,
    expr: &Expr,
    value: &CursorValue,
) -> Option<Condition> {
    let col = expr.clone();
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
