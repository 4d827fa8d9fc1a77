//! Relay's global object identification: an object's `nodeId` is base64 of
//! `Type:id` (as graphql-relay-js writes it), unique across every type and opaque
//! to clients, while `id` stays the primary key. Every `id` argument and
//! `IdFilter` takes either form: a row id has only digits, while a global id
//! starts with a letter (the base64 of a capital), so neither reads as the other.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::graphql::core::Node;

/// The longest id taken: the longest type name, a colon and an `i64`, in base64,
/// with room to spare. Anything longer is refused before it is decoded.
const MAX_LEN: usize = 64;

/// The global id of `E`'s row `row`.
pub fn of<E: Node>(row: i64) -> ID {
    encode(E::NAME, row)
}

fn encode(type_name: &str, row: i64) -> ID {
    ID(STANDARD.encode(format!("{type_name}:{row}")))
}

/// The row `id` names, when it is a row id or a global id of a `E`; otherwise
/// what is wrong with it, for the caller's error.
pub fn row<E: Node>(id: &ID) -> Result<i64, String> {
    if let Ok(row) = id.parse::<i64>() {
        return Ok(row);
    }
    match split(id) {
        Some((type_name, row)) if type_name == E::NAME => Ok(row),
        Some((type_name, _)) => Err(format!("is the id of a {type_name}, not of a {}", E::NAME)),
        None => Err("is not a valid ID".to_owned()),
    }
}

/// The type name and row of a global id; `None` when it is not one.
pub fn split(id: &ID) -> Option<(String, i64)> {
    if id.len() > MAX_LEN {
        return None;
    }
    let bytes = STANDARD.decode(id.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (type_name, row) = text.split_once(':')?;
    // Only the form `encode` writes, so that one row has one global id.
    let row = row.parse::<i64>().ok().filter(|n| n.to_string() == row)?;
    let named = !type_name.is_empty() && type_name.chars().all(|c| c.is_ascii_alphanumeric());
    named.then(|| (type_name.to_owned(), row))
}

#[cfg(test)]
mod tests {
    use entity::{post, tag};
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_relay_js_form() {
        assert_eq!(of::<post::Entity>(42).0, "UG9zdDo0Mg==");
        assert_eq!(split(&ID("UG9zdDo0Mg==".into())), Some(("Post".into(), 42)));
    }

    #[test]
    fn a_row_id_or_a_global_id_of_the_type() {
        let post = of::<post::Entity>(7);
        assert_eq!(row::<post::Entity>(&post), Ok(7));
        assert_eq!(row::<post::Entity>(&ID("7".into())), Ok(7));
        assert_eq!(
            row::<tag::Entity>(&post),
            Err("is the id of a Post, not of a Tag".into())
        );
        for bad in ["", "x", "UG9zdDo=", "UG9zdDowNw==", "UG9zdDorNw==", "Ojc="] {
            assert!(row::<post::Entity>(&ID(bad.into())).is_err(), "{bad}");
        }
        assert!(row::<post::Entity>(&ID("A".repeat(10_000))).is_err());
    }

    proptest! {
        /// Every row's global id reads back as that row, and never as a row id.
        #[test]
        fn round_trip(n in any::<i64>()) {
            let id = of::<post::Entity>(n);
            prop_assert!(id.parse::<i64>().is_err());
            prop_assert_eq!(row::<post::Entity>(&id), Ok(n));
            prop_assert_eq!(split(&id), Some(("Post".to_owned(), n)));
        }

        /// No text makes the decoding panic.
        #[test]
        fn any_text(text in ".{0,80}") {
            let _ = row::<post::Entity>(&ID(text));
        }
    }
}
