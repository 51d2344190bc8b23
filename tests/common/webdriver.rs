//! Browser tests: a minimal W3C WebDriver client for chromedriver and headless
//! Chromium (a few JSON calls over a blocking HTTP/1.1 connection), and a tiny static
//! file server. Opt in with `FIR_BROWSER_TESTS=1`; once opted in, a missing browser
//! or driver fails the test instead of skipping it.
//!
//! Every session logs the browser's network requests (Chromium's performance log):
//! each [`Browser::goto`] and the end of the session fail the test if a page asked for
//! anything but loopback, `file:`, `data:` or `blob:` URLs. Intranets are offline.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Chromium without a screen, a first-run page or any traffic of its own: the tests see
/// only what the pages load.
pub const HEADLESS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// True when browser tests were asked for (`FIR_BROWSER_TESTS=1`).
pub fn enabled() -> bool {
    std::env::var("FIR_BROWSER_TESTS").is_ok_and(|v| v == "1")
}

fn first_existing(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// One HTTP request; the answer's status and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// A chromedriver process with one headless Chromium session.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
    /// Every URL the pages asked for so far, in order.
    requested: RefCell<Vec<String>>,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with an empty profile; panics with
    /// the reason when it cannot (the caller opted in).
    pub fn start() -> Browser {
        let chromium = first_existing(&["/usr/lib/chromium/chromium", "/usr/bin/chromium"])
            .expect("FIR_BROWSER_TESTS=1 but no Chromium at /usr/bin/chromium");
        let chromedriver = first_existing(&["/usr/bin/chromedriver"])
            .expect("FIR_BROWSER_TESTS=1 but no chromedriver at /usr/bin/chromedriver");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let started = Instant::now();
        while http(port, "GET", "/status", None).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = HEADLESS.iter().map(|a| a.to_string()).collect();
        args.extend([
            "--disable-quic".to_string(),
            "--disable-dev-shm-usage".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
        ]);
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"performance": "ALL", "browser": "ALL"},
        }}});
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
            requested: RefCell::new(Vec::new()),
        };
        let created = browser.call("POST", "/session", Some(&capabilities));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        browser
    }

    /// A WebDriver command; its `value`. Panics on an error answer.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|(status, value)| panic!("{method} {path}: HTTP {status}: {value}"))
    }

    /// A WebDriver command; its `value`, or the HTTP status and error value.
    fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, (u16, Value)> {
        let (status, text) =
            http(self.port, method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
        if status < 300 {
            Ok(value["value"].clone())
        } else {
            Err((status, value["value"].clone()))
        }
    }

    fn session_call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Resizes the browser window (CSS pixels), e.g. to a phone's width.
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.session_call(
            "POST",
            "/window/rect",
            Some(&json!({"width": width, "height": height})),
        );
    }

    /// Opens `url`, after checking that the page before it stayed on this machine.
    pub fn goto(&self, url: &str) {
        self.assert_requests_stay_local();
        self.session_call("POST", "/url", Some(&json!({ "url": url })));
    }

    /// The URL of the page shown.
    pub fn url(&self) -> String {
        self.session_call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The text of the open alert, confirm or prompt dialog, if any.
    pub fn alert_text(&self) -> Option<String> {
        let path = format!("/session/{}/alert/text", self.session);
        match self.try_call("GET", &path, None) {
            Ok(text) => Some(text.as_str().unwrap_or_default().to_string()),
            Err((_, error)) if error["error"] == "no such alert" => None,
            Err((status, error)) => panic!("GET {path}: HTTP {status}: {error}"),
        }
    }

    /// The entries of one of the driver's logs (`performance`, `browser`) since the
    /// last call: reading a log empties it.
    fn log(&self, kind: &str) -> Vec<Value> {
        let entries = self.session_call("POST", "/se/log", Some(&json!({ "type": kind })));
        entries.as_array().cloned().unwrap_or_default()
    }

    /// Console messages of level SEVERE (errors, uncaught exceptions, failed loads)
    /// since the last call.
    pub fn console_errors(&self) -> Vec<String> {
        self.log("browser")
            .into_iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Reads the performance log and panics if a page asked for a URL off this
    /// machine; the URLs are kept for [`Browser::requested`].
    pub fn assert_requests_stay_local(&self) {
        let external = self.new_external_requests();
        assert!(
            external.is_empty(),
            "the browser asked for URLs off this machine: {external:#?}"
        );
    }

    /// Reads the performance log, keeps its URLs, and returns those off this machine.
    fn new_external_requests(&self) -> Vec<String> {
        let mut urls = Vec::new();
        for entry in self.log("performance") {
            let Some(text) = entry["message"].as_str() else {
                continue;
            };
            let message: Value = serde_json::from_str(text).unwrap_or_default();
            let params = &message["message"]["params"];
            let url = match message["message"]["method"].as_str() {
                Some("Network.requestWillBeSent") => &params["request"]["url"],
                Some("Network.webSocketCreated") => &params["url"],
                _ => continue,
            };
            if let Some(url) = url.as_str() {
                urls.push(url.to_string());
            }
        }
        let external = urls.iter().filter(|u| !is_local(u)).cloned().collect();
        self.requested.borrow_mut().extend(urls);
        external
    }

    /// Every URL the pages asked for so far (as of the last check).
    pub fn requested(&self) -> Vec<String> {
        self.assert_requests_stay_local();
        self.requested.borrow().clone()
    }

    /// The id of the first element matching a CSS selector.
    pub fn find(&self, css: &str) -> String {
        let found = self.session_call(
            "POST",
            "/element",
            Some(&json!({"using": "css selector", "value": css})),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: no element in {found}"))
            .to_string()
    }

    /// Types into an element (`\u{E007}` is Enter).
    pub fn type_into(&self, element: &str, text: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({ "text": text })),
        );
    }

    pub fn clear(&self, element: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(&json!({})),
        );
    }

    pub fn click(&self, element: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    /// Runs a script (`return …`) in the page.
    pub fn run(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
    }

    /// Polls `script` until `done` accepts its value; panics with the last value after
    /// `timeout`.
    pub fn wait_for(
        &self,
        script: &str,
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        loop {
            let value = self.run(script);
            if done(&value) {
                return value;
            }
            assert!(
                started.elapsed() < timeout,
                "timed out waiting on `{script}`; last value: {value}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// True for URLs that stay on this machine: loopback hosts, `file:`, `data:`, `blob:`,
/// `about:` and the browser's own bundled pages (`chrome:`, e.g. its start page).
pub fn is_local(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    match scheme.to_ascii_lowercase().as_str() {
        "file" | "data" | "blob" | "about" | "chrome" | "chrome-untrusted" => true,
        "http" | "https" | "ws" | "wss" => {
            let Some(rest) = rest.strip_prefix("//") else {
                return false;
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit('@').next().unwrap_or_default();
            let host = if let Some(v6) = host_port.strip_prefix('[') {
                v6.split(']').next().unwrap_or_default()
            } else {
                host_port.split(':').next().unwrap_or_default()
            };
            matches!(
                host.to_ascii_lowercase().as_str(),
                "127.0.0.1" | "localhost" | "::1"
            )
        }
        _ => false,
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The last page's requests, unless the test already failed.
        let external = if self.session.is_empty() || std::thread::panicking() {
            Vec::new()
        } else {
            self.new_external_requests()
        };
        if !self.session.is_empty() {
            let _ = http(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        assert!(
            external.is_empty(),
            "the browser asked for URLs off this machine: {external:#?}"
        );
    }
}

/// Serves the files under `root` over HTTP on a free local port, from a thread, for
/// as long as the test runs. Returns the base URL (`http://127.0.0.1:PORT/`).
pub fn serve(root: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().unwrap().port();
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || answer(stream, &root));
        }
    });
    format!("http://127.0.0.1:{port}/")
}

fn answer(mut stream: TcpStream, root: &Path) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut file = root.join(path.trim_start_matches('/'));
    if file.is_dir() {
        file = file.join("index.html");
    }
    let inside = !path.split('/').any(|segment| segment == "..");
    let (status, body) = match std::fs::read(&file) {
        Ok(bytes) if inside => ("200 OK", bytes),
        _ => ("404 Not Found", b"not found".to_vec()),
    };
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}
