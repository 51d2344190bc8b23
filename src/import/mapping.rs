//! The mapping file: which register column feeds which incident field, how values
//! translate, defaults, sheets and ids. See `imports/legacy-register.toml` for a
//! commented example and README.md for the reference.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;

use serde::Deserialize;

/// Incident fields a column can feed, in the order guesses and messages list them.
pub const FIELDS: [Field; 18] = [
    Field::Ref,
    Field::Title,
    Field::Date,
    Field::Closed,
    Field::Category,
    Field::Severity,
    Field::Status,
    Field::Tlp,
    Field::BusinessLines,
    Field::Detection,
    Field::Actor,
    Field::Plan,
    Field::Major,
    Field::Incident,
    Field::OpenedBy,
    Field::Tags,
    Field::Description,
    Field::Timeline,
];

/// One incident field a register column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The register's own reference: `legacy.ref`, the key of re-imports, `{ref}` in ids.
    Ref,
    Title,
    Date,
    Closed,
    Category,
    Severity,
    Status,
    Tlp,
    BusinessLines,
    Detection,
    Actor,
    Plan,
    Major,
    /// False for an event (`incident: false`).
    Incident,
    OpenedBy,
    Tags,
    /// The Markdown body.
    Description,
    /// One timeline entry at the incident's date.
    Timeline,
}

impl Field {
    /// The key in `[columns]`, `[values.*]` and `[defaults]`.
    pub fn key(self) -> &'static str {
        match self {
            Field::Ref => "ref",
            Field::Title => "title",
            Field::Date => "date",
            Field::Closed => "closed",
            Field::Category => "category",
            Field::Severity => "severity",
            Field::Status => "status",
            Field::Tlp => "tlp",
            Field::BusinessLines => "business_lines",
            Field::Detection => "detection",
            Field::Actor => "actor",
            Field::Plan => "plan",
            Field::Major => "major",
            Field::Incident => "incident",
            Field::OpenedBy => "opened_by",
            Field::Tags => "tags",
            Field::Description => "description",
            Field::Timeline => "timeline",
        }
    }

    /// Header texts (English and French) that usually hold this field, normalised.
    fn header_words(self) -> &'static [&'static str] {
        match self {
            Field::Ref => &[
                "ref",
                "reference",
                "id",
                "no",
                "n",
                "num",
                "numero",
                "ticket",
                "incidentid",
                "refincident",
                "identifiant",
            ],
            Field::Title => &[
                "subject", "title", "summary", "sujet", "objet", "titre", "intitule", "resume",
                "libelle", "incident",
            ],
            Field::Date => &[
                "opened",
                "date",
                "openedon",
                "opendate",
                "dateopened",
                "created",
                "reported",
                "detected",
                "datedouverture",
                "ouverture",
                "ouvertle",
                "dateouverture",
                "datedecreation",
                "datededetection",
                "datedebut",
                "debut",
            ],
            Field::Closed => &[
                "closed",
                "closedon",
                "dateclosed",
                "closedate",
                "resolved",
                "dateclosure",
                "datedecloture",
                "cloture",
                "clos",
                "closle",
                "fermele",
                "datefermeture",
                "datedefermeture",
                "fin",
                "datefin",
            ],
            Field::Category => &[
                "category",
                "type",
                "incidenttype",
                "typeofincident",
                "categorie",
                "typedincident",
                "typeincident",
                "nature",
            ],
            Field::Severity => &[
                "severity",
                "priority",
                "sev",
                "level",
                "severite",
                "gravite",
                "criticite",
                "criticality",
                "priorite",
                "niveau",
            ],
            Field::Status => &["status", "state", "statut", "etat"],
            Field::Tlp => &["tlp", "classification", "diffusion"],
            Field::BusinessLines => &[
                "businessline",
                "businesslines",
                "bl",
                "entity",
                "entite",
                "metier",
                "lignemetier",
                "lignedemetier",
                "division",
                "department",
                "departement",
                "perimetre",
                "filiale",
            ],
            Field::Detection => &[
                "detection",
                "detectedby",
                "source",
                "detectepar",
                "origine",
                "sourcededetection",
                "moyendedetection",
            ],
            Field::Actor => &[
                "actor",
                "owner",
                "handler",
                "assignedto",
                "acteur",
                "responsable",
                "traitepar",
                "porteur",
            ],
            Field::Plan => &["plan", "responseplan", "pland'action", "plandereponse"],
            Field::Major => &[
                "major",
                "majeur",
                "incidentmajeur",
                "majorincident",
                "crise",
            ],
            Field::Incident => &["isincident", "estunincident"],
            Field::OpenedBy => &[
                "openedby",
                "reporter",
                "reportedby",
                "createdby",
                "analyst",
                "ouvertpar",
                "creepar",
                "analyste",
                "declarant",
                "signalepar",
            ],
            Field::Tags => &["tags", "labels", "keywords", "motscles", "etiquettes"],
            Field::Description => &[
                "comments",
                "comment",
                "description",
                "notes",
                "details",
                "commentaires",
                "commentaire",
                "remarques",
                "observations",
                "descriptif",
            ],
            Field::Timeline => &["timeline", "actions", "suivi", "historique"],
        }
    }
}

/// Normalised header or value text: lowercase, accents folded, and only letters and
/// digits kept, so that `Date d'ouverture`, `DATE D OUVERTURE` and `dated'ouverture`
/// are the same key.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = normalized_pieces(text, |piece| {
        out.push_str(piece);
        ControlFlow::<()>::Continue(())
    });
    out
}

/// Whether `normalize(text) == key`, stopping at the first difference: rows are
/// compared with header keys cell by cell, and most cells are long comments.
pub fn normalizes_to(text: &str, key: &str) -> bool {
    let mut rest = key;
    normalized_pieces(text, |piece| match rest.strip_prefix(piece) {
        Some(after) => {
            rest = after;
            ControlFlow::Continue(())
        }
        None => ControlFlow::Break(()),
    })
    .is_continue()
        && rest.is_empty()
}

/// Hands `each` the normalised text of `text` piece by piece, until it breaks.
fn normalized_pieces(text: &str, mut each: impl FnMut(&str) -> ControlFlow<()>) -> ControlFlow<()> {
    if text.is_ascii() {
        // Most cells: no case tables or accents to look up, letters and digits are
        // lowered into a buffer and handed over a chunk at a time.
        let mut chunk = [0u8; 64];
        let mut len = 0;
        for byte in text.bytes().filter(u8::is_ascii_alphanumeric) {
            chunk[len] = byte.to_ascii_lowercase();
            len += 1;
            if len == chunk.len() {
                each(std::str::from_utf8(&chunk).expect("ASCII"))?;
                len = 0;
            }
        }
        return match len {
            0 => ControlFlow::Continue(()),
            _ => each(std::str::from_utf8(&chunk[..len]).expect("ASCII")),
        };
    }
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        for lower in c.to_lowercase() {
            match fold_accent(lower) {
                Some(folded) => each(folded)?,
                None if lower.is_alphanumeric() => each(lower.encode_utf8(&mut buffer))?,
                None => {}
            }
        }
    }
    ControlFlow::Continue(())
}

/// The unaccented spelling of Latin letters with diacritics (Western European set).
fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'č' => "c",
        'ř' => "r",
        'š' => "s",
        'ž' => "z",
        'ě' => "e",
        'ů' => "u",
        'ă' => "a",
        'ș' | 'ş' => "s",
        'ț' | 'ţ' => "t",
        '°' | 'º' => "",
        _ => return None,
    })
}

/// Header texts for one field: one name or several alternatives.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    One(String),
    Many(Vec<String>),
}

impl Headers {
    pub fn names(&self) -> &[String] {
        match self {
            Headers::One(name) => std::slice::from_ref(name),
            Headers::Many(names) => names,
        }
    }
}

/// CSV reading options; `--delimiter` and `--encoding` override them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// One character; sniffed from the file when absent.
    pub delimiter: Option<String>,
    /// `utf-8`, `windows-1252` (also `cp1252`, `latin1`), …; detected when absent.
    pub encoding: Option<String>,
}

/// A parsed mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Sheets to read, by name; all sheets with a header row when empty.
    #[serde(default)]
    pub sheets: Vec<String>,
    /// 1-based row of the header; found automatically when absent.
    #[serde(default)]
    pub header_row: Option<u32>,
    /// Id template: `{ref}`, `{sheet}`, `{row}`, `{year}`, `{seq}`, `{seq:04}`.
    #[serde(default = "default_id")]
    pub id: String,
    /// Text dates are day first (`31/12/2014`) unless this is false (`12/31/2014`).
    #[serde(default = "yes")]
    pub day_first: bool,
    /// Action label of the timeline entry made from the `timeline` column.
    #[serde(default = "default_timeline_action")]
    pub timeline_action: String,
    /// Columns left out on purpose (derived values such as `Days open`).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Field → header text(s).
    #[serde(default)]
    pub columns: BTreeMap<Field, Headers>,
    /// Field → { register value → fir value }.
    #[serde(default)]
    pub values: BTreeMap<Field, BTreeMap<String, toml::Value>>,
    /// Field → value used when the cell is empty or the column absent.
    #[serde(default)]
    pub defaults: BTreeMap<Field, toml::Value>,
    #[serde(default)]
    pub csv: CsvOptions,
}

fn default_id() -> String {
    "{ref}".into()
}

fn default_timeline_action() -> String {
    "info".into()
}

fn yes() -> bool {
    true
}

/// A mapping file that cannot be used, with the line to fix.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct MappingError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl Mapping {
    /// Parses mapping text; `path` only names the file in errors.
    pub fn from_toml(text: &str, path: &str) -> Result<Mapping, MappingError> {
        let line_at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let mapping: Mapping = toml::from_str(text).map_err(|e| MappingError {
            path: path.to_string(),
            line: e.span().map_or(1, |span| line_at(span.start)),
            message: e.message().to_string(),
        })?;
        let fail = |key: &str, message: String| {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(key))
                .map_or(1, |i| i + 1);
            MappingError {
                path: path.to_string(),
                line,
                message,
            }
        };
        for field in [Field::Title, Field::Date] {
            if !mapping.columns.contains_key(&field) && !mapping.defaults.contains_key(&field) {
                return Err(fail(
                    "[columns]",
                    format!("[columns] must say which column holds `{}`", field.key()),
                ));
            }
        }
        if mapping.id.contains("{ref}") && !mapping.columns.contains_key(&Field::Ref) {
            return Err(fail(
                "id",
                "id uses {ref} but [columns] has no `ref` column".into(),
            ));
        }
        if let Some(delimiter) = &mapping.csv.delimiter
            && delimiter.chars().count() != 1
        {
            return Err(fail(
                "delimiter",
                format!("delimiter must be one character, not {delimiter:?}"),
            ));
        }
        Ok(mapping)
    }

    /// The field each normalised header feeds (a header may feed several fields, such as
    /// comments going to both the body and the timeline).
    pub fn fields_by_header(&self) -> HashMap<String, Vec<Field>> {
        let mut out: HashMap<String, Vec<Field>> = HashMap::new();
        for (field, headers) in &self.columns {
            for name in headers.names() {
                out.entry(normalize(name)).or_default().push(*field);
            }
        }
        out
    }

    /// The value map of `field`, keyed by normalised register value.
    pub fn value_map(&self, field: Field) -> HashMap<String, String> {
        self.values
            .get(&field)
            .map(|map| {
                map.iter()
                    .map(|(from, to)| (normalize(from), value_text(to)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The default of `field` as text, if any.
    pub fn default_text(&self, field: Field) -> Option<String> {
        self.defaults.get(&field).map(value_text)
    }
}

/// A TOML value as the text a cell would hold: strings unquoted, others as written.
fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The field a header most likely holds, from English and French spellings.
pub fn guess_field(header: &str) -> Option<Field> {
    let key = normalize(header);
    if key.is_empty() {
        return None;
    }
    FIELDS
        .iter()
        .copied()
        .find(|field| field.header_words().contains(&key.as_str()))
        .or_else(|| {
            // "Date de clôture prévue", "Statut incident": a known word starting the header.
            FIELDS
                .iter()
                .filter_map(|&field| {
                    field
                        .header_words()
                        .iter()
                        .filter(|w| w.len() >= 4 && key.starts_with(**w))
                        .map(|w| (w.len(), field))
                        .max()
                })
                .max()
                .map(|(_, field)| field)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_accents_and_spaces() {
        assert_eq!(normalize("Date d'ouverture"), "datedouverture");
        assert_eq!(normalize("  MAJOR? "), "major");
        assert_eq!(normalize("Catégorie"), "categorie");
        assert_eq!(normalize("N°"), "n");
        assert_eq!(normalize("Business\u{a0}line"), "businessline");
        assert!(normalizes_to("Catégorie", "categorie"));
        assert!(normalizes_to("N°", "n"));
        assert!(!normalizes_to("Catégories", "categorie"));
        assert!(!normalizes_to("Caté", "categorie"));
        assert!(normalizes_to("", ""));
    }

    proptest::proptest! {
        /// ASCII text takes a shortcut: it must normalise as letter-by-letter lowering
        /// would, and compare alike.
        #[test]
        fn ascii_normalises_letter_by_letter(text in "[ -~]{0,200}") {
            let expected: String = text
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            proptest::prop_assert_eq!(normalize(&text), expected.clone());
            proptest::prop_assert!(normalizes_to(&text, &expected));
            let longer = format!("{expected}x");
            proptest::prop_assert!(!normalizes_to(&text, &longer));
        }
    }

    #[test]
    fn guesses_english_and_french_headers() {
        let cases = [
            ("Ref", Some(Field::Ref)),
            ("Opened", Some(Field::Date)),
            ("Date d'ouverture", Some(Field::Date)),
            ("Clôture", Some(Field::Closed)),
            ("Catégorie", Some(Field::Category)),
            ("Sévérité", Some(Field::Severity)),
            ("Statut", Some(Field::Status)),
            ("Ligne métier", Some(Field::BusinessLines)),
            ("Sujet", Some(Field::Title)),
            ("Commentaires", Some(Field::Description)),
            ("Détecté par", Some(Field::Detection)),
            ("Majeur ?", Some(Field::Major)),
            ("Days open", None),
        ];
        for (header, field) in cases {
            assert_eq!(guess_field(header), field, "{header}");
        }
    }

    #[test]
    fn mapping_errors_name_the_line() {
        let err = Mapping::from_toml("id = \"{ref}\"\n[columns]\ntitle = \"Subject\"\n", "m.toml")
            .unwrap_err();
        assert!(err.message.contains("`date`"), "{err}");
        let err = Mapping::from_toml("[columns]\ntitle = 3\n", "m.toml").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err = Mapping::from_toml("[columns]\nsubject = \"S\"\n", "m.toml").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }
}
