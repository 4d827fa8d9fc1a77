//! Who may see which rows, applied wherever rows are read: root lists and lookups,
//! every loader, every count, and every subquery a filter writes. Each entity's
//! rule is its `Node::visible` (the rules are in `types/visibility.rs`); it is
//! applied here once instead of beside each query, so no path can forget it.

use sea_orm::sea_query::{Condition, DynIden};

use super::core::{At, Node, Reader, RowFilter};
use crate::error::AppError;

/// The rows of `E` the reader may see that pass `filter`, on the table under its
/// own name.
///
/// Always a conjunction, so callers may `add` more conditions to it: a rule is
/// often a disjunction (published OR mine), and adding to that would widen it.
pub fn rows<E: Node>(reader: Reader, filter: Option<&E::Filter>) -> Result<Condition, AppError> {
    rows_via::<E>(reader, filter, None)
}

/// [`rows`] for rows read through the join table `link` (a many-to-many list), whose
/// own columns the filter may then use.
pub fn rows_via<E: Node>(
    reader: Reader,
    filter: Option<&E::Filter>,
    link: Option<DynIden>,
) -> Result<Condition, AppError> {
    let mut cond = Condition::all();
    if let Some(visible) = E::visible(&At::table(), reader.viewer) {
        cond = cond.add(visible);
    }
    if let Some(f) = filter {
        cond = cond.add(f.compile(reader, link)?);
    }
    Ok(cond)
}
