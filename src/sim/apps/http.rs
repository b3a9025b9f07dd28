//! HTTP/1.1 to the hub from device-side code, over a socket the device's OS
//! opened ([`DeviceOs::connect`]): plain requests with JSON bodies, and
//! chunked JSON-lines streams read line by line.

use std::sync::Arc;

use super::os::DeviceOs;
use super::task::AbortOnDrop;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

/// Why a request to the hub failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("hub URL `{0}` is not an http://host:port URL")]
    BadUrl(String),
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("building the request: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("HTTP {status} from {path}: {body}")]
    Status {
        status: StatusCode,
        path: String,
        body: String,
    },
    #[error("the stream ended")]
    Ended,
}

/// The hub's base URL as the device reaches it (`http://127.0.0.1:<P>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubUrl {
    host: String,
    port: u16,
}

impl HubUrl {
    /// Reads `http://host:port` (a trailing `/` is fine); anything else is
    /// refused, as the Java apps refuse it.
    pub fn parse(s: &str) -> Result<HubUrl, HttpError> {
        let bad = || HttpError::BadUrl(s.to_string());
        let url = url::Url::parse(s.trim()).map_err(|_| bad())?;
        if url.scheme() != "http" || !url.path().trim_matches('/').is_empty() {
            return Err(bad());
        }
        let host = url.host_str().ok_or_else(bad)?.to_string();
        let port = url.port_or_known_default().ok_or_else(bad)?;
        Ok(HubUrl { host, port })
    }

    fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for HubUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}", self.authority())
    }
}

/// A client for one hub, opening one connection per request (like
/// `HttpURLConnection` without keep-alive), so that dropping a stream closes
/// its socket and the hub notices.
#[derive(Clone)]
pub struct HubClient {
    os: Arc<dyn DeviceOs>,
    url: HubUrl,
}

impl HubClient {
    pub fn new(os: Arc<dyn DeviceOs>, url: HubUrl) -> HubClient {
        HubClient { os, url }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(hyper::Response<Incoming>, AbortOnDrop), HttpError> {
        let socket = self
            .os
            .connect(&self.url.host, self.url.port)
            .await
            .map_err(|e| HttpError::Connect(self.url.authority(), e))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(socket)).await?;
        let driver = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, self.url.authority())
            .header(hyper::header::USER_AGENT, "pushlab-device/1");
        if body.is_some() {
            req = req.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        let resp = sender.send_request(req).await?;
        Ok((resp, driver))
    }

    /// A request with an optional JSON body; the JSON answer (`null` when
    /// the body is not JSON), or an error for a non-2xx status.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, HttpError> {
        let body = body.map(|b| b.to_string().into_bytes());
        let (resp, _driver) = self.send(method, path, body).await?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            return Err(HttpError::Status {
                status,
                path: path.to_string(),
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    /// `POST path` with a JSON body; status and JSON answer whatever the
    /// status (the gateway answers refusals with 422 and a JSON error).
    pub async fn post_any(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<(StatusCode, serde_json::Value), HttpError> {
        let (resp, _driver) = self
            .send(Method::POST, path, Some(body.to_string().into_bytes()))
            .await?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await?.to_bytes();
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        ))
    }

    /// `GET path` as a JSON-lines stream.
    pub async fn lines(&self, path: &str) -> Result<LineStream, HttpError> {
        let (resp, driver) = self.send(Method::GET, path, None).await?;
        let status = resp.status();
        if !status.is_success() {
            let bytes = resp.into_body().collect().await?.to_bytes();
            return Err(HttpError::Status {
                status,
                path: path.to_string(),
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(LineStream {
            body: resp.into_body(),
            buf: BytesMut::new(),
            _driver: driver,
        })
    }
}

/// An open JSON-lines response; dropping it closes the connection.
pub struct LineStream {
    body: Incoming,
    buf: BytesMut,
    _driver: AbortOnDrop,
}

impl LineStream {
    /// The next non-empty line, without its line end.
    pub async fn next_line(&mut self) -> Result<Bytes, HttpError> {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
                let mut line = self.buf.split_to(i + 1).freeze();
                line.truncate(i);
                let trimmed = line.strip_suffix(b"\r").map(<[u8]>::len);
                if let Some(n) = trimmed {
                    line.truncate(n);
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Ok(line);
            }
            match self.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => return Err(HttpError::Ended),
            }
        }
    }
}
