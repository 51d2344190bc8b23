//! What templates see: plain serialisable views, with labels, colours, display dates and
//! relative URLs already worked out, so that templates only lay things out.

use serde::Serialize;

use crate::incident::DateTime;

/// A date as shown (in the site's time zone) and as machine-readable text.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// `2024-05-01 09:30`, or `2024-05-01` when only the day is known.
    pub text: String,
    /// RFC 3339 for `<time datetime>` and feeds.
    pub iso: String,
}

impl DateView {
    pub fn new(date: &DateTime, tz: &jiff::tz::TimeZone) -> DateView {
        if date.is_date_only() {
            let text = date.to_string();
            return DateView {
                iso: text.clone(),
                text,
            };
        }
        let moment = date.timestamp(tz);
        DateView {
            text: tz
                .to_datetime(moment)
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
            iso: moment.to_string(),
        }
    }
}

/// A taxonomy value: what files store, what people read, its colour and its page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TermView {
    pub slug: String,
    pub label: String,
    /// Background colour from `fir.toml`, if any.
    pub color: Option<String>,
    /// Readable text colour on `color`.
    pub fg: Option<&'static str>,
    /// The class that gives a badge `color` ([`color_class`], rules in [`color_css`]).
    pub color_class: Option<String>,
    /// Link to the facet page (relative to the site root), if there is one.
    pub url: Option<String>,
    /// The badge as `partials/badges.html` writes it, rendered once per term (with
    /// `term` and the globals) and written out as it is (a string marked safe), rather
    /// than the template included for each of the dozen badges of every page. Absent
    /// when that template fails so: pages then include it, and its error names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<tera::Value>,
}

impl TermView {
    pub fn new(slug: &str, label: &str, color: Option<&str>, url: Option<String>) -> TermView {
        TermView {
            slug: slug.to_string(),
            label: label.to_string(),
            color: color.map(str::to_string),
            fg: color.map(text_color_on),
            color_class: color.map(color_class),
            url,
            html: None,
        }
    }
}

/// One choice of a form's `<select>`: the value sent and the label shown.
#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub value: String,
    pub label: String,
}

/// `taxonomy`'s terms as choices, in the file's order: slugs sent, labels shown (after
/// the slug when `numbered`, as severities read).
pub fn term_options(taxonomy: &crate::config::Taxonomy, numbered: bool) -> Vec<OptionView> {
    taxonomy
        .iter()
        .map(|term| OptionView {
            value: term.slug.clone(),
            label: if numbered {
                format!("{} · {}", term.slug, term.label)
            } else {
                term.label.clone()
            },
        })
        .collect()
}

/// Every business line of `config` as a choice, by its path (`Retail Banking > France`).
pub fn business_line_options(config: &crate::config::Config) -> Vec<OptionView> {
    let paths = config.business_lines.paths();
    let option = |path: &String| OptionView {
        value: path.clone(),
        label: path.clone(),
    };
    paths.iter().map(option).collect()
}

/// What incident pages need for their forms that call `fir serve`'s API (fir.toml's
/// `api_url`): the address they post to, and the choices they offer. The forms and
/// their choices are the same on every page, so they are written once, into a script
/// the pages load ([`ApiForms::script`]); each page has only slots for them.
#[derive(Debug, Clone, Serialize)]
pub struct ApiForms {
    /// `api_url` without a trailing `/`: calls append `/incidents/{id}/…`.
    pub api: String,
    /// The longest entry text the API accepts, and the longest author.
    pub max_text: usize,
    pub max_line: usize,
    #[serde(skip)]
    choices: Choices,
}

/// The forms of incident pages, by the name of their slots (`data-api-form`).
pub const API_FORMS: [&str; 3] = ["entry", "nugget", "todo"];

/// The choices of the forms' lists, by the name `data-options` gives them.
#[derive(Debug, Clone, Serialize)]
struct Choices {
    actions: Vec<OptionView>,
    statuses: Vec<OptionView>,
    severities: Vec<OptionView>,
    categories: Vec<OptionView>,
    tlp: Vec<OptionView>,
    detections: Vec<OptionView>,
    actors: Vec<OptionView>,
    plans: Vec<OptionView>,
    business_lines: Vec<OptionView>,
}

impl ApiForms {
    /// The forms `config` asks for, if it names an API.
    pub fn of(config: &crate::config::Config) -> Option<ApiForms> {
        (!config.api_url.is_empty()).then(|| ApiForms {
            api: config.api_url.trim_end_matches('/').to_string(),
            max_text: config.serve.max_description,
            max_line: crate::intake::MAX_LINE,
            choices: Choices {
                actions: term_options(&config.actions, false),
                statuses: term_options(&config.statuses, false),
                severities: term_options(&config.severities, true),
                categories: term_options(&config.categories, false),
                tlp: term_options(&config.tlp, false),
                detections: term_options(&config.detections, false),
                actors: term_options(&config.actors, false),
                plans: term_options(&config.plans, false),
                business_lines: business_line_options(config),
            },
        })
    }

    /// The script that gives fir.js the forms, rendered once from the theme's
    /// `partials/form-<name>.html` for each of [`API_FORMS`], and the choices of their
    /// lists: `window.firForms = {"api": …, "forms": {…}, "choices": {…}};`.
    pub fn script(&self, renderer: &super::Renderer) -> Result<String, super::RenderError> {
        let mut forms = serde_json::Map::new();
        for name in API_FORMS {
            let template = format!("partials/form-{name}.html");
            let html = renderer.render(&template, &tera::Context::new())?;
            forms.insert(name.to_string(), html.trim().into());
        }
        let data = serde_json::json!({ "api": self.api, "forms": forms, "choices": self.choices });
        Ok(format!(
            "// The forms that call fir serve's API, and the choices of their lists.\nwindow.firForms = {data};\n"
        ))
    }
}

/// The CSS class of badges in `color`: `c-` and the colour's hex digits or name
/// (`#EF6C00` → `c-ef6c00`), or a hash of it when it has other characters. Badges
/// carry a class instead of an inline style: shorter (a 10k site has 800k badges, 31 MB
/// of inline styles) and fine under a Content-Security-Policy without inline styles.
pub fn color_class(color: &str) -> String {
    let bare = color.trim().trim_start_matches('#');
    if !bare.is_empty() && bare.chars().all(|c| c.is_ascii_alphanumeric()) {
        return format!("c-{}", bare.to_ascii_lowercase());
    }
    format!("c-h{:08x}", crate::fnv1a(color.as_bytes()) as u32)
}

/// The stylesheet of the badge classes of `colors` (each colour once). A colour with
/// characters no CSS colour needs is left out: its badges stay plain.
pub fn color_css<'c>(colors: impl IntoIterator<Item = &'c str>) -> String {
    let mut colors: Vec<&str> = colors.into_iter().map(str::trim).collect();
    colors.sort_unstable();
    colors.dedup();
    let mut css = String::from("/* Badge colours from fir.toml, made by fir build. */\n");
    for color in colors {
        let safe = color
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "#(),.% ".contains(c));
        if safe && !color.is_empty() {
            css.push_str(&format!(
                ".badge.{} {{ background: {color}; color: {}; }}\n",
                color_class(color),
                text_color_on(color)
            ));
        }
    }
    css
}

/// Black or white, whichever reads better on the `#rrggbb` colour `background`.
pub fn text_color_on(background: &str) -> &'static str {
    match luminance(background) {
        Some(l) if l <= 0.5 => "#fff",
        _ => "#000",
    }
}

/// How light the `#rrggbb` colour `color` is, from 0 (black) to 1 (white); `None` for
/// another notation.
pub fn luminance(color: &str) -> Option<f64> {
    let hex = color.trim_start_matches('#');
    if hex.len() != 6 {
        return None;
    }
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.5, |v| f64::from(v) / 255.0)
    };
    Some(0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4))
}

/// One incident in a list: a table row.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub id: compact_str::CompactString,
    pub url: String,
    pub title: String,
    pub date: DateView,
    /// Badges, as [`TermView`]s made template values once per build.
    pub category: tera::Value,
    pub severity: tera::Value,
    pub status: tera::Value,
    pub tlp: tera::Value,
    pub major: bool,
    pub is_event: bool,
    pub closed: bool,
    pub business_lines: Vec<compact_str::CompactString>,
}

/// A link with a label and, for facet values, a count.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub label: String,
    pub url: String,
    pub count: usize,
    pub color: Option<String>,
    pub fg: Option<&'static str>,
    /// Nesting level in a tree (business lines, archives).
    pub depth: usize,
    /// Share of the largest count, for bar charts in pure CSS (0–100).
    pub percent: usize,
}

/// Navigation between the pages of a list, newest first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PagerView {
    pub newest: Option<String>,
    pub newer: Option<String>,
    pub older: Option<String>,
    pub oldest: Option<String>,
    /// 1-based position from the newest page; `pages` is the count.
    pub page: usize,
    pub pages: usize,
}

/// Everything a page template gets besides the globals.
#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    /// The page's own path from the site root, for self links (`#anchors` with `<base>`).
    pub path: String,
    /// Relative path back to the site root: the page's `<base href>`.
    pub root: String,
    pub title: String,
    /// Which navigation entry to highlight.
    pub section: String,
}

impl PageMeta {
    pub fn new(path: &str, title: impl Into<String>, section: &str) -> PageMeta {
        PageMeta {
            path: path.to_string(),
            root: root_of(path),
            title: title.into(),
            section: section.to_string(),
        }
    }
}

/// `./` for a page at the root, `../` for one a directory down, and so on. Pages set it
/// as `<base href>`, so every link in them is written from the site root and the site
/// works from any directory, over HTTP or from `file://`.
pub fn root_of(path: &str) -> String {
    let depth = path.matches('/').count();
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_contrast() {
        assert_eq!(root_of("index.html"), "./");
        assert_eq!(root_of("incidents/FIR-1.html"), "../");
        assert_eq!(
            root_of("business-line/retail/france/index.html"),
            "../../../"
        );
        assert_eq!(text_color_on("#ffffff"), "#000");
        assert_eq!(text_color_on("#c62828"), "#fff");
        assert_eq!(text_color_on("#33ff00"), "#000");
        assert_eq!(text_color_on("bogus"), "#000");
    }

    #[test]
    fn badge_colour_classes_and_their_stylesheet() {
        assert_eq!(color_class("#EF6C00"), "c-ef6c00");
        assert_eq!(color_class("rebeccapurple"), "c-rebeccapurple");
        let odd = color_class("rgb(1, 2, 3)");
        assert!(odd.starts_with("c-h") && odd.len() == 11, "{odd}");
        assert_ne!(odd, color_class("rgb(1, 2, 4)"));
        let css = color_css([
            "#c62828",
            "#ffffff",
            "#c62828",
            "red;}body{x:1",
            "rgb(1, 2, 3)",
        ]);
        assert_eq!(css.matches(".badge.c-c62828 {").count(), 1, "{css}");
        assert!(css.contains(".badge.c-c62828 { background: #c62828; color: #fff; }"));
        assert!(css.contains(".badge.c-ffffff { background: #ffffff; color: #000; }"));
        assert!(css.contains(&format!(".badge.{odd} {{ background: rgb(1, 2, 3);")));
        assert!(
            !css.contains("body"),
            "a colour that could break out is left out: {css}"
        );
    }

    #[test]
    fn dates_in_the_site_zone() {
        let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        let d: DateTime = "2024-07-01T10:00:00Z".parse().unwrap();
        let view = DateView::new(&d, &paris);
        assert_eq!(view.text, "2024-07-01 12:00");
        assert_eq!(view.iso, "2024-07-01T10:00:00Z");
        let day: DateTime = "2024-07-01".parse().unwrap();
        assert_eq!(DateView::new(&day, &paris).text, "2024-07-01");
    }
}
