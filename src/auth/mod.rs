//! Accounts: password hashing (Argon2id, off the async executor), signed bearer
//! tokens (HS256 JWT with expiry) and who a request is made by.
//!
//! A token names its author and the author's token version. It is good only while
//! both still hold: the author exists and has not raised the version since (signed
//! out everywhere, changed the password), so every request with a token reads that
//! one row by primary key before it runs.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use entity::author;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};

use crate::error::AppError;

/// Who a request is made by, read from its `Authorization: Bearer` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    Anonymous,
    Author(i64),
    /// A token was sent but is malformed, forged, expired or ended.
    Invalid,
    /// A token was sent, but the database could not be asked whether it still holds.
    Unverified,
}

impl Auth {
    /// The signed-in author, if any: what reads are filtered by.
    pub fn viewer(self) -> Option<i64> {
        match self {
            Auth::Author(id) => Some(id),
            Auth::Anonymous | Auth::Invalid | Auth::Unverified => None,
        }
    }

    /// The signed-in author, or `UNAUTHENTICATED`.
    pub fn require(self) -> Result<i64, AppError> {
        match self {
            Auth::Author(id) => Ok(id),
            Auth::Anonymous => Err(AppError::Unauthenticated {
                message: "sign in first: send `Authorization: Bearer <token>` from `login`",
            }),
            Auth::Invalid => Err(AppError::Unauthenticated {
                message: "the bearer token is invalid, expired or ended; sign in again",
            }),
            Auth::Unverified => Err(AppError::Unavailable),
        }
    }
}

/// Who a request is made by while it runs: its token's author, until a `login` or
/// `register` in it signs someone in for the rest of the operation, as Django's
/// `login(request, user)` does for the rest of the request.
#[derive(Debug)]
pub struct Identity(Mutex<Auth>);

impl Identity {
    pub fn new(auth: Auth) -> Self {
        Identity(Mutex::new(auth))
    }

    pub fn get(&self) -> Auth {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn sign_in(&self, author: i64) {
        self.set(Auth::Author(author));
    }

    /// The token has ended (signed out everywhere, account deleted).
    pub fn end(&self) {
        self.set(Auth::Invalid);
    }

    fn set(&self, auth: Auth) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = auth;
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    /// The author's id.
    sub: String,
    iat: i64,
    exp: i64,
    /// The author's token version when it was issued (absent: 0).
    #[serde(default)]
    ver: i64,
}

/// What a bearer header claims, before the database confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    None,
    Invalid,
    Author { id: i64, version: i64 },
}

/// The token signing keys and lifetime.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl Keys {
    /// Keys from the configured secret; without one, a random secret that lives as
    /// long as the process (tokens die with it), with a warning.
    pub fn new(secret: Option<&str>, ttl: Duration) -> Self {
        let secret = match secret {
            Some(s) => s.as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "no BLOGQL_JWT_SECRET set: signing tokens with a random secret; \
                     they stop working when the server restarts"
                );
                Self::random_secret()
            }
        };
        Keys {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            ttl,
        }
    }

    fn random_secret() -> Vec<u8> {
        let mut secret = vec![0u8; 32];
        OsRng.fill_bytes(&mut secret);
        secret
    }

    /// A token for `author` at its token `version`, and when it expires.
    pub fn issue(&self, author: i64, version: i64) -> Result<(String, DateTime<Utc>), AppError> {
        let now = Utc::now();
        let expires = now + self.ttl;
        let claims = Claims {
            sub: author.to_string(),
            iat: now.timestamp(),
            exp: expires.timestamp(),
            ver: version,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("signing a token: {e}")))?;
        Ok((token, expires))
    }

    /// Reads an `Authorization` header value: what its token claims, if it is
    /// well-formed, signed with our key and not expired.
    pub fn decode(&self, header: Option<&str>) -> Claim {
        let Some(value) = header else {
            return Claim::None;
        };
        let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        else {
            return Claim::Invalid;
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        match jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation) {
            Ok(data) => data
                .claims
                .sub
                .parse()
                .map_or(Claim::Invalid, |id| Claim::Author {
                    id,
                    version: data.claims.ver,
                }),
            Err(_) => Claim::Invalid,
        }
    }

    /// Who an `Authorization` header is from: its claim, confirmed by the author's
    /// row (one primary-key read, on `db` as it is: not a request's counted handle).
    pub async fn authenticate(&self, db: &impl ConnectionTrait, header: Option<&str>) -> Auth {
        match self.decode(header) {
            Claim::None => Auth::Anonymous,
            Claim::Invalid => Auth::Invalid,
            Claim::Author { id, version } => {
                current_version(db, id)
                    .await
                    .map_or(Auth::Unverified, |current| {
                        if current == Some(version) {
                            Auth::Author(id)
                        } else {
                            Auth::Invalid
                        }
                    })
            }
        }
    }
}

/// The author's token version; `None` when the author is gone.
async fn current_version(db: &impl ConnectionTrait, id: i64) -> Result<Option<i64>, AppError> {
    author::Entity::find_by_id(id)
        .select_only()
        .column(author::Column::TokenVersion)
        .into_tuple::<i64>()
        .one(db)
        .await
        .map_err(|err| {
            tracing::warn!(error = %err, "could not check a token");
            AppError::from(err)
        })
}

/// Hashes a password with Argon2id on a blocking thread: it takes tens of
/// milliseconds of CPU by design.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
}

/// Checks a password against a stored hash on a blocking thread. An empty or
/// unreadable hash matches nothing.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .map_err(|e| AppError::Internal(format!("verifying task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_do_not() {
        let keys = Keys::new(Some("secret"), Duration::from_secs(60));
        let (token, _) = keys.issue(7, 3).unwrap_or_default();
        assert_eq!(
            keys.decode(Some(&format!("Bearer {token}"))),
            Claim::Author { id: 7, version: 3 }
        );
        let other = Keys::new(Some("other"), Duration::from_secs(60));
        assert_eq!(
            other.decode(Some(&format!("Bearer {token}"))),
            Claim::Invalid
        );
        assert_eq!(keys.decode(Some("Basic abc")), Claim::Invalid);
        assert_eq!(keys.decode(None), Claim::None);
    }

    #[tokio::test]
    async fn the_demo_hash_is_the_demo_password() {
        let hash = crate::seed::DEMO_PASSWORD_HASH.to_owned();
        assert!(
            verify_password("blogql-demo".into(), hash.clone())
                .await
                .unwrap_or(false)
        );
        assert!(!verify_password("wrong".into(), hash).await.unwrap_or(true));
        assert!(
            !verify_password("x".into(), String::new())
                .await
                .unwrap_or(true)
        );
    }
}
