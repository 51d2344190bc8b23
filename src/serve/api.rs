//! The JSON API: `POST /api/incidents`, and on incident `{id}`: `POST
//! /api/incidents/{id}/timeline`, `…/todos`, `…/todos/{n}/done` and `…/nuggets`.

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use super::guard;
use super::http::{self, Body, text};
use super::{App, worker};
use crate::incident::{self, Incident};
use crate::intake::{self, FieldError};
use crate::store::{self, EditError};

/// A call of the API, from the request's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call<'p> {
    /// `/api/incidents`
    Create,
    /// `/api/incidents/{id}/timeline`
    Timeline(&'p str),
    /// `/api/incidents/{id}/todos`
    Todos(&'p str),
    /// `/api/incidents/{id}/todos/{n}/done`
    TodoDone(&'p str, &'p str),
    /// `/api/incidents/{id}/nuggets`
    Nuggets(&'p str),
}

impl<'p> Call<'p> {
    /// The call `path` names, if it is one of the API's.
    pub fn of(path: &'p str) -> Option<Call<'p>> {
        if path == "/api/incidents" {
            return Some(Call::Create);
        }
        let rest = path.strip_prefix("/api/incidents/")?;
        if let Some(id) = rest.strip_suffix("/timeline") {
            Some(Call::Timeline(id))
        } else if let Some(id) = rest.strip_suffix("/todos") {
            Some(Call::Todos(id))
        } else if let Some(id) = rest.strip_suffix("/nuggets") {
            Some(Call::Nuggets(id))
        } else {
            let (id, number) = rest.strip_suffix("/done")?.split_once("/todos/")?;
            Some(Call::TodoDone(id, number))
        }
    }
}

/// Answers a POST to `call`; a call from a page of a site in `api_origins` gets the
/// CORS headers that let that page read the answer, refusals included.
pub async fn answer(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
    call: Call<'_>,
) -> Response<Body> {
    let origins = &app.config.serve.api_origins;
    let cors = guard::allowed_origin(request.headers(), origins).map(str::to_string);
    let mut response = match call {
        Call::Create => create(app, request, peer).await,
        Call::Timeline(id) => timeline(app, request, peer, id).await,
        Call::Todos(id) => todos(app, request, peer, id).await,
        Call::TodoDone(id, number) => todo_done(app, request, peer, id, number).await,
        Call::Nuggets(id) => nuggets(app, request, peer, id).await,
    }
    .unwrap_or_else(|refused| refused);
    if let Some(origin) = cors {
        allow_origin(&mut response, &origin);
    }
    response
}

/// Answers a browser's preflight `OPTIONS` before a call from a page of another site:
/// 204 allowing POST with JSON and a token when the site is in `api_origins`, 403
/// otherwise.
pub fn preflight(app: &App, request: &Request<Incoming>) -> Response<Body> {
    let origins = &app.config.serve.api_origins;
    let Some(origin) = guard::allowed_origin(request.headers(), origins) else {
        return text(
            StatusCode::FORBIDDEN,
            "cross-origin calls are not allowed from this site (see api_origins)",
        );
    };
    let mut response = Response::new(Body::default());
    *response.status_mut() = StatusCode::NO_CONTENT;
    allow_origin(&mut response, origin);
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, Authorization"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}

/// The CORS headers that let a page of `origin` read `response`, with the reader's
/// credentials (a proxy's session) sent.
fn allow_origin(response: &mut Response<Body>, origin: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// `POST /api/incidents`: 201 with the new id and its page, once the file is durable.
async fn create(app: &Arc<App>, request: Request<Incoming>, peer: SocketAddr) -> Answer {
    let (user, submission) = accept(app, request, peer, |fields, config| {
        intake::check_submission(fields, config, &[])
    })
    .await?;
    let incident = submission.to_incident(&app.config, app.now(), user.as_deref());
    match app.create(incident).await {
        Ok(incident) => {
            let url = app.page_url(&incident.id);
            Ok(created(
                app,
                &incident,
                json!({ "id": incident.id, "url": url }),
            ))
        }
        Err(error) => {
            tracing::error!("cannot write an incident sent to the API: {error}");
            Err(text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the incident could not be saved",
            ))
        }
    }
}

/// `POST /api/incidents/{id}/timeline`: appends an entry (and sets the status,
/// severity, category or TLP if asked), editing only the lines that change.
async fn timeline(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
    id: &str,
) -> Answer {
    let (user, request) = accept(app, request, peer, intake::check_timeline).await?;
    let entry = request.to_entry(app.now(), user.as_deref());
    let changes = request.changes();
    let (incident, previous) = edit(app, id, move |app, text, before| {
        let is_final = |status: &str| app.config.is_final_status(status);
        let edited = incident::with_timeline_entry(text, before, entry, &changes, is_final);
        Ok(edited)
    })
    .await?;
    // A file that spelt its status another way (`Closed`) has not changed status.
    let statuses = &app.config.statuses;
    if statuses.slug_of(&previous) != statuses.slug_of(&incident.status) {
        app.hooks.send(worker::Event {
            event: "incident.status_changed",
            id: incident.id.clone(),
            title: incident.title.clone(),
            status: incident.status.clone(),
            previous_status: Some(previous),
            url: app.page_url(&incident.id),
        });
    }
    Ok(created(
        app,
        &incident,
        json!({
            "id": incident.id,
            "status": incident.status,
            "severity": incident.severity,
            "category": incident.category,
            "tlp": incident.tlp,
            "timeline": incident.timeline.len(),
            "url": app.page_url(&incident.id),
        }),
    ))
}

/// `POST /api/incidents/{id}/todos`: adds a follow-up task (task, business line,
/// deadline), editing only the lines that change.
async fn todos(app: &Arc<App>, request: Request<Incoming>, peer: SocketAddr, id: &str) -> Answer {
    let (_, request) = accept(app, request, peer, intake::check_todo).await?;
    let todo = request.to_todo();
    let add = move |incident: &mut Incident| incident.todos.push(todo.clone());
    add_item(app, id, "todos", add, |incident| incident.todos.len()).await
}

/// `POST /api/incidents/{id}/nuggets`: adds a piece of evidence (raw data, source,
/// interpretation, who found it, when the activity it shows ran), dated now, editing
/// only the lines that change.
async fn nuggets(app: &Arc<App>, request: Request<Incoming>, peer: SocketAddr, id: &str) -> Answer {
    let (user, request) = accept(app, request, peer, intake::check_nugget).await?;
    let nugget = request.to_nugget(app.now(), user.as_deref());
    let add = move |incident: &mut Incident| incident.nuggets.push(nugget.clone());
    add_item(app, id, "nuggets", add, |incident| incident.nuggets.len()).await
}

/// Puts what `add` adds at the end of one of incident `id`'s lists; 201 with the
/// list's new `length` under `list`.
async fn add_item(
    app: &Arc<App>,
    id: &str,
    list: &'static str,
    add: impl Fn(&mut Incident) + Send + 'static,
    length: fn(&Incident) -> usize,
) -> Answer {
    let (incident, _) = edit(app, id, move |_, text, before| {
        Ok(incident::with_items(text, before, add))
    })
    .await?;
    let mut body = json!({ "id": incident.id, "url": app.page_url(&incident.id) });
    body[list] = length(&incident).into();
    Ok(created(app, &incident, body))
}

/// `POST /api/incidents/{id}/todos/{n}/done` (JSON body `{}`): marks task `n` (from 1,
/// in file order) done now, editing only its lines.
async fn todo_done(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
    id: &str,
    number: &str,
) -> Answer {
    accept(app, request, peer, |fields, _| {
        intake::check_nothing(fields)
    })
    .await?;
    let index = match number.parse::<usize>() {
        Ok(n) if n >= 1 => n - 1,
        _ => {
            return Err(text(
                StatusCode::NOT_FOUND,
                format!("no task {number:?} in {id:?}"),
            ));
        }
    };
    let now = app.now();
    let (incident, _) = edit(app, id, move |_, text, before| {
        incident::with_todo_done(text, before, index, now).map_err(EditError::Missing)
    })
    .await?;
    Ok(http::json(
        StatusCode::OK,
        &json!({
            "id": incident.id,
            "todo": index + 1,
            "done": true,
            "url": app.page_url(&incident.id),
        }),
    ))
}

/// An answer, or the refusal sent instead.
type Answer = Result<Response<Body>, Response<Body>>;

/// The checks every API call passes, then its JSON body decoded into fields and
/// checked by `check` against the configuration (422 with every problem otherwise):
/// the authenticated user, if any, and what `check` made of the fields.
async fn accept<T>(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
    check: impl FnOnce(&intake::Fields, &crate::Config) -> Result<T, Vec<FieldError>>,
) -> Result<(Option<String>, T), Response<Body>> {
    let serve = &app.config.serve;
    let user = guard::api_access(serve, request.headers(), peer)?;
    guard::same_origin(request.headers(), &serve.api_origins)?;
    app.limiter.take(&App::client_key(user.as_deref(), peer))?;
    // Also what keeps browsers on other sites out: a JSON POST needs a preflight.
    if !http::has_content_type(&request, "application/json") {
        return Err(text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected application/json",
        ));
    }
    let timeout = std::time::Duration::from_secs(serve.read_timeout.max(1));
    let (_, body) = http::read_body(request, serve.max_body, timeout).await?;
    let fields = intake::decode_json(&body)
        .map_err(|error| text(StatusCode::BAD_REQUEST, error.to_string()))?;
    let checked = check(&fields, &app.config).map_err(|errors| invalid(app, &errors))?;
    Ok((user, checked))
}

/// 201 with `body` and the incident's page as `Location`.
fn created(app: &App, incident: &Incident, body: serde_json::Value) -> Response<Body> {
    let url = app.page_url(&incident.id);
    let mut response = http::json(StatusCode::CREATED, &body);
    if let Ok(location) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// 422 with every problem: field, problem code and message.
fn invalid(app: &App, errors: &[FieldError]) -> Response<Body> {
    let t = app.renderer.catalogue();
    let errors: Vec<_> = errors
        .iter()
        .map(|e| {
            let message = t.problem(&e.problem);
            json!({ "field": e.field, "problem": e.problem.key().trim_start_matches("error_"), "message": message })
        })
        .collect();
    http::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "errors": errors }),
    )
}

/// Changes incident `id` on disk, one edit at a time, and queues the rebuild: `change`
/// gets the file's text and the incident it holds and gives the new text and
/// incident. Returns the incident as now stored and its status before; a refusal as
/// the answer to send.
async fn edit(
    app: &Arc<App>,
    id: &str,
    change: impl FnOnce(&App, &str, &Incident) -> Result<(String, Incident), EditError> + Send + 'static,
) -> Result<(Incident, String), Response<Body>> {
    let (task_app, task_id) = (Arc::clone(app), id.to_string());
    let edited = tokio::task::spawn_blocking(move || {
        let _one_at_a_time = task_app.edits.lock().unwrap_or_else(|e| e.into_inner());
        store::edit(&task_app.root, &task_id, |text, before| {
            change(&task_app, text, before)
        })
    })
    .await
    .unwrap_or_else(|e| Err(EditError::Io(std::io::Error::other(e))));
    let edited = edited.map_err(|error| match error {
        EditError::NotFound(_) | EditError::Missing(_) => {
            text(StatusCode::NOT_FOUND, error.to_string())
        }
        // The server's paths are not the client's business.
        EditError::Unreadable { line, why, .. } => {
            let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
            text(
                StatusCode::CONFLICT,
                format!("the incident file cannot be edited: {at}{why}"),
            )
        }
        EditError::Io(error) => {
            tracing::error!("cannot edit {id}: {error}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the change could not be saved",
            )
        }
    })?;
    app.rebuilder.changed(edited.path);
    Ok((edited.incident, edited.previous_status))
}
