//! Subscriptions over WebSocket at `/graphql`, by the graphql-transport-ws protocol
//! (the `graphql-ws` library's): `connection_init` (with the bearer token) within a
//! time limit, `connection_ack`, then `subscribe` / `next` / `error` / `complete`,
//! `ping` / `pong`, and the protocol's close codes for each way a client can break it.
//! Operations go through the same persisted-query and document-limit checks as HTTP.
//!
//! Own code rather than async-graphql-axum's `GraphQLSubscription`: each
//! `subscribe` must pass the executor's checks (document limits before parsing,
//! persisted queries, literal checks) and be answered in the order its fields were
//! asked, which that handler, running straight through the schema, skips; and the
//! protocol's close codes are sent for each breach (4400 bad message, 4401
//! subscribe before ack, 4403 forbidden, 4408 no `connection_init` in time, 4409 a
//! repeated subscriber id), shutdown included (1001).

use std::collections::HashMap;

use async_graphql::{Response, ServerError};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};
use futures_util::StreamExt;
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::AppState;
use crate::auth::Auth;
use crate::executor;

pub const PROTOCOL: &str = "graphql-transport-ws";

/// Close codes of graphql-transport-ws.
mod close {
    pub const BAD_MESSAGE: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE_ID: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
    /// RFC 6455's "try again later": the token could not be checked.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// RFC 6455's "going away": the server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
}

/// The upgrade: only for the graphql-transport-ws subprotocol, and, for browsers,
/// only from this server's own origin or one the CORS list allows (a WebSocket is
/// not covered by CORS, so the check is ours).
pub fn upgrade(state: AppState, headers: &HeaderMap, ws: WebSocketUpgrade) -> HttpResponse {
    if !origin_allowed(&state.config.http.cors_origins, headers) {
        return (
            StatusCode::FORBIDDEN,
            "this origin may not open subscriptions",
        )
            .into_response();
    }
    let offered = headers
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    if !offered {
        return (
            StatusCode::BAD_REQUEST,
            "subscriptions speak the graphql-transport-ws subprotocol",
        )
            .into_response();
    }
    ws.protocols([PROTOCOL])
        .on_upgrade(move |socket| async move {
            let _open = crate::metrics::Open::websocket();
            let (connection, results) = Connection::new(state);
            connection.serve(socket, results).await;
        })
}

fn origin_allowed(allowed: &[String], headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not a browser: nothing for an origin check to protect.
        return true;
    };
    let same_origin = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| {
            origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest == host)
        });
    same_origin || allowed.iter().any(|o| o == "*" || o == origin)
}

/// What a subscription task hands back to the socket.
enum Out {
    Next(String, Response),
    Error(String, Vec<ServerError>),
    Complete(String),
}

struct Connection {
    state: AppState,
    /// Set by `connection_init`; until then nothing may be subscribed.
    auth: Option<Auth>,
    running: HashMap<String, AbortHandle>,
    out: mpsc::Sender<Out>,
}

/// Why the server ends a connection.
struct Closing(u16, String);

impl Connection {
    /// A connection, and the receiving end of what its operations send back.
    fn new(state: AppState) -> (Self, mpsc::Receiver<Out>) {
        let (out, results) = mpsc::channel(64);
        let connection = Connection {
            state,
            auth: None,
            running: HashMap::new(),
            out,
        };
        (connection, results)
    }

    async fn serve(mut self, mut socket: WebSocket, mut results: mpsc::Receiver<Out>) {
        let init_deadline = tokio::time::sleep(self.state.config.http.ws_init_timeout.0);
        tokio::pin!(init_deadline);
        let mut stopping = self.state.stopping.clone();
        let closing = loop {
            tokio::select! {
                // Told, or the server's side is gone: either way it is going away.
                _ = stopping.changed() => {
                    break Some(Closing(close::GOING_AWAY, "Server shutting down".into()));
                }
                () = &mut init_deadline, if self.auth.is_none() => {
                    break Some(Closing(close::INIT_TIMEOUT, "Connection initialisation timeout".into()));
                }
                message = socket.recv() => {
                    let text = match message {
                        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break None,
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Binary(_))) => {
                            break Some(Closing(close::BAD_MESSAGE, "messages are JSON text".into()));
                        }
                        // axum answers pings itself.
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    };
                    match self.handle(text.as_str()).await {
                        Ok(replies) => {
                            for reply in replies {
                                if socket.send(Message::Text(reply.to_string().into())).await.is_err() {
                                    break;
                                }
                            }
                        }
                        Err(closing) => break Some(closing),
                    }
                }
                Some(out) = results.recv() => {
                    let reply = match out {
                        Out::Next(id, resp) => json!({ "id": id, "type": "next", "payload": resp }),
                        Out::Error(id, errors) => {
                            self.running.remove(&id);
                            json!({ "id": id, "type": "error", "payload": errors })
                        }
                        Out::Complete(id) => {
                            self.running.remove(&id);
                            json!({ "id": id, "type": "complete" })
                        }
                    };
                    if socket.send(Message::Text(reply.to_string().into())).await.is_err() {
                        break None;
                    }
                }
            }
        };
        for task in self.running.values() {
            task.abort();
        }
        if let Some(Closing(code, reason)) = closing {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
        }
    }

    /// One client message: the replies to send, or why the connection ends.
    async fn handle(&mut self, text: &str) -> Result<Vec<Json>, Closing> {
        let bad = |why: &str| Closing(close::BAD_MESSAGE, why.to_owned());
        let message: Json = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
        let kind = message["type"].as_str().ok_or_else(|| bad("no `type`"))?;
        match kind {
            "connection_init" => {
                if self.auth.is_some() {
                    return Err(Closing(
                        close::TOO_MANY_INITS,
                        "Too many initialisation requests".into(),
                    ));
                }
                let auth = self.authenticate(&message["payload"]).await;
                match auth {
                    Auth::Invalid => {
                        return Err(Closing(close::FORBIDDEN, "Forbidden".into()));
                    }
                    Auth::Unverified => {
                        return Err(Closing(close::TRY_AGAIN_LATER, "Try again later".into()));
                    }
                    Auth::Anonymous | Auth::Author(_) => {}
                }
                self.auth = Some(auth);
                Ok(vec![json!({ "type": "connection_ack" })])
            }
            "ping" => Ok(vec![json!({ "type": "pong" })]),
            "pong" => Ok(Vec::new()),
            "subscribe" => {
                let id = message["id"]
                    .as_str()
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| bad("`subscribe` needs an `id`"))?
                    .to_owned();
                let Some(auth) = self.auth else {
                    return Err(Closing(close::UNAUTHORIZED, "Unauthorized".into()));
                };
                if self.running.contains_key(&id) {
                    return Err(Closing(
                        close::DUPLICATE_ID,
                        format!("Subscriber for {id} already exists"),
                    ));
                }
                let payload = message.get("payload").cloned().unwrap_or(Json::Null);
                if !payload.is_object() {
                    return Err(bad("`subscribe` needs a `payload` object"));
                }
                self.start(id, auth, payload);
                Ok(Vec::new())
            }
            "complete" => {
                if let Some(task) = message["id"]
                    .as_str()
                    .and_then(|id| self.running.remove(id))
                {
                    task.abort();
                }
                Ok(Vec::new())
            }
            _ => Err(bad("unknown message type")),
        }
    }

    /// The token of `connection_init`: `{"Authorization": "Bearer ..."}` (any case)
    /// or `{"token": "..."}`; none is anonymous.
    async fn authenticate(&self, payload: &Json) -> Auth {
        let fields = payload.as_object();
        let header = fields.and_then(|f| {
            f.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .and_then(|(_, v)| v.as_str().map(str::to_owned))
                .or_else(|| f.get("token")?.as_str().map(|t| format!("Bearer {t}")))
        });
        self.state
            .keys
            .authenticate(&self.state.db, header.as_deref())
            .await
    }

    /// Runs one operation on its own task, results sent back to the socket.
    fn start(&mut self, id: String, auth: Auth, payload: Json) {
        let out = self.out.clone();
        let state = self.state.clone();
        let task_id = id.clone();
        let task = tokio::spawn(async move {
            let id = task_id;
            let executor = &state.executor;
            let prepared = match executor::read(payload).and_then(|req| executor.prepare(req)) {
                Ok(prepared) => prepared,
                Err(err) => {
                    let _ = out.send(Out::Error(id, vec![err])).await;
                    return;
                }
            };
            let _running = crate::metrics::Open::websocket_operation();
            let mut stream = std::pin::pin!(executor.subscribe(auth, prepared));
            let mut first = true;
            while let Some(resp) = stream.next().await {
                // An operation that does not validate never starts: `error`, not `next`.
                let refused = first
                    && resp.data == async_graphql::Value::Null
                    && !resp.errors.is_empty()
                    && resp.errors.iter().all(|e| e.path.is_empty());
                if refused {
                    let _ = out.send(Out::Error(id, resp.errors)).await;
                    return;
                }
                first = false;
                if out.send(Out::Next(id.clone(), resp)).await.is_err() {
                    return;
                }
            }
            let _ = out.send(Out::Complete(id)).await;
        });
        self.running.insert(id, task.abort_handle());
    }
}
