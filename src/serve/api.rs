//! The JSON API: `POST /api/incidents`, `POST /api/incidents/{id}/timeline` and
//! `POST /api/incidents/{id}/todos`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use super::guard;
use super::http::{self, Body, text};
use super::{App, worker};
use crate::incident::{Incident, TimelineEntry, Todo};
use crate::intake::{self, FieldError};
use crate::store;

/// `POST /api/incidents`: 201 with the new id and its page, once the file is durable.
pub async fn create(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Body> {
    let (user, fields) = match accept(app, request, peer).await {
        Ok(accepted) => accepted,
        Err(refused) => return refused,
    };
    let submission = match intake::check_submission(&fields, &app.config, &[]) {
        Ok(submission) => submission,
        Err(errors) => return invalid(app, &errors),
    };
    let incident = submission.to_incident(&app.config, app.now(), user.as_deref());
    match app.create(incident).await {
        Ok(incident) => {
            let url = app.page_url(&incident.id);
            created(app, &incident, json!({ "id": incident.id, "url": url }))
        }
        Err(error) => {
            tracing::error!("cannot write an incident sent to the API: {error}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the incident could not be saved",
            )
        }
    }
}

/// `POST /api/incidents/{id}/timeline`: appends an entry (and sets the status if
/// asked), editing only the lines that change.
pub async fn timeline(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
    id: &str,
) -> Response<Body> {
    let (user, fields) = match accept(app, request, peer).await {
        Ok(accepted) => accepted,
        Err(refused) => return refused,
    };
    let request = match intake::check_timeline(&fields, &app.config) {
        Ok(request) => request,
        Err(errors) => return invalid(app, &errors),
    };
    if !crate::incident::is_valid_id(id) {
        return text(StatusCode::NOT_FOUND, format!("no incident {id:?}"));
    }
    let entry = request.to_entry(app.now(), user.as_deref());
    let status = request.status.clone();
    let (path, incident, previous) = match edit(app, id, move |app, text, before| {
        Ok(add_entry(app, text, before, entry, status))
    })
    .await
    {
        Ok(done) => done,
        Err(refused) => return refused,
    };
    app.rebuilder.changed(path);
    if previous != incident.status {
        app.hooks.send(worker::Event {
            event: "incident.status_changed",
            id: incident.id.clone(),
            title: incident.title.clone(),
            status: incident.status.clone(),
            previous_status: Some(previous),
            url: app.page_url(&incident.id),
        });
    }
    created(
        app,
        &incident,
        json!({
            "id": incident.id,
            "status": incident.status,
            "timeline": incident.timeline.len(),
            "url": app.page_url(&incident.id),
        }),
    )
}

/// `POST /api/incidents/{id}/todos`: adds a follow-up task (task, business line,
/// deadline), editing only the lines that change.
pub async fn todos(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
    id: &str,
) -> Response<Body> {
    let (_, fields) = match accept(app, request, peer).await {
        Ok(accepted) => accepted,
        Err(refused) => return refused,
    };
    let request = match intake::check_todo(&fields, &app.config) {
        Ok(request) => request,
        Err(errors) => return invalid(app, &errors),
    };
    if !crate::incident::is_valid_id(id) {
        return text(StatusCode::NOT_FOUND, format!("no incident {id:?}"));
    }
    let todo = request.to_todo();
    let (path, incident, _) = match edit(app, id, move |_, text, before| {
        Ok(add_todo(text, before, todo))
    })
    .await
    {
        Ok(done) => done,
        Err(refused) => return refused,
    };
    app.rebuilder.changed(path);
    created(
        app,
        &incident,
        json!({
            "id": incident.id,
            "todos": incident.todos.len(),
            "url": app.page_url(&incident.id),
        }),
    )
}

/// `POST /api/incidents/{id}/todos/{n}/done` (JSON body `{}`): marks task `n` (from 1,
/// in file order) done now, editing only its lines.
pub async fn todo_done(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
    id: &str,
    number: &str,
) -> Response<Body> {
    let (_, fields) = match accept(app, request, peer).await {
        Ok(accepted) => accepted,
        Err(refused) => return refused,
    };
    if let Err(errors) = intake::check_nothing(&fields) {
        return invalid(app, &errors);
    }
    let index = match number.parse::<usize>() {
        Ok(n) if n >= 1 && crate::incident::is_valid_id(id) => n - 1,
        _ => {
            return text(
                StatusCode::NOT_FOUND,
                format!("no task {number:?} in {id:?}"),
            );
        }
    };
    let now = app.now();
    let done = edit(app, id, move |_, text, before| {
        done_todo(text, before, index, now)
    })
    .await;
    let (path, incident, _) = match done {
        Ok(done) => done,
        Err(refused) => return refused,
    };
    app.rebuilder.changed(path);
    http::json(
        StatusCode::OK,
        &json!({
            "id": incident.id,
            "todo": index + 1,
            "done": true,
            "url": app.page_url(&incident.id),
        }),
    )
}

/// The checks every API call passes, then its JSON body decoded into fields.
async fn accept(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Result<(Option<String>, intake::Fields), Response<Body>> {
    let serve = &app.config.serve;
    let user = guard::api_access(serve, request.headers(), peer)?;
    guard::same_origin(request.headers())?;
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
    Ok((user, fields))
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
            let mut message = t.get(e.problem.key()).to_string();
            if let intake::Problem::TooLong { max } = e.problem {
                message = message.replace("{max}", &max.to_string());
            }
            json!({ "field": e.field, "problem": e.problem.key().trim_start_matches("error_"), "message": message })
        })
        .collect();
    http::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "errors": errors }),
    )
}

enum Edit {
    NotFound,
    /// A part of the incident that is not there (a task number).
    Missing(String),
    Unreadable(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for Edit {
    fn from(error: std::io::Error) -> Self {
        Edit::Io(error)
    }
}

/// Changes incident `id` on disk, one edit at a time: `change` gets the file's text and
/// the incident it holds and gives the new text and incident. Returns the file's path,
/// the incident as now stored and its status before; a refusal as the answer to send.
async fn edit(
    app: &Arc<App>,
    id: &str,
    change: impl FnOnce(&App, &str, &Incident) -> Result<(String, Incident), Edit> + Send + 'static,
) -> Result<(PathBuf, Incident, String), Response<Body>> {
    let (task_app, task_id) = (Arc::clone(app), id.to_string());
    let edited = tokio::task::spawn_blocking(move || edit_file(&task_app, &task_id, change))
        .await
        .unwrap_or_else(|e| Err(Edit::Io(std::io::Error::other(e))));
    edited.map_err(|error| match error {
        Edit::NotFound => text(StatusCode::NOT_FOUND, format!("no incident {id:?}")),
        Edit::Missing(what) => text(StatusCode::NOT_FOUND, what),
        Edit::Unreadable(why) => text(
            StatusCode::CONFLICT,
            format!("the incident file cannot be edited: {why}"),
        ),
        Edit::Io(error) => {
            tracing::error!("cannot edit {id}: {error}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the change could not be saved",
            )
        }
    })
}

fn edit_file(
    app: &App,
    id: &str,
    change: impl FnOnce(&App, &str, &Incident) -> Result<(String, Incident), Edit>,
) -> Result<(PathBuf, Incident, String), Edit> {
    let _one_at_a_time = app.edits.lock().unwrap_or_else(|e| e.into_inner());
    let _lock = store::lock(&app.root)?;
    let path = store::find(&app.root, id)?.ok_or(Edit::NotFound)?;
    let bytes = std::fs::read(&path)?;
    let text = String::from_utf8(bytes).map_err(|_| Edit::Unreadable("not UTF-8".into()))?;
    let before = crate::incident::parse(&text)
        .map_err(|e| Edit::Unreadable(e.to_string()))?
        .incident;
    let (new_text, incident) = change(app, &text, &before)?;
    store::replace(&path, new_text.as_bytes())?;
    Ok((path, incident, before.status))
}

/// The file `text` (holding `before`) with `entry` appended to its timeline and the
/// status set if asked.
fn add_entry(
    app: &App,
    text: &str,
    before: &Incident,
    entry: TimelineEntry,
    status: Option<String>,
) -> (String, Incident) {
    // Closing an incident also records when: a final status needs a `closed` date.
    let closes = status
        .as_deref()
        .is_some_and(|s| app.config.is_final_status(s))
        && before.closed.is_none();
    let line_edit = if closes {
        None
    } else {
        crate::incident::append_timeline(text, &entry, status.as_deref())
    };
    line_edit.unwrap_or_else(|| {
        // Closing, or a layout the line edit does not know: rewrite the file
        // canonically.
        let mut incident = before.clone();
        if closes {
            incident.closed = Some(entry.date);
        }
        incident.timeline.push(entry);
        if let Some(status) = status {
            incident.status = status;
        }
        (crate::incident::to_markdown(&incident), incident)
    })
}

/// The file `text` (holding `before`) with its task `index` done at `now`: its lines
/// edited in place, or the file rewritten canonically when its layout does not allow
/// that. A task done already is left as it was.
fn done_todo(
    text: &str,
    before: &Incident,
    index: usize,
    now: crate::incident::DateTime,
) -> Result<(String, Incident), Edit> {
    let Some(todo) = before.todos.get(index) else {
        return Err(Edit::Missing(format!(
            "no task {} in {}: it has {}",
            index + 1,
            before.id,
            before.todos.len()
        )));
    };
    if todo.done {
        return Ok((text.to_string(), before.clone()));
    }
    Ok(
        crate::incident::mark_todo_done(text, index, now).unwrap_or_else(|| {
            let mut incident = before.clone();
            incident.todos[index].done = true;
            incident.todos[index].done_at = Some(now);
            (crate::incident::to_markdown(&incident), incident)
        }),
    )
}

/// The file `text` (holding `before`) with `todo` added at the end of its tasks, every
/// other byte kept; rewritten canonically when its layout does not allow that.
fn add_todo(text: &str, before: &Incident, todo: Todo) -> (String, Incident) {
    let mut incident = before.clone();
    incident.todos.push(todo.clone());
    let mut addition = Incident::new(before.id.clone(), before.title.clone(), before.date);
    addition.todos.push(todo);
    match crate::incident::append(text, &addition) {
        Ok(new_text) => (new_text, incident),
        Err(_) => (crate::incident::to_markdown(&incident), incident),
    }
}
