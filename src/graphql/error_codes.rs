//! Codes for the errors async-graphql itself raises, so that every error a client
//! sees has a stable `extensions.code` (Apollo's names): a document that does not
//! parse is `GRAPHQL_PARSE_FAILED`, one that does not fit the schema is
//! `GRAPHQL_VALIDATION_FAILED`, and a value that does not fit its type (an unknown
//! enum value, a malformed date, a string where an Int goes) is `BAD_USER_INPUT`
//! naming the argument. Errors of our own already carry their code.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|err| coded(err, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|err| {
                    if is_bad_value(&err.message) {
                        coded(err, "BAD_USER_INPUT")
                    } else {
                        coded(err, "GRAPHQL_VALIDATION_FAILED")
                    }
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        // Our resolvers' errors all have a code; what has none is a variable's value
        // that async-graphql could not turn into the argument's type.
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|err| coded(err, "BAD_USER_INPUT"))
            .collect();
        response
    }
}

fn is_bad_value(message: &str) -> bool {
    message.starts_with("Invalid value for argument") || message.starts_with("Failed to parse")
}

/// Sets `code` unless the error has one, and the argument a value message names.
fn coded(mut err: ServerError, code: &str) -> ServerError {
    let argument = quoted_argument(&err.message);
    let extensions = err.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
        if code == "BAD_USER_INPUT"
            && let Some(argument) = argument
        {
            extensions.set("argument", argument);
        }
    }
    err
}

/// The argument a value message is about: `Invalid value for argument "first", ...`
/// names it; `Failed to parse "DateTime" ... (occurred while parsing "PostFilter")`
/// names the input type, and every argument of an input type is named by it
/// (`...Filter` is `filter`, `...Order` is `orderBy`, `...Input` is `input`).
fn quoted_argument(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("Invalid value for argument \"") {
        let name = &rest[..rest.find('"')?];
        // `"orderBy.0.field"` names the argument and the path into it.
        return Some(name.split('.').next().unwrap_or(name).to_owned());
    }
    const OUTER: &str = "occurred while parsing \"";
    let rest = &message[message.rfind(OUTER)? + OUTER.len()..];
    let type_name = &rest[..rest.find('"')?];
    [
        ("Filter", "filter"),
        ("Order", "orderBy"),
        ("Input", "input"),
    ]
    .iter()
    .find(|(suffix, _)| type_name.ends_with(suffix))
    .map(|(_, argument)| (*argument).to_owned())
}

#[cfg(test)]
mod tests {
    use super::quoted_argument;

    #[test]
    fn value_messages_name_their_argument() {
        let named = |m: &str| quoted_argument(m);
        assert_eq!(
            named("Invalid value for argument \"orderBy.0.field\", enumeration").as_deref(),
            Some("orderBy")
        );
        assert_eq!(
            named("Failed to parse \"DateTime\": bad (occurred while parsing \"DateTimeFilter\") (occurred while parsing \"PostFilter\")").as_deref(),
            Some("filter")
        );
        assert_eq!(
            named("Failed to parse \"NaiveDate\": x (occurred while parsing \"RegisterInput\")")
                .as_deref(),
            Some("input")
        );
        assert_eq!(named("Unknown field").as_deref(), None);
    }
}
