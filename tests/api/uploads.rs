//! The profile avatar, uploaded by the GraphQL multipart request spec: stored by its
//! bytes' hash, served with its type and cache headers, removed when nothing holds
//! it; and every bad upload refused with a code and nothing written.

use base64::Engine;
use proptest::prelude::*;
use rstest_reuse::apply;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use blogql::config::Config;
use blogql::startup::Application;

use crate::helpers::{Backend, Fixture, TestApp, each_backend, listed};

const BOUNDARY: &str = "blogql-test-boundary-7MA4YWxkTrZu0gW";

/// A 1×1 PNG.
fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .expect("base64")
}

/// The start of a JFIF JPEG: what the server reads to tell the format.
fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend(std::iter::repeat_n(0x42, 64));
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

fn webp() -> Vec<u8> {
    let mut bytes =
        b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0"
            .to_vec();
    bytes.truncate(34);
    bytes
}

/// The name a file of `bytes` is stored under.
fn stored(bytes: &[u8], ext: &str) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("avatars/{hex}.{ext}")
}

/// One part of a multipart body.
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<&'static str>,
    bytes: Vec<u8>,
}

fn field(name: &str, value: Value) -> Part {
    Part {
        name: name.to_owned(),
        file_name: None,
        content_type: None,
        bytes: value.to_string().into_bytes(),
    }
}

fn file(name: &str, file_name: &str, bytes: Vec<u8>) -> Part {
    Part {
        name: name.to_owned(),
        file_name: Some(file_name.to_owned()),
        content_type: Some("image/png"),
        bytes,
    }
}

fn body(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(name) = &part.file_name {
            disposition.push_str(&format!("; filename=\"{name}\""));
        }
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = part.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

const SET_AVATAR: &str = "mutation($file: Upload!) { setAvatar(file: $file) { \
    profile { id avatarUrl } author { username profile { avatarUrl } } } }";

/// The spec's single-file request: `operations`, `map`, then the file as `0`.
fn avatar(bytes: Vec<u8>) -> Vec<Part> {
    vec![
        field(
            "operations",
            json!({ "query": SET_AVATAR, "variables": { "file": null } }),
        ),
        field("map", json!({ "0": ["variables.file"] })),
        file("0", "me.png", bytes),
    ]
}

/// POSTs a multipart body (with Apollo's preflight header when `preflight`): the
/// status and the body as JSON.
async fn send(app: &TestApp, parts: &[Part], preflight: bool) -> (u16, Value) {
    send_bytes(app, body(parts), preflight).await
}

async fn send_bytes(app: &TestApp, bytes: Vec<u8>, preflight: bool) -> (u16, Value) {
    let mut post = app
        .client
        .post(format!("{}/graphql", app.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(bytes);
    if preflight {
        post = post.header("apollo-require-preflight", "true");
    }
    if let Some(token) = app.token() {
        post = post.bearer_auth(token);
    }
    let resp = post.send().await.expect("POST multipart");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// Every file under the media folder, as names relative to it.
fn files_of(app: &TestApp) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![app.media.clone()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(rel) = path.strip_prefix(&app.media) {
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

async fn avatar_of(app: &TestApp, author: &str) -> Value {
    app.data_with(
        "query($u: String!) { author(username: $u) { profile { avatarUrl } } }",
        json!({ "u": author }),
    )
    .await["author"]["profile"]["avatarUrl"]
        .clone()
}

#[apply(each_backend)]
#[tokio::test]
async fn an_avatar_is_stored_by_its_bytes_served_and_replaced(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let (status, body) = send(&app, &avatar(png()), true).await;
    assert_eq!(status, 200, "{body}");
    let png_name = stored(&png(), "png");
    let url = format!("/media/{png_name}");
    assert_eq!(
        body["data"]["setAvatar"],
        json!({
            "profile": { "id": "1", "avatarUrl": url },
            "author": { "username": "alice", "profile": { "avatarUrl": url } }
        })
    );
    // BEGIN, the files' lock (a row lock; SQLite's writers take turns anyway),
    // the profile, its update (MySQL has no RETURNING: UPDATE, then SELECT), the
    // author, COMMIT; then the payload's `author.profile`.
    let update = if backend == Backend::Mysql { 2 } else { 1 };
    let lock = if backend == Backend::Sqlite { 0 } else { 1 };
    assert_eq!(
        body["extensions"]["sqlStatements"],
        json!(5 + lock + update),
        "{body}"
    );
    assert_eq!(files_of(&app), vec![png_name.clone()]);
    assert_eq!(avatar_of(&app, "alice").await, json!(url));

    // Served as what its bytes are, for a year, never sniffed.
    let resp = app.get(&url).await;
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(
        header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), png());

    // A new avatar has a new URL; the old file goes.
    let (status, body) = send(&app, &avatar(jpeg()), true).await;
    assert_eq!(status, 200, "{body}");
    let jpeg_name = stored(&jpeg(), "jpg");
    assert_eq!(
        body["data"]["setAvatar"]["profile"]["avatarUrl"],
        json!(format!("/media/{jpeg_name}"))
    );
    // The same; then, in a transaction of its own under the lock, whether a
    // profile still holds the old file.
    assert_eq!(
        body["extensions"]["sqlStatements"],
        json!(5 + lock + update + 3 + lock),
        "{body}"
    );
    assert_eq!(files_of(&app), vec![jpeg_name.clone()]);
    assert_eq!(app.get(&url).await.status(), 404);
    let resp = app.get(&format!("/media/{jpeg_name}")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "image/jpeg"
    );

    // Cleared: null, and the file is gone.
    let cleared = app
        .data("mutation { clearAvatar { profile { avatarUrl } } }")
        .await;
    assert_eq!(cleared["clearAvatar"]["profile"]["avatarUrl"], Value::Null);
    assert_eq!(files_of(&app), Vec::<String>::new());
    assert_eq!(avatar_of(&app, "alice").await, Value::Null);
    assert_eq!(app.get(&format!("/media/{jpeg_name}")).await.status(), 404);
}

#[apply(each_backend)]
#[tokio::test]
async fn a_shared_image_stays_until_no_profile_holds_it(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let name = stored(&webp(), "webp");
    // carol has no profile: the upload makes her one.
    for author in ["alice", "bob", "carol"] {
        app.sign_in(author).await;
        let (status, body) = send(&app, &avatar(webp()), true).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["data"]["setAvatar"]["profile"]["avatarUrl"],
            json!(format!("/media/{name}"))
        );
    }
    assert_eq!(files_of(&app), vec![name.clone()]);

    // alice lets go of it: bob and carol still hold it.
    app.sign_in("alice").await;
    app.data("mutation { clearAvatar { profile { id } } }")
        .await;
    assert_eq!(files_of(&app), vec![name.clone()]);

    // bob's profile goes: carol still holds it, so the preview counts no file.
    app.sign_in("bob").await;
    let delete = "mutation($dry: Boolean!) { deleteProfile(dryRun: $dry) { \
        effects { action type count } } }";
    let gone = app.data_with(delete, json!({ "dry": false })).await;
    assert_eq!(
        gone["deleteProfile"]["effects"],
        json!([{ "action": "DELETE", "type": "Profile", "count": 1 }])
    );
    assert_eq!(files_of(&app), vec![name.clone()]);

    // carol is the last holder: deleting her account (which takes her profile)
    // previews the file, a dry run keeps it, the delete removes it.
    app.sign_in("carol").await;
    let delete = "mutation($dry: Boolean!) { deleteViewer(dryRun: $dry) { \
        dryRun effects { action type count } } }";
    let preview = app.data_with(delete, json!({ "dry": true })).await;
    let effects = preview["deleteViewer"]["effects"]
        .as_array()
        .expect("effects")
        .clone();
    assert!(
        effects.contains(&json!({ "action": "DELETE", "type": "Profile", "count": 1 })),
        "{effects:?}"
    );
    assert!(
        effects.contains(&json!({ "action": "DELETE", "type": "AvatarFile", "count": 1 })),
        "{effects:?}"
    );
    assert_eq!(files_of(&app), vec![name.clone()]);
    let done = app.data_with(delete, json!({ "dry": false })).await;
    assert_eq!(done["deleteViewer"]["effects"], json!(effects));
    assert_eq!(files_of(&app), Vec::<String>::new());
    assert_eq!(app.get(&format!("/media/{name}")).await.status(), 404);
}

#[apply(each_backend)]
#[tokio::test]
async fn bad_uploads_are_refused_with_a_code_and_nothing_written(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn_with(backend, Fixture::Demo, |config| {
        config.media.max_upload_bytes = 1000;
    })
    .await;
    app.sign_in("alice").await;
    let operations = || {
        field(
            "operations",
            json!({ "query": SET_AVATAR, "variables": { "file": null } }),
        )
    };
    let map = || field("map", json!({ "0": ["variables.file"] }));
    let text =
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let big = {
        let mut bytes = png();
        bytes.resize(5000, 0);
        bytes
    };
    let long = "f".repeat(100);
    let cases: Vec<(&str, Vec<Part>, bool, u16, &str)> = vec![
        (
            "long field name",
            vec![
                operations(),
                field("map", json!({ long.clone(): ["variables.file"] })),
                file(&long, "me.png", png()),
            ],
            true,
            400,
            "BAD_REQUEST",
        ),
        // Not an image by its bytes, whatever its name and type say.
        (
            "svg",
            vec![operations(), map(), file("0", "me.png", text)],
            true,
            200,
            "BAD_USER_INPUT",
        ),
        (
            "empty",
            vec![operations(), map(), file("0", "me.png", Vec::new())],
            true,
            200,
            "BAD_USER_INPUT",
        ),
        (
            "too large",
            vec![operations(), map(), file("0", "me.png", big)],
            true,
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "too many files",
            vec![
                operations(),
                field(
                    "map",
                    json!({ "0": ["variables.file"], "1": ["variables.file"] }),
                ),
                file("0", "me.png", png()),
                file("1", "me.png", png()),
            ],
            true,
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "path in the name",
            vec![operations(), map(), file("0", "../../etc/me.png", png())],
            true,
            400,
            "BAD_USER_INPUT",
        ),
        (
            "windows path",
            vec![operations(), map(), file("0", "C:\\\\me.png", png())],
            true,
            400,
            "BAD_USER_INPUT",
        ),
        (
            "no preflight header",
            avatar(png()),
            false,
            400,
            "BAD_REQUEST",
        ),
        (
            "map first",
            vec![map(), operations(), file("0", "me.png", png())],
            true,
            400,
            "BAD_REQUEST",
        ),
        (
            "no map",
            vec![operations(), file("0", "me.png", png())],
            true,
            400,
            "BAD_REQUEST",
        ),
        (
            "file not sent",
            vec![operations(), map()],
            true,
            400,
            "BAD_REQUEST",
        ),
        (
            "file not in the map",
            vec![
                operations(),
                map(),
                file("0", "me.png", png()),
                file("x", "me.png", png()),
            ],
            true,
            400,
            "BAD_REQUEST",
        ),
        (
            "path to a value",
            vec![
                field(
                    "operations",
                    json!({ "query": SET_AVATAR, "variables": { "file": "mine" } }),
                ),
                map(),
                file("0", "me.png", png()),
            ],
            true,
            400,
            "BAD_REQUEST",
        ),
        (
            "path to nothing",
            vec![
                operations(),
                field("map", json!({ "0": ["variables.other"] })),
                file("0", "me.png", png()),
            ],
            true,
            400,
            "BAD_REQUEST",
        ),
        (
            "a query",
            vec![
                field(
                    "operations",
                    json!({ "query": "query($f: Upload) { __typename }", "variables": { "f": null } }),
                ),
                field("map", json!({ "0": ["variables.f"] })),
                file("0", "me.png", png()),
            ],
            true,
            400,
            "BAD_REQUEST",
        ),
        (
            "operations not JSON",
            vec![
                field("operations", json!("{")),
                map(),
                file("0", "me.png", png()),
            ],
            true,
            400,
            "BAD_REQUEST",
        ),
    ];
    for (case, parts, preflight, status, want) in cases {
        let (got, body) = send(&app, &parts, preflight).await;
        assert_eq!((got, code(&body)), (status, want), "{case}: {body}");
        if got == 200 {
            assert_eq!(body["data"], Value::Null, "{case}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"],
                json!("file"),
                "{case}"
            );
        }
        assert_eq!(
            files_of(&app),
            Vec::<String>::new(),
            "{case}: a file was written"
        );
        assert_eq!(avatar_of(&app, "alice").await, Value::Null, "{case}");
    }

    // A body declared larger than any upload is answered before it is read.
    let (status, body) = send_bytes(&app, vec![b'x'; 64 * 1024 * 1024], true).await;
    assert_eq!((status, code(&body)), (413, "PAYLOAD_TOO_LARGE"));

    // Without a multipart body there is no file, whatever a variable says.
    for value in [
        json!("#upload:0"),
        json!("#__graphql_file__:x"),
        json!("me.png"),
    ] {
        let body = app.request(SET_AVATAR, json!({ "file": value })).await;
        assert_eq!(body["data"], Value::Null, "{value}: {body}");
        assert!(
            ["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"].contains(&code(&body)),
            "{value}: {body}"
        );
    }
    // Signed out: nothing stored.
    app.use_token(None);
    let (status, body) = send(&app, &avatar(png()), true).await;
    assert_eq!((status, code(&body)), (200, "UNAUTHENTICATED"), "{body}");
    assert_eq!(files_of(&app), Vec::<String>::new());

    // And the server still serves, uploads included.
    app.sign_in("alice").await;
    let (status, body) = send(&app, &avatar(png()), true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(files_of(&app), vec![stored(&png(), "png")]);
    // Nothing outside the avatars is reachable.
    for path in [
        "/media/avatars/../../Cargo.toml",
        "/media/avatars/%2e%2e/%2e%2e/Cargo.toml",
        "/media/avatars/",
        "/media/.incoming/x",
    ] {
        let status = app.get(path).await.status().as_u16();
        assert!([400, 404].contains(&status), "{path}: {status}");
    }
}

/// The spec's batch: files fill variables of any operation of the array.
#[apply(each_backend)]
#[tokio::test]
async fn a_batch_takes_files_by_operation(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn_with(backend, Fixture::Demo, |config| {
        config.media.max_upload_files = 2;
    })
    .await;
    app.sign_in("alice").await;
    let op = json!({ "query": SET_AVATAR, "variables": { "file": null } });
    let parts = vec![
        field("operations", json!([op, op])),
        field(
            "map",
            json!({ "a": ["0.variables.file"], "b": ["1.variables.file"] }),
        ),
        file("a", "one.png", png()),
        file("b", "two.jpg", jpeg()),
    ];
    let (status, body) = send(&app, &parts, true).await;
    assert_eq!(status, 200, "{body}");
    let url = |bytes: &[u8], ext| json!(format!("/media/{}", stored(bytes, ext)));
    assert_eq!(
        body[0]["data"]["setAvatar"]["profile"]["avatarUrl"],
        url(&png(), "png")
    );
    assert_eq!(
        body[1]["data"]["setAvatar"]["profile"]["avatarUrl"],
        url(&jpeg(), "jpg")
    );
    // The second replaced the first.
    assert_eq!(files_of(&app), vec![stored(&jpeg(), "jpg")]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever a client does to a multipart body (cut it short, change bytes,
    /// repeat a slice), the answer is a coded 200, 400 or 413: never a 5xx or a
    /// dropped connection; and a file is stored only by a request that succeeded.
    #[test]
    fn a_damaged_multipart_body_never_breaks_the_server(
        cut in 0usize..2000,
        flips in proptest::collection::vec((0usize..2000, any::<u8>()), 0..6),
        repeat in proptest::option::of((0usize..2000, 1usize..200)),
    ) {
        let backend = Backend::Sqlite;
        if !listed(backend) {
            return Ok(());
        }
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let mut app = TestApp::spawn(backend, Fixture::Demo).await;
            app.sign_in("alice").await;
            let mut bytes = body(&avatar(png()));
            for (at, byte) in flips {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            if let Some((at, len)) = repeat {
                let at = at % bytes.len();
                let end = (at + len).min(bytes.len());
                let slice = bytes[at..end].to_vec();
                bytes.splice(at..at, slice);
            }
            bytes.truncate(bytes.len().saturating_sub(cut % (bytes.len() + 1)));
            let (status, body) = send_bytes(&app, bytes, true).await;
            prop_assert!([200, 400, 413].contains(&status), "{status}: {body}");
            let ok = status == 200 && body["errors"].is_null();
            if !ok {
                prop_assert!(!code(&body).is_empty(), "{status}: {body}");
            }
            prop_assert_eq!(files_of(&app).len(), usize::from(ok), "{}", body);
            Ok(())
        })?;
    }
}

const SECRET: &str = "uploads-secret-uploads-secret-uploads";

/// A second server on `app`'s database and media folder, as a replica is: the
/// base URL it answers at.
async fn replica(app: &TestApp) -> String {
    let mut config = Config::new(app.db.url.clone());
    config.auth.jwt_secret = Some(SECRET.to_owned());
    config.media.media_dir = app.media.clone();
    config.no_demo = true;
    let server = Application::build(config).await.expect("a replica");
    let base = format!("http://{}", server.local_addr());
    tokio::spawn(server.run_until(std::future::pending()));
    base
}

/// Uploads and clears racing on the same images, through one server or (on the
/// backends replicas share) two, leave the folder holding exactly the files
/// profiles name: none missing, none left over.
#[apply(each_backend)]
#[tokio::test]
async fn racing_writers_leave_exactly_the_files_profiles_hold(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn_with(backend, Fixture::Demo, |config| {
        config.auth.jwt_secret = Some(SECRET.to_owned());
    })
    .await;
    // SQLite serves one process: its writers take turns on a lock in it.
    let mut bases = vec![app.base.clone()];
    if backend != Backend::Sqlite {
        bases.push(replica(&app).await);
    }
    let mut tokens = Vec::new();
    for author in ["alice", "bob", "carol"] {
        tokens.push(app.login(author).await);
    }
    let images = [png(), jpeg(), webp()];
    let mut runs = Vec::new();
    for round in 0..24usize {
        let token = tokens[round % tokens.len()].clone();
        let image = images[(round / 3) % images.len()].clone();
        let (client, base) = (app.client.clone(), bases[round % bases.len()].clone());
        runs.push(tokio::spawn(async move {
            let post = client
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .header("apollo-require-preflight", "1");
            let resp = if round % 4 == 3 {
                post.json(&json!({ "query": "mutation { clearAvatar { profile { id } } }" }))
                    .send()
                    .await
            } else {
                post.header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body(&avatar(image)))
                .send()
                .await
            };
            resp.expect("POST").status().as_u16()
        }));
    }
    for run in runs {
        assert_eq!(run.await.expect("joined"), 200);
    }
    let mut held: Vec<String> = app
        .data("{ profiles(first: 10) { nodes { avatarUrl } } }")
        .await["profiles"]["nodes"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p["avatarUrl"].as_str())
        .map(|url| url.trim_start_matches("/media/").to_owned())
        .collect();
    held.sort();
    held.dedup();
    assert_eq!(files_of(&app), held);
}
