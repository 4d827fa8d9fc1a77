//! The GraphQL endpoint (POST and GET at `/graphql`) and GraphiQL.

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request, Response, Value, Variables};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, ALLOW, AUTHORIZATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response as HttpResponse};
use futures_util::future::join_all;
use serde::Deserialize;

use super::AppState;
use crate::auth::Auth;
use crate::db::Db;
use crate::graphql::RequestCtx;

pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: GraphQLBatchRequest,
) -> GraphQLResponse {
    let auth = authenticate(&state, &headers);
    execute(&state, auth, req.into_inner()).await.into()
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

/// GET runs a query from the URL; a browser asking for HTML with no query gets GraphiQL.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, QueryRejection>,
) -> HttpResponse {
    let params = match params {
        Ok(Query(params)) => params,
        Err(_) => return bad_request("the query string is not a GraphQL request"),
    };
    let Some(query) = params.query else {
        if state.graphiql && wants_html(&headers) {
            return graphiql().await.into_response();
        }
        return bad_request("a GET request needs a `query` parameter");
    };
    let mut req = Request::new(query);
    if let Some(name) = params.operation_name {
        req = req.operation_name(name);
    }
    if let Some(json) = params.variables {
        match serde_json::from_str::<Variables>(&json) {
            Ok(variables) => req = req.variables(variables),
            Err(_) => return bad_request("`variables` is not a JSON object"),
        }
    }
    if let Some(json) = params.extensions {
        match serde_json::from_str(&json) {
            Ok(extensions) => req.extensions = extensions,
            Err(_) => return bad_request("`extensions` is not a JSON object"),
        }
    }
    if writes(&req) {
        return read_only_get();
    }
    let auth = authenticate(&state, &headers);
    GraphQLResponse::from(execute(&state, auth, BatchRequest::Single(req)).await).into_response()
}

fn bad_request(message: &str) -> HttpResponse {
    let body = serde_json::json!({ "errors": [{
        "message": message,
        "extensions": { "code": "BAD_REQUEST" }
    }]});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// Whether the operation a request selects is a mutation (or a subscription).
/// A document that does not parse is answered as usual, with its parse error.
fn writes(req: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&req.query) else {
        return false;
    };
    let selected = match &doc.operations {
        DocumentOperations::Single(op) => Some(&op.node),
        DocumentOperations::Multiple(ops) => req
            .operation_name
            .as_deref()
            .and_then(|name| ops.iter().find(|(n, _)| n.as_str() == name))
            .map(|(_, op)| &op.node),
    };
    selected.is_some_and(|op| op.ty != OperationType::Query)
}

/// GraphQL over HTTP: GET only reads, so that a link or an image tag cannot change
/// data. A mutation by GET is refused and runs nothing.
fn read_only_get() -> HttpResponse {
    let body = serde_json::json!({ "errors": [{
        "message": "mutations must be sent with POST",
        "extensions": { "code": "METHOD_NOT_ALLOWED" }
    }]});
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(ALLOW, "POST")],
        axum::Json(body),
    )
        .into_response()
}

pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("blogql")
            .finish(),
    )
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Who the request is made by, from its bearer token.
fn authenticate(state: &AppState, headers: &HeaderMap) -> Auth {
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    state.keys.authenticate(header)
}

async fn execute(state: &AppState, auth: Auth, batch: BatchRequest) -> BatchResponse {
    match batch {
        BatchRequest::Single(req) => BatchResponse::Single(execute_one(state, auth, req).await),
        BatchRequest::Batch(reqs) => BatchResponse::Batch(
            join_all(reqs.into_iter().map(|req| execute_one(state, auth, req))).await,
        ),
    }
}

/// Runs one operation with its own loaders and statement counter.
async fn execute_one(state: &AppState, auth: Auth, req: Request) -> Response {
    let db = Db::new(state.db.clone());
    let (ctx, loads) = RequestCtx::new(db.clone(), auth, state.writes.clone());
    let mut resp = loads.run(state.schema.execute(req.data(ctx))).await;
    if state.debug_sql {
        let n = i64::try_from(db.statement_count()).unwrap_or(i64::MAX);
        resp.extensions
            .insert("sqlStatements".into(), Value::from(n));
    }
    resp
}
