//! Automatic persisted queries (Apollo's APQ): a client sends the sha256 of its
//! document; if the server has it, that is the whole request, else the client
//! answers `PERSISTED_QUERY_NOT_FOUND` by sending the document with its hash.
//! Documents are remembered in a bounded LRU cache, and only once they have passed
//! the document limits, so the cache holds nothing the server would refuse.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::{Request, ServerError};
use lru::LruCache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::errors::request_error;

#[derive(Deserialize)]
struct Extension {
    version: i64,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

pub struct PersistedQueries {
    cache: Mutex<LruCache<String, String>>,
}

/// What to do with a request's document once it has been checked.
pub enum Persist {
    Nothing,
    /// Remember the document under this hash.
    Store(String),
}

impl PersistedQueries {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        PersistedQueries {
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// Fills in the document of a request that names one by hash, or checks the
    /// hash of one that sends both.
    pub fn resolve(&self, req: &mut Request) -> Result<Persist, ServerError> {
        let Some(value) = req.extensions.remove("persistedQuery") else {
            return Ok(Persist::Nothing);
        };
        let ext: Extension = value
            .into_json()
            .ok()
            .and_then(|json| serde_json::from_value(json).ok())
            .ok_or_else(|| {
                request_error(
                    "BAD_REQUEST",
                    "`extensions.persistedQuery` needs `version` and `sha256Hash`",
                )
            })?;
        if ext.version != 1 {
            return Err(request_error(
                "PERSISTED_QUERY_NOT_SUPPORTED",
                "only version 1 of persisted queries is supported",
            ));
        }
        let hash = ext.sha256_hash.to_ascii_lowercase();
        if req.query.is_empty() {
            let found = self.lock().get(&hash).cloned();
            return match found {
                Some(query) => {
                    req.query = query;
                    Ok(Persist::Nothing)
                }
                // Apollo Client matches this message and code, then retries with
                // the document.
                None => Err(request_error(
                    "PERSISTED_QUERY_NOT_FOUND",
                    "PersistedQueryNotFound",
                )),
            };
        }
        if format!("{:x}", Sha256::digest(req.query.as_bytes())) != hash {
            return Err(request_error(
                "BAD_REQUEST",
                "provided sha does not match query",
            ));
        }
        Ok(Persist::Store(hash))
    }

    pub fn store(&self, persist: Persist, query: &str) {
        if let Persist::Store(hash) = persist {
            self.lock().put(hash, query.to_owned());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, String>> {
        // A panic while holding the lock leaves a usable cache: recover it.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
