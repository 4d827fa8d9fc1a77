//! The `Upload` scalar: a file sent by the GraphQL multipart request spec, which
//! `http/multipart.rs` reads and puts in place of the `null` its variable held.
//!
//! Own scalar rather than async-graphql's `Upload`, whose parsing unwraps the
//! number in a value it did not set itself (a client's variable
//! `"#__graphql_file__:x"` panicked the request) and indexes the request's files
//! without a bound: a bad input must be a coded error, never a panic.

use async_graphql::{Context, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use axum::body::Bytes;

use crate::error::AppError;

/// What stands in a variable for the request's file `index`.
pub fn marker(index: usize) -> String {
    format!("{MARKER}{index}")
}

const MARKER: &str = "#upload:";

/// One uploaded file, read whole (within the upload size limit). Only its bytes are
/// kept: the name the client gave it is checked (a name, not a path) but never
/// used, and the type it claimed is never trusted (see `media::Image::sniff`).
pub struct UploadedFile {
    pub bytes: Bytes,
}

/// The files of one multipart request, in request data.
pub struct Uploads(pub Vec<UploadedFile>);

/// A file sent with the request as the GraphQL multipart request spec has it: the
/// variable is `null` in `operations`, and `map` names the part that fills it.
pub struct Upload(usize);

/// A file sent with the request by the GraphQL multipart request spec: its variable
/// is `null` in `operations`, and `map` names the part that fills it.
#[Scalar(
    name = "Upload",
    specified_by_url = "https://github.com/jaydenseric/graphql-multipart-request-spec"
)]
impl ScalarType for Upload {
    fn parse(value: Value) -> InputValueResult<Self> {
        if let Value::String(text) = &value
            && let Some(index) = text.strip_prefix(MARKER)
            && let Ok(index) = index.parse::<usize>()
        {
            return Ok(Upload(index));
        }
        Err(InputValueError::custom(
            "an Upload is a file sent in a multipart request: its variable is `null` in \
             `operations` and `map` names the file for it",
        ))
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_))
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

impl Upload {
    /// The file, or `BAD_USER_INPUT` on `field` when the request sent none for it
    /// (a JSON request, or a marker a client wrote itself).
    pub fn file<'a>(
        &self,
        ctx: &Context<'a>,
        field: &'static str,
    ) -> Result<&'a UploadedFile, AppError> {
        ctx.data_opt::<std::sync::Arc<Uploads>>()
            .and_then(|uploads| uploads.0.get(self.0))
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("`{field}` is a file: send it in a multipart request"),
                )
            })
    }
}
