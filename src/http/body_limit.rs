//! The request body limit, answered so that ordinary clients read the answer.
//!
//! tower-http's limit answers 413 as soon as `Content-Length` is too large and
//! leaves the body unread; the connection is then closed under a client that is
//! still sending (most send the whole body before they read), which sees a broken
//! pipe instead of the 413, and a kept-alive connection fails its next request.
//! Here the rest of a body over the limit is read and dropped (up to a bound in
//! bytes and time), and the 413 says `Connection: close`.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, EXPECT};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use crate::error::Code;

/// At most this much of a body over the limit is read and dropped; past it, or
/// past [`DRAIN_TIME`], the connection is closed with the 413 unread after all.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// The largest bodies: a JSON request's, read here whole, and a multipart one's
/// (files), only checked against its declared length here and read as a stream
/// within its limits by `multipart`.
#[derive(Clone, Copy)]
pub struct Limits {
    pub json: usize,
    pub multipart: usize,
}

pub async fn limit(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let streamed = super::multipart::is_multipart(req.headers());
    let max = if streamed {
        limits.multipart
    } else {
        limits.json
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // A client that waits for `100 Continue` sends nothing until told: answer now.
    let waits = req
        .headers()
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let (parts, mut body) = req.into_parts();
    if declared.is_some_and(|n| n > max as u64) {
        if !waits {
            drain(body).await;
        }
        return too_large(max);
    }
    if streamed {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let mut kept = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The client broke off its own body: nothing to answer it with.
            return StatusCode::BAD_REQUEST.into_response();
        };
        if let Ok(data) = frame.into_data() {
            if kept.len() + data.len() > max {
                drain(body).await;
                return too_large(max);
            }
            kept.extend_from_slice(&data);
        }
    }
    let req = Request::from_parts(parts, Body::from(Bytes::from(kept)));
    next.run(req).await
}

/// Reads what is left of `body` and drops it, within the bounds above.
pub async fn drain(mut body: Body) {
    let read = async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                seen += data.len();
                if seen > DRAIN_BYTES {
                    break;
                }
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, read).await;
}

fn too_large(max: usize) -> Response {
    let body = serde_json::json!({ "errors": [{
        "message": format!("the request body is larger than {max} bytes"),
        "extensions": { "code": Code::PayloadTooLarge.as_str() }
    }]});
    let mut resp = (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body.to_string(),
    )
        .into_response();
    resp.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    resp
}
