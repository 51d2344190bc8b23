//! Turning data into pages: Markdown, templates, UI strings.
//!
//! Templates are compiled once per build into a [`Renderer`], which is shared by every
//! rendering thread. Template output is HTML-escaped unless it is HTML this crate
//! produced and sanitised, which it hands to templates as strings marked safe
//! ([`html_value`]).

pub mod context;
pub mod i18n;
pub mod markdown;
pub mod theme;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

pub use i18n::Catalogue;
pub use theme::{Origin, Theme};

/// A template that does not compile or fails to render, with where to look.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name} (from {origin}): {message}")]
    Template {
        name: String,
        origin: Origin,
        message: String,
    },
    #[error(transparent)]
    Catalogue(#[from] i18n::CatalogueError),
    #[error("{}: cannot read theme files: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Compiled templates and the values every page sees.
#[derive(Debug)]
pub struct Renderer {
    tera: Tera,
    theme: Theme,
    catalogue: Catalogue,
    /// Per template, a little more than the last page it made: what the next page's
    /// buffer starts with ([`Renderer::render_bytes`]).
    page_sizes: HashMap<String, AtomicUsize>,
}

/// Site-wide values every template can read as `site.*`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteGlobals {
    pub title: String,
    pub lang: String,
    /// Absolute URL prefix for feeds; pages themselves only use relative links.
    pub base_url: String,
    /// The audience this build is for, if any.
    pub audience: Option<String>,
    pub generator: String,
}

impl Renderer {
    /// Compiles every template of `theme` and sets the globals (`site`, `t`).
    pub fn new(theme: Theme, site: &SiteGlobals) -> Result<Renderer, RenderError> {
        let catalogue = Catalogue::load(&theme, &site.lang)?;
        let mut tera = Tera::new();
        tera.autoescape_on([".html", ".xml"]);
        let lang = site.lang.clone();
        tera.register_filter("fill", move |text: &str, kwargs: Kwargs, _: &State| {
            fill(text, &kwargs, &lang)
        });
        let sources = theme
            .templates
            .iter()
            .map(|(name, file)| (name.as_str(), file.content.as_str()));
        tera.add_raw_templates(sources)
            .map_err(|e| template_error(&theme, "", e))?;
        tera.global_context().insert("site", site);
        tera.global_context().insert("t", &catalogue);
        let page_sizes = theme
            .templates
            .keys()
            .map(|name| (name.clone(), AtomicUsize::new(0)))
            .collect();
        Ok(Renderer {
            tera,
            theme,
            catalogue,
            page_sizes,
        })
    }

    /// Renders `template` with `context` on top of the globals.
    pub fn render(&self, template: &str, context: &Context) -> Result<String, RenderError> {
        self.tera
            .render(template, context)
            .map_err(|e| self.error(template, e))
    }

    /// [`Renderer::render`] as bytes, into a buffer sized after the template's last
    /// page: a 15 KB page grown from the template engine's guess took a dozen copies,
    /// and its text is checked as UTF-8 once more on the way to a `String`.
    pub fn render_bytes(&self, template: &str, context: &Context) -> Result<Vec<u8>, RenderError> {
        let size = self.page_sizes.get(template);
        let mut page = Vec::with_capacity(size.map_or(0, |s| s.load(Ordering::Relaxed)));
        self.tera
            .render_to(template, context, &mut page)
            .map_err(|e| self.error(template, e))?;
        if let Some(size) = size {
            size.store(page.len() + page.len() / 8, Ordering::Relaxed);
        }
        Ok(page)
    }

    /// Renders `template` with the fields of `value` as the context.
    pub fn render_value<T: Serialize>(
        &self,
        template: &str,
        value: &T,
    ) -> Result<String, RenderError> {
        let context = Context::from_serialize(value).map_err(|e| self.error(template, e))?;
        self.render(template, &context)
    }

    /// Makes `value` readable as `key` in every template.
    pub fn set_global<T: Serialize>(&mut self, key: &'static str, value: &T) {
        self.tera.global_context().insert(key, value);
    }

    /// The theme the templates came from (static files are copied from it).
    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// The UI strings of the site's language.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    fn error(&self, template: &str, error: tera::Error) -> RenderError {
        template_error(&self.theme, template, error)
    }
}

/// `error` of the template it names (else of `template`), with the file it came from.
fn template_error(theme: &Theme, template: &str, error: tera::Error) -> RenderError {
    let name = template_name_of(&error).unwrap_or_else(|| template.to_string());
    let origin = theme
        .templates
        .get(&name)
        .map_or(Origin::Embedded, |f| f.origin.clone());
    RenderError::Template {
        name,
        origin,
        message: error.to_string(),
    }
}

fn template_name_of(error: &tera::Error) -> Option<String> {
    match error.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            Some(report.filename().to_string())
        }
        tera::ErrorKind::MissingParent { current, .. } => Some(current.clone()),
        _ => None,
    }
}

/// HTML that fir made (escaped or sanitised) as a template value that templates write
/// out as it is: a string marked safe, so that no `| safe` filter copies it again on
/// every page that shows it.
pub fn html_value(html: &str) -> tera::Value {
    tera::Value::safe_string(html)
}

/// Appends `text` to `out` escaped as template output is (`&`, `<`, `>`, `"`, `'`), for
/// the few fragments built in Rust that templates write out as they are ([`html_value`]).
pub fn escape_html_into(out: &mut String, text: &str) {
    // Byte by byte: the five are ASCII, so each is a character boundary.
    let mut from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[from..at]);
        out.push_str(entity);
        from = at + 1;
    }
    out.push_str(&text[from..]);
}

/// `{{ t.showing | fill(from=1, to=50) }}`: puts values in a UI string's `{placeholders}`.
/// A count `n` picks the string's plural form ([`i18n::plural_form`]).
fn fill(text: &str, kwargs: &Kwargs, lang: &str) -> String {
    let count = kwargs
        .iter()
        .find(|(key, _)| key.as_str() == Some("n"))
        .and_then(|(_, value)| value.as_f64());
    let text = count.map_or(text, |n| i18n::plural_form(text, lang, n));
    let mut out = text.to_string();
    for (key, value) in kwargs.iter() {
        if let Some(key) = key.as_str() {
            out = out.replace(&format!("{{{key}}}"), &value.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Escaping equals the template engine's for any text of those characters.
        #[test]
        fn escaping_matches_template_output_for_any_text(value in "[a&<>\"'é ]{0,24}") {
            let mut tera = Tera::new();
            tera.autoescape_on([".html"]);
            tera.add_raw_template("value.html", "{{ value }}").unwrap();
            let mut context = Context::new();
            context.insert("value", &value);
            let mut ours = String::new();
            escape_html_into(&mut ours, &value);
            proptest::prop_assert_eq!(ours, tera.render("value.html", &context).unwrap());
        }
    }

    /// Fragments escaped here read as template output does, so a page comes out the
    /// same whether a template or Rust wrote a value.
    #[test]
    fn escaping_matches_template_output() {
        let mut tera = Tera::new();
        tera.autoescape_on([".html"]);
        tera.add_raw_template("value.html", "{{ value }}").unwrap();
        for value in [
            "",
            "plain",
            "https://x.example/a?b=1&c='2'",
            "<script>alert(\"x\")</script>",
            "é & ü <> \"'' &amp;",
        ] {
            let mut context = Context::new();
            context.insert("value", value);
            let mut ours = String::new();
            escape_html_into(&mut ours, value);
            assert_eq!(
                ours,
                tera.render("value.html", &context).unwrap(),
                "{value}"
            );
        }
    }
}
