//! A GraphQL request as it arrives, a JSON object (a POST body, an item of a batch, a
//! GET query string made into one, a WebSocket `subscribe` payload), and the errors
//! answered before an operation runs (request errors).

use async_graphql::{Request, ServerError, Value, Variables};
use serde_json::Value as Json;

use crate::error::{Code, request_error};

/// A request of a POST body: `query`, `operationName`, `variables` and
/// `extensions`, each of the type the spec gives it.
pub fn read(item: Json) -> Result<Request, ServerError> {
    let bad = |message: &str| request_error(Code::BadRequest, message);
    let Json::Object(mut fields) = item else {
        return Err(bad("a GraphQL request is a JSON object"));
    };
    let persisted = fields
        .get("extensions")
        .and_then(|e| e.get("persistedQuery"))
        .is_some();
    let query = match fields.remove("query") {
        Some(Json::String(query)) => query,
        // A persisted query may be named by its hash alone.
        None | Some(Json::Null) if persisted => String::new(),
        None | Some(Json::Null) => return Err(bad("the request has no `query`")),
        Some(_) => return Err(bad("`query` must be a string")),
    };
    let mut req = Request::new(query);
    match fields.remove("operationName") {
        None | Some(Json::Null) => {}
        Some(Json::String(name)) => req = req.operation_name(name),
        Some(_) => return Err(bad("`operationName` must be a string")),
    }
    match fields.remove("variables") {
        None | Some(Json::Null) => {}
        Some(vars @ Json::Object(_)) => req = req.variables(Variables::from_json(vars)),
        Some(_) => return Err(bad("`variables` must be an object")),
    }
    match fields.remove("extensions") {
        None | Some(Json::Null) => {}
        Some(Json::Object(ext)) => {
            for (key, value) in ext {
                let value =
                    Value::from_json(value).map_err(|_| bad("`extensions` is not valid"))?;
                req.extensions.insert(key, value);
            }
        }
        Some(_) => return Err(bad("`extensions` must be an object")),
    }
    Ok(req)
}
