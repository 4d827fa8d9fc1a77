//! One executor for every transport. HTTP (`http/graphql.rs`) and WebSocket
//! (`http/subscriptions.rs`) read a request, hand it here and send what comes back;
//! they know nothing of each other. Here: the persisted-query lookup, the document
//! limits and literal checks that must hold before async-graphql validates, the
//! order the answer is written in, and the run itself with the request's own
//! loaders, load driver and statement counter.

mod documents;
mod persisted;
mod request;

use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::{
    self,
    types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType},
};
use async_graphql::{Request, Response, ServerError, Value, Variables};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use tokio::sync::Semaphore;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::auth::Auth;
use crate::db::{Db, WriteLock};
use crate::error::Code;
use crate::graphql::core::Reads;
use crate::graphql::error_codes;
use crate::graphql::limits::{self, DocumentLimits};
use crate::graphql::literals::TypeIndex;
use crate::graphql::response_order::Plan;
use crate::graphql::{AppSchema, RequestCtx};
use crate::metrics;
use crate::traces::InSpan;

pub use documents::{DocumentCacheLimits, ParsedDocuments};
pub use persisted::{ApqLimits, PersistedQueries};
pub use request::read;

/// What running an operation needs, shared by every request.
pub struct Executor {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub writes: WriteLock,
    /// Adds `extensions.sqlStatements` to every answer.
    pub debug_sql: bool,
    pub document_limits: DocumentLimits,
    /// The largest `first` or `last`, refused before validation beyond.
    pub max_page_size: u64,
    /// Argument and input types, for the literal checks async-graphql leaves out.
    pub types: TypeIndex,
    pub persisted: PersistedQueries,
    pub documents: ParsedDocuments,
    /// Turns to run a query or mutation: `--max-concurrent-operations`.
    pub running: Arc<Semaphore>,
}

/// A request that passed every check made before validation, with the order its
/// answer is to be written in.
pub struct Prepared {
    req: Request,
    /// The operation's name as a metrics label.
    operation: String,
    order: Plan,
    /// Query when the document names no operation it holds (validation then
    /// refuses it).
    kind: OperationType,
    /// The fields it selects, for the columns its statements leave out.
    reads: Reads,
    /// The caller's span its own continues (W3C Trace Context), if any.
    parent: Option<opentelemetry::Context>,
}

impl Prepared {
    /// Whether the operation it runs is a mutation or a subscription.
    pub fn writes(&self) -> bool {
        self.kind != OperationType::Query
    }

    /// Makes the operation's span a child of the caller's (see `traces`).
    pub fn continue_trace(&mut self, parent: Option<opentelemetry::Context>) {
        self.parent = parent;
    }
}

/// The operation a request runs, as async-graphql picks it: the one named, or else
/// the only one, named or not. None when there is no such operation (the request
/// then fails validation).
pub fn selected_operation<'a>(
    doc: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let operation = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    Some(&operation.node)
}

/// The name of the operation a request runs, as its document writes it; None
/// for an anonymous one, or when there is no such operation.
fn operation_name<'a>(doc: &'a ExecutableDocument, requested: Option<&str>) -> Option<&'a str> {
    let DocumentOperations::Multiple(ops) = &doc.operations else {
        return None;
    };
    match requested {
        Some(name) => ops.get_key_value(name).map(|(name, _)| name.as_str()),
        None if ops.len() == 1 => ops.keys().next().map(|name| name.as_str()),
        None => None,
    }
}

impl Executor {
    /// Resolves a persisted query and checks the document limits, so that nothing
    /// over a limit is validated, cached or run.
    pub fn prepare(&self, req: Request) -> Result<Prepared, ServerError> {
        // Refused before its document is read: the name the request gives.
        let named = metrics::operation_label(req.operation_name.as_deref());
        let prepared = self.checked(req);
        if prepared.is_err() {
            metrics::operation_rejected(&named);
        }
        prepared
    }

    fn checked(&self, mut req: Request) -> Result<Prepared, ServerError> {
        let persist = self.persisted.resolve(&mut req)?;
        self.document_limits.check_source(&req.query)?;
        self.document_limits.check_variables(&req.variables)?;
        // The variables step out while the request is borrowed whole.
        let variables = std::mem::take(&mut req.variables);
        let checked = self.check_document(&mut req, &variables);
        req.variables = variables;
        let (order, kind, reads, operation) = checked?;
        self.persisted.store(persist, &req.query);
        Ok(Prepared {
            req,
            operation,
            order,
            kind,
            reads,
            parent: None,
        })
    }

    /// Parses the document (or finds it parsed) and checks it against every limit
    /// and rule that must hold before async-graphql validates it; then plans the
    /// order of its answer, tells the kind of operation it runs, and what it
    /// reads.
    fn check_document(
        &self,
        req: &mut Request,
        variables: &Variables,
    ) -> Result<(Plan, OperationType, Reads, String), ServerError> {
        let doc = match self.documents.get(&req.query) {
            Some(doc) => doc,
            None => {
                let doc = parser::parse_query(&req.query).map_err(|err| {
                    let mut err = ServerError::from(err);
                    let mut ext = err.extensions.take().unwrap_or_default();
                    ext.set("code", Code::GraphqlParseFailed);
                    err.extensions = Some(ext);
                    err
                })?;
                self.document_limits.check(&doc)?;
                limits::check_strings(&doc)?;
                self.types.check(&doc)?;
                self.documents.keep(&req.query, &doc);
                doc
            }
        };
        limits::check_page_sizes(&doc, variables, self.max_page_size)?;
        let selected = selected_operation(&doc, req.operation_name.as_deref());
        let order = selected.map_or_else(Plan::default, |op| Plan::of(&doc, op, variables));
        let operation =
            metrics::operation_label(operation_name(&doc, req.operation_name.as_deref()));
        let kind = selected.map_or(OperationType::Query, |op| op.ty);
        // Only a query's statements leave columns out: a write's answer is read
        // through the domain too, and a subscription's loaders serve every event.
        let reads = match kind {
            OperationType::Query => Reads::of(&doc),
            _ => Reads::ALL,
        };
        req.set_parsed_query(doc);
        Ok((order, kind, reads, operation))
    }

    /// Runs a query or mutation with its own loaders and statement counter, its
    /// answer written in the requested order.
    pub async fn execute(&self, auth: Auth, prepared: Prepared) -> Response {
        let Prepared {
            req,
            operation,
            order,
            kind,
            reads,
            parent,
        } = prepared;
        let writes = kind != OperationType::Query;
        let started = Instant::now();
        // Never closed, so acquiring cannot fail; waiting for a turn is what
        // bounds the memory of many requests at once.
        let waiting = metrics::Open::waiting_for_turn();
        let _turn = self.running.acquire().await.ok();
        drop(waiting);
        // A query's statements share one connection; a mutation's writes take
        // their own (see `Lending`).
        let db = if writes {
            Db::new(self.db.clone())
        } else {
            Db::lending(self.db.clone())
        };
        let (ctx, loads) = RequestCtx::new(db.clone(), auth, self.writes.clone(), reads);
        // Its loader batches, and their statements, are polled inside it.
        let span = operation_span(kind, &operation, parent);
        let mut resp = loads
            .run(self.schema.execute(req.data(ctx)))
            .instrument(span)
            .await;
        db.give_back();
        error_codes::code_errors(&mut resp);
        order.apply(&mut resp.data);
        let outcome = if resp.errors.is_empty() {
            metrics::Outcome::Ok
        } else if resp.errors.iter().all(|e| e.path.is_empty()) {
            // No field's error: the operation did not validate, nothing ran.
            metrics::Outcome::Rejected
        } else {
            metrics::Outcome::Error
        };
        let statements = db.statement_count();
        metrics::operation_ran(&operation, outcome, started.elapsed(), statements);
        if self.debug_sql {
            let n = i64::try_from(statements).unwrap_or(i64::MAX);
            resp.extensions
                .insert("sqlStatements".into(), Value::from(n));
        }
        resp
    }

    /// Runs any operation as a stream of answers: a subscription's events, or the
    /// one answer of a query or mutation. Its loads run on a task of their own for
    /// as long as the stream lives.
    pub fn subscribe(
        &self,
        auth: Auth,
        prepared: Prepared,
    ) -> impl Stream<Item = Response> + Send + 'static {
        let Prepared {
            req,
            order,
            operation,
            kind,
            parent,
            ..
        } = prepared;
        let db = Db::new(self.db.clone());
        let (ctx, driver) = RequestCtx::new(db, auth, self.writes.clone(), Reads::ALL);
        // The request's loaders serve every event: rows one event joined could be
        // changed by other requests before the next, which must read afresh.
        let joined = ctx.joined_rows();
        // The operation's span lasts as long as its stream (a subscription's, for
        // as long as it is subscribed): the stream is polled in it, and its
        // loader batches, and their statements, run in its driver, under it.
        let span = operation_span(kind, &operation, parent);
        tokio::spawn(driver.serve().instrument(span.clone()));
        InSpan::new(self.schema.execute_stream(req.data(ctx)), span).map(move |mut resp| {
            joined.clear();
            error_codes::code_errors(&mut resp);
            order.apply(&mut resp.data);
            resp
        })
    }
}

/// The root of an operation's spans (see `traces`), named `query Name`, under the
/// caller's span when the request continues a trace.
fn operation_span(
    kind: OperationType,
    operation: &str,
    parent: Option<opentelemetry::Context>,
) -> tracing::Span {
    let kind = match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let span = tracing::debug_span!(
        "graphql.operation",
        otel.name = %format_args!("{kind} {operation}"),
        graphql.operation.name = %operation,
        graphql.operation.type = kind,
    );
    if let Some(parent) = parent {
        // Fails only when no OpenTelemetry layer records the span.
        let _ = span.set_parent(parent);
    }
    span
}
