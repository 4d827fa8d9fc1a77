//! The GraphQL endpoint (POST and GET at `/graphql`) and GraphiQL.

use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse, Request, Response, Value};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::extract::{FromRequest, Request as HttpRequest, State};
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, AUTHORIZATION};
use axum::response::{Html, IntoResponse, Response as HttpResponse};
use futures_util::future::join_all;

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

/// GET runs a query from the URL; a browser asking for HTML with no query gets GraphiQL.
pub async fn get(State(state): State<AppState>, req: HttpRequest) -> HttpResponse {
    if wants_html(&req) && req.uri().query().is_none_or(|q| !q.contains("query=")) {
        return graphiql().await.into_response();
    }
    let auth = authenticate(&state, req.headers());
    match GraphQLBatchRequest::<async_graphql_axum::rejection::GraphQLRejection>::from_request(
        req, &state,
    )
    .await
    {
        Ok(batch) => {
            GraphQLResponse::from(execute(&state, auth, batch.into_inner()).await).into_response()
        }
        Err(rejection) => rejection.into_response(),
    }
}

pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("blogql")
            .finish(),
    )
}

fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
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
