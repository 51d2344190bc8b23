//! Work done after a response, never before it: rebuilding the site and running hooks.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest pause between two rebuilds beyond the configured delay.
const MAX_PAUSE: Duration = Duration::from_secs(1);
/// How long without submissions before the build cache is written.
const SAVE_WHEN_IDLE: Duration = Duration::from_millis(500);

use serde::Serialize;

use crate::site::{BuildOptions, Site};

/// Rebuilds the site on its own thread after incident files change: those the server
/// wrote, and, every `rescan` when idle, any others found in the content directory
/// (an analyst's edit, a `git pull`). Changes that arrive while it builds or waits
/// (`delay`; under a stream of submissions, also as long as the last rebuild took, up
/// to a second, less the time since it ended) are gathered into one rebuild, so a
/// burst of submissions costs a few rebuilds, not one each.
#[derive(Debug)]
pub struct Rebuilder {
    sender: Mutex<Option<mpsc::Sender<PathBuf>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Rebuilder {
    /// Starts the thread; it first brings the site up to date with a normal build.
    pub fn start(root: &Path, delay: Duration, rescan: Option<Duration>) -> Rebuilder {
        let (sender, receiver) = mpsc::channel::<PathBuf>();
        let root = root.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("fir-rebuild".into())
            .spawn(move || {
                let options = BuildOptions {
                    defer_cache_save: true,
                    publish_changed_first: true,
                    ..BuildOptions::default()
                };
                let mut site = match Site::load(&root, options) {
                    Ok(site) => site,
                    Err(error) => {
                        tracing::error!("the site cannot be built, no rebuilds: {error}");
                        return;
                    }
                };
                match site.build() {
                    Ok(report) => tracing::info!("{report}"),
                    Err(error) => tracing::error!("build failed: {error}"),
                }
                let (mut last, mut ended) = (Duration::ZERO, Instant::now());
                // The build cache is written when no submission waits (it only
                // matters to the next start), and before the thread ends.
                let save = |site: &mut Site| {
                    if let Err(error) = site.save_cache() {
                        tracing::error!("the build cache cannot be saved: {error}");
                    }
                };
                save(&mut site);
                site.prepare_updates();
                site.copy_ahead();
                let (mut scanned, mut scan_failed) = (Instant::now(), None);
                // A change that arrived while the last rebuild ran.
                let mut waiting: Option<PathBuf> = None;
                loop {
                    let (first, streaming) = match waiting.take() {
                        Some(first) => (first, true),
                        None => match receiver.recv_timeout(SAVE_WHEN_IDLE) {
                            Ok(first) => (first, false),
                            Err(mpsc::RecvTimeoutError::Timeout) => {
                                if rescan.is_some_and(|every| scanned.elapsed() >= every) {
                                    rescan_content(&mut site, &mut scan_failed);
                                    scanned = Instant::now();
                                }
                                save(&mut site);
                                continue;
                            }
                            Err(mpsc::RecvTimeoutError::Disconnected) => break,
                        },
                    };
                    // Under a stream of submissions (one came in during the last
                    // rebuild), rebuilding at most about half the time leaves CPU to
                    // the requests; the pause is capped so that on a big site a
                    // submission still shows soon after its rebuild. A submission
                    // after a quiet spell is rebuilt at once.
                    let rest = if streaming {
                        last.min(MAX_PAUSE).saturating_sub(ended.elapsed())
                    } else {
                        Duration::ZERO
                    };
                    std::thread::sleep(delay.max(rest));
                    let mut changed = vec![first];
                    changed.extend(receiver.try_iter());
                    changed.sort();
                    changed.dedup();
                    let started = Instant::now();
                    match site.rebuild(&changed) {
                        Ok(report) => tracing::info!("{report}"),
                        Err(error) => tracing::error!("rebuild failed: {error}"),
                    }
                    (last, ended) = (started.elapsed(), Instant::now());
                    waiting = receiver.try_recv().ok();
                }
                save(&mut site);
            })
            .expect("a thread can be started");
        Rebuilder {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
        }
    }

    /// Queues a rebuild for a written file; returns at once.
    pub fn changed(&self, path: PathBuf) {
        if let Some(sender) = self
            .sender
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            let _ = sender.send(path);
        }
    }

    /// Lets the pending rebuild finish, then stops the thread.
    pub fn finish(&self) {
        self.sender.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

/// Brings the site up to date with files changed by something other than the server;
/// a look at every file's size and time, no more, when nothing changed. A failure is
/// logged once, not at every look, until it changes or goes (`failed` keeps it).
fn rescan_content(site: &mut Site, failed: &mut Option<String>) {
    match site.build() {
        Ok(report) => {
            if report.written > 0 || report.removed > 0 {
                tracing::info!("files changed outside the server: {report}");
                site.prepare_updates();
            }
            *failed = None;
        }
        Err(error) => {
            let message = error.to_string();
            if failed.as_deref() != Some(message.as_str()) {
                tracing::error!("rebuild after files changed outside the server failed: {message}");
            }
            *failed = Some(message);
        }
    }
}

/// What hooks are told, as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// `incident.created` or `incident.status_changed`.
    pub event: &'static str,
    pub id: String,
    pub title: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<String>,
    /// The incident's page, from the site's `base_url`.
    pub url: String,
}

/// Runs the hook command and posts the webhook for each event, one event at a time
/// on a background task. Events beyond a full queue are dropped with a warning rather
/// than slowing submissions down.
#[derive(Debug, Clone)]
pub struct Hooks {
    sender: Option<tokio::sync::mpsc::Sender<Event>>,
}

impl Hooks {
    /// Starts the hook task (on the current runtime) if any hook is configured.
    pub fn start(command: Vec<String>, webhook: Option<String>) -> Hooks {
        if command.is_empty() && webhook.is_none() {
            return Hooks { sender: None };
        }
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Event>(1024);
        tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                let json = serde_json::to_vec(&event).expect("events serialise");
                if !command.is_empty() {
                    let (command, json) = (command.clone(), json.clone());
                    let ran =
                        tokio::task::spawn_blocking(move || run_command(&command, &json)).await;
                    if let Ok(Err(error)) = ran {
                        tracing::warn!("hook command failed for {}: {error}", event.id);
                    }
                }
                if let Some(url) = &webhook {
                    let posted =
                        tokio::time::timeout(Duration::from_secs(10), post(url, json)).await;
                    match posted {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => {
                            tracing::warn!("webhook failed for {}: {error}", event.id)
                        }
                        Err(_) => tracing::warn!("webhook timed out for {}", event.id),
                    }
                }
            }
        });
        Hooks {
            sender: Some(sender),
        }
    }

    /// Queues `event`; never waits.
    pub fn send(&self, event: Event) {
        if let Some(sender) = &self.sender
            && sender.try_send(event).is_err()
        {
            tracing::warn!("hook queue full: event dropped");
        }
    }
}

/// Runs the hook command with the event on its standard input and `FIR_EVENT` set.
fn run_command(command: &[String], json: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let event: serde_json::Value = serde_json::from_slice(json)?;
    let mut child = std::process::Command::new(&command[0])
        .args(&command[1..])
        .env("FIR_EVENT", event["event"].as_str().unwrap_or_default())
        .env("FIR_ID", event["id"].as_str().unwrap_or_default())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(json);
    }
    let status = child.wait()?;
    anyhow::ensure!(status.success(), "{} exited with {status}", command[0]);
    Ok(())
}

/// POSTs `json` to a plain `http://` URL (webhooks are internal services).
async fn post(url: &str, json: Vec<u8>) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let uri: hyper::Uri = url.parse().context("invalid webhook URL")?;
    anyhow::ensure!(
        uri.scheme_str() == Some("http"),
        "only http:// webhooks are supported"
    );
    let host = uri.host().context("webhook URL without host")?;
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host, port)).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let request = hyper::Request::post(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(
            hyper::header::USER_AGENT,
            concat!("fir/", env!("CARGO_PKG_VERSION")),
        )
        .body(http_body_util::Full::new(hyper::body::Bytes::from(json)))?;
    let response = sender.send_request(request).await?;
    anyhow::ensure!(
        response.status().is_success(),
        "the webhook answered {}",
        response.status()
    );
    Ok(())
}
