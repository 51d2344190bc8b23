//! `[serve]` in fir.toml: who may submit through `fir serve`, and its limits.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;

/// How the intake form and API know who is submitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Anyone who can reach the server may use the form (internal reporting).
    #[default]
    Open,
    /// The form asks for a user name and password from `[serve.users]`.
    Basic,
    /// A reverse proxy in `trusted_proxies` authenticates and names the user in
    /// `proxy_header`; requests without it are refused.
    Proxy,
}

/// The `[serve]` section. The API needs a bearer token from `api_tokens` unless the
/// mode is `open` and no token is configured.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Serve {
    pub auth: AuthMode,
    /// Bearer tokens accepted by `/api/`.
    pub api_tokens: Vec<String>,
    /// `basic` mode: user name = password.
    pub users: BTreeMap<String, String>,
    /// `proxy` mode: the header carrying the authenticated user.
    pub proxy_header: String,
    /// `proxy` mode: peers whose `proxy_header` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Submissions per minute per client; 0 turns the limit off.
    pub rate_limit: u32,
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Largest description (Markdown) in characters; other text fields take 500.
    pub max_description: usize,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Seconds a client has to send its headers, then its body.
    pub read_timeout: u64,
    /// Milliseconds the rebuild waits for more submissions before it starts.
    pub rebuild_delay: u64,
    /// Seconds between two looks at the content directory for files changed by
    /// something else (an editor, `git pull`, `fir import`); 0: never.
    pub rescan: u64,
    /// Command run after each new incident or status change, with the event as
    /// JSON on its standard input: program then arguments.
    pub hook_command: Vec<String>,
    /// `http://` URL the event is POSTed to as JSON.
    pub webhook: Option<String>,
    /// Origins (`https://intranet.example`) of other sites whose pages may call the
    /// API from the browser: a site served by another web server, with `api_url`
    /// pointing here. Their calls pass the same-origin check and get CORS headers.
    pub api_origins: Vec<String>,
}

impl Default for Serve {
    fn default() -> Self {
        Serve {
            auth: AuthMode::Open,
            api_tokens: Vec::new(),
            users: BTreeMap::new(),
            proxy_header: "X-Remote-User".into(),
            trusted_proxies: vec![[127, 0, 0, 1].into(), std::net::Ipv6Addr::LOCALHOST.into()],
            rate_limit: 30,
            max_body: 64 * 1024,
            max_description: 20_000,
            max_connections: 512,
            read_timeout: 10,
            rebuild_delay: 100,
            rescan: 10,
            hook_command: Vec::new(),
            webhook: None,
            api_origins: Vec::new(),
        }
    }
}
