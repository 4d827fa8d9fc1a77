//! Accounts: register (optionally with a profile), sign in, change or delete one's
//! own account.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::author;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::delete::{DeletePayload, Report};
use super::profile::{ProfileInput, insert_profile};
use super::{now, signed_in, validate};
use crate::auth::{self, Keys};
use crate::error::{AppError, GqlResult};
use crate::graphql::context::RequestCtx;
use crate::graphql::types::{Author, to_id};

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

#[Object]
impl AccountMutation {
    /// Creates an account (and its profile, if given) and signs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> GqlResult<AuthPayload> {
        let request = RequestCtx::of(ctx)?;
        let username = validate::username(&input.username)?;
        let email = validate::email(&input.email)?;
        let name = validate::required("name", &input.name, 100)?;
        let password = validate::password(&input.password)?;
        let hash = auth::hash_password(password).await?;

        let txn = request.begin_write().await?;
        let created = author::ActiveModel {
            username: Set(username),
            email: Set(email),
            name: Set(name),
            created_at: Set(now()),
            password_hash: Set(hash),
            is_staff: Set(false),
            token_version: Set(0),
            ..Default::default()
        }
        .insert(txn.conn())
        .await?;
        if let Some(profile) = input.profile {
            insert_profile(txn.conn(), created.id, profile).await?;
        }
        txn.commit().await?;

        let (token, expires_at) = keys(ctx)?.issue(created.id, created.token_version)?;
        request.sign_in(created.id);
        Ok(AuthPayload {
            token,
            expires_at,
            viewer: Author(created),
        })
    }

    /// Signs in with a username or an email address.
    async fn login(
        &self,
        ctx: &Context<'_>,
        username_or_email: String,
        password: String,
    ) -> GqlResult<AuthPayload> {
        let request = RequestCtx::of(ctx)?;
        let who = username_or_email.trim();
        let found = author::Entity::find()
            .filter(
                Condition::any()
                    .add(author::Column::Username.eq(who))
                    .add(author::Column::Email.eq(who)),
            )
            .one(&request.db)
            .await?;
        // An unknown name is checked against a real hash all the same, so the answer
        // takes as long as for a wrong password and does not tell which names exist.
        let hash = found
            .as_ref()
            .map_or(crate::seed::DEMO_PASSWORD_HASH, |a| {
                a.password_hash.as_str()
            })
            .to_owned();
        let matches = auth::verify_password(password, hash).await?;
        let author = match found {
            Some(author) if matches => author,
            _ => {
                return Err(AppError::Unauthenticated {
                    message: "wrong username, email or password",
                });
            }
        };
        let (token, expires_at) = keys(ctx)?.issue(author.id, author.token_version)?;
        request.sign_in(author.id);
        Ok(AuthPayload {
            token,
            expires_at,
            viewer: Author(author),
        })
    }

    /// Changes the signed-in author's email, name or password. A new password ends
    /// every token issued before, this request's too: the payload carries a new one.
    async fn update_viewer(
        &self,
        ctx: &Context<'_>,
        input: UpdateViewerInput,
    ) -> GqlResult<AuthorPayload> {
        let (request, viewer) = signed_in(ctx)?;
        let hash = match input.password {
            Some(p) => Some(auth::hash_password(validate::password(&p)?).await?),
            None => None,
        };
        let txn = request.begin_write().await?;
        let current = author::Entity::find_by_id(viewer)
            .one(txn.conn())
            .await?
            .ok_or_else(|| AppError::not_found("Author"))?;
        let mut change: author::ActiveModel = current.into();
        if let Some(email) = input.email {
            change.email = Set(validate::email(&email)?);
        }
        if let Some(name) = input.name {
            change.name = Set(validate::required("name", &name, 100)?);
        }
        let ended = hash.is_some();
        if let Some(hash) = hash {
            change.password_hash = Set(hash);
            change.token_version = Set(change.token_version.as_ref() + 1);
        }
        let updated = change.update(txn.conn()).await?;
        txn.commit().await?;
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
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        author::Entity::update_many()
            .col_expr(
                author::Column::TokenVersion,
                Expr::col(author::Column::TokenVersion).add(1),
            )
            .filter(author::Column::Id.eq(viewer))
            .exec(txn.conn())
            .await?;
        txn.commit().await?;
        request.token_ended();
        Ok(true)
    }

    /// Deletes the signed-in author: their profile and posts go (with those posts'
    /// comments and tag links); their comments on other posts stay, with no author.
    async fn delete_viewer(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        author::Entity::find_by_id(viewer)
            .one(conn)
            .await?
            .ok_or_else(|| AppError::not_found("Author"))?;
        let report = Report::collect::<author::Entity>(conn, viewer).await?;
        let effects = report
            .finish::<author::Entity>(txn, viewer, dry_run)
            .await?;
        if !dry_run {
            request.token_ended();
        }
        Ok(DeletePayload {
            deleted_id: to_id(viewer),
            dry_run,
            effects,
            ..Default::default()
        })
    }
}
