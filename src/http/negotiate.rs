//! GraphQL over HTTP content negotiation: which media type a client accepts, and
//! whether a POST body is JSON at all.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};

/// The two response media types of GraphQL over HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/json`: GraphQL errors come with status 200.
    Json,
    /// `application/graphql-response+json`: the status tells request errors (4xx)
    /// from results (200).
    GraphqlResponse,
}

impl Media {
    pub fn content_type(self) -> &'static str {
        match self {
            Media::Json => "application/json; charset=utf-8",
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// The media type to answer in: the client's most preferred one that we serve
/// (`*/*` and no `Accept` at all mean JSON), or `None` when it accepts neither.
pub fn accepted(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    if accept.trim().is_empty() {
        return Some(Media::Json);
    }
    let mut best: Option<(f32, Media)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = match parts
            .next()
            .map(|m| m.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("application/graphql-response+json") => Media::GraphqlResponse,
            Some("application/json" | "application/*" | "*/*") => Media::Json,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
        let Some(q) = q.filter(|q| *q > 0.0) else {
            continue;
        };
        // Equal preference: the first listed wins.
        if best.is_none_or(|(top, _)| q > top) {
            best = Some((q, media));
        }
    }
    best.map(|(_, media)| media)
}

/// Whether a POST body is declared as JSON in UTF-8 (`application/json`, with no
/// charset or `utf-8`). Anything else is refused unread.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|param| match param.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
            v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> Option<Media> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).expect("header"));
        accepted(&headers)
    }

    #[test]
    fn the_preferred_supported_type_wins() {
        use Media::*;
        assert_eq!(accepted(&HeaderMap::new()), Some(Json));
        assert_eq!(accept("*/*"), Some(Json));
        // Apollo Client's header.
        assert_eq!(
            accept("application/graphql-response+json,application/json;q=0.9"),
            Some(GraphqlResponse)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json"),
            Some(Json)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(Json)
        );
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }
}
