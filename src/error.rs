//! The one error type of the server and how it reaches a GraphQL client.
//!
//! Every error a client sees carries a stable `extensions.code`. Database and other
//! internal errors are logged with their detail and shown only as
//! `INTERNAL_SERVER_ERROR`, so no SQL or driver text ever leaves the server.

use std::sync::Arc;

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// Deliberately not `Display`: async-graphql turns any `Display` type into an error
/// without extensions, so every `?` must go through our `From` below, which adds
/// the code.
#[derive(Debug, Clone)]
pub enum AppError {
    /// A lookup named something that does not exist.
    NotFound { entity: &'static str },

    /// The request is well-formed GraphQL but an argument's value is unusable.
    BadUserInput {
        message: String,
        /// The argument at fault, so a client can point at it.
        argument: Option<&'static str>,
    },

    /// A database failure: logged, never shown.
    Database(Arc<DbErr>),
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        AppError::Database(Arc::new(err))
    }
}

impl AppError {
    pub fn bad_input(argument: &'static str, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            message: message.into(),
            argument: Some(argument),
        }
    }

    /// The message a client reads.
    pub fn message(&self) -> String {
        match self {
            AppError::NotFound { entity } => format!("{entity} not found"),
            AppError::BadUserInput { message, .. } => message.clone(),
            AppError::Database(_) => "internal server error".to_owned(),
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::Database(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let AppError::Database(err) = self {
            tracing::error!(error = %err, "database error");
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
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}

/// What resolvers return: errors are already extended with their code.
pub type GqlResult<T> = Result<T, async_graphql::Error>;
