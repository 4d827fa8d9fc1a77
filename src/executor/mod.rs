//! One executor for every transport. HTTP (`http/graphql.rs`) and WebSocket
//! (`http/subscriptions.rs`) read a request, hand it here and send what comes back;
//! they know nothing of each other. Here: the persisted-query lookup, the document
//! limits and literal checks that must hold before async-graphql validates, the
//! order the answer is written in, and the run itself with the request's own
//! loaders, load driver and statement counter.

mod persisted;
mod request;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Request, Response, ServerError, Value, Variables};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;

use crate::auth::Auth;
use crate::db::{Db, WriteLock};
use crate::error::Code;
use crate::graphql::limits::{self, DocumentLimits};
use crate::graphql::literals::TypeIndex;
use crate::graphql::response_order::Plan;
use crate::graphql::{AppSchema, RequestCtx};

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
}

/// A request that passed every check made before validation, with the order its
/// answer is to be written in.
pub struct Prepared {
    req: Request,
    order: Plan,
}

impl Prepared {
    /// Whether the operation it selects is a mutation or a subscription.
    pub fn writes(&mut self) -> bool {
        let operation_name = self.req.operation_name.clone();
        let Ok(doc) = self.req.parsed_query() else {
            return false;
        };
        let selected = match &doc.operations {
            DocumentOperations::Single(op) => Some(&op.node),
            DocumentOperations::Multiple(ops) => operation_name
                .as_deref()
                .and_then(|name| ops.iter().find(|(n, _)| n.as_str() == name))
                .map(|(_, op)| &op.node),
        };
        selected.is_some_and(|op| op.ty != OperationType::Query)
    }
}

impl Executor {
    /// Resolves a persisted query and checks the document limits, so that nothing
    /// over a limit is validated, cached or run.
    pub fn prepare(&self, mut req: Request) -> Result<Prepared, ServerError> {
        let persist = self.persisted.resolve(&mut req)?;
        self.document_limits.check_source(&req.query)?;
        self.document_limits.check_variables(&req.variables)?;
        // `parsed_query` borrows the request whole: the variables step out meanwhile.
        let variables = std::mem::take(&mut req.variables);
        let checked = self.check_document(&mut req, &variables);
        req.variables = variables;
        let order = checked?;
        self.persisted.store(persist, &req.query);
        Ok(Prepared { req, order })
    }

    /// Parses the document and checks it against every limit and rule that must
    /// hold before async-graphql validates it; then plans the order of its answer.
    fn check_document(
        &self,
        req: &mut Request,
        variables: &Variables,
    ) -> Result<Plan, ServerError> {
        let operation_name = req.operation_name.take();
        let doc = req.parsed_query().map_err(|mut err| {
            let mut ext = err.extensions.take().unwrap_or_default();
            ext.set("code", Code::GraphqlParseFailed);
            err.extensions = Some(ext);
            err
        })?;
        self.document_limits.check(doc)?;
        limits::check_strings(doc)?;
        limits::check_page_sizes(doc, variables, self.max_page_size)?;
        self.types.check(doc)?;
        let order = Plan::of(doc, operation_name.as_deref(), variables).unwrap_or_default();
        req.operation_name = operation_name;
        Ok(order)
    }

    /// Runs a query or mutation with its own loaders and statement counter, its
    /// answer written in the requested order.
    pub async fn execute(&self, auth: Auth, prepared: Prepared) -> Response {
        let Prepared { req, order } = prepared;
        let db = Db::new(self.db.clone());
        let (ctx, loads) = RequestCtx::new(db.clone(), auth, self.writes.clone());
        let mut resp = loads.run(self.schema.execute(req.data(ctx))).await;
        order.apply(&mut resp.data);
        if self.debug_sql {
            let n = i64::try_from(db.statement_count()).unwrap_or(i64::MAX);
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
        let Prepared { req, order } = prepared;
        let (ctx, driver) = RequestCtx::new(Db::new(self.db.clone()), auth, self.writes.clone());
        tokio::spawn(driver.serve());
        self.schema
            .execute_stream(req.data(ctx))
            .map(move |mut resp| {
                order.apply(&mut resp.data);
                resp
            })
    }
}
