//! HTTP transport and session management.
//!
//! Sessions: the client logs in once with `getAPISession`, then sends every request with the
//! session id to the **endpoint the session names** (sessions are bound to it). When Intacct
//! rejects the session (expired, "Invalid session") the client logs in again and resends
//! once — safe even for writes, because an authentication failure means no function ran.
//!
//! The client does not retry anything else: retry policy (backoff, probes before re-posting
//! a write of unknown outcome) belongs to the sync engine, driven by [`crate::classify`].

use std::time::Duration;

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use url::Url;

use crate::config::ClientConfig;
use crate::envelope::{Auth, Request};
use crate::error::{Error, TransportKind};
use crate::functions::{FunctionCall, GetApiSession, Query, Read, ReadByQuery, ReadMore};
use crate::response::{Data, FunctionResult, Response, Status};

/// Content type the gateway and the official SDKs use for request bodies.
pub const REQUEST_CONTENT_TYPE: &str = "x-intacct-xml-request";

/// Renew a session this long before Intacct's announced (sliding) timeout.
const SESSION_RENEW_MARGIN: Duration = Duration::from_secs(60);

#[derive(Clone)]
struct Session {
    id: SecretString,
    endpoint: Url,
    expires_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// Async client for the Intacct XML gateway. Cheap to share behind an `Arc`; concurrent
/// callers share one session.
pub struct IntacctClient {
    http: reqwest::Client,
    config: ClientConfig,
    session: Mutex<Option<Session>>,
}

impl std::fmt::Debug for IntacctClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntacctClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl IntacctClient {
    /// Builds the client (no network traffic until the first request).
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("intacct-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::InvalidRequest(format!("HTTP client setup failed: {e}")))?;
        Ok(Self {
            http,
            config,
            session: Mutex::new(None),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Executes a request and returns the parsed response.
    ///
    /// `Err` for everything that prevented functions from running (transport, HTTP, control
    /// or authentication failure). Per-function failures are *not* errors here: inspect
    /// [`Response::results`] or use [`Response::check_results`] / [`FunctionResult::ensure_success`].
    pub async fn execute(&self, request: &Request) -> Result<Response, Error> {
        request.validate()?;
        let is_session_call = request
            .calls
            .iter()
            .any(|c| matches!(c.function, crate::functions::Function::GetApiSession(_)));
        if !self.config.use_sessions || is_session_call {
            let body = request.to_xml(
                &self.config.credentials,
                Auth::Login(&self.config.credentials),
            );
            return self.send(&self.config.endpoint, body, request).await;
        }
        let session = self.current_session().await?;
        match self.send_with_session(&session, request).await {
            Err(e) if is_session_rejection(&e) => {
                tracing::info!(control_id = %request.control_id, "Intacct session rejected; signing in again");
                self.invalidate_session(&session).await;
                let fresh = self.current_session().await?;
                self.send_with_session(&fresh, request).await
            }
            other => other,
        }
    }

    async fn send_with_session(
        &self,
        session: &Session,
        request: &Request,
    ) -> Result<Response, Error> {
        let body = request.to_xml(&self.config.credentials, Auth::Session(&session.id));
        let response = self.send(&session.endpoint, body, request).await?;
        if let Some(timeout) = response
            .operation
            .as_ref()
            .and_then(|o| o.authentication.session_timeout)
        {
            let mut guard = self.session.lock().await;
            if let Some(current) = guard.as_mut()
                && current.id.expose_secret() == session.id.expose_secret()
            {
                current.expires_at = Some(timeout);
            }
        }
        Ok(response)
    }

    /// Returns the current session, logging in when there is none or it is about to expire.
    async fn current_session(&self) -> Result<Session, Error> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            let fresh = s.expires_at.is_none_or(|t| {
                let margin = chrono::Duration::from_std(SESSION_RENEW_MARGIN).unwrap_or_default();
                Utc::now() + margin < t
            });
            if fresh {
                return Ok(s.clone());
            }
        }
        let session = self.login().await?;
        *guard = Some(session.clone());
        Ok(session)
    }

    /// Forgets the session if it is still the given one (another task may have renewed it).
    async fn invalidate_session(&self, stale: &Session) {
        let mut guard = self.session.lock().await;
        if guard
            .as_ref()
            .is_some_and(|s| s.id.expose_secret() == stale.id.expose_secret())
        {
            *guard = None;
        }
    }

    /// Drops the cached session; the next request signs in again.
    pub async fn clear_session(&self) {
        *self.session.lock().await = None;
    }

    async fn login(&self) -> Result<Session, Error> {
        let request = Request::read(GetApiSession::default());
        let body = request.to_xml(
            &self.config.credentials,
            Auth::Login(&self.config.credentials),
        );
        let response = self.send(&self.config.endpoint, body, &request).await?;
        let result = response
            .results()
            .first()
            .cloned()
            .ok_or_else(|| Error::MissingResult("getAPISession returned no result".into()))?
            .ensure_success()?;
        let api = result
            .api_session()
            .ok_or_else(|| Error::MissingResult("getAPISession returned no session id".into()))?;
        let endpoint = match api.endpoint.as_deref() {
            None => self.config.endpoint.clone(),
            Some(e) => Url::parse(e).map_err(|err| {
                Error::MissingResult(format!("getAPISession endpoint {e:?}: {err}"))
            })?,
        };
        tracing::debug!(endpoint = %endpoint, "Intacct session opened");
        Ok(Session {
            id: api.session_id,
            endpoint,
            expires_at: response
                .operation
                .as_ref()
                .and_then(|o| o.authentication.session_timeout),
        })
    }

    async fn send(&self, url: &Url, body: String, request: &Request) -> Result<Response, Error> {
        let write = request.is_write();
        let span = tracing::debug_span!(
            "intacct_request",
            control_id = %request.control_id,
            functions = request.calls.len(),
            write
        );
        let _enter = span.enter();
        let sent = self
            .http
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, REQUEST_CONTENT_TYPE)
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(&e, write))?;
        let status = sent.status().as_u16();
        let bytes = sent.bytes().await.map_err(|e| Error::Transport {
            kind: if e.is_timeout() {
                TransportKind::TimeoutAfterSend
            } else {
                TransportKind::Interrupted
            },
            message: e.to_string(),
            write,
        })?;
        interpret(status, &bytes, write)
    }

    /// Executes one read function and returns its successful result.
    pub async fn execute_one(&self, call: FunctionCall) -> Result<FunctionResult, Error> {
        let control_id = call.control_id.to_string();
        let response = self.execute(&Request::new().call(call)).await?;
        response
            .result(&control_id)
            .or_else(|| response.results().first())
            .cloned()
            .ok_or_else(|| Error::MissingResult(format!("no result for function {control_id}")))?
            .ensure_success()
    }

    async fn data_of(&self, call: FunctionCall) -> Result<Data, Error> {
        let name = call.function.name();
        self.execute_one(call)
            .await?
            .data
            .ok_or_else(|| Error::MissingResult(format!("{name} returned no <data>")))
    }

    /// One readByQuery page.
    pub async fn read_by_query(&self, query: ReadByQuery) -> Result<Data, Error> {
        self.data_of(FunctionCall::random(query)).await
    }

    /// The next page of a readByQuery result set.
    pub async fn read_more(&self, result_id: impl Into<String>) -> Result<Data, Error> {
        self.data_of(FunctionCall::random(ReadMore {
            result_id: result_id.into(),
        }))
        .await
    }

    /// One `query` page.
    pub async fn query(&self, query: Query) -> Result<Data, Error> {
        self.data_of(FunctionCall::random(query)).await
    }

    /// `read` by keys.
    pub async fn read(&self, read: Read) -> Result<Data, Error> {
        self.data_of(FunctionCall::random(read)).await
    }

    /// A lazy pager over every page of a readByQuery (readByQuery, then readMore by
    /// resultId until nothing remains). Each page is one API transaction.
    pub fn pages(&self, query: ReadByQuery) -> ReadByQueryPager<'_> {
        ReadByQueryPager {
            client: self,
            state: PagerState::Start(query),
        }
    }

    /// A lazy pager over every page of a `query`, advancing `offset`.
    pub fn query_pages(&self, query: Query) -> QueryPager<'_> {
        QueryPager {
            client: self,
            query: Some(query),
        }
    }
}

fn is_session_rejection(e: &Error) -> bool {
    match e {
        Error::Authentication { .. } => true,
        Error::Control { status, .. } => *status == 401,
        _ => false,
    }
}

fn transport_error(e: &reqwest::Error, write: bool) -> Error {
    let kind = if e.is_connect() {
        TransportKind::Connect
    } else if e.is_timeout() {
        // reqwest's whole-request timeout cannot tell whether the body left: assume it did.
        TransportKind::TimeoutAfterSend
    } else if e.is_builder() {
        TransportKind::TimeoutBeforeSend
    } else {
        TransportKind::Interrupted
    };
    Error::Transport {
        kind,
        message: e.to_string(),
        write,
    }
}

/// Turns an HTTP status and body into a response or a typed error. Intacct sends XML with
/// some 4xx statuses (401 + XMLGW_JPP0002); those are parsed, not treated as bare HTTP errors.
pub fn interpret(status: u16, body: &[u8], write: bool) -> Result<Response, Error> {
    let looks_like_xml = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<');
    let parsed = if status == 200 || looks_like_xml {
        Some(Response::parse(body))
    } else {
        None
    };
    let response = match parsed {
        Some(Ok(r)) => r,
        Some(Err(source)) if status == 200 => {
            return Err(Error::InvalidResponse {
                status,
                source,
                write,
            });
        }
        _ => {
            let excerpt = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(Error::Http {
                status,
                body_excerpt: excerpt,
                write,
            });
        }
    };
    if response.is_control_failure() {
        return Err(Error::Control {
            status,
            errors: response.errors,
        });
    }
    if let Some(op) = &response.operation
        && op.authentication.status == Status::Failure
    {
        return Err(Error::Authentication {
            errors: op.errors.clone(),
        });
    }
    if status != 200 && response.operation.is_none() && response.acknowledgement.is_none() {
        return Err(Error::Http {
            status,
            body_excerpt: String::new(),
            write,
        });
    }
    Ok(response)
}

enum PagerState {
    Start(ReadByQuery),
    More(String),
    Done,
}

/// Lazily walks a readByQuery result set. Call [`ReadByQueryPager::next_page`] until `None`.
pub struct ReadByQueryPager<'c> {
    client: &'c IntacctClient,
    state: PagerState,
}

impl ReadByQueryPager<'_> {
    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Data>, Error> {
        let data = match std::mem::replace(&mut self.state, PagerState::Done) {
            PagerState::Done => return Ok(None),
            PagerState::Start(q) => self.client.read_by_query(q).await?,
            PagerState::More(id) => self.client.read_more(id).await?,
        };
        if data.has_more() {
            let id = data.result_id.clone().ok_or_else(|| {
                Error::MissingResult("page says rows remain but has no resultId".into())
            })?;
            self.state = PagerState::More(id);
        }
        Ok(Some(data))
    }
}

/// Lazily walks a `query` by offset. Each page is a new query: rows changing between calls
/// can be skipped or repeated, which is why incremental sync pages by keyset instead.
pub struct QueryPager<'c> {
    client: &'c IntacctClient,
    query: Option<Query>,
}

impl QueryPager<'_> {
    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Data>, Error> {
        let Some(query) = self.query.take() else {
            return Ok(None);
        };
        let offset = query.offset.unwrap_or(0);
        let data = self.client.query(query.clone()).await?;
        let fetched = u32::try_from(data.records.len()).unwrap_or(u32::MAX);
        if data.has_more() && fetched > 0 {
            self.query = Some(query.offset(offset.saturating_add(fetched)));
        }
        Ok(Some(data))
    }
}
