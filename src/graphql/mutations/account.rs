//! Account mutations: [`crate::domain::accounts`] operations, with the tokens they
//! answer and the request's viewer they change.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::author;

use super::delete::DeletePayload;
use super::profile::ProfileInput;
use super::{session, store};
use crate::auth::Keys;
use crate::domain::accounts::{self, AccountEdit, Registration};
use crate::error::GqlResult;
use crate::graphql::context::RequestCtx;
use crate::graphql::types::Author;

#[derive(InputObject)]
pub struct RegisterInput {
    pub username: String,
    pub email: String,
    pub name: String,
    /// 8 to 256 characters.
    pub password: String,
    /// Created with the account, in the same transaction.
    pub profile: Option<ProfileInput>,
}

#[derive(InputObject)]
pub struct UpdateViewerInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
}

/// A bearer token for `Authorization: Bearer <token>`, and whose it is.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// The author signed in, seen as they see themselves (their email, their drafts):
    /// the rest of the operation runs as them.
    pub viewer: Author,
}

#[derive(SimpleObject)]
pub struct AuthorPayload {
    pub author: Author,
    /// A new token when the password changed (every earlier token has ended); null
    /// otherwise.
    pub token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AccountMutation;

fn keys<'a>(ctx: &Context<'a>) -> GqlResult<&'a Arc<Keys>> {
    crate::error::data::<Arc<Keys>>(ctx)
}

/// Signs `author` in: a token, and the rest of the operation runs as them.
fn signed_in_as(ctx: &Context<'_>, author: author::Model) -> GqlResult<AuthPayload> {
    let (token, expires_at) = keys(ctx)?.issue(author.id, author.token_version)?;
    RequestCtx::of(ctx)?.sign_in(author.id);
    Ok(AuthPayload {
        token,
        expires_at,
        viewer: Author(author),
    })
}

#[Object]
impl AccountMutation {
    /// Creates an account (and its profile, if given) and signs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> GqlResult<AuthPayload> {
        let new = Registration {
            username: input.username,
            email: input.email,
            name: input.name,
            password: input.password,
            profile: input.profile.map(Into::into),
        };
        let created = accounts::register(store(ctx)?, new).await?;
        signed_in_as(ctx, created)
    }

    /// Signs in with a username or an email address.
    async fn login(
        &self,
        ctx: &Context<'_>,
        username_or_email: String,
        password: String,
    ) -> GqlResult<AuthPayload> {
        let author = accounts::authenticate(store(ctx)?, &username_or_email, password).await?;
        signed_in_as(ctx, author)
    }

    /// Changes the signed-in author's email, name or password. A new password ends
    /// every token issued before, this request's too: the payload carries a new one.
    async fn update_viewer(
        &self,
        ctx: &Context<'_>,
        input: UpdateViewerInput,
    ) -> GqlResult<AuthorPayload> {
        let ended = input.password.is_some();
        let edit = AccountEdit {
            email: input.email,
            name: input.name,
            password: input.password,
        };
        let updated = accounts::update(session(ctx)?, edit).await?;
        let (token, expires_at) = if ended {
            let (token, expires) = keys(ctx)?.issue(updated.id, updated.token_version)?;
            (Some(token), Some(expires))
        } else {
            (None, None)
        };
        Ok(AuthorPayload {
            author: Author(updated),
            token,
            expires_at,
        })
    }

    /// Ends every token of the signed-in author, this request's too (sign out
    /// everywhere). Sign in again for a new one.
    async fn sign_out_everywhere(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        accounts::end_tokens(session(ctx)?).await?;
        RequestCtx::of(ctx)?.token_ended();
        Ok(true)
    }

    /// Deletes the signed-in author: their profile and posts go (with those posts'
    /// comments and tag links); their comments on other posts stay, with no author.
    async fn delete_viewer(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let deletion = accounts::delete(session(ctx)?, dry_run).await?;
        if !dry_run {
            RequestCtx::of(ctx)?.token_ended();
        }
        Ok(DeletePayload::of::<author::Entity>(deletion))
    }
}
