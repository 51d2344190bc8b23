//! `fir serve` end to end: the real binary on an ephemeral loopback port, spoken to
//! over plain TCP so that every byte of each request is the test's own.

mod common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use fir::incident::{Incident, parse};

/// A running `fir serve` on a copy of the basic fixture site.
struct Server {
    child: Child,
    port: u16,
    root: tempfile::TempDir,
}

/// The fixture site with `[serve]` settings appended to its fir.toml.
fn site(serve: &str) -> tempfile::TempDir {
    let root = common::copy_fixture("sites/basic");
    let config = root.path().join("fir.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[serve]\n");
    text.push_str(serve);
    std::fs::write(&config, text).unwrap();
    root
}

impl Server {
    /// Starts a server with rate limiting off plus `serve` settings.
    fn start(serve: &str) -> Server {
        Server::start_in(site(&format!("rate_limit = 0\n{serve}")))
    }

    fn start_in(root: tempfile::TempDir) -> Server {
        let (child, port) = common::spawn_serve(root.path());
        Server { child, port, root }
    }

    fn root(&self) -> &Path {
        self.root.path()
    }

    /// Sends raw request bytes; returns the response.
    fn send(&self, request: &[u8]) -> Response {
        send(self.port, request)
    }

    fn get(&self, path: &str, headers: &str) -> Response {
        self.send(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n")
                .as_bytes(),
        )
    }

    fn post(&self, path: &str, content_type: &str, headers: &str, body: &[u8]) -> Response {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{headers}\r\n",
            self.port,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.send(&request)
    }

    fn post_json(&self, path: &str, json: &serde_json::Value, headers: &str) -> Response {
        self.post(
            path,
            "application/json",
            headers,
            json.to_string().as_bytes(),
        )
    }

    /// A form session: the CSRF cookie and token from `GET /new`.
    fn csrf(&self, headers: &str) -> String {
        let form = self.get("/new", headers);
        assert_eq!(form.status, 200, "{}", form.text());
        let cookie = form.header("set-cookie").expect("a CSRF cookie");
        let token = cookie
            .strip_prefix("fir_csrf=")
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_string();
        assert!(form.text().contains(&format!("value=\"{token}\"")));
        token
    }

    fn post_form(&self, token: &str, fields: &[(&str, &str)], headers: &str) -> Response {
        let mut body = format!("csrf={token}");
        for (name, value) in fields {
            body.push_str(&format!("&{}={}", encode(name), encode(value)));
        }
        self.post(
            "/new",
            "application/x-www-form-urlencoded",
            &format!("Cookie: fir_csrf={token}\r\n{headers}"),
            body.as_bytes(),
        )
    }

    fn incident_files(&self) -> Vec<PathBuf> {
        walkdir::WalkDir::new(self.root().join("content/incidents"))
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect()
    }

    /// Sends SIGTERM, as a service manager stopping the server does.
    fn terminate(&self) {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    fn incident(&self, id: &str) -> Incident {
        let path = self.file_of(id);
        parse(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .incident
    }

    fn file_of(&self, id: &str) -> PathBuf {
        fir::store::find(self.root(), id)
            .unwrap()
            .unwrap_or_else(|| panic!("no file for {id}"))
    }

    /// Waits until the rebuilt site has `page` (the rebuild runs after the response).
    fn wait_for_page(&self, page: &str) -> String {
        let path = self.root().join("site").join(page);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{page} never appeared on the site");
    }

    /// Waits until the page served at `path` shows `text` (or, with `shown` false, no
    /// longer does): rebuilds run after the answer.
    fn wait_until_served(&self, path: &str, text: &str, shown: bool) {
        let start = Instant::now();
        while self.get(path, "").text().contains(text) != shown {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{path} never {} {text:?}",
                if shown { "showed" } else { "stopped showing" }
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn check(&self) {
        common::run_ok(self.root(), &["check"]);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// A 422's problems as `(field, problem)`, in the order given.
    fn problems(&self) -> Vec<(String, String)> {
        let errors = self.json()["errors"].as_array().unwrap().clone();
        let pair = |e: &serde_json::Value| {
            let text = |key: &str| e[key].as_str().unwrap().to_string();
            (text("field"), text("problem"))
        };
        errors.iter().map(pair).collect()
    }
}

fn send(port: u16, request: &[u8]) -> Response {
    try_send(port, request).expect("the server answers")
}

fn try_send(port: u16, request: &[u8]) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.write_all(request)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no complete response"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn new_id(response: &Response) -> String {
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["id"].as_str().unwrap().to_string()
}

#[test]
fn the_form_creates_an_incident_that_appears_on_the_rebuilt_site() {
    let server = Server::start("");
    let token = server.csrf("");
    let response = server.post_form(
        &token,
        &[
            ("title", "Suspicious invoice mail"),
            ("description", "The attachment *asked* for macros."),
            ("category", "phishing"),
            ("severity", "2"),
            ("business_line", "Retail Banking > France"),
            ("detection", "user"),
            ("tlp", "GREEN"),
            ("reporter", "Ana Silva"),
            ("contact", "ana@example.org"),
        ],
        "",
    );
    assert_eq!(response.status, 303, "{}", response.text());
    let location = response.header("location").unwrap().to_string();
    let id = location.strip_prefix("new/").unwrap().to_string();
    let incident = server.incident(&id);
    assert_eq!(incident.title, "Suspicious invoice mail");
    assert_eq!(incident.category, "phishing");
    assert_eq!(incident.severity, 2);
    assert_eq!(incident.status, "open");
    assert_eq!(incident.tlp.as_deref(), Some("GREEN"));
    assert_eq!(incident.business_lines, ["Retail Banking > France"]);
    assert_eq!(incident.opened_by.as_deref(), Some("Ana Silva"));
    assert_eq!(incident.attributes[0].value, "ana@example.org");
    assert_eq!(incident.description, "The attachment *asked* for macros.");

    let confirmation = server.get(&format!("/{location}"), "");
    assert_eq!(confirmation.status, 200);
    assert!(confirmation.text().contains(&id));
    assert!(
        confirmation
            .text()
            .contains(&format!("incidents/{id}.html"))
    );

    let page = server.wait_for_page(&format!("incidents/{id}.html"));
    assert!(page.contains("Suspicious invoice mail"));
    let served = server.get(&format!("/incidents/{id}.html"), "");
    assert_eq!(served.status, 200);
    assert!(served.text().contains("<em>asked</em>"));
    server.check();
}

#[test]
fn invalid_form_input_is_shown_again_with_errors_beside_the_fields() {
    let server = Server::start("");
    let token = server.csrf("");
    let long = "x".repeat(501);
    let response = server.post_form(
        &token,
        &[
            ("title", ""),
            ("category", "not-a-category"),
            ("reporter", &long),
            ("contact", "keep <me> & \"this\""),
        ],
        "",
    );
    assert_eq!(response.status, 422);
    let html = response.text();
    assert!(html.contains("id=\"e-title\""), "{html}");
    assert!(html.contains("id=\"e-category\""));
    assert!(html.contains("id=\"e-reporter\""));
    assert!(html.contains("At most 500 characters."));
    assert!(!html.contains("id=\"e-contact\""));
    assert!(
        html.contains("value=\"keep &lt;me&gt; &amp; &quot;this&quot;\""),
        "values are kept, escaped"
    );
    assert_eq!(server.incident_files().len(), 6, "nothing was written");
}

#[test]
fn the_api_creates_incidents_with_201_id_and_location() {
    let server = Server::start("");
    let response = server.post_json(
        "/api/incidents",
        &serde_json::json!({"title": "Ransom note on file server", "category": "Malware", "severity": 4, "tlp": "red"}),
        "",
    );
    let id = new_id(&response);
    assert_eq!(
        response.header("location").unwrap(),
        format!("https://cert.example.internal/fir/incidents/{id}.html")
    );
    let incident = server.incident(&id);
    assert_eq!(incident.category, "malware");
    assert_eq!(incident.severity, 4);
    assert_eq!(incident.tlp.as_deref(), Some("RED"));
    assert!(
        server
            .file_of(&id)
            .starts_with(server.root().join("content/incidents"))
    );
    server.check();
}

#[test]
fn front_matter_tricks_in_every_field_round_trip_exactly() {
    let server = Server::start("");
    let tricks = [
        "line one\nline two",
        "---",
        "text\n---\nid: HACKED\n---",
        "\"double\" and 'single' quotes",
        "!!python/object/apply:os.system ['rm -rf /']",
        "&anchor *alias",
        "key: value # comment",
        "- a list item",
        "| block",
        "{flow: map}",
        "[1, 2]",
        "  leading spaces",
        "null",
        "true",
        "0x1F",
        "@at `tick`",
        "%TAG ! tag:x,2024:",
        "tab\there",
        "+++\nid = \"toml\"\n+++",
        "\u{feff}bom and \u{2028} separator",
        "back\\slash \\n not a newline",
    ];
    for trick in tricks {
        let response = server.post_json(
            "/api/incidents",
            &serde_json::json!({
                "title": format!("T {trick}"),
                "description": format!("D {trick}"),
                "category": "other",
                "reporter": trick,
                "contact": trick,
            }),
            "",
        );
        let id = new_id(&response);
        let incident = server.incident(&id);
        assert_eq!(incident.id, id);
        assert_eq!(incident.title, format!("T {trick}"), "title {trick:?}");
        assert_eq!(
            incident.description,
            format!("D {trick}"),
            "description {trick:?}"
        );
        assert_eq!(
            incident.opened_by.as_deref(),
            Some(trick),
            "reporter {trick:?}"
        );
        assert_eq!(incident.attributes[0].value, trick, "contact {trick:?}");
        assert_eq!(incident.category, "other");
    }
    assert_eq!(server.incident_files().len(), 6 + tricks.len());
    server.check();
}

#[test]
fn bad_requests_are_refused_with_the_right_status_and_write_nothing() {
    let server = Server::start("max_body = 4096\n");
    let api = |body: &[u8]| server.post("/api/incidents", "application/json", "", body);
    // Too large: 413, whether announced or not.
    let big = serde_json::json!({"title": "x".repeat(5000), "category": "spam"}).to_string();
    assert_eq!(api(big.as_bytes()).status, 413);
    let mut chunked = b"POST /api/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(format!("800\r\n{}\r\n", "a".repeat(0x800)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(server.send(&chunked).status, 413);
    // Not UTF-8: 400, in JSON and in a form.
    let response = api(b"{\"title\":\"caf\xe9\",\"category\":\"spam\"}");
    assert_eq!(response.status, 400);
    assert!(response.text().contains("UTF-8"));
    let token = server.csrf("");
    let form = server.post(
        "/new",
        "application/x-www-form-urlencoded",
        &format!("Cookie: fir_csrf={token}\r\n"),
        format!("csrf={token}&title=caf%E9&category=spam").as_bytes(),
    );
    assert_eq!(form.status, 400);
    // Malformed JSON and non-text values: 400.
    assert_eq!(api(b"{\"title\":").status, 400);
    assert_eq!(api(br#"{"title":{"a":1},"category":"spam"}"#).status, 400);
    // Unknown fields, bad values, too long: 422 naming each field.
    let response = api(
        serde_json::json!({"title": "x".repeat(501), "category": "nope", "severity": 9, "status": "closed", "tlp": "PURPLE"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(response.status, 422);
    let found: HashSet<(String, String)> = response.problems().into_iter().collect();
    for expected in [
        ("status", "unknown_field"),
        ("title", "too_long"),
        ("category", "not_allowed"),
        ("severity", "not_allowed"),
        ("tlp", "not_allowed"),
    ] {
        assert!(
            found.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {found:?}"
        );
    }
    // Control characters.
    let response = api(br#"{"title":"a\u0000b","category":"spam"}"#);
    assert_eq!(response.status, 422);
    // Wrong media type: 415.
    assert_eq!(
        server
            .post("/api/incidents", "text/plain", "", b"{}")
            .status,
        415
    );
    assert_eq!(server.incident_files().len(), 6, "nothing was written");
}

#[test]
fn form_posts_need_the_csrf_token_and_the_same_origin() {
    let server = Server::start("");
    let token = server.csrf("");
    let fields = "title=T&category=spam";
    let form = |headers: &str, body: String| {
        server.post(
            "/new",
            "application/x-www-form-urlencoded",
            headers,
            body.as_bytes(),
        )
    };
    // No cookie, no token, or a token that is not the cookie's: 403.
    assert_eq!(form("", format!("csrf={token}&{fields}")).status, 403);
    assert_eq!(
        form(&format!("Cookie: fir_csrf={token}\r\n"), fields.to_string()).status,
        403
    );
    let other = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        form(
            &format!("Cookie: fir_csrf={token}\r\n"),
            format!("csrf={other}&{fields}")
        )
        .status,
        403
    );
    // Another site: 403 even with a good token.
    let cross = server.post_form(
        &token,
        &[("title", "T"), ("category", "spam")],
        "Origin: http://evil.example\r\n",
    );
    assert_eq!(cross.status, 403);
    let cross = server.post_form(
        &token,
        &[("title", "T"), ("category", "spam")],
        "Sec-Fetch-Site: cross-site\r\n",
    );
    assert_eq!(cross.status, 403);
    let api = server.post_json(
        "/api/incidents",
        &serde_json::json!({"title": "T", "category": "spam"}),
        "Origin: http://evil.example\r\n",
    );
    assert_eq!(api.status, 403);
    assert_eq!(server.incident_files().len(), 6);
    // The same origin passes.
    let origin = format!("Origin: http://127.0.0.1:{}\r\n", server.port);
    let ok = server.post_form(&token, &[("title", "T"), ("category", "spam")], &origin);
    assert_eq!(ok.status, 303, "{}", ok.text());
}

/// A site served by another web server, listed in `api_origins`, may call the API
/// from its pages: preflights are answered, and every answer carries the CORS headers
/// that let the page read it. Other sites are still refused, and so is the form.
#[test]
fn pages_of_a_listed_site_call_the_api_with_cors() {
    let server =
        Server::start("api_tokens = [\"t0ken\"]\napi_origins = [\"https://intranet.example\"]\n");
    let listed = "Origin: https://intranet.example\r\nSec-Fetch-Site: cross-site\r\n";
    let preflight = |origin: &str| {
        server.send(
            format!(
                "OPTIONS /api/incidents/FIR-2024-0003/timeline HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n{origin}Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization, content-type\r\n\r\n",
                server.port
            )
            .as_bytes(),
        )
    };
    let allowed = preflight(listed);
    assert_eq!(allowed.status, 204, "{}", allowed.text());
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://intranet.example")
    );
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        allowed.header("access-control-allow-headers"),
        Some("Content-Type, Authorization")
    );
    let other = preflight("Origin: https://evil.example\r\n");
    assert_eq!(other.status, 403);
    assert_eq!(other.header("access-control-allow-origin"), None);

    // Without the token: 401, readable by the page, which then asks for it.
    let entry = serde_json::json!({"action": "info", "text": "From the intranet."});
    let path = "/api/incidents/FIR-2024-0003/timeline";
    let refused = server.post_json(path, &entry, listed);
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("access-control-allow-origin"),
        Some("https://intranet.example")
    );
    let token = "Authorization: Bearer t0ken\r\n";
    let saved = server.post_json(path, &entry, &format!("{listed}{token}"));
    assert_eq!(saved.status, 201, "{}", saved.text());
    assert_eq!(
        saved.header("access-control-allow-origin"),
        Some("https://intranet.example")
    );
    assert_eq!(
        saved.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(saved.header("vary"), Some("Origin"));
    let timeline = server.incident("FIR-2024-0003").timeline;
    assert_eq!(timeline.last().unwrap().text, "From the intranet.");
    // Another site, even with the token: 403, no CORS headers.
    let evil = server.post_json(
        path,
        &entry,
        &format!("Origin: https://evil.example\r\n{token}"),
    );
    assert_eq!(evil.status, 403);
    assert_eq!(evil.header("access-control-allow-origin"), None);
    // The intake form keeps to its own origin.
    let form = server.post_form(
        "0123456789abcdef0123456789abcdef",
        &[("title", "T"), ("category", "spam")],
        listed,
    );
    assert_eq!(form.status, 403);
}

#[test]
fn an_origin_with_a_path_is_refused_naming_its_line() {
    let root = site("api_origins = [\"https://intranet.example/fir\"]\n");
    let out = common::run(root.path(), &["check"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let config = std::fs::read_to_string(root.path().join("fir.toml")).unwrap();
    let line = config
        .lines()
        .position(|l| l.starts_with("api_origins"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(
            "fir.toml:{line}: api_origins lists origins like \"https://intranet.example\""
        )),
        "{stderr}"
    );
}

#[test]
fn basic_auth_guards_the_form_and_bearer_tokens_the_api() {
    let server = Server::start(
        "auth = \"basic\"\napi_tokens = [\"s3cret-token\"]\n[serve.users]\nana = \"pass word\"\n",
    );
    let credentials = |user_pass: &str| {
        use base64::Engine as _;
        format!(
            "Authorization: Basic {}\r\n",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
    };
    let denied = server.get("/new", "");
    assert_eq!(denied.status, 401);
    assert!(
        denied
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(server.get("/new", &credentials("ana:wrong")).status, 401);
    assert_eq!(
        server.get("/new", &credentials("bob:pass word")).status,
        401
    );
    assert_eq!(server.get("/index.html", "").status, 401, "the site too");
    let auth = credentials("ana:pass word");
    let token = server.csrf(&auth);
    let response = server.post_form(
        &token,
        &[("title", "Lost badge"), ("category", "lost-device")],
        &auth,
    );
    assert_eq!(response.status, 303);
    let id = response.header("location").unwrap()[4..].to_string();
    assert_eq!(server.incident(&id).opened_by.as_deref(), Some("ana"));

    let body = serde_json::json!({"title": "From a script", "category": "spam"});
    assert_eq!(server.post_json("/api/incidents", &body, "").status, 401);
    assert_eq!(
        server
            .post_json("/api/incidents", &body, "Authorization: Bearer nope\r\n")
            .status,
        401
    );
    assert_eq!(server.post_json("/api/incidents", &body, &auth).status, 401);
    new_id(&server.post_json(
        "/api/incidents",
        &body,
        "Authorization: Bearer s3cret-token\r\n",
    ));
}

#[test]
fn an_open_server_with_api_tokens_still_guards_the_api() {
    let server = Server::start("api_tokens = [\"t0ken\"]\n");
    let body = serde_json::json!({"title": "T", "category": "spam"});
    assert_eq!(server.post_json("/api/incidents", &body, "").status, 401);
    new_id(&server.post_json("/api/incidents", &body, "Authorization: Bearer t0ken\r\n"));
    assert_eq!(server.get("/new", "").status, 200, "the form stays open");
}

#[test]
fn proxy_auth_trusts_the_header_only_from_trusted_proxies() {
    let server = Server::start("auth = \"proxy\"\nproxy_header = \"X-Forwarded-User\"\n");
    assert_eq!(server.get("/new", "").status, 401);
    let user = "X-Forwarded-User: carla\r\n";
    let token = server.csrf(user);
    let response = server.post_form(
        &token,
        &[("title", "Via proxy"), ("category", "spam")],
        user,
    );
    assert_eq!(response.status, 303);
    let id = response.header("location").unwrap()[4..].to_string();
    assert_eq!(server.incident(&id).opened_by.as_deref(), Some("carla"));
    let api = server.post_json(
        "/api/incidents",
        &serde_json::json!({"title": "T", "category": "spam"}),
        user,
    );
    new_id(&api);

    let untrusted = Server::start("auth = \"proxy\"\ntrusted_proxies = [\"10.9.9.9\"]\n");
    assert_eq!(
        untrusted.get("/new", "X-Remote-User: carla\r\n").status,
        403
    );
}

#[test]
fn too_many_submissions_from_one_client_get_429() {
    let server = Server::start_in(site("rate_limit = 3\n"));
    server.wait_for_page("index.html");
    let body = serde_json::json!({"title": "T", "category": "spam"});
    for _ in 0..3 {
        new_id(&server.post_json("/api/incidents", &body, ""));
    }
    let refused = server.post_json("/api/incidents", &body, "");
    assert_eq!(refused.status, 429);
    assert!(refused.header("retry-after").is_some());
    assert_eq!(
        server.get("/index.html", "").status,
        200,
        "reading is not limited"
    );
}

#[test]
fn a_burst_of_500_parallel_posts_gives_500_distinct_valid_files() {
    let server = Arc::new(Server::start(""));
    let barrier = Arc::new(Barrier::new(500));
    let threads: Vec<_> = (0..500)
        .map(|i| {
            let (server, barrier) = (Arc::clone(&server), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let body = serde_json::json!({"title": format!("Burst {i}"), "category": "spam"});
                barrier.wait();
                new_id(&server.post_json("/api/incidents", &body, ""))
            })
        })
        .collect();
    let ids: HashSet<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(ids.len(), 500);
    assert_eq!(server.incident_files().len(), 506);
    for id in &ids {
        assert!(server.incident(id).title.starts_with("Burst "));
    }
    server.check();
}

/// What `after` has more than `before`, which must be nothing but an insertion:
/// `before` split in two with new lines between.
fn insertion<'a>(before: &str, after: &'a str) -> &'a str {
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    assert!(prefix + suffix >= before.len(), "{after}");
    let at = before.len() - suffix.min(before.len());
    let inserted = &after[at..at + after.len() - before.len()];
    assert_eq!(
        format!("{}{inserted}{}", &before[..at], &before[at..]),
        after
    );
    inserted
}

#[test]
fn nuggets_are_added_leaving_the_rest_of_the_file_as_it_was() {
    let server = Server::start("");
    server.wait_for_page("index.html");
    let path = server.file_of("FIR-2024-0001");
    let before = std::fs::read_to_string(&path).unwrap();
    let raw = "Feb  3 14:02:11 fw01 DROP src=185.12.3.4\tdst=10.0.0.5 dpt=445\n  (second line)";
    let response = server.post_json(
        "/api/incidents/FIR-2024-0001/nuggets",
        &serde_json::json!({
            "raw": raw,
            "source": "Firewall",
            "interpretation": "The *same* address probed SMB.",
            "found_by": "Ana Silva",
            "start": "2024-02-03T14:02",
            "end": "2024-02-03 14:30:00",
        }),
        "",
    );
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(response.json()["nuggets"], 2);
    let after = std::fs::read_to_string(&path).unwrap();
    let inserted = insertion(&before, &after);
    assert!(inserted.contains("source: Firewall"), "{inserted}");
    let nugget = server.incident("FIR-2024-0001").nuggets.pop().unwrap();
    // The evidence is kept byte for byte, tabs, spaces and lines included.
    assert_eq!(nugget.raw, raw);
    assert_eq!(nugget.found_by.as_deref(), Some("Ana Silva"));
    assert_eq!(nugget.start.unwrap().to_string(), "2024-02-03T14:02:00");
    assert_eq!(nugget.end.unwrap().to_string(), "2024-02-03T14:30:00");
    assert!(nugget.date.is_some(), "a nugget is dated when it is added");
    // Its address is among the incident's artifacts at the next rebuild, as a nugget's
    // raw data is read for them.
    server.wait_until_served(
        "/incidents/FIR-2024-0001.html",
        "data-copy=\"185.12.3.4\"",
        true,
    );
    let check = common::run(server.root(), &["check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    // Each bad field is named; nothing is written.
    let response = server.post_json(
        "/api/incidents/FIR-2024-0001/nuggets",
        &serde_json::json!({"raw": " ", "start": "2024-02-03T15:00", "end": "2024-02-03T14:00", "date": "x"}),
        "",
    );
    assert_eq!(response.status, 422, "{}", response.text());
    let problems = response.problems();
    assert_eq!(
        problems,
        [
            ("date".to_string(), "unknown_field".to_string()),
            ("raw".to_string(), "required".to_string()),
            ("end".to_string(), "before_start".to_string()),
        ]
    );
    let bad_date = server.post_json(
        "/api/incidents/FIR-2024-0001/nuggets",
        &serde_json::json!({"raw": "x", "start": "yesterday"}),
        "",
    );
    assert_eq!(bad_date.status, 422, "{}", bad_date.text());
    assert!(bad_date.text().contains("\"start\""), "{}", bad_date.text());
    let missing = server.post_json(
        "/api/incidents/FIR-1999-0001/nuggets",
        &serde_json::json!({"raw": "x"}),
        "",
    );
    assert_eq!(missing.status, 404);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
}

#[test]
fn follow_up_tasks_are_added_leaving_the_rest_of_the_file_as_it_was() {
    let server = Server::start("");
    server.wait_for_page("index.html");
    let path = server.file_of("FIR-2024-0001");
    let before = std::fs::read_to_string(&path).unwrap();
    let response = server.post_json(
        "/api/incidents/FIR-2024-0001/todos",
        &serde_json::json!({"task": "Check the other branches' backups", "business_line": "Retail Banking", "deadline": "2024-07-01"}),
        "",
    );
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(response.json()["todos"], 4);
    assert!(
        response
            .header("location")
            .is_some_and(|l| l.ends_with("/incidents/FIR-2024-0001.html")),
        "{:?}",
        response.header("location")
    );
    let after = std::fs::read_to_string(&path).unwrap();
    let inserted = insertion(&before, &after);
    assert!(
        inserted.contains("task: Check the other branches' backups"),
        "{inserted}"
    );
    let todo = server.incident("FIR-2024-0001").todos.pop().unwrap();
    assert_eq!(todo.business_line.as_deref(), Some("Retail Banking"));
    assert_eq!(todo.deadline.unwrap().to_string(), "2024-07-01");
    assert!(!todo.done);
    // It reaches the tasks page at the next rebuild.
    server.wait_until_served("/tasks/", "Check the other branches", true);
    // Each bad field is named; nothing is written.
    let response = server.post_json(
        "/api/incidents/FIR-2024-0001/todos",
        &serde_json::json!({"task": "", "business_line": "Nowhere", "deadline": "next week", "owner": "x"}),
        "",
    );
    assert_eq!(response.status, 422, "{}", response.text());
    let problems = response.problems();
    for (field, problem) in [
        ("task", "required"),
        ("business_line", "not_allowed"),
        ("deadline", "not_a_date"),
        ("owner", "unknown_field"),
    ] {
        assert!(
            problems.contains(&(field.to_string(), problem.to_string())),
            "{field}: {problems:?}"
        );
    }
    let missing = server.post_json(
        "/api/incidents/FIR-1999-0001/todos",
        &serde_json::json!({"task": "x"}),
        "",
    );
    assert_eq!(missing.status, 404);
    assert_eq!(server.incident("FIR-2024-0001").todos.len(), 4);

    // Marked done: two lines added to that task, nothing else changed; it leaves the
    // tasks page.
    let before = std::fs::read_to_string(&path).unwrap();
    let done = server.post_json(
        "/api/incidents/FIR-2024-0001/todos/4/done",
        &serde_json::json!({}),
        "",
    );
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(done.json()["todo"], 4);
    let after = std::fs::read_to_string(&path).unwrap();
    let inserted = insertion(&before, &after);
    assert!(
        inserted.contains("done: true") && inserted.contains("done_at: "),
        "{inserted}"
    );
    let todo = &server.incident("FIR-2024-0001").todos[3];
    assert!(todo.done && todo.done_at.is_some());
    server.wait_until_served("/tasks/", "Check the other branches", false);
    // A task done already stays as it was; no such task is a 404; the body says nothing.
    let again = server.post_json(
        "/api/incidents/FIR-2024-0001/todos/3/done",
        &serde_json::json!({}),
        "",
    );
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
    for number in ["5", "0", "x"] {
        let response = server.post_json(
            &format!("/api/incidents/FIR-2024-0001/todos/{number}/done"),
            &serde_json::json!({}),
            "",
        );
        assert_eq!(response.status, 404, "{number}: {}", response.text());
    }
    let extra = server.post_json(
        "/api/incidents/FIR-2024-0001/todos/1/done",
        &serde_json::json!({"done_at": "2024-01-01"}),
        "",
    );
    assert_eq!(extra.status, 422, "{}", extra.text());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
    server.check();
}

/// The events a server's hook was told, a JSON line each, in a file of their own.
struct EventLog {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// A server whose hook appends every event it is told to an [`EventLog`].
fn server_with_event_log() -> (Server, EventLog) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let server = Server::start(&format!(
        "hook_command = [\"sh\", \"-c\", \"cat >> '{}'; echo >> '{}'\"]\n",
        path.display(),
        path.display()
    ));
    (server, EventLog { _dir: dir, path })
}

impl EventLog {
    /// The status changes logged so far, once one of them is `awaited` (10 s at most).
    fn status_changes(
        &self,
        awaited: impl Fn(&serde_json::Value) -> bool,
    ) -> Vec<serde_json::Value> {
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&self.path).unwrap_or_default();
            let changes: Vec<serde_json::Value> = text
                .lines()
                .filter(|l| l.contains("status_changed"))
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            if changes.iter().any(&awaited) {
                return changes;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no hook event");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn a_status_spelt_another_way_is_no_status_change() {
    let (server, events) = server_with_event_log();
    let path = server.file_of("FIR-2024-0003");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\nstatus: open\n"), "{text}");
    std::fs::write(&path, text.replace("\nstatus: open\n", "\nstatus: Open\n")).unwrap();
    for status in ["open", "blocked"] {
        let response = server.post_json(
            "/api/incidents/FIR-2024-0003/timeline",
            &serde_json::json!({"action": "info", "text": "Checked.", "status": status}),
            "",
        );
        assert_eq!(response.status, 201, "{}", response.text());
    }
    // Events go out in order: once the real change is told, a false one would be too.
    let changes = events.status_changes(|e| e["status"] == "blocked");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["previous_status"], "open");
    server.check();
}

#[test]
fn timeline_entries_are_appended_leaving_the_rest_of_the_file_as_it_was() {
    let (server, events) = server_with_event_log();
    let path = server.file_of("FIR-2024-0003");
    let before = std::fs::read_to_string(&path).unwrap();
    let response = server.post_json(
        "/api/incidents/FIR-2024-0003/timeline",
        &serde_json::json!({"action": "investigation", "text": "Called the user.\n---\nstatus: closed", "author": "Ben"}),
        "",
    );
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(response.json()["timeline"], 2);
    let after = std::fs::read_to_string(&path).unwrap();
    let inserted = insertion(&before, &after);
    assert!(inserted.contains("action: investigation"), "{inserted}");
    let incident = server.incident("FIR-2024-0003");
    assert_eq!(
        incident.timeline[1].text,
        "Called the user.\n---\nstatus: closed"
    );
    assert_eq!(incident.status, "open");

    // A status change edits the status line and tells the hook.
    let response = server.post_json(
        "/api/incidents/FIR-2024-0003/timeline",
        &serde_json::json!({"action": "block", "text": "Waiting for the host.", "status": "blocked"}),
        "",
    );
    assert_eq!(response.status, 201);
    assert_eq!(server.incident("FIR-2024-0003").status, "blocked");
    let event = events.status_changes(|_| true).remove(0);
    assert_eq!(event["id"], "FIR-2024-0003");
    assert_eq!(event["previous_status"], "open");
    assert_eq!(event["status"], "blocked");

    // A requalification: the severity, category and TLP lines alone are replaced
    // (the values given by label are stored by slug), with the entry that says why.
    let before = std::fs::read_to_string(&path).unwrap();
    let response = server.post_json(
        "/api/incidents/FIR-2024-0003/timeline",
        &serde_json::json!({"action": "investigation", "text": "Customer data seen leaving.", "severity": "Critical", "category": "Data leak", "tlp": "red"}),
        "",
    );
    assert_eq!(response.status, 201, "{}", response.text());
    let answer = response.json();
    assert_eq!(
        (&answer["severity"], &answer["category"], &answer["tlp"]),
        (
            &serde_json::json!(4),
            &serde_json::json!("data-leak"),
            &serde_json::json!("RED")
        )
    );
    let after = std::fs::read_to_string(&path).unwrap();
    let expected = before
        .replace("\nseverity: 2\n", "\nseverity: 4\n")
        .replace(
            "\ncategory: <script>alert(\"category\")</script>\n",
            "\ncategory: data-leak\n",
        )
        .replace("\ntlp: CLEAR\n", "\ntlp: RED\n");
    insertion(&expected, &after);
    // Handed to another actor under a plan: the actor's line is replaced, the plan's
    // (the file has none) added after it, where the writer puts it.
    let before = after;
    let response = server.post_json(
        "/api/incidents/FIR-2024-0003/timeline",
        &serde_json::json!({"action": "info", "text": "Handed to the SOC.", "actor": "SOC", "plan": "Crisis", "date": "2024-04-03T08:00:00Z"}),
        "",
    );
    assert_eq!(response.status, 201, "{}", response.text());
    // Written down afterwards: the entry has the date it was given.
    let handed = server.incident("FIR-2024-0003").timeline.pop().unwrap();
    assert_eq!(handed.date.to_string(), "2024-04-03T08:00:00Z");
    let after = std::fs::read_to_string(&path).unwrap();
    let expected = before.replace("\nactor: cert\n", "\nactor: soc\nplan: crisis\n");
    insertion(&expected, &after);
    let bad = server.post_json(
        "/api/incidents/FIR-2024-0003/timeline",
        &serde_json::json!({"action": "info", "text": "x", "severity": "9", "tlp": "PURPLE", "actor": "nobody", "date": "soon"}),
        "",
    );
    assert_eq!(bad.status, 422);
    let problems = bad.problems();
    assert_eq!(
        problems,
        [
            ("date".to_string(), "not_a_date".to_string()),
            ("severity".to_string(), "not_allowed".to_string()),
            ("tlp".to_string(), "not_allowed".to_string()),
            ("actor".to_string(), "not_allowed".to_string())
        ]
    );

    // Closing records the close date (that of the closing entry), so `fir check` stays
    // quiet about a final status without one. The date's line is added, then removed
    // on reopening: an analyst's comments in the file stay.
    let commented = std::fs::read_to_string(&path).unwrap().replace(
        "\ntlp: RED\n",
        "\ntlp: RED # raised after the leak\n# keep: owner asked\n",
    );
    std::fs::write(&path, &commented).unwrap();
    let response = server.post_json(
        "/api/incidents/FIR-2024-0003/timeline",
        &serde_json::json!({"action": "close", "text": "Host cleaned.", "status": "closed"}),
        "",
    );
    assert_eq!(response.status, 201, "{}", response.text());
    let closed = server.incident("FIR-2024-0003");
    assert_eq!(closed.status, "closed");
    let close_date = closed.timeline.last().unwrap().date;
    assert_eq!(closed.closed, Some(close_date));
    let after = std::fs::read_to_string(&path).unwrap();
    // The date goes where the writer puts it, after `opened_by`.
    let with_date = commented
        .replace("\nstatus: blocked\n", "\nstatus: closed\n")
        .replace("\ntags: ", &format!("\nclosed: {close_date}\ntags: "));
    assert!(insertion(&with_date, &after).contains("action: close"));
    // Reopened, it has no close date; closed again, the new one.
    for (action, status) in [("open", "open"), ("close", "closed")] {
        let response = server.post_json(
            "/api/incidents/FIR-2024-0003/timeline",
            &serde_json::json!({"action": action, "text": "Again.", "status": status}),
            "",
        );
        assert_eq!(response.status, 201, "{}", response.text());
        let incident = server.incident("FIR-2024-0003");
        let last = incident.timeline.last().unwrap().date;
        let expected = (status == "closed").then_some(last);
        assert_eq!(incident.closed, expected, "{status}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\ntlp: RED # raised after the leak\n# keep: owner asked\n"));
        assert_eq!(
            text.matches("\nclosed: ").count(),
            usize::from(status == "closed")
        );
    }

    let missing = server.post_json(
        "/api/incidents/FIR-1999-0001/timeline",
        &serde_json::json!({"action": "info", "text": "x"}),
        "",
    );
    assert_eq!(missing.status, 404);
    let bad = server.post_json(
        "/api/incidents/FIR-2024-0003/timeline",
        &serde_json::json!({"action": "dance", "text": "x"}),
        "",
    );
    assert_eq!(bad.status, 422);
    server.check();
}

#[test]
fn the_site_is_served_read_only_without_traversal_or_listings() {
    let server = Server::start("");
    server.wait_for_page("index.html");
    std::fs::write(server.root().join("secret.txt"), "TOP SECRET").unwrap();
    let not_found = std::fs::read_to_string(server.root().join("site/404.html")).unwrap();
    for path in [
        "/../secret.txt",
        "/../fir.toml",
        "/%2e%2e/secret.txt",
        "/static/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/.fir-build",
        "/%00",
    ] {
        let response = server.get(path, "");
        assert!(
            matches!(response.status, 400 | 404),
            "{path}: {}",
            response.status
        );
        assert!(!response.text().contains("TOP SECRET"));
        // Nothing but the site's own page for a missing file.
        if response.text().contains("CERT Fixture") {
            assert_eq!(response.text(), not_found, "{path}");
        }
    }
    // A missing page gets that page, as HTML, with a 404.
    let missing = server.get("/incidents/FIR-1999-0001.html", "");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(missing.text(), not_found);
    assert!(not_found.contains("<h1>Page not found</h1>"), "{not_found}");
    // A directory without index page: no listing.
    std::fs::create_dir_all(server.root().join("site/empty")).unwrap();
    std::fs::write(server.root().join("site/empty/a.txt"), "a").unwrap();
    let listing = server.get("/empty/", "");
    assert_eq!(listing.status, 404);
    assert!(!listing.text().contains("a.txt"));
    // Directories redirect to their slash form, then serve their index page.
    assert_eq!(server.get("/list", "").status, 301);
    assert_eq!(server.get("/list/", "").status, 200);
    // Writes to the site are not allowed.
    assert_eq!(
        server.post("/index.html", "text/plain", "", b"x").status,
        405
    );
}

#[test]
fn static_files_have_types_validators_and_gzip() {
    let server = Server::start("");
    server.wait_for_page("index.html");
    let page = server.get("/index.html", "");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        server.get("/static/fir.css", "").header("content-type"),
        Some("text/css; charset=utf-8")
    );
    let etag = page.header("etag").unwrap().to_string();
    let last_modified = page.header("last-modified").unwrap().to_string();
    let again = server.get("/index.html", &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let since = server.get(
        "/index.html",
        &format!("If-Modified-Since: {last_modified}\r\n"),
    );
    assert_eq!(since.status, 304);
    let gzipped = server.get("/index.html", "Accept-Encoding: gzip, br\r\n");
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(gzipped.body.as_slice())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, page.body);
    assert_ne!(gzipped.header("etag").unwrap(), etag);
    // Compressed bodies are kept: the same bytes again, and a file written anew is
    // compressed anew, never answered from the entry of its old bytes.
    let cached = server.get("/index.html", "Accept-Encoding: gzip\r\n");
    assert!(cached.body == gzipped.body);
    let changed = String::from_utf8(page.body.clone())
        .unwrap()
        .replace("</body>", "<p>Changed.</p></body>");
    std::fs::write(server.root().join("site/index.html"), &changed).unwrap();
    let fresh = server.get("/index.html", "Accept-Encoding: gzip\r\n");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(fresh.body.as_slice())
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, changed);
    // Big files are streamed, whole.
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(server.root().join("site/big.bin"), &big).unwrap();
    let streamed = server.get("/big.bin", "Accept-Encoding: gzip\r\n");
    assert_eq!(streamed.status, 200);
    assert_eq!(
        streamed.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(streamed.body == big, "{} bytes", streamed.body.len());
}

#[test]
fn slow_clients_are_cut_off() {
    let server = Server::start("read_timeout = 1\n");
    // Headers that never end.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    let mut buffer = Vec::new();
    let _ = stream.read_to_end(&mut buffer);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "closed by the server"
    );
    // A body that never comes.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"POST /api/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ti")
        .unwrap();
    let mut buffer = Vec::new();
    let _ = stream.read_to_end(&mut buffer);
    assert!(
        String::from_utf8_lossy(&buffer).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&buffer)
    );
}

#[test]
fn acknowledged_submissions_survive_kill_9() {
    let mut server = Server::start("");
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let port = server.port;
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let acknowledged = Arc::clone(&acknowledged);
            std::thread::spawn(move || {
                for i in 0.. {
                    let body = serde_json::json!({"title": format!("Writer {w} #{i}"), "category": "spam"}).to_string();
                    let request = format!(
                        "POST /api/incidents HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    match try_send(port, request.as_bytes()) {
                        Ok(response) if response.status == 201 => {
                            let id = response.json()["id"].as_str().unwrap().to_string();
                            acknowledged.lock().unwrap().push(id);
                        }
                        _ => break,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for writer in writers {
        writer.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "only {} writes",
        acknowledged.len()
    );
    for id in &acknowledged {
        let incident = server.incident(id);
        assert!(incident.title.starts_with("Writer "), "{id}");
    }
    // No partial or empty incident file, acknowledged or not.
    for path in server.incident_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    server.check();
    // A restarted server carries on with fresh ids.
    let root = std::mem::replace(&mut server.root, tempfile::tempdir().unwrap());
    let restarted = Server::start_in(root);
    let id = new_id(&restarted.post_json(
        "/api/incidents",
        &serde_json::json!({"title": "After restart", "category": "spam"}),
        "",
    ));
    assert!(!acknowledged.contains(&id));
}

#[test]
fn sigterm_finishes_requests_in_flight_then_exits() {
    let mut server = Server::start("");
    let port = server.port;
    let barrier = Arc::new(Barrier::new(21));
    let clients: Vec<_> = (0..20)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let body = serde_json::json!({"title": format!("In flight {i}"), "category": "spam"}).to_string();
                let request = format!(
                    "POST /api/incidents HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                barrier.wait();
                try_send(port, request.as_bytes()).ok()
            })
        })
        .collect();
    barrier.wait();
    std::thread::sleep(Duration::from_millis(20));
    server.terminate();
    let mut answered = 0;
    for client in clients {
        if let Some(response) = client.join().unwrap() {
            let id = new_id(&response);
            server.incident(&id);
            answered += 1;
        }
    }
    let status = server.child.wait().unwrap();
    assert!(status.success(), "clean exit: {status}");
    assert!(answered > 0);
}

/// The server writes the build cache when idle (not during a rebuild), so a later
/// `fir build` carries on incrementally from what the server published.
#[test]
fn the_build_cache_is_saved_when_idle_for_the_next_build() {
    let mut server = Server::start("");
    let id = new_id(&server.post_json(
        "/api/incidents",
        &serde_json::json!({"title": "Cached later", "category": "spam"}),
        "",
    ));
    server.wait_for_page(&format!("incidents/{id}.html"));
    std::thread::sleep(Duration::from_millis(1500));
    server.terminate();
    assert!(server.child.wait().unwrap().success());
    let out = common::run(server.root(), &["build"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        report.starts_with("updated") && report.contains(" 0 written"),
        "{report}"
    );
}

#[test]
fn new_incidents_are_posted_to_the_webhook_after_the_response() {
    let hook = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/fir", hook.local_addr().unwrap());
    let server = Server::start(&format!("webhook = \"{url}\"\n"));
    let id = new_id(&server.post_json(
        "/api/incidents",
        &serde_json::json!({"title": "Hooked", "category": "spam"}),
        "",
    ));
    let (mut stream, _) = hook.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0; 4096];
    let request = loop {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "the webhook request ended early");
        raw.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if body.len() >= length {
                break text;
            }
        }
    };
    stream
        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(
        request.starts_with("POST /hooks/fir HTTP/1.1\r\n"),
        "{request}"
    );
    let event: serde_json::Value =
        serde_json::from_str(request.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(event["event"], "incident.created");
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event["title"], "Hooked");
    assert_eq!(
        event["url"],
        format!("https://cert.example.internal/fir/incidents/{id}.html")
    );
}

#[test]
fn ids_stay_unique_with_fir_new_and_a_second_server_on_the_same_content() {
    let first = Arc::new(Server::start(""));
    // A second server on the same directory (its own temp dir is only a holder).
    let second = Server::start_in({
        let holder = tempfile::tempdir().unwrap();
        common::copy_tree(first.root(), holder.path());
        std::fs::remove_dir_all(holder.path().join("content")).unwrap();
        std::os::unix::fs::symlink(first.root().join("content"), holder.path().join("content"))
            .unwrap();
        holder
    });
    let second = Arc::new(second);
    let mut threads = Vec::new();
    for i in 0..60 {
        let server = Arc::clone(if i % 2 == 0 { &first } else { &second });
        threads.push(std::thread::spawn(move || {
            let body = serde_json::json!({"title": format!("Served {i}"), "category": "spam"});
            new_id(&server.post_json("/api/incidents", &body, ""))
        }));
    }
    let root = first.root().to_path_buf();
    let cli = std::thread::spawn(move || {
        (0..10)
            .map(|i| {
                let output = common::run(&root, &["new", "--title", &format!("Cli {i}")]);
                assert!(output.status.success());
                let path = String::from_utf8(output.stdout).unwrap();
                Path::new(path.trim())
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect::<Vec<_>>()
    });
    let mut ids: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    ids.extend(cli.join().unwrap());
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 70, "{ids:?}");
    assert_eq!(first.incident_files().len(), 76);
    first.check();
}

#[test]
fn files_changed_outside_the_server_are_published_at_the_next_look() {
    let server = Server::start("rescan = 1\n");
    server.wait_for_page("index.html");
    // An analyst's new file, and an edit to another (a `git pull` does both).
    let added = server
        .root()
        .join("content/incidents/2024/FIR-2024-0042.md");
    std::fs::write(
        &added,
        "---\nid: FIR-2024-0042\ntitle: Written by hand\ndate: 2024-06-03T10:00:00Z\ncategory: phishing\nseverity: 2\nstatus: open\ntlp: GREEN\n---\nNot through the form.\n",
    )
    .unwrap();
    let edited = server.file_of("FIR-2024-0004");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(
        &edited,
        text.replace(
            "Port scan from a partner network",
            "Port scan, edited by hand",
        ),
    )
    .unwrap();
    let page = server.wait_for_page("incidents/FIR-2024-0042.html");
    assert!(page.contains("Not through the form."), "{page}");
    server.wait_until_served("/list/", "Port scan, edited by hand", true);
    // A broken file leaves the site as it was; fixed, it is published.
    std::fs::write(&added, "---\nid: FIR-2024-0042\ntitle: [broken\n---\n").unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        server
            .get("/incidents/FIR-2024-0042.html", "")
            .text()
            .contains("Written by hand")
    );
    std::fs::write(
        &added,
        "---\nid: FIR-2024-0042\ntitle: Fixed by hand\ndate: 2024-06-03T10:00:00Z\ncategory: phishing\nseverity: 2\nstatus: open\ntlp: GREEN\n---\nFixed.\n",
    )
    .unwrap();
    server.wait_until_served("/incidents/FIR-2024-0042.html", "Fixed by hand", true);
}
