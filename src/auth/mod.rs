//! Accounts: password hashing (Argon2id, off the async executor), signed bearer
//! tokens (HS256 JWT with expiry) and who a request is made by.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Who a request is made by, read from its `Authorization: Bearer` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    Anonymous,
    Author(i64),
    /// A token was sent but is malformed, forged or expired.
    Invalid,
}

impl Auth {
    /// The signed-in author, if any: what reads are filtered by.
    pub fn viewer(self) -> Option<i64> {
        match self {
            Auth::Author(id) => Some(id),
            Auth::Anonymous | Auth::Invalid => None,
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
                message: "the bearer token is invalid or expired; sign in again",
            }),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    /// The author's id.
    sub: String,
    iat: i64,
    exp: i64,
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

    /// A token for `author`, and when it expires.
    pub fn issue(&self, author: i64) -> Result<(String, DateTime<Utc>), AppError> {
        let now = Utc::now();
        let expires = now + self.ttl;
        let claims = Claims {
            sub: author.to_string(),
            iat: now.timestamp(),
            exp: expires.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("signing a token: {e}")))?;
        Ok((token, expires))
    }

    /// Reads an `Authorization` header value.
    pub fn authenticate(&self, header: Option<&str>) -> Auth {
        let Some(value) = header else {
            return Auth::Anonymous;
        };
        let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        else {
            return Auth::Invalid;
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        match jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation) {
            Ok(data) => data.claims.sub.parse().map_or(Auth::Invalid, Auth::Author),
            Err(_) => Auth::Invalid,
        }
    }
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
        let (token, _) = keys.issue(7).unwrap_or_default();
        assert_eq!(
            keys.authenticate(Some(&format!("Bearer {token}"))),
            Auth::Author(7)
        );
        let other = Keys::new(Some("other"), Duration::from_secs(60));
        assert_eq!(
            other.authenticate(Some(&format!("Bearer {token}"))),
            Auth::Invalid
        );
        assert_eq!(keys.authenticate(Some("Basic abc")), Auth::Invalid);
        assert_eq!(keys.authenticate(None), Auth::Anonymous);
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
