//! File uploads by the GraphQL multipart request spec
//! (<https://github.com/jaydenseric/graphql-multipart-request-spec>): a
//! `multipart/form-data` body of an `operations` field (the JSON request, each
//! file's variable `null`), a `map` field (which file goes to which variables), then
//! the files.
//!
//! Own code on `multer` rather than async-graphql's `receive_body`, which keeps every
//! file before it reads the map (so a file nobody asked for is stored whole), does not
//! bound the number of files, lets a map path that names no variable pass silently,
//! and whose `Upload` scalar panics on a variable value it did not set itself.
//! Here: the fields must come in the spec's order; a file is read only if the map
//! names it, up to the file size limit, then refused with the rest of the body
//! drained (as `body_limit` does); each file must fill a `null` variable; and the
//! operations are the JSON requests every POST reads.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value as Json;
use tokio::sync::Mutex;

use super::body_limit;
use crate::config::Config;
use crate::error::Code;
use crate::graphql::upload::{UploadedFile, Uploads};

/// The most bytes of the `map` field: a path per file, each well under a hundred
/// characters.
const MAP_BYTES: u64 = 64 * 1024;
/// The most variable paths one file may fill, and the longest path.
const PATHS_PER_FILE: usize = 16;
const PATH_CHARS: usize = 256;
/// The longest name of a file's field (the map's key), in bytes.
const FIELD_NAME_BYTES: usize = 64;
/// The longest file name kept (bytes): what most file systems allow.
const FILE_NAME_BYTES: usize = 255;
/// A part's headers and boundary, allowed per file on top of its bytes.
const PART_OVERHEAD: usize = 1024;

/// Whether a request's body is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// The most bytes a multipart body may hold: the operations, the map and every
/// file at its largest.
pub fn body_bytes(config: &Config) -> usize {
    let media = &config.media;
    config
        .http
        .body_limit
        .saturating_add(MAP_BYTES as usize)
        .saturating_add(
            media
                .max_upload_files
                .saturating_mul(media.max_upload_bytes.saturating_add(PART_OVERHEAD)),
        )
}

/// Apollo Server's CSRF rule: a browser sends `multipart/form-data` from any page
/// without asking (a "simple" request, no CORS preflight), so a multipart request
/// must carry a header a simple request cannot, which makes a browser ask first.
pub fn preflighted(headers: &HeaderMap) -> bool {
    ["apollo-require-preflight", "x-apollo-operation-name"]
        .iter()
        .any(|name| headers.get(*name).is_some_and(|v| !v.is_empty()))
}

/// Why a multipart body is refused; nothing of it was stored or run.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    BadFile(String),
    #[error("{0}")]
    TooLarge(String),
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Malformed(_) | Refusal::BadFile(_) => StatusCode::BAD_REQUEST,
            Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Refusal::Malformed(_) => Code::BadRequest,
            Refusal::BadFile(_) => Code::BadUserInput,
            Refusal::TooLarge(_) => Code::PayloadTooLarge,
        }
    }
}

fn malformed(message: impl Into<String>) -> Refusal {
    Refusal::Malformed(message.into())
}

/// The request (or batch) of a multipart body, with its files put in place.
pub struct Read {
    pub operations: Json,
    pub uploads: Arc<Uploads>,
}

/// Reads a multipart body. On a refusal for size, the rest of the body is read and
/// dropped (bounded), so that the client sees the answer rather than a broken pipe;
/// answer it with `Connection: close`.
pub async fn read(config: &Config, headers: &HeaderMap, body: Body) -> Result<Read, Refusal> {
    let boundary = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| malformed("a multipart/form-data body needs a `boundary`"))?;
    // The body is shared with the parser so that it can be taken back and drained.
    let shared = Arc::new(Mutex::new(body));
    let stream = futures_util::stream::unfold(shared.clone(), |reader| async move {
        loop {
            let frame = reader.lock().await.frame().await;
            return match frame {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => Some((Ok::<Bytes, axum::Error>(data), reader)),
                    // Trailers carry no data.
                    Err(_) => continue,
                },
                Some(Err(err)) => Some((Err(err), reader)),
                None => None,
            };
        }
    });
    let media = &config.media;
    let limits = multer::SizeLimit::new()
        .whole_stream(body_bytes(config) as u64)
        .per_field(media.max_upload_bytes as u64)
        .for_field("operations", config.http.body_limit as u64)
        .for_field("map", MAP_BYTES);
    let multipart = multer::Multipart::with_constraints(
        stream,
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let read = parse(multipart, media.max_upload_files, media.max_upload_bytes).await;
    if let Err(Refusal::TooLarge(_)) = &read
        && let Ok(body) = Arc::try_unwrap(shared)
    {
        body_limit::drain(body.into_inner()).await;
    }
    read
}

/// The fields in the spec's order: `operations`, `map`, then the files the map names.
async fn parse(
    mut multipart: multer::Multipart<'_>,
    max_files: usize,
    max_file_bytes: usize,
) -> Result<Read, Refusal> {
    let mut operations = match next(&mut multipart).await? {
        Some(field) if field.name() == Some("operations") => {
            let bytes = field.bytes().await.map_err(refused)?;
            serde_json::from_slice::<Json>(&bytes)
                .map_err(|_| malformed("the `operations` field is not JSON"))?
        }
        _ => return Err(malformed("the first field must be `operations`")),
    };
    let map = match next(&mut multipart).await? {
        Some(field) if field.name() == Some("map") => {
            let bytes = field.bytes().await.map_err(refused)?;
            serde_json::from_slice::<serde_json::Map<String, Json>>(&bytes).map_err(|_| {
                malformed("the `map` field is a JSON object of file field names to paths")
            })?
        }
        _ => return Err(malformed("the second field must be `map`")),
    };
    if map.len() > max_files {
        return Err(Refusal::TooLarge(format!(
            "a request carries at most {max_files} file(s)"
        )));
    }
    // Each file's place in `uploads`, by its field name.
    let mut wanted: Vec<(String, usize)> = Vec::with_capacity(map.len());
    for (index, (name, paths)) in map.into_iter().enumerate() {
        if name.len() > FIELD_NAME_BYTES {
            return Err(malformed(format!(
                "a file's field name is at most {FIELD_NAME_BYTES} bytes"
            )));
        }
        let paths = match paths {
            Json::Array(paths) if !paths.is_empty() && paths.len() <= PATHS_PER_FILE => paths,
            _ => {
                return Err(malformed(format!(
                    "the map gives file `{name}` 1 to {PATHS_PER_FILE} paths"
                )));
            }
        };
        for path in paths {
            let Json::String(path) = path else {
                return Err(malformed("a map path is a string"));
            };
            fill(&mut operations, &path, index)?;
        }
        wanted.push((name, index));
    }
    let mut files: Vec<Option<UploadedFile>> = wanted.iter().map(|_| None).collect();
    while let Some(mut field) = next(&mut multipart).await? {
        let name = field.name().unwrap_or_default().to_owned();
        let Some(&(_, index)) = wanted.iter().find(|(n, _)| *n == name) else {
            return Err(malformed(format!(
                "field `{}` is not in the map",
                shorten(&name)
            )));
        };
        if files[index].is_some() {
            return Err(malformed(format!("file `{name}` is sent twice")));
        }
        check_file_name(&name, field.file_name())?;
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(refused)? {
            if bytes.len() + chunk.len() > max_file_bytes {
                return Err(too_large_file(&name, max_file_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        files[index] = Some(UploadedFile {
            bytes: Bytes::from(bytes),
        });
    }
    let mut uploads = Vec::with_capacity(files.len());
    for ((name, _), file) in wanted.iter().zip(files) {
        match file {
            Some(file) => uploads.push(file),
            None => return Err(malformed(format!("file `{name}` of the map was not sent"))),
        }
    }
    Ok(Read {
        operations,
        uploads: Arc::new(Uploads(uploads)),
    })
}

async fn next<'r>(
    multipart: &mut multer::Multipart<'r>,
) -> Result<Option<multer::Field<'r>>, Refusal> {
    multipart.next_field().await.map_err(refused)
}

/// Checks a file's name as the client gave it: present, short, and a name only.
/// It is never used (the file is named by its bytes), but a name with a path in it
/// is a client trying something, and said so.
fn check_file_name(field: &str, name: Option<&str>) -> Result<(), Refusal> {
    let Some(name) = name else {
        return Err(malformed(format!("field `{field}` is not a file")));
    };
    if name.len() > FILE_NAME_BYTES {
        return Err(Refusal::BadFile(format!(
            "the name of file `{field}` is longer than {FILE_NAME_BYTES} bytes"
        )));
    }
    let pathlike = name.contains(['/', '\\', '\0'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control);
    if pathlike {
        return Err(Refusal::BadFile(format!(
            "the name of file `{field}` must be a file name, not a path"
        )));
    }
    Ok(())
}

fn too_large_file(field: &str, max: usize) -> Refusal {
    Refusal::TooLarge(format!("file `{field}` is larger than {max} bytes"))
}

/// A parser error as a refusal: sizes over a limit are 413, the rest malformed.
fn refused(err: multer::Error) -> Refusal {
    match err {
        multer::Error::FieldSizeExceeded { limit, field_name } => {
            let name = field_name.unwrap_or_default();
            match name.as_str() {
                "operations" | "map" => {
                    Refusal::TooLarge(format!("the `{name}` field is larger than {limit} bytes"))
                }
                _ => too_large_file(&name, limit as usize),
            }
        }
        multer::Error::StreamSizeExceeded { limit } => {
            Refusal::TooLarge(format!("the request body is larger than {limit} bytes"))
        }
        _ => malformed("the multipart/form-data body is malformed"),
    }
}

/// Puts file `index` at `path` of the operations: `variables.<name>(.<key>)*` of
/// a single request, `<n>.variables...` of a batch. The spec's client leaves `null`
/// where a file goes; a path to anything else is refused, so a file never replaces
/// a value the client sent.
fn fill(operations: &mut Json, path: &str, index: usize) -> Result<(), Refusal> {
    let bad = || {
        malformed(format!(
            "map path `{}` names no `null` variable",
            shorten(path)
        ))
    };
    if path.len() > PATH_CHARS {
        return Err(bad());
    }
    let mut parts = path.split('.');
    let mut at = operations;
    if at.is_array() {
        let item = parts.next().and_then(|n| n.parse::<usize>().ok());
        at = item.and_then(|n| at.get_mut(n)).ok_or_else(bad)?;
    }
    if parts.next() != Some("variables") {
        return Err(bad());
    }
    at = at.get_mut("variables").ok_or_else(bad)?;
    for part in parts {
        at = match at {
            Json::Object(fields) => fields.get_mut(part),
            Json::Array(items) => part.parse::<usize>().ok().and_then(|n| items.get_mut(n)),
            _ => None,
        }
        .ok_or_else(bad)?;
    }
    if !at.is_null() {
        return Err(bad());
    }
    *at = Json::String(crate::graphql::upload::marker(index));
    Ok(())
}

/// At most the first 64 bytes of a client's text, for an error message.
fn shorten(text: &str) -> &str {
    let mut end = text.len().min(64);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn files_fill_null_variables_only() {
        let mut single = json!({ "query": "", "variables": { "file": null, "list": [null, 1] } });
        assert!(fill(&mut single, "variables.file", 0).is_ok());
        assert!(fill(&mut single, "variables.list.0", 1).is_ok());
        assert_eq!(
            single["variables"]["file"],
            json!(crate::graphql::upload::marker(0))
        );
        assert_eq!(
            single["variables"]["list"][0],
            json!(crate::graphql::upload::marker(1))
        );
        for path in [
            "variables.list.1",
            "variables.file",
            "variables.missing",
            "query",
            "variables",
            "0.variables.file",
            "",
        ] {
            assert!(fill(&mut single, path, 2).is_err(), "{path}");
        }
        let mut batch = json!([{ "variables": { "f": null } }, { "variables": { "f": null } }]);
        assert!(fill(&mut batch, "1.variables.f", 0).is_ok());
        assert_eq!(
            batch[1]["variables"]["f"],
            json!(crate::graphql::upload::marker(0))
        );
        assert!(batch[0]["variables"]["f"].is_null());
        assert!(fill(&mut batch, "2.variables.f", 0).is_err());
        assert!(fill(&mut batch, "variables.f", 0).is_err());
    }

    #[test]
    fn file_names_are_names_not_paths() {
        assert!(check_file_name("0", Some("me.png")).is_ok());
        for name in [
            "../me.png",
            "a/b.png",
            "C:\\me.png",
            "..",
            "me\0.png",
            "me\n.png",
        ] {
            assert!(
                matches!(check_file_name("0", Some(name)), Err(Refusal::BadFile(_))),
                "{name}"
            );
        }
        assert!(matches!(
            check_file_name("0", None),
            Err(Refusal::Malformed(_))
        ));
        let long = "a".repeat(300);
        assert!(matches!(
            check_file_name("0", Some(&long)),
            Err(Refusal::BadFile(_))
        ));
    }
}
