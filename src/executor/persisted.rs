//! Automatic persisted queries (Apollo's APQ): a client sends the sha256 of its
//! document; if the server has it, that is the whole request, else the client
//! answers `PERSISTED_QUERY_NOT_FOUND` by sending the document with its hash.
//! Documents are remembered in a bounded LRU cache, and only once they have passed
//! the document limits, so the cache holds nothing the server would refuse. The
//! cache is bounded by entries and by bytes, and a document larger than
//! `max_document_bytes` (a comment can pad a small document to the body limit) is
//! run but never stored, so the cache's memory is bounded whatever clients send.

use crate::metrics;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::{Request, ServerError};
use lru::LruCache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Code, request_error};

#[derive(Deserialize)]
struct Extension {
    version: i64,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// How much the cache may hold.
#[derive(clap::Args, Clone, Copy, Debug, PartialEq, Eq)]
#[command(next_help_heading = "Persisted queries")]
pub struct ApqLimits {
    /// Persisted query documents kept in memory (least recently used evicted).
    #[arg(long = "apq-cache-size", env = "BLOGQL_APQ_CACHE_SIZE",
          default_value_t = ApqLimits::default().max_entries)]
    pub max_entries: usize,
    /// Bytes of persisted documents (and their hashes) kept in memory at most.
    #[arg(long = "apq-cache-bytes", env = "BLOGQL_APQ_CACHE_BYTES",
          default_value_t = ApqLimits::default().max_bytes)]
    pub max_bytes: usize,
    /// The largest document that is persisted, in bytes (larger ones still run;
    /// the client keeps sending them in full).
    #[arg(long = "apq-max-document-bytes", env = "BLOGQL_APQ_MAX_DOCUMENT_BYTES",
          default_value_t = ApqLimits::default().max_document_bytes)]
    pub max_document_bytes: usize,
}

impl Default for ApqLimits {
    fn default() -> Self {
        ApqLimits {
            max_entries: 1000,
            max_bytes: 16 * 1024 * 1024,
            max_document_bytes: 64 * 1024,
        }
    }
}

pub struct PersistedQueries {
    cache: Mutex<Cache>,
    limits: ApqLimits,
}

struct Cache {
    documents: LruCache<String, String>,
    bytes: usize,
}

/// The memory one entry takes, as counted against `max_bytes`.
fn weight(hash: &str, query: &str) -> usize {
    hash.len() + query.len()
}

/// What to do with a request's document once it has been checked.
pub enum Persist {
    Nothing,
    /// Remember the document under this hash.
    Store(String),
}

impl PersistedQueries {
    pub fn new(limits: ApqLimits) -> Self {
        let capacity = NonZeroUsize::new(limits.max_entries).unwrap_or(NonZeroUsize::MIN);
        PersistedQueries {
            cache: Mutex::new(Cache {
                documents: LruCache::new(capacity),
                bytes: 0,
            }),
            limits,
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
                    Code::BadRequest,
                    "`extensions.persistedQuery` needs `version` and `sha256Hash`",
                )
            })?;
        if ext.version != 1 {
            return Err(request_error(
                Code::PersistedQueryNotSupported,
                "only version 1 of persisted queries is supported",
            ));
        }
        let hash = ext.sha256_hash.to_ascii_lowercase();
        if req.query.is_empty() {
            let found = self.lock().documents.get(&hash).cloned();
            return match found {
                Some(query) => {
                    metrics::persisted_query("hit");
                    req.query = query;
                    Ok(Persist::Nothing)
                }
                // Apollo Client matches this message and code, then retries with
                // the document.
                None => {
                    metrics::persisted_query("miss");
                    Err(request_error(
                        Code::PersistedQueryNotFound,
                        "PersistedQueryNotFound",
                    ))
                }
            };
        }
        if format!("{:x}", Sha256::digest(req.query.as_bytes())) != hash {
            return Err(request_error(
                Code::BadRequest,
                "provided sha does not match query",
            ));
        }
        Ok(Persist::Store(hash))
    }

    pub fn store(&self, persist: Persist, query: &str) {
        let Persist::Store(hash) = persist else {
            return;
        };
        metrics::persisted_query("registered");
        let size = weight(&hash, query);
        if query.len() > self.limits.max_document_bytes || size > self.limits.max_bytes {
            return;
        }
        let mut cache = self.lock();
        if let Some(old) = cache.documents.pop(&hash) {
            cache.bytes -= weight(&hash, &old);
        }
        while cache.bytes + size > self.limits.max_bytes {
            match cache.documents.pop_lru() {
                Some((old_hash, old)) => cache.bytes -= weight(&old_hash, &old),
                None => break,
            }
        }
        cache.bytes += size;
        if let Some((old_hash, old)) = cache.documents.push(hash, query.to_owned()) {
            cache.bytes -= weight(&old_hash, &old);
        }
    }

    /// Documents held and their bytes, as counted against the limits.
    pub fn usage(&self) -> (usize, usize) {
        let cache = self.lock();
        (cache.documents.len(), cache.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves a usable cache: recover it.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(apq: &PersistedQueries, query: &str) {
        let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
        apq.store(Persist::Store(hash), query);
    }

    #[test]
    fn the_cache_is_bounded_by_bytes_and_document_size() {
        let apq = PersistedQueries::new(ApqLimits {
            max_entries: 100,
            max_bytes: 1000,
            max_document_bytes: 300,
        });
        stored(&apq, &format!("{{ a }} #{}", "x".repeat(400)));
        assert_eq!(apq.usage(), (0, 0), "a document over the size is not kept");
        for i in 0..20 {
            stored(&apq, &format!("{{ a{i} }} #{}", "x".repeat(200)));
            assert!(apq.usage().1 <= 1000, "{:?}", apq.usage());
        }
        assert_eq!(apq.usage().0, 3, "{:?}", apq.usage());
        // The same document twice is counted once.
        let before = apq.usage();
        stored(&apq, &format!("{{ a19 }} #{}", "x".repeat(200)));
        assert_eq!(apq.usage(), before);
    }
}
