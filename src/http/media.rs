//! The stored files, served as Django's `static()` serves MEDIA_URL in development
//! and a web server in production: by tower-http's `ServeDir` (the type from the
//! extension, which the stored name takes from the file's bytes; `HEAD`, ranges,
//! `If-Modified-Since`; no way out of the folder). A file's name is the hash of
//! its bytes, so a found file never changes: browsers and CDNs keep it for a year
//! without asking again.

use std::path::Path;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::services::ServeDir;

/// The files of `folder`.
pub fn files(folder: &Path) -> axum::Router {
    let serve = ServeDir::new(folder).append_index_html_on_directories(false);
    axum::Router::new()
        .fallback_service(serve)
        .layer(middleware::from_fn(headers))
}

async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    // Never read as anything but the type it is served as (an image), and never
    // a document that runs script.
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    // Only what was found is kept: a name missing now may be uploaded later.
    if resp.status().is_success() || resp.status() == axum::http::StatusCode::NOT_MODIFIED {
        resp.headers_mut().insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    resp
}
