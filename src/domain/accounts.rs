//! Accounts: register (optionally with a profile), check a password, change or
//! delete one's own account. Tokens are the caller's to issue.

use entity::author;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::delete::{Deletion, Report};
use super::profiles::{self, ProfileFields};
use super::{Session, Store, author_of, now, validate};
use crate::auth;
use crate::error::AppError;

/// A new account.
pub struct Registration {
    pub username: String,
    pub email: String,
    pub name: String,
    pub password: String,
    /// Created with the account, in the same transaction.
    pub profile: Option<ProfileFields>,
}

/// Changes to one's own account; `None` leaves a field as it is.
pub struct AccountEdit {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
}

/// Creates an account (and its profile, if given).
pub async fn register(store: Store<'_>, new: Registration) -> Result<author::Model, AppError> {
    let username = validate::username(&new.username)?;
    let email = validate::email(&new.email)?;
    let name = validate::required("name", &new.name, 100)?;
    let password = validate::password(&new.password)?;
    let hash = auth::hash_password(password).await?;

    let txn = store.begin().await?;
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
    if let Some(profile) = new.profile {
        profiles::insert(txn.conn(), created.id, profile).await?;
    }
    txn.commit().await?;
    Ok(created)
}

/// The author with this username or email address and password; `UNAUTHENTICATED`
/// otherwise, saying neither which.
pub async fn authenticate(
    store: Store<'_>,
    username_or_email: &str,
    password: String,
) -> Result<author::Model, AppError> {
    let who = username_or_email.trim();
    let found = author::Entity::find()
        .filter(
            Condition::any()
                .add(author::Column::Username.eq(who))
                .add(author::Column::Email.eq(who)),
        )
        .one(store.db)
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
    match found {
        Some(author) if matches => Ok(author),
        _ => Err(AppError::Unauthenticated {
            message: "wrong username, email or password",
        }),
    }
}

/// Changes the author's email, name or password. A new password ends every token
/// issued before (the token version moves on).
pub async fn update(s: Session<'_>, edit: AccountEdit) -> Result<author::Model, AppError> {
    let hash = match edit.password {
        Some(p) => Some(auth::hash_password(validate::password(&p)?).await?),
        None => None,
    };
    let txn = s.store.begin().await?;
    let current = author_of(txn.conn(), s.viewer).await?;
    let mut change: author::ActiveModel = current.into();
    if let Some(email) = edit.email {
        change.email = Set(validate::email(&email)?);
    }
    if let Some(name) = edit.name {
        change.name = Set(validate::required("name", &name, 100)?);
    }
    if let Some(hash) = hash {
        change.password_hash = Set(hash);
        change.token_version = Set(change.token_version.as_ref() + 1);
    }
    let updated = change.update(txn.conn()).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Ends every token of the author (sign out everywhere).
pub async fn end_tokens(s: Session<'_>) -> Result<(), AppError> {
    let txn = s.store.begin().await?;
    author::Entity::update_many()
        .col_expr(
            author::Column::TokenVersion,
            Expr::col(author::Column::TokenVersion).add(1),
        )
        .filter(author::Column::Id.eq(s.viewer))
        .exec(txn.conn())
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes the author: their profile and posts go (with those posts' comments and
/// tag links); their comments on other posts stay, with no author.
pub async fn delete(s: Session<'_>, dry_run: bool) -> Result<Deletion, AppError> {
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    author_of(conn, s.viewer).await?;
    let report = Report::collect::<author::Entity>(conn, s.viewer).await?;
    report
        .finish::<author::Entity>(&s.store, txn, s.viewer, dry_run)
        .await
}
