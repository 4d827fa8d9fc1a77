//! The one error type of the server and how it reaches a GraphQL client.
//!
//! Every error a client sees carries a stable `extensions.code`, and where one input
//! field or argument is at fault, `extensions.field` or `extensions.argument` names
//! it. Database and other internal errors are logged with their detail and shown
//! only as `INTERNAL_SERVER_ERROR`, so no SQL or driver text ever leaves the server.

use std::sync::Arc;

use async_graphql::ErrorExtensions;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlErr};

use crate::graphql::core::Reference;
use crate::graphql::registry::REFERENCES;

/// Every `extensions.code` a client can be sent, in one place. Clients branch on
/// these strings, so they are part of the API and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// An argument, variable or input value is unusable.
    BadUserInput,
    /// A mutation without a valid token; a failed sign-in.
    Unauthenticated,
    /// Not the author (or not staff).
    Forbidden,
    /// A referenced row does not exist, or is hidden from the viewer.
    NotFound,
    /// A unique value is taken.
    Conflict,
    /// A delete that rows still depend on (PROTECT).
    Protected,
    /// The database is busy or unreachable: retry later.
    ServiceUnavailable,
    /// A statement ran past the statement timeout.
    Timeout,
    /// Anything else: logged, never detailed.
    InternalServerError,
    /// The document is not GraphQL.
    GraphqlParseFailed,
    /// The document does not fit the schema or breaks a document limit.
    GraphqlValidationFailed,
    /// Apollo's APQ: the server does not know this hash (yet).
    PersistedQueryNotFound,
    /// Apollo's APQ: a version other than 1.
    PersistedQueryNotSupported,
    /// The HTTP request is not a GraphQL request.
    BadRequest,
    /// A body other than `application/json` (UTF-8).
    UnsupportedMediaType,
    /// The client accepts neither response type.
    NotAcceptable,
    /// A mutation sent by GET.
    MethodNotAllowed,
    /// A body over the limit.
    PayloadTooLarge,
}

impl Code {
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::Protected => "PROTECTED",
            Code::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Code::Timeout => "TIMEOUT",
            Code::InternalServerError => "INTERNAL_SERVER_ERROR",
            Code::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Code::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Code::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            Code::BadRequest => "BAD_REQUEST",
            Code::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Code::NotAcceptable => "NOT_ACCEPTABLE",
            Code::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Code::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        }
    }

    /// Whether `err` carries this code.
    pub fn of(self, err: &async_graphql::ServerError) -> bool {
        err.extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .is_some_and(|code| *code == async_graphql::Value::from(self.as_str()))
    }
}

impl From<Code> for async_graphql::Value {
    fn from(code: Code) -> Self {
        async_graphql::Value::from(code.as_str())
    }
}

/// A request error (nothing ran): a message and its code.
pub fn request_error(code: Code, message: impl Into<String>) -> async_graphql::ServerError {
    let mut err = async_graphql::ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code);
    err.extensions = Some(ext);
    err
}

/// Deliberately not `Display`: async-graphql turns any `Display` type into an error
/// without extensions, so every `?` must go through our `From` below, which adds
/// the code.
#[derive(Debug, Clone)]
pub enum AppError {
    /// A lookup or a reference named something that does not exist.
    NotFound {
        entity: &'static str,
        field: Option<&'static str>,
    },

    /// The request is well-formed GraphQL but a value is unusable.
    BadUserInput {
        message: String,
        /// The argument at fault, so a client can point at it.
        argument: Option<&'static str>,
        /// The input field at fault.
        field: Option<&'static str>,
    },

    /// The operation needs a signed-in author, and there is none (or the token is bad).
    Unauthenticated { message: &'static str },

    /// The signed-in author may not do this.
    Forbidden { message: String },

    /// A unique value is taken (a username, a slug, an author's one profile).
    Conflict {
        message: String,
        field: Option<&'static str>,
    },

    /// A delete that rows still depend on (Django's PROTECT); `blocked` of them.
    Protected { message: String, blocked: i64 },

    /// No database connection came free in time: the client may retry later.
    Unavailable,

    /// A statement ran past the statement timeout and was cancelled.
    Timeout,

    /// A database failure: logged, never shown.
    Database(Arc<DbErr>),

    /// Any other failure of ours: logged, never shown.
    Internal(String),
}

impl From<DbErr> for AppError {
    /// Constraint violations become client errors by constraint name; anything else
    /// stays internal.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(msg)) => unique_violation(&msg),
            Some(SqlErr::ForeignKeyConstraintViolation(msg)) => foreign_key_violation(&msg),
            _ if matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)) => {
                AppError::Unavailable
            }
            _ if is_connection_lost(&err) => {
                tracing::warn!(error = %err, "database connection lost");
                AppError::Unavailable
            }
            _ if is_statement_timeout(&err) => AppError::Timeout,
            _ => AppError::Database(Arc::new(err)),
        }
    }
}

/// Whether `err` says the database went away (restarted, unreachable, the
/// connection cut) rather than that the statement was wrong: a client may retry.
pub fn is_connection_lost(err: &DbErr) -> bool {
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Query(RuntimeErr::SqlxError(sqlx)) | DbErr::Exec(RuntimeErr::SqlxError(sqlx)) => {
            sqlx
        }
        _ => return false,
    };
    use sea_orm::sqlx::Error;
    match sqlx.as_ref() {
        Error::Io(_)
        | Error::Tls(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed
        | Error::Protocol(_) => true,
        Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: class 08 (connection exception), 57P01-57P03 (the server
            // shutting down or starting). MySQL/MariaDB: 1053 (shutdown in
            // progress), 2006 (gone away), 2013 (lost during a query).
            code.starts_with("08")
                || matches!(
                    &*code,
                    "57P01" | "57P02" | "57P03" | "1053" | "2006" | "2013"
                )
        }),
        _ => false,
    }
}

/// PostgreSQL's `query_canceled`, which `statement_timeout` raises.
fn is_statement_timeout(err: &DbErr) -> bool {
    let (DbErr::Query(RuntimeErr::SqlxError(sqlx)) | DbErr::Exec(RuntimeErr::SqlxError(sqlx))) =
        err
    else {
        return false;
    };
    sqlx.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "57014")
}

/// Each named constraint (and, for SQLite, which reports `table.column` instead of
/// names, its column), the input field it guards, and what a client is told.
const UNIQUE: [(&str, &str, &str, &str); 9] = [
    (
        "uq_authors_username",
        "authors.username",
        "username",
        "that username is taken",
    ),
    (
        "uq_authors_email",
        "authors.email",
        "email",
        "that email is already registered",
    ),
    (
        "uq_profiles_author_id",
        "profiles.author_id",
        "author",
        "the author already has a profile",
    ),
    (
        "uq_categories_name",
        "categories.name",
        "name",
        "a category with that name exists",
    ),
    (
        "uq_categories_slug",
        "categories.slug",
        "slug",
        "a category with that slug exists",
    ),
    (
        "uq_tags_name",
        "tags.name",
        "name",
        "a tag with that name exists",
    ),
    (
        "uq_tags_slug",
        "tags.slug",
        "slug",
        "a tag with that slug exists",
    ),
    (
        "uq_posts_slug",
        "posts.slug",
        "slug",
        "a post with that slug exists",
    ),
    (
        "pk_post_tags",
        "post_tags.post_id",
        "tagIds",
        "the post already has that tag",
    ),
];

fn unique_violation(msg: &str) -> AppError {
    let found = UNIQUE
        .iter()
        .find(|(name, column, ..)| msg.contains(name) || msg.contains(column));
    match found {
        Some((_, _, field, message)) => AppError::Conflict {
            message: (*message).to_owned(),
            field: Some(field),
        },
        None => AppError::Conflict {
            message: "that value is taken".to_owned(),
            field: None,
        },
    }
}

fn foreign_key_violation(msg: &str) -> AppError {
    // PostgreSQL says "update or delete on table", MySQL "Cannot delete or update a
    // parent row": a delete that rows still point at.
    if msg.contains("update or delete") || msg.contains("delete or update") {
        return AppError::Protected {
            message: "other rows still refer to this one".to_owned(),
            blocked: 0,
        };
    }
    let named = |r: &&&dyn Reference| r.constraint().is_some_and(|name| msg.contains(&name));
    match REFERENCES.iter().find(named) {
        Some(reference) => AppError::NotFound {
            entity: reference.parent_name(),
            field: Some(reference.field()),
        },
        // SQLite names no constraint; writes check their references first, so
        // this is only reached in a race.
        None => AppError::NotFound {
            entity: "A referenced row",
            field: None,
        },
    }
}

impl AppError {
    pub fn bad_input(argument: &'static str, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            message: message.into(),
            argument: Some(argument),
            field: None,
        }
    }

    /// An input field whose value is not acceptable.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            message: message.into(),
            argument: None,
            field: Some(field),
        }
    }

    pub fn not_found(entity: &'static str) -> Self {
        AppError::NotFound {
            entity,
            field: None,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden {
            message: message.into(),
        }
    }

    /// The message a client reads.
    pub fn message(&self) -> String {
        match self {
            AppError::NotFound { entity, .. } => format!("{entity} not found"),
            AppError::BadUserInput { message, .. }
            | AppError::Forbidden { message }
            | AppError::Conflict { message, .. }
            | AppError::Protected { message, .. } => message.clone(),
            AppError::Unauthenticated { message } => (*message).to_owned(),
            AppError::Unavailable => {
                "the database is busy or unreachable; try again shortly".to_owned()
            }
            AppError::Timeout => "the query took too long and was cancelled".to_owned(),
            AppError::Database(_) | AppError::Internal(_) => "internal server error".to_owned(),
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> Code {
        match self {
            AppError::NotFound { .. } => Code::NotFound,
            AppError::BadUserInput { .. } => Code::BadUserInput,
            AppError::Unauthenticated { .. } => Code::Unauthenticated,
            AppError::Forbidden { .. } => Code::Forbidden,
            AppError::Conflict { .. } => Code::Conflict,
            AppError::Protected { .. } => Code::Protected,
            AppError::Unavailable => Code::ServiceUnavailable,
            AppError::Timeout => Code::Timeout,
            AppError::Database(_) | AppError::Internal(_) => Code::InternalServerError,
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            AppError::NotFound { field, .. }
            | AppError::BadUserInput { field, .. }
            | AppError::Conflict { field, .. } => *field,
            _ => None,
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        match self {
            AppError::Database(err) => tracing::error!(error = %err, "database error"),
            AppError::Internal(err) => tracing::error!(error = %err, "internal error"),
            _ => {}
        }
        async_graphql::Error::new(self.message()).extend_with(|_, ext| {
            ext.set("code", self.code());
            if let AppError::BadUserInput {
                argument: Some(arg),
                ..
            } = self
            {
                ext.set("argument", *arg);
            }
            if let Some(field) = self.field() {
                ext.set("field", field);
            }
            if let AppError::Protected { blocked, .. } = self {
                ext.set("blockedBy", *blocked);
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}

/// What resolvers return. async-graphql turns an `AppError` into its GraphQL error
/// (code and extensions) itself, and a database error can only become one through
/// `From<DbErr>`, so no driver text reaches a client by a forgotten conversion.
pub type GqlResult<T> = Result<T, AppError>;

/// Data the schema or the request was built with: missing is a bug of ours.
pub fn data<'a, T: std::any::Any + Send + Sync>(
    ctx: &async_graphql::Context<'a>,
) -> GqlResult<&'a T> {
    ctx.data::<T>().map_err(|_| {
        AppError::Internal(format!("no {} in the context", std::any::type_name::<T>()))
    })
}
