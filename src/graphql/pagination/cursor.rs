//! Opaque cursors: base64url of `{"s": <ordering signature>, "v": [<sort key values>]}`.
//! They carry every key of the ordering, so pages stay exact under any ordering, and
//! the signature makes a cursor from another list or ordering a clear input error.

use std::sync::Arc;

use async_graphql::connection::CursorType;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{DbErr, EntityTrait, ModelTrait, QueryResult, Value};
use serde_json::{Value as Json, json};

use super::order::{Sort, Source, ValueKind, key_alias};
use crate::error::AppError;
use crate::graphql::core::Node;

/// Longer than any cursor this server makes; refuse before decoding.
const MAX_CURSOR_LEN: usize = 2048;

/// One sort key value, as it travels in a cursor and back into SQL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CursorValue {
    Null,
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
    Date(NaiveDate),
}

impl CursorValue {
    fn from_value(value: Value) -> Self {
        match value {
            Value::BigInt(Some(v)) => CursorValue::Int(v),
            Value::Int(Some(v)) => CursorValue::Int(v.into()),
            Value::String(Some(v)) => CursorValue::Text(v),
            Value::ChronoDateTimeUtc(Some(v)) => CursorValue::Time(v),
            Value::ChronoDate(Some(v)) => CursorValue::Date(v),
            _ => CursorValue::Null,
        }
    }

    /// Reads a derived key the statement selected as `alias`.
    fn read(row: &QueryResult, alias: &str, kind: ValueKind) -> Result<Self, DbErr> {
        Ok(match kind {
            ValueKind::Int => row
                .try_get::<Option<i64>>("", alias)?
                .map_or(CursorValue::Null, CursorValue::Int),
            ValueKind::Text => row
                .try_get::<Option<String>>("", alias)?
                .map_or(CursorValue::Null, CursorValue::Text),
            ValueKind::Time => row
                .try_get::<Option<DateTime<Utc>>>("", alias)?
                .map_or(CursorValue::Null, CursorValue::Time),
            ValueKind::Date => row
                .try_get::<Option<NaiveDate>>("", alias)?
                .map_or(CursorValue::Null, CursorValue::Date),
        })
    }

    fn to_json(&self) -> Json {
        match self {
            CursorValue::Null => Json::Null,
            CursorValue::Int(v) => json!(v),
            CursorValue::Text(v) => json!(v),
            CursorValue::Time(v) => json!(v.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            CursorValue::Date(v) => json!(v.to_string()),
        }
    }

    /// Reads a value back, accepting only what the column can hold.
    fn from_json(json: &Json, kind: ValueKind, nullable: bool) -> Option<Self> {
        match (json, kind) {
            (Json::Null, _) if nullable => Some(CursorValue::Null),
            (Json::Number(n), ValueKind::Int) => n.as_i64().map(CursorValue::Int),
            (Json::String(s), ValueKind::Text) => Some(CursorValue::Text(s.clone())),
            (Json::String(s), ValueKind::Time) => DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| CursorValue::Time(t.with_timezone(&Utc))),
            (Json::String(s), ValueKind::Date) => s.parse().ok().map(CursorValue::Date),
            _ => None,
        }
    }

    /// The value bound as a statement parameter (never spliced into SQL).
    pub fn to_value(&self) -> Value {
        match self {
            // Only reached for key comparisons, which use IS NULL instead.
            CursorValue::Null => Value::BigInt(None),
            CursorValue::Int(v) => Value::BigInt(Some(*v)),
            CursorValue::Text(v) => Value::String(Some(v.clone())),
            CursorValue::Time(v) => Value::ChronoDateTimeUtc(Some(*v)),
            CursorValue::Date(v) => Value::ChronoDate(Some(*v)),
        }
    }
}

/// A row's cursor: its sort key values, encoded only when a client reads it (most
/// lists are read without `cursor`, and a page's `pageInfo` reads two).
#[derive(Clone, Debug)]
pub struct Cursor {
    /// The ordering's signature, shared by every row of a page.
    signature: Arc<str>,
    values: Vec<CursorValue>,
}

impl CursorType for Cursor {
    type Error = &'static str;

    /// Cursors come back as `after`/`before` strings, read by [`decode`] against
    /// the list's ordering; async-graphql's untyped decoding is never used.
    fn decode_cursor(_: &str) -> Result<Self, Self::Error> {
        Err("a cursor is read against its list's ordering")
    }

    fn encode_cursor(&self) -> String {
        let values: Vec<Json> = self.values.iter().map(CursorValue::to_json).collect();
        let doc = json!({ "s": &*self.signature, "v": values });
        URL_SAFE_NO_PAD.encode(doc.to_string())
    }
}

/// Makes the cursors of the rows of lists ordered by `sort`.
pub struct Cursors<'a, E: Node> {
    sort: &'a Sort<E>,
    signature: Arc<str>,
}

impl<'a, E: Node> Cursors<'a, E> {
    pub fn new(sort: &'a Sort<E>) -> Self {
        Cursors {
            sort,
            signature: sort.signature().into(),
        }
    }

    /// The cursor of a fetched row: column keys are read from `model`, derived
    /// keys from the columns `row` carries them in.
    pub fn of(
        &self,
        model: &<E as EntityTrait>::Model,
        row: &QueryResult,
    ) -> Result<Cursor, DbErr> {
        let mut values = Vec::with_capacity(self.sort.keys.len());
        for (i, key) in self.sort.keys.iter().enumerate() {
            values.push(match &key.source {
                Source::Column(col) => CursorValue::from_value(model.get(col.0)),
                Source::Derived(_) => CursorValue::read(row, &key_alias(i), key.kind())?,
            });
        }
        Ok(Cursor {
            signature: Arc::clone(&self.signature),
            values,
        })
    }
}

/// Reads a cursor given as `argument` for a list ordered by `sort`.
pub fn decode<E: Node>(
    argument: &'static str,
    cursor: &str,
    sort: &Sort<E>,
) -> Result<Vec<CursorValue>, AppError> {
    let invalid = || {
        AppError::bad_input(
            argument,
            format!("`{argument}` is not a cursor of this list and ordering"),
        )
    };
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let doc: Json = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if doc.get("s").and_then(Json::as_str) != Some(sort.signature().as_str()) {
        return Err(invalid());
    }
    let values = doc.get("v").and_then(Json::as_array).ok_or_else(invalid)?;
    if values.len() != sort.keys.len() {
        return Err(invalid());
    }
    sort.keys
        .iter()
        .zip(values)
        .map(|(key, v)| CursorValue::from_json(v, key.kind(), key.nullable()).ok_or_else(invalid))
        .collect()
}
