//! The intake form: `GET /new`, `POST /new` and the confirmation page `/new/{id}`.

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header;
use hyper::{Request, Response, StatusCode};
use serde::Serialize;

use super::App;
use super::guard::{self, CSRF_FIELD};
use super::http::{self, Body, text};
use crate::config::Taxonomy;
use crate::intake::{self, FieldError, Fields, MAX_LINE};
use crate::render::context::{OptionView, PageMeta, business_line_options, term_options};

/// One field as the template draws it.
#[derive(Debug, Serialize)]
struct FieldView {
    name: &'static str,
    label: String,
    /// `text`, `textarea` or `select`.
    kind: &'static str,
    required: bool,
    value: String,
    max: usize,
    hint: Option<String>,
    error: Option<String>,
    options: Vec<OptionView>,
}

/// Name, label, kind, required, options, and the taxonomy a value resolves in.
type FieldSpec<'a> = (
    &'static str,
    String,
    &'static str,
    bool,
    Vec<OptionView>,
    Option<&'a Taxonomy>,
);

#[derive(Debug, Serialize)]
struct ErrorView {
    field: String,
    message: String,
}

#[derive(Debug, Serialize)]
struct FormView {
    csrf: String,
    errors: bool,
    /// Problems with fields the form does not show.
    other_errors: Vec<ErrorView>,
    fields: Vec<FieldView>,
}

/// `GET /new`: an empty form, and a CSRF cookie if the browser has none.
pub fn show(app: &App, request: &Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    if let Err(refused) = guard::form_access(&app.config.serve, request.headers(), peer) {
        return refused;
    }
    let (token, fresh) = match guard::cookie_token(request.headers()) {
        Some(token) => (token, false),
        None => (guard::new_token(), true),
    };
    let mut response = render(app, &Fields::new(), &[], &token, StatusCode::OK);
    if fresh {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, guard::token_cookie(&token));
    }
    response
}

/// `POST /new`: checks, writes, then 303 to the confirmation page; 422 with the form
/// again (values kept, errors beside their fields) when something is wrong.
pub async fn submit(
    app: &Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Body> {
    let serve = &app.config.serve;
    let user = match guard::form_access(serve, request.headers(), peer) {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    if let Err(refused) = guard::same_origin(request.headers(), &[]) {
        return refused;
    }
    if let Err(refused) = app.limiter.take(&App::client_key(user.as_deref(), peer)) {
        return refused;
    }
    if !http::has_content_type(&request, "application/x-www-form-urlencoded") {
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected application/x-www-form-urlencoded",
        );
    }
    let cookie = guard::cookie_token(request.headers());
    let timeout = std::time::Duration::from_secs(serve.read_timeout.max(1));
    let body = match http::read_body(request, serve.max_body, timeout).await {
        Ok((_, body)) => body,
        Err(refused) => return refused,
    };
    let fields = match intake::decode_form(&body) {
        Ok(fields) => fields,
        Err(error) => return text(StatusCode::BAD_REQUEST, error.to_string()),
    };
    let sent = fields
        .iter()
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value.as_str());
    let Some(token) =
        cookie.filter(|c| sent.is_some_and(|s| guard::same_secret(c.as_bytes(), s.as_bytes())))
    else {
        return text(
            StatusCode::FORBIDDEN,
            "missing or wrong form token (CSRF): reload the form and send it again",
        );
    };
    match intake::check_submission(&fields, &app.config, &[CSRF_FIELD]) {
        Err(errors) => render(
            app,
            &fields,
            &errors,
            &token,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Ok(submission) => {
            let incident = submission.to_incident(&app.config, app.now(), user.as_deref());
            match app.create(incident).await {
                Ok(incident) => {
                    http::redirect(StatusCode::SEE_OTHER, &format!("new/{}", incident.id))
                }
                Err(error) => {
                    tracing::error!("cannot write a submitted incident: {error}");
                    text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the report could not be saved; please send it again",
                    )
                }
            }
        }
    }
}

/// `GET /new/{id}`: the confirmation, with a link to the incident's page.
pub fn received(
    app: &App,
    request: &Request<Incoming>,
    peer: SocketAddr,
    id: &str,
) -> Response<Body> {
    if let Err(refused) = guard::form_access(&app.config.serve, request.headers(), peer) {
        return refused;
    }
    if !crate::incident::is_valid_id(id) {
        return text(StatusCode::NOT_FOUND, "not found");
    }
    let t = app.renderer.catalogue();
    let mut context = tera::Context::new();
    context.insert(
        "page",
        &PageMeta::new(&format!("new/{id}"), t.get("report_received"), "new"),
    );
    context.insert(
        "submitted",
        &serde_json::json!({ "id": id, "url": crate::site::paths::incident(id) }),
    );
    page(app, "submitted.html", &context, StatusCode::OK)
}

fn page(app: &App, template: &str, context: &tera::Context, status: StatusCode) -> Response<Body> {
    match app.renderer.render(template, context) {
        Ok(html) => http::html(status, html),
        Err(error) => {
            tracing::error!("{error}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page cannot be rendered",
            )
        }
    }
}

fn render(
    app: &App,
    sent: &Fields,
    errors: &[FieldError],
    csrf: &str,
    status: StatusCode,
) -> Response<Body> {
    let config = &app.config;
    let t = app.renderer.catalogue();
    let message = |error: &FieldError| t.problem(&error.problem);
    let lines = business_line_options(config);
    let specs: [FieldSpec<'_>; 9] = [
        (
            "title",
            t.get("field_title").into(),
            "text",
            true,
            vec![],
            None,
        ),
        (
            "description",
            t.get("report_field_description").into(),
            "textarea",
            false,
            vec![],
            None,
        ),
        (
            "category",
            t.get("field_category").into(),
            "select",
            true,
            term_options(&config.categories, false),
            Some(&config.categories),
        ),
        (
            "severity",
            t.get("field_severity").into(),
            "select",
            false,
            term_options(&config.severities, true),
            Some(&config.severities),
        ),
        (
            "business_line",
            t.get("report_field_business_line").into(),
            "select",
            false,
            lines,
            None,
        ),
        (
            "detection",
            t.get("field_detection").into(),
            "select",
            false,
            term_options(&config.detections, false),
            Some(&config.detections),
        ),
        (
            "tlp",
            t.get("field_tlp").into(),
            "select",
            false,
            term_options(&config.tlp, false),
            Some(&config.tlp),
        ),
        (
            "reporter",
            t.get("report_field_reporter").into(),
            "text",
            false,
            vec![],
            None,
        ),
        (
            "contact",
            t.get("report_field_contact").into(),
            "text",
            false,
            vec![],
            None,
        ),
    ];
    debug_assert!(specs.iter().map(|s| s.0).eq(intake::INCIDENT_FIELDS));
    let fields = specs
        .into_iter()
        .map(|(name, label, kind, required, options, taxonomy)| {
            let value = sent
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .map(|v| {
                    // A label or alias sent by a script still selects its option.
                    taxonomy
                        .and_then(|t| t.resolve(&v))
                        .map_or(v, |term| term.slug.clone())
                })
                .unwrap_or_else(|| match name {
                    "tlp" => config.default_tlp.clone(),
                    _ => String::new(),
                });
            FieldView {
                name,
                label,
                kind,
                required,
                value,
                max: if name == "description" {
                    config.serve.max_description
                } else {
                    MAX_LINE
                },
                hint: (name == "description")
                    .then(|| t.get("report_field_description_hint").to_string()),
                error: errors.iter().find(|e| e.field == name).map(message),
                options,
            }
        })
        .collect();
    let other_errors = errors
        .iter()
        .filter(|e| !intake::INCIDENT_FIELDS.contains(&e.field.as_str()))
        .map(|e| ErrorView {
            field: e.field.clone(),
            message: message(e),
        })
        .collect();
    let form = FormView {
        csrf: csrf.to_string(),
        errors: !errors.is_empty(),
        other_errors,
        fields,
    };
    let mut context = tera::Context::new();
    context.insert(
        "page",
        &PageMeta::new("new", t.get("report_incident"), "new"),
    );
    context.insert("form", &form);
    page(app, "new.html", &context, status)
}
