//! Parsed documents of recent requests, by their text. Apps send the same few
//! documents over and over with other variables; async-graphql parses every one
//! with a PEG parser, which was a fifth of the server's instructions for a point
//! lookup (Q4). A document is kept only once it has passed every check that reads
//! the document alone, so a hit skips those checks too; checks that read the
//! variables run on every request.
//!
//! Memory is bounded whatever clients send: at most `entries` documents, each
//! of at most `document_bytes` of text (a larger one is parsed every time).

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How much the cache may hold.
#[derive(clap::Args, Clone, Copy, Debug, PartialEq, Eq)]
#[command(next_help_heading = "Parsed documents")]
pub struct DocumentCacheLimits {
    /// Parsed documents kept in memory (least recently used evicted); 0 parses
    /// every request.
    #[arg(long = "document-cache-size", env = "BLOGQL_DOCUMENT_CACHE_SIZE",
          default_value_t = DocumentCacheLimits::default().entries)]
    pub entries: usize,
    /// The largest document kept parsed, in bytes of text.
    #[arg(long = "document-cache-max-bytes", env = "BLOGQL_DOCUMENT_CACHE_MAX_BYTES",
          default_value_t = DocumentCacheLimits::default().document_bytes)]
    pub document_bytes: usize,
}

impl Default for DocumentCacheLimits {
    fn default() -> Self {
        // GraphiQL's introspection query is about 1.6 KB, Q1–Q4 under 500 bytes.
        DocumentCacheLimits {
            entries: 256,
            document_bytes: 4 * 1024,
        }
    }
}

pub struct ParsedDocuments {
    /// None when the cache is off.
    cache: Option<Mutex<LruCache<String, ExecutableDocument>>>,
    document_bytes: usize,
}

impl ParsedDocuments {
    pub fn new(limits: DocumentCacheLimits) -> Self {
        ParsedDocuments {
            cache: NonZeroUsize::new(limits.entries).map(|n| Mutex::new(LruCache::new(n))),
            document_bytes: limits.document_bytes,
        }
    }

    /// The parsed document of `query`, if it is kept.
    pub fn get(&self, query: &str) -> Option<ExecutableDocument> {
        let mut cache = self.cache.as_ref()?.lock().ok()?;
        cache.get(query).cloned()
    }

    /// Keeps `doc`, which passed every document check, as the parse of `query`.
    pub fn keep(&self, query: &str, doc: &ExecutableDocument) {
        if query.len() > self.document_bytes {
            return;
        }
        if let Some(Ok(mut cache)) = self.cache.as_ref().map(Mutex::lock)
            && !cache.contains(query)
        {
            cache.put(query.to_owned(), doc.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap()
    }

    #[test]
    fn keeps_small_documents_up_to_its_size() {
        let docs = ParsedDocuments::new(DocumentCacheLimits {
            entries: 2,
            document_bytes: 40,
        });
        let (a, b, c) = ("{ a }", "{ b }", "{ c }");
        for q in [a, b, c] {
            docs.keep(q, &parse(q));
        }
        assert!(docs.get(a).is_none(), "the least recently used is evicted");
        assert!(docs.get(b).is_some() && docs.get(c).is_some());

        let long = format!("{{ a {} }}", " ".repeat(40));
        docs.keep(&long, &parse(&long));
        assert!(docs.get(&long).is_none(), "too long to keep");
    }

    #[test]
    fn off_at_zero_entries() {
        let docs = ParsedDocuments::new(DocumentCacheLimits {
            entries: 0,
            document_bytes: 4096,
        });
        docs.keep("{ a }", &parse("{ a }"));
        assert!(docs.get("{ a }").is_none());
    }
}
