//! What every request passes before a handler, and every response after it: rate limits per
//! client address, the Host and Origin checks, the security headers, and a JSON body on every
//! error (including the ones axum writes itself: 405, 413, malformed paths).
//!
//! Rate limits use `governor` (GCRA, keyed by address); IPv6 clients are keyed by their /64,
//! the smallest block one subscriber usually holds. The key is the TCP peer: behind a reverse
//! proxy all clients share its address (docs/deploy.md).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;
use crate::{AppState, Limits, ServerConfig};

/// The Content-Security-Policy of every response: only this origin's scripts, styles and
/// connections, no inline code, never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Longest error body rewritten as JSON, bytes (axum's own are a line).
const MAX_ERROR_BODY_BYTES: usize = 4 * 1024;

/// Rate limiters and the hosts and origins the server answers to.
pub struct Guard {
    creates: DefaultKeyedRateLimiter<IpAddr>,
    joins: DefaultKeyedRateLimiter<IpAddr>,
    requests: DefaultKeyedRateLimiter<IpAddr>,
    /// `host[:port]` values accepted in the Host header; empty = any.
    hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`) accepted besides the request's own.
    origins: Vec<String>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Guard {
    /// The guard of a server bound to `bound`.
    pub fn new(config: &ServerConfig, bound: SocketAddr) -> Guard {
        let limits: &Limits = &config.limits;
        let creates = Quota::per_minute(nonzero(limits.creates_per_min));
        let joins = Quota::per_minute(nonzero(limits.joins_per_min))
            .allow_burst(nonzero(limits.joins_per_min.div_ceil(2)));
        let requests = Quota::per_second(nonzero(limits.requests_per_s))
            .allow_burst(nonzero(limits.requests_per_s.saturating_mul(2)));
        let origins: Vec<String> = config
            .allowed_origins
            .iter()
            .map(|origin| origin.trim_end_matches('/').to_ascii_lowercase())
            .collect();
        let mut hosts = Vec::new();
        if !bound.ip().is_unspecified() || !origins.is_empty() {
            let port = bound.port();
            hosts.push(bound.to_string());
            if bound.ip().is_loopback() {
                hosts.extend([
                    format!("localhost:{port}"),
                    format!("127.0.0.1:{port}"),
                    format!("[::1]:{port}"),
                ]);
            }
            hosts.extend(
                origins
                    .iter()
                    .filter_map(|origin| origin.split_once("://").map(|(_, host)| host.to_owned())),
            );
        }
        Guard {
            creates: RateLimiter::keyed(creates),
            joins: RateLimiter::keyed(joins),
            requests: RateLimiter::keyed(requests),
            hosts,
            origins,
        }
    }

    /// Forgets addresses whose limits have fully replenished (bounds the limiters' memory).
    pub fn forget_idle_clients(&self) {
        self.creates.retain_recent();
        self.joins.retain_recent();
        self.requests.retain_recent();
    }

    fn limiter(&self, method: &Method, path: &str) -> (&DefaultKeyedRateLimiter<IpAddr>, &str) {
        if method == Method::POST && path == "/api/sessions" {
            (&self.creates, "sessions created")
        } else if method == Method::POST
            && path.starts_with("/api/sessions/")
            && path.ends_with("/join")
        {
            (&self.joins, "join attempts")
        } else {
            (&self.requests, "requests")
        }
    }

    fn check_host(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        if self.hosts.is_empty() {
            return Ok(());
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if self.hosts.contains(&host) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                "host",
                format!(
                    "this server does not answer to Host {host:?} (start it with --allow-origin for another name)"
                ),
            ))
        }
    }

    fn check_origin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let same_origin = origin.split_once("://").is_some_and(|(scheme, authority)| {
            matches!(scheme, "http" | "https") && authority == host
        });
        if same_origin || self.origins.contains(&origin) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "origin",
                format!("requests from origin {origin:?} are not allowed"),
            ))
        }
    }
}

/// The rate-limit key of an address: IPv4 as is, IPv6 by its /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// The middleware: host, origin and rate checks, then the handler, then headers and JSON.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let guard = &state.guard;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
    let is_api = request.uri().path().starts_with("/api/");
    let refused = guard
        .check_host(request.headers())
        .and_then(|()| guard.check_origin(request.headers()))
        .and_then(|()| {
            let (limiter, what) = guard.limiter(request.method(), request.uri().path());
            limiter.check_key(&client_key(peer)).map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let retry_after_s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate",
                    format!("too many {what} from your address; retry in {retry_after_s} s"),
                )
                .retry_after(retry_after_s)
            })
        });
    let response = match refused {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    };
    let mut response = json_error_body(response).await;
    let headers = response.headers_mut();
    // A handler may set a stricter policy of its own (a record report allows its one
    // stylesheet by hash and nothing else); every other response gets the default.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if is_api {
        // Responses carry tokens and patient data: never cached.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// An error response without a JSON body (axum's 405, 413, path and query rejections, the
/// WebSocket upgrade's) gets the API's `{"error": {"field", "message"}}` shape.
async fn json_error_body(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_ERROR_BODY_BYTES)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let field = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method",
        StatusCode::NOT_FOUND => "path",
        StatusCode::PAYLOAD_TOO_LARGE => "body",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "content-type",
        _ => "request",
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_owned()
    } else {
        text
    };
    let json = ApiError::new(status, field, message).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, json.into_body())
}
