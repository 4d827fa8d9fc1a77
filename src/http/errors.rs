//! Errors answered before an operation runs (request errors): a body that is not a
//! GraphQL request, an unknown persisted query, a document over a limit.

use async_graphql::{ErrorExtensionValues, ServerError};

pub fn request_error(code: &str, message: impl Into<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    err.extensions = Some(ext);
    err
}
