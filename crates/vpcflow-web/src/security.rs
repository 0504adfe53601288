//! What keeps a local dashboard local: a Host-header allowlist (a page on another site that rebinds its own name
//! to 127.0.0.1 still sends its own name as Host, and is refused), an Origin check on anything but GET, an
//! optional token for every request (required to listen beyond loopback), and headers that forbid the browser
//! anything but the page's own scripts and styles.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The Content-Security-Policy of every response: scripts, styles, fetches and images from the page's own
/// origin only, no inline script or style attribute, no plugins, no framing, no forms elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The cookie that carries the token once the printed URL was opened.
pub const COOKIE: &str = "vpcflow_token";

/// Who may talk to the server.
#[derive(Clone, Debug)]
pub struct Guard {
    /// Host names (without port) accepted in Host and Origin.
    pub hosts: Vec<String>,
    /// The token every request must carry, if any.
    pub token: Option<String>,
}

impl Guard {
    /// Loopback names, the listening address, and `extra` (`--allowed-host`).
    pub fn new(listen: SocketAddr, token: Option<String>, extra: &[String]) -> Guard {
        let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        if !listen.ip().is_unspecified() {
            hosts.push(listen.ip().to_string());
        }
        hosts.extend(extra.iter().map(|h| h.trim().to_ascii_lowercase()));
        Guard { hosts, token }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host);
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(&name))
    }
}

/// The host part of a Host header or an origin's authority (`[::1]:8080` → `::1`).
fn host_name(authority: &str) -> String {
    let a = authority.trim();
    if let Some(rest) = a.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_ascii_lowercase();
    }
    if a.parse::<IpAddr>().is_ok() {
        return a.to_ascii_lowercase();
    }
    a.rsplit_once(':')
        .map_or(a, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                a
            }
        })
        .to_ascii_lowercase()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn query_token(req: &Request) -> Option<String> {
    let q = req.uri().query()?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.to_string())
}

/// The checks, then the security headers on whatever the handler answered.
pub async fn guard(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    let Some(host) = host.filter(|h| guard.host_allowed(h)) else {
        return headers(refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only to its own address (Host header refused; see --allowed-host)",
        ));
    };
    let _ = host;
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok());
        let ok = origin
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|a| guard.host_allowed(a));
        if !ok {
            return headers(refuse(
                StatusCode::FORBIDDEN,
                "cross-origin request refused",
            ));
        }
    }
    if let Some(token) = &guard.token {
        let from_cookie = cookie_token(req.headers()).is_some_and(|t| same(&t, token));
        let from_query = query_token(&req).is_some_and(|t| same(&t, token));
        if !from_cookie && !from_query {
            return headers(refuse(
                StatusCode::UNAUTHORIZED,
                "open the URL that `vpcflow serve` printed (it carries the token)",
            ));
        }
        if from_query && !from_cookie {
            // Keep the token in a cookie and take it out of the address bar (and of the history).
            let path = req.uri().path().to_string();
            let rest: Vec<(String, String)> = req
                .uri()
                .query()
                .map(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .filter(|(k, _)| k != "token")
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(rest)
                .finish();
            let target = if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            };
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            return headers(r);
        }
    }
    headers(next.run(req).await)
}

fn headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("LocalHost"), "localhost");
        assert_eq!(host_name("evil.example:80"), "evil.example");
        let g = Guard::new(
            "127.0.0.1:1".parse().unwrap(),
            None,
            &["dash.internal".into()],
        );
        assert!(g.host_allowed("localhost:5"));
        assert!(g.host_allowed("dash.internal:80"));
        assert!(!g.host_allowed("rebind.example:8765"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("ab", "abc"));
    }
}
