//! Who may do what: authentication modes, CSRF tokens, the same-origin rule and the
//! per-client rate limit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use base64::Engine as _;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};

use super::http::{Body, text};
use crate::config::serve::{AuthMode, Serve};

/// Name of the CSRF cookie and of the form field that must repeat it.
pub const CSRF_COOKIE: &str = "fir_csrf";
pub const CSRF_FIELD: &str = "csrf";

/// The authenticated user, if the mode names one; or the refusal to send.
pub type Access = Result<Option<String>, Response<Body>>;

/// May this request use the form (and read the site)?
pub fn form_access(config: &Serve, headers: &HeaderMap, peer: SocketAddr) -> Access {
    match config.auth {
        AuthMode::Open => Ok(None),
        AuthMode::Basic => match basic_user(config, headers) {
            Some(user) => Ok(Some(user)),
            None => {
                let mut response = text(StatusCode::UNAUTHORIZED, "authentication required");
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"fir\", charset=\"UTF-8\""),
                );
                Err(response)
            }
        },
        AuthMode::Proxy => proxy_user(config, headers, peer),
    }
}

/// May this request use the API? A bearer token is needed unless the server is open
/// and has none configured; behind a trusted proxy its user header also does.
pub fn api_access(config: &Serve, headers: &HeaderMap, peer: SocketAddr) -> Access {
    if config.auth == AuthMode::Open && config.api_tokens.is_empty() {
        return Ok(None);
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(token) = bearer
        && config
            .api_tokens
            .iter()
            .any(|known| same_secret(known.as_bytes(), token.as_bytes()))
    {
        return Ok(None);
    }
    if config.auth == AuthMode::Proxy && bearer.is_none() {
        return proxy_user(config, headers, peer);
    }
    let mut response = text(StatusCode::UNAUTHORIZED, "a valid bearer token is required");
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Err(response)
}

fn basic_user(config: &Serve, headers: &HeaderMap) -> Option<String> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    let known = config.users.get(user)?;
    same_secret(known.as_bytes(), password.as_bytes()).then(|| user.to_string())
}

fn proxy_user(config: &Serve, headers: &HeaderMap, peer: SocketAddr) -> Access {
    if !config.trusted_proxies.contains(&peer.ip()) {
        return Err(text(
            StatusCode::FORBIDDEN,
            "requests must come through the authenticating proxy",
        ));
    }
    match headers
        .get(config.proxy_header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(user) => Ok(Some(user.to_string())),
        None => Err(text(
            StatusCode::UNAUTHORIZED,
            format!("the proxy did not name the user ({})", config.proxy_header),
        )),
    }
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    diff == 0
}

/// Refuses a POST that a browser sent from another site: `Origin` (or, failing that,
/// `Referer`) must name this host, or be one of the `also` allowed (fir.toml's
/// `api_origins`, for the API). Clients that send neither are not browsers acting for
/// another site, and the form's CSRF token still applies to them.
pub fn same_origin(headers: &HeaderMap, also: &[String]) -> Result<(), Response<Body>> {
    if allowed_origin(headers, also).is_some() {
        return Ok(());
    }
    let forbidden = |why: &str| Err(text(StatusCode::FORBIDDEN, why));
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return forbidden("cross-site request refused");
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(origin) = origin else {
        return Ok(());
    };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .map(|rest| rest.split('/').next().unwrap_or_default());
    if authority.is_some_and(|a| a.eq_ignore_ascii_case(host)) {
        Ok(())
    } else {
        forbidden("cross-origin request refused")
    }
}

/// The request's `Origin` when it is one of `origins` (fir.toml's `api_origins`): a
/// page of another site allowed to call the API.
pub fn allowed_origin<'h>(headers: &'h HeaderMap, origins: &[String]) -> Option<&'h str> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    origins
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(origin))
        .then_some(origin)
}

/// A fresh random CSRF token (128 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The CSRF token the browser holds, if it looks like one of ours.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value that gives the browser `token`.
pub fn token_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    ))
    .expect("hex tokens are valid header text")
}

/// A token bucket per client: `per_minute` submissions, refilled continuously.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one submission from `client`'s allowance; `Err` (429) when it is empty.
    pub fn take(&self, client: &str) -> Result<(), Response<Body>> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 10_000 {
            // Forget clients whose allowance is back to full.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * capacity / 60.0 < capacity
            });
        }
        let (tokens, at) = buckets.entry(client.to_string()).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * capacity / 60.0).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - *tokens) * 60.0 / capacity).ceil() as u64;
        let mut response = text(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many submissions: {} per minute at most",
                self.per_minute
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait.max(1)));
        Err(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
        assert!(!same_secret(b"", b"a"));
    }

    #[test]
    fn origins_must_name_the_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("fir.local:8080"));
        assert!(same_origin(&headers, &[]).is_ok());
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://fir.local:8080"),
        );
        assert!(same_origin(&headers, &[]).is_ok());
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(same_origin(&headers, &[]).is_err());
        // A site listed in `api_origins` passes, even when the browser says cross-site.
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        let listed = ["http://evil.example".to_string()];
        assert!(same_origin(&headers, &listed).is_ok());
        assert!(same_origin(&headers, &[]).is_err());
    }

    #[test]
    fn the_bucket_empties_then_refuses() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.take("a").is_ok());
        assert!(limiter.take("a").is_ok());
        assert!(limiter.take("a").is_err());
        assert!(limiter.take("b").is_ok());
    }
}
