//! SQL functions SQLite lacks, registered on each of its connections.
//!
//! `unicode_upper(text)`: uppercase by Unicode's simple (one character to one
//! character) mapping, as PostgreSQL's `upper()` under a UTF-8 locale and
//! MariaDB's do. SQLite's own `upper()` maps ASCII letters only (Unicode needs
//! the ICU extension, which the bundled SQLite lacks), so case-insensitive
//! filters fold with this one (see `graphql::filter::scalar`). sqlx has no safe
//! API for a scalar function, hence the FFI here.

use std::ffi::{c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use libsqlite3_sys as ffi;
use sea_orm::sqlx::SqliteConnection;

use crate::graphql::filter::scalar::SQLITE_UPPER;

/// Uppercases by the simple mapping: a character whose uppercase is longer than
/// one character (`ß` → `SS`) stays as it is, as it does in PostgreSQL and MariaDB.
pub fn unicode_upper(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// Registers the functions on a new connection.
pub async fn register(conn: &mut SqliteConnection) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let name = std::ffi::CString::new(SQLITE_UPPER).expect("a name without NUL");
    // SAFETY: the handle is locked, so no other thread uses the connection; the
    // name is copied by SQLite; the function holds no user data.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            handle.as_raw_handle().as_ptr(),
            name.as_ptr(),
            1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC | ffi::SQLITE_INNOCUOUS,
            std::ptr::null_mut(),
            Some(upper_entry),
            None,
            None,
            None,
        )
    };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(sea_orm::sqlx::Error::Protocol(format!(
            "registering {SQLITE_UPPER} failed with SQLite code {rc}"
        )))
    }
}

/// The C entry point: null stays null, text (or anything SQLite reads as text)
/// is uppercased. A panic never crosses into C.
unsafe extern "C" fn upper_entry(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: SQLite passes `argc` values; the text pointer stays valid until
        // the value is next converted, and its length is read right after it.
        unsafe {
            if argc != 1 {
                return None;
            }
            let value = *argv;
            if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
                return None;
            }
            let text = ffi::sqlite3_value_text(value);
            let len = ffi::sqlite3_value_bytes(value);
            if text.is_null() {
                return None;
            }
            let bytes = std::slice::from_raw_parts(text, usize::try_from(len).unwrap_or(0));
            Some(unicode_upper(&String::from_utf8_lossy(bytes)))
        }
    }));
    // SAFETY: `ctx` is the context SQLite called with; SQLITE_TRANSIENT makes it
    // copy the text before `upper` is dropped.
    unsafe {
        match outcome {
            Ok(Some(upper)) => match c_int::try_from(upper.len()) {
                Ok(len) => ffi::sqlite3_result_text(
                    ctx,
                    upper.as_ptr().cast::<c_char>(),
                    len,
                    ffi::SQLITE_TRANSIENT(),
                ),
                Err(_) => ffi::sqlite3_result_error_toobig(ctx),
            },
            Ok(None) => ffi::sqlite3_result_null(ctx),
            Err(_) => ffi::sqlite3_result_error_nomem(ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unicode_upper;

    #[test]
    fn upper_maps_one_character_to_one() {
        assert_eq!(unicode_upper("σίσυφος ς"), "ΣΊΣΥΦΟΣ Σ");
        assert_eq!(unicode_upper("İstanbul ıi"), "İSTANBUL II");
        assert_eq!(unicode_upper("straße é"), "STRAßE É");
        assert_eq!(unicode_upper("ŉ"), "ŉ");
    }
}
