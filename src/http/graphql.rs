//! The GraphQL endpoint, by GraphQL over HTTP: POST with a JSON body (a batch is a
//! JSON array) or, for mutations with files, a multipart one (`multipart.rs`), GET
//! for queries only, answered as `application/json` or
//! `application/graphql-response+json` as the client accepts, with the status each
//! kind of answer gets; and GraphiQL. Each operation is checked and run by the
//! executor (`src/executor`), as over WebSocket.
//!
//! Own code rather than async-graphql-axum's `GraphQLRequest` / `GraphQLResponse`
//! because of these points of GraphQL over HTTP: its response is always
//! `application/json` with 200, where the spec answers
//! `application/graphql-response+json` when the client accepts it, with 4xx for a
//! request error, and 406 when neither media type is acceptable; a mutation sent
//! by GET must get 405, which needs the operation picked before running it; and
//! every operation must pass the executor's checks before async-graphql validates
//! it, which its handler runs straight through the schema.

use async_graphql::{Request, Response, ServerError, Value};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};
use serde::Deserialize;
use serde_json::Value as Json;

use super::AppState;
use super::graphiql;
use super::multipart::{self, Refusal};
use super::negotiate::{self, Media};
use crate::auth::Auth;
use crate::error::{Code, request_error};
use crate::executor;
use crate::graphql::upload::Uploads;
use crate::traces;

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Body) -> HttpResponse {
    let Some(media) = negotiate::accepted(&headers) else {
        return not_acceptable();
    };
    let (json, uploads) = if multipart::is_multipart(&headers) {
        // A browser sends multipart from any page without asking first (a
        // "simple" request): Apollo Server's CSRF rule wants a header that makes
        // it ask.
        if !multipart::preflighted(&headers) {
            return http_error(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                "a multipart request must carry an `Apollo-Require-Preflight` (or \
                 `X-Apollo-Operation-Name`) header: cross-site request forgery prevention",
            );
        }
        match multipart::read(&state.config, &headers, body).await {
            Ok(read) => (read.operations, Some(read.uploads)),
            Err(refusal) => return refused_upload(&refusal),
        }
    } else {
        // Otherwise only JSON is read: a form or text/plain body (what a
        // cross-site form can send) is refused unread.
        if !negotiate::is_json(&headers) {
            return http_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Code::UnsupportedMediaType,
                "send the request as `Content-Type: application/json` (or \
                 `multipart/form-data` with files)",
            );
        }
        // The body limit has read the body (and answered 413 past it).
        let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
            return http_error(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                "the body could not be read",
            );
        };
        let Ok(json) = serde_json::from_slice::<Json>(&body) else {
            return http_error(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                "the body is not JSON",
            );
        };
        (json, None)
    };
    let uploads = uploads.as_ref();
    let parent = traces::remote_parent(&headers);
    let auth = authenticate(&state, &headers).await;
    match json {
        Json::Array(items) => {
            if items.is_empty() || items.len() > state.config.http.max_batch {
                return http_error(
                    StatusCode::BAD_REQUEST,
                    Code::BadRequest,
                    &format!(
                        "a batch holds 1 to {} operations",
                        state.config.http.max_batch
                    ),
                );
            }
            // One after another: a batch then holds no more in memory than its
            // largest operation (ten at the complexity limit at once took ten
            // times that), and a batch is no way around the per-request limits.
            let mut outcomes = Vec::with_capacity(items.len());
            for item in items {
                outcomes.push(match executor::read(item) {
                    Ok(req) => run(&state, auth, req, uploads, parent.clone()).await,
                    Err(err) => Outcome::refused(err, true),
                });
            }
            let retry = outcomes.iter().any(|o| o.retry);
            let bodies: Vec<String> = outcomes.into_iter().map(|o| o.body).collect();
            let resp = respond(media, StatusCode::OK, format!("[{}]", bodies.join(",")));
            if retry { retry_after(resp) } else { resp }
        }
        item => match executor::read(item) {
            Ok(req) => run(&state, auth, req, uploads, parent).await.respond(media),
            Err(err) => Outcome::refused(err, true).respond(media),
        },
    }
}

/// The query string of a GET request, with the names GraphQL over HTTP gives them
/// (async-graphql 7 reads `operation_name` instead of `operationName`).
#[derive(Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    /// JSON, as the spec encodes it in a URL.
    variables: Option<String>,
    extensions: Option<String>,
}

/// GET runs a query from the URL; a browser asking for HTML with no query gets
/// GraphiQL.
pub async fn get(
    state: AppState,
    headers: &HeaderMap,
    params: Result<Query<GetParams>, QueryRejection>,
) -> HttpResponse {
    let params = match params {
        Ok(Query(params)) => params,
        Err(_) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                "the query string is not a GraphQL request",
            );
        }
    };
    let empty = params.query.is_none() && params.extensions.is_none();
    if empty && !state.config.http.production && wants_html(headers) {
        return graphiql::page().await.into_response();
    }
    let Some(media) = negotiate::accepted(headers) else {
        return not_acceptable();
    };
    let mut item = serde_json::Map::new();
    if let Some(query) = params.query {
        item.insert("query".into(), Json::String(query));
    }
    if let Some(name) = params.operation_name {
        item.insert("operationName".into(), Json::String(name));
    }
    for (key, text) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        if let Some(text) = text {
            let Ok(value) = serde_json::from_str::<Json>(&text) else {
                return Outcome::refused(
                    request_error(Code::BadRequest, format!("`{key}` is not JSON")),
                    true,
                )
                .respond(media);
            };
            item.insert(key.into(), value);
        }
    }
    let req = match executor::read(Json::Object(item)) {
        Ok(req) => req,
        Err(err) => return Outcome::refused(err, true).respond(media),
    };
    let mut prepared = match state.executor.prepare(req) {
        Ok(prepared) => prepared,
        Err(err) => return Outcome::refused(err, false).respond(media),
    };
    if prepared.writes() {
        return read_only_get();
    }
    prepared.continue_trace(traces::remote_parent(headers));
    let auth = authenticate(&state, headers).await;
    Outcome::of(state.executor.execute(auth, prepared).await).respond(media)
}

/// GraphQL over HTTP: GET only reads, so that a link or an image tag cannot change
/// data. A mutation by GET is refused and runs nothing.
fn read_only_get() -> HttpResponse {
    let body = serde_json::json!({ "errors": [{
        "message": "mutations must be sent with POST",
        "extensions": { "code": Code::MethodNotAllowed.as_str() }
    }]});
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(ALLOW, "POST")],
        axum::Json(body),
    )
        .into_response()
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Who the request is made by, from its bearer token.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Auth {
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    state.keys.authenticate(&state.db, header).await
}

/// Prepares and runs one operation of a POST, with the files of a multipart one,
/// in the caller's trace if it gave one.
async fn run(
    state: &AppState,
    auth: Auth,
    mut req: Request,
    uploads: Option<&Arc<Uploads>>,
    parent: Option<opentelemetry::Context>,
) -> Outcome {
    if let Some(uploads) = uploads {
        req = req.data(uploads.clone());
    }
    match state.executor.prepare(req) {
        // Files are sent to be written: a multipart query is refused, so that
        // multipart is no way around GET's and JSON's rules for reads.
        Ok(prepared) if uploads.is_some() && !prepared.writes() => Outcome::refused(
            request_error(
                Code::BadRequest,
                "a multipart request carries mutations only",
            ),
            true,
        ),
        Ok(mut prepared) => {
            prepared.continue_trace(parent);
            Outcome::of(state.executor.execute(auth, prepared).await)
        }
        Err(err) => Outcome::refused(err, false),
    }
}

/// A multipart body refused before anything ran.
fn refused_upload(refusal: &Refusal) -> HttpResponse {
    let mut resp = http_error(refusal.status(), refusal.code(), &refusal.to_string());
    if refusal.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body was drained (bounded): see `body_limit`.
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    resp
}

/// One operation's answer: its JSON text, and what kind of answer it is, which
/// sets the HTTP status.
struct Outcome {
    body: String,
    kind: Kind,
    /// The database was unreachable: the client may retry (`Retry-After`).
    retry: bool,
}

/// How long a client is told to wait before retrying after `SERVICE_UNAVAILABLE`.
const RETRY_AFTER_SECONDS: &str = "1";

fn retry_after(mut resp: HttpResponse) -> HttpResponse {
    resp.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    resp
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The operation ran (possibly with field errors): `data` is there.
    Ran,
    /// A GraphQL request error (parse, validation, a limit): nothing ran.
    RequestError,
    /// The HTTP request is not a GraphQL request at all (`query` missing, ...).
    Malformed,
    /// A persisted query the server does not know: Apollo Client then sends the
    /// document, but turns persisted queries off on a 400, so this is a 200.
    Retry,
}

impl Outcome {
    fn of(resp: Response) -> Self {
        let retry = resp.errors.iter().any(|e| Code::ServiceUnavailable.of(e));
        // Parse and validation errors have no path; field errors always do.
        let request_error = matches!(resp.data, Value::Null)
            && !resp.errors.is_empty()
            && resp.errors.iter().all(|e| e.path.is_empty());
        if !request_error {
            return Outcome {
                body: serde_json::to_string(&resp).unwrap_or_default(),
                kind: Kind::Ran,
                retry,
            };
        }
        // Nothing ran: the response has no `data` entry at all.
        let mut body = serde_json::to_value(&resp).unwrap_or_default();
        if let Some(fields) = body.as_object_mut() {
            fields.remove("data");
        }
        Outcome {
            body: body.to_string(),
            kind: Kind::RequestError,
            retry,
        }
    }

    /// A request refused before it ran; `malformed` when the HTTP request itself is.
    fn refused(err: ServerError, malformed: bool) -> Self {
        let not_found = Code::PersistedQueryNotFound.of(&err);
        let kind = match (malformed, not_found) {
            (true, _) => Kind::Malformed,
            (false, true) => Kind::Retry,
            (false, false) => Kind::RequestError,
        };
        Outcome {
            body: serde_json::json!({ "errors": [err] }).to_string(),
            kind,
            retry: false,
        }
    }

    fn respond(self, media: Media) -> HttpResponse {
        // `application/json` answers every well-formed request with 200.
        let status = match (self.kind, media) {
            (Kind::Ran | Kind::Retry, _) => StatusCode::OK,
            (Kind::RequestError, Media::Json) => StatusCode::OK,
            (Kind::RequestError, Media::GraphqlResponse) | (Kind::Malformed, _) => {
                StatusCode::BAD_REQUEST
            }
        };
        let resp = respond(media, status, self.body);
        if self.retry { retry_after(resp) } else { resp }
    }
}

fn respond(media: Media, status: StatusCode, body: String) -> HttpResponse {
    (status, [(CONTENT_TYPE, media.content_type())], body).into_response()
}

/// An error of the HTTP request itself, answered as JSON whatever was accepted.
fn http_error(status: StatusCode, code: Code, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "errors": [{
        "message": message,
        "extensions": { "code": code.as_str() }
    }]});
    respond(Media::Json, status, body.to_string())
}

fn not_acceptable() -> HttpResponse {
    http_error(
        StatusCode::NOT_ACCEPTABLE,
        Code::NotAcceptable,
        "accept application/graphql-response+json or application/json",
    )
}
