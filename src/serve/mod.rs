//! `fir serve`: the built site, an intake form and a JSON API in one small server.
//!
//! One module per job: [`files`] serves the site read-only, `form` and `api` take
//! submissions, `guard` decides who may do what (auth, CSRF, origin, rate), `worker`
//! rebuilds the site and runs hooks in the background. New files go through
//! [`crate::store::Creator`], so they are on disk, synced, before any 2xx is sent.

// Refusals travel as `Err(Response)`: built once per refused request, never hot.
#![allow(clippy::result_large_err)]

mod api;
pub mod files;
mod form;
mod guard;
mod http;
mod worker;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::config::Config;
use crate::incident::{DateTime, Incident};
use crate::render::Renderer;
use crate::store::Creator;
use http::Body;

/// Writes running at once; more wait (each holds a blocking thread).
const WRITERS: usize = 64;
/// How long shutdown waits for open connections to finish their requests.
const DRAIN: Duration = Duration::from_secs(30);

/// Everything a request handler needs, shared by all connections.
#[derive(Debug)]
pub struct App {
    root: PathBuf,
    site: PathBuf,
    config: Config,
    renderer: Renderer,
    creator: Creator,
    limiter: guard::RateLimiter,
    rebuilder: worker::Rebuilder,
    hooks: worker::Hooks,
    /// Timeline edits are read-modify-write: one at a time.
    edits: std::sync::Mutex<()>,
    writers: Semaphore,
    gzipped: files::GzipCache,
}

impl App {
    /// Loads the site at `root` and starts the rebuild thread and the hook task
    /// (call from inside the runtime).
    pub fn load(root: &Path) -> anyhow::Result<App> {
        let root = root
            .canonicalize()
            .with_context(|| format!("site root {}", root.display()))?;
        let config = Config::load(&root).context("invalid site configuration")?;
        let renderer = crate::site::page_renderer(&root, &config, None, &config.base_url)
            .context("loading the theme")?;
        let site = root.join("site");
        std::fs::create_dir_all(&site).with_context(|| site.display().to_string())?;
        let site = site.canonicalize()?;
        let creator = Creator::new(&root, &config);
        // Read the ids on disk now rather than during the first submission.
        let year = DateTime::now(config.tz()).civil().year();
        creator.reserve_warm(year)?;
        let serve = &config.serve;
        Ok(App {
            limiter: guard::RateLimiter::new(serve.rate_limit),
            rebuilder: worker::Rebuilder::start(
                &root,
                Duration::from_millis(serve.rebuild_delay),
                (serve.rescan > 0).then(|| Duration::from_secs(serve.rescan)),
            ),
            hooks: worker::Hooks::start(serve.hook_command.clone(), serve.webhook.clone()),
            root,
            site,
            renderer,
            creator,
            config,
            edits: std::sync::Mutex::new(()),
            writers: Semaphore::new(WRITERS),
            gzipped: files::GzipCache::default(),
        })
    }

    fn now(&self) -> DateTime {
        DateTime::now(self.config.tz())
    }

    /// The incident's page on the site, as hooks and the API name it.
    fn page_url(&self, id: &str) -> String {
        let base = self.config.base_url.trim_end_matches('/');
        format!("{base}/{}", crate::site::paths::incident(id))
    }

    /// Writes a new incident durably, then queues the rebuild and the hooks.
    async fn create(self: &Arc<Self>, incident: Incident) -> std::io::Result<Incident> {
        let _permit = self
            .writers
            .acquire()
            .await
            .map_err(std::io::Error::other)?;
        let app = Arc::clone(self);
        let (incident, path) = tokio::task::spawn_blocking(move || {
            let mut incident = incident;
            let path = app.creator.create(&mut incident)?;
            Ok::<_, std::io::Error>((incident, path))
        })
        .await
        .map_err(std::io::Error::other)??;
        self.rebuilder.changed(path);
        self.hooks.send(worker::Event {
            event: "incident.created",
            id: incident.id.clone(),
            title: incident.title.clone(),
            status: incident.status.clone(),
            previous_status: None,
            url: self.page_url(&incident.id),
        });
        Ok(incident)
    }

    /// The key the rate limit counts by: the authenticated user, else the peer address.
    fn client_key(user: Option<&str>, peer: SocketAddr) -> String {
        match user {
            Some(user) => format!("user:{user}"),
            None => peer.ip().to_string(),
        }
    }
}

/// Serves on `listener` until `shutdown` completes, then stops accepting, lets open
/// requests finish (writes included) and waits for the last rebuild.
pub async fn run(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let max = app.config.serve.max_connections.max(1);
    let connections = Arc::new(Semaphore::new(max));
    let (stop, stopped) = watch::channel(false);
    let timeout = Duration::from_secs(app.config.serve.read_timeout.max(1));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .max_buf_size(64 * 1024);
    tokio::pin!(shutdown);
    loop {
        // Bounded concurrency: past `max` open connections, new ones wait in the backlog.
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!("accept failed: {error}");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = Arc::clone(&app);
        let builder = builder.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = service_fn(move |request| {
                let app = Arc::clone(&app);
                async move { Ok::<_, Infallible>(route(app, request, peer).await) }
            });
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    tracing::info!("shutting down: finishing open requests");
    let _ = tokio::time::timeout(DRAIN, connections.acquire_many(max as u32)).await;
    let app = Arc::clone(&app);
    tokio::task::spawn_blocking(move || app.rebuilder.finish()).await?;
    Ok(())
}

async fn route(app: Arc<App>, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let path = request.uri().path().to_string();
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    let post = *request.method() == Method::POST;
    let mut response = if path == "/new" {
        match (read, post) {
            (true, _) => form::show(&app, &request, peer),
            (_, true) => form::submit(&app, request, peer).await,
            _ => http::method_not_allowed("GET, HEAD, POST"),
        }
    } else if let Some(id) = path.strip_prefix("/new/") {
        if read {
            form::received(&app, &request, peer, id)
        } else {
            http::method_not_allowed("GET, HEAD")
        }
    } else if let Some(call) = api::Call::of(&path) {
        if post {
            api::answer(&app, request, peer, call).await
        } else if *request.method() == Method::OPTIONS {
            api::preflight(&app, &request)
        } else {
            http::method_not_allowed("POST")
        }
    } else if read {
        match guard::form_access(&app.config.serve, request.headers(), peer) {
            Ok(_) => {
                files::serve(
                    &app.site,
                    &app.gzipped,
                    request.method(),
                    &path,
                    request.headers(),
                )
                .await
            }
            Err(refused) => refused,
        }
    } else {
        http::method_not_allowed("GET, HEAD")
    };
    response.headers_mut().insert(
        hyper::header::X_CONTENT_TYPE_OPTIONS,
        hyper::header::HeaderValue::from_static("nosniff"),
    );
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!("{} {path}: internal error", peer);
    }
    response
}
