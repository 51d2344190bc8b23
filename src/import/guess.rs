//! A first mapping guessed from a register's headers and values, printed as a TOML file
//! for people to review before anything is written.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Input;
use super::cell::{self, Cell};
use super::mapping::{Field, guess_field, normalize};
use crate::config::{Config, Taxonomy};

/// Distinct values listed per field in `[values.*]`; more means free text.
const MAX_VALUES: usize = 60;

/// Fields whose distinct values are worth mapping one by one.
const VALUE_FIELDS: [Field; 8] = [
    Field::Category,
    Field::Severity,
    Field::Status,
    Field::Tlp,
    Field::Detection,
    Field::Actor,
    Field::Plan,
    Field::Major,
];

/// A header row found by guessing: its index and the field of each column.
struct Guessed {
    index: usize,
    headers: Vec<String>,
    fields: Vec<Option<Field>>,
}

fn guess_header(rows: &[(u32, Vec<Cell>)]) -> Option<Guessed> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in rows.iter().take(50).enumerate() {
        let score = cells
            .iter()
            .filter(|c| matches!(c, Cell::Text(t) if guess_field(t).is_some()))
            .count();
        if score >= 2 && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    let (index, _) = best?;
    let headers: Vec<String> = rows[index]
        .1
        .iter()
        .map(|c| c.raw().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut fields: Vec<Option<Field>> = Vec::new();
    for header in &headers {
        let field = guess_field(header).filter(|f| !fields.contains(&Some(*f)));
        fields.push(field);
    }
    Some(Guessed {
        index,
        headers,
        fields,
    })
}

/// The guessed mapping for `inputs`, as commented TOML ready to edit.
pub fn guess(inputs: &[Input], config: &Config) -> String {
    let mut out = String::new();
    let files: Vec<&str> = inputs.iter().map(|i| i.source.as_str()).collect();
    let _ = writeln!(
        out,
        "# Mapping guessed by `fir import` from {}.\n\
         # Review it (columns, values, sheets), save it, then import with:\n\
         #   fir import {} --mapping MAPPING.toml --dry-run --report report.csv\n\
         # and once the dry run looks right, without --dry-run.",
        files.join(", "),
        files.join(" ")
    );
    let mut model: Option<Guessed> = None;
    let mut sheets = Vec::new();
    let mut skipped = Vec::new();
    // Distinct raw values per field, with how many rows hold each.
    let mut values: BTreeMap<Field, BTreeMap<String, usize>> = BTreeMap::new();
    let mut numeric_dates = false;
    for input in inputs {
        for sheet in &input.sheets {
            let name = sheet.name.clone().unwrap_or_else(|| input.source.clone());
            let Some(guessed) = guess_header(&sheet.rows) else {
                skipped.push(name);
                continue;
            };
            sheets.push(name);
            for (_, cells) in &sheet.rows[guessed.index + 1..] {
                for (i, field) in guessed.fields.iter().enumerate() {
                    let Some(field) = field else { continue };
                    let Some(cell) = cells.get(i).filter(|c| !c.is_blank()) else {
                        continue;
                    };
                    if *field == Field::Date && matches!(cell, Cell::Int(_) | Cell::Float(_)) {
                        numeric_dates = true;
                    }
                    if VALUE_FIELDS.contains(field) || *field == Field::BusinessLines {
                        let raw = cell::text(cell).unwrap_or_else(|_| cell.raw());
                        let map = values.entry(*field).or_default();
                        if map.len() < MAX_VALUES || map.contains_key(raw.trim()) {
                            *map.entry(raw.trim().to_string()).or_default() += 1;
                        }
                    }
                }
            }
            if model.is_none() {
                model = Some(guessed);
            }
        }
    }
    let Some(model) = model else {
        out.push_str(
            "\n# No header row found: no row among the first 50 names two known columns\n\
             # (Ref, Date, Subject, Category, Status…). Write [columns] by hand.\n\
             [columns]\n# title = \"Subject\"\n# date = \"Opened\"\n",
        );
        return out;
    };

    let _ = writeln!(
        out,
        "\n# Sheets to read (sheets without a header row are left out)."
    );
    let _ = writeln!(out, "sheets = [{}]", quoted_list(&sheets));
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "# Not imported (no header row): {}",
            quoted_list(&skipped)
        );
    }
    let has_ref = model.fields.contains(&Some(Field::Ref));
    let _ = writeln!(
        out,
        "\n# Incident ids: {{ref}} (the register's reference), {{sheet}}, {{row}}, {{year}}, {{seq:04}}."
    );
    let _ = writeln!(
        out,
        "id = \"{}\"",
        if has_ref {
            "{ref}"
        } else {
            "LEGACY-{sheet}-{row}"
        }
    );
    let _ = writeln!(
        out,
        "# Text dates like 03/04/2014 are read day first (3 April).\nday_first = true"
    );
    if numeric_dates {
        let _ = writeln!(
            out,
            "# Some dates are bare numbers: they are read as Excel serial dates."
        );
    }
    let mut unmapped = Vec::new();
    for (header, field) in model.headers.iter().zip(&model.fields) {
        if field.is_none() && !header.is_empty() {
            unmapped.push(header.clone());
        }
    }
    let _ = writeln!(
        out,
        "\n# Columns not in [columns] are kept as attributes (name = header).\n\
         # List here those to leave out."
    );
    if !unmapped.is_empty() {
        let _ = writeln!(out, "# Unmapped: {}", quoted_list(&unmapped));
    }
    let _ = writeln!(out, "ignore = []");
    let _ = writeln!(
        out,
        "\n# Columns by header text (case, accents and spaces do not matter).\n\
         # Fields: {}.",
        super::mapping::FIELDS.map(Field::key).join(", ")
    );
    let _ = writeln!(out, "[columns]");
    for (header, field) in model.headers.iter().zip(&model.fields) {
        if let Some(field) = field {
            let _ = writeln!(out, "{} = {}", field.key(), toml_string(header));
        }
    }
    if !model.fields.contains(&Some(Field::Timeline)) {
        let _ = writeln!(
            out,
            "# The comments can also (or instead) go to the timeline:\n# timeline = \"Comments\""
        );
    }

    for (field, found) in &values {
        let taxonomy = taxonomy(config, *field);
        let _ = writeln!(
            out,
            "\n# {} values found (rows), mapped to fir.toml's {}.",
            field.key(),
            match field {
                Field::Major => "yes/no".to_string(),
                Field::BusinessLines => "business_lines".to_string(),
                _ => format!("{} slugs", field.key()),
            }
        );
        if *field != Field::Major {
            let _ = writeln!(
                out,
                "# A TODO value: give it one of fir.toml's, or declare it in fir.toml."
            );
        }
        let _ = writeln!(out, "[values.{}]", field.key());
        for (value, count) in found {
            if value.is_empty() {
                continue;
            }
            let target = match field {
                Field::Major => cell::parse_bool(&Cell::Text(value.clone()))
                    .ok()
                    .flatten()
                    .map(|b| b.to_string()),
                Field::BusinessLines => config
                    .business_lines
                    .contains(value)
                    .then(|| toml_string(&crate::config::business_lines::normalize(value))),
                Field::Severity => cell::parse_severity(&Cell::Text(value.clone()))
                    .ok()
                    .flatten()
                    .map(|n| n.to_string())
                    .or_else(|| resolve(taxonomy, value).map(|s| toml_string(&s))),
                _ => resolve(taxonomy, value)
                    .or_else(|| by_words(taxonomy?, value))
                    .or_else(|| by_initial(taxonomy?, value))
                    .or_else(|| unknown_as_other(taxonomy?, value))
                    .map(|s| toml_string(&s)),
            };
            let as_is = match field {
                Field::Major => cell::parse_bool(&Cell::Text(value.clone())).is_ok(),
                Field::BusinessLines => target.is_some(),
                Field::Severity => cell::parse_severity(&Cell::Text(value.clone())).is_ok(),
                _ => taxonomy.and_then(|t| t.resolve(value)).is_some(),
            };
            match target {
                // Values that already read right need no line; keep them visible.
                Some(target) if as_is => {
                    let _ = writeln!(
                        out,
                        "# {} = {target}  # {count} rows, read as is",
                        toml_string(value)
                    );
                }
                Some(target) => {
                    let _ = writeln!(out, "{} = {target}  # {count} rows", toml_string(value));
                }
                None => {
                    let _ = writeln!(out, "# {} = \"\"  # {count} rows: TODO", toml_string(value));
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\n# Values for empty cells.\n[defaults]\n# status = \"closed\"\n# tlp = \"AMBER\""
    );
    out
}

fn taxonomy(config: &Config, field: Field) -> Option<&Taxonomy> {
    Some(match field {
        Field::Category => &config.categories,
        Field::Severity => &config.severities,
        Field::Status => &config.statuses,
        Field::Tlp => &config.tlp,
        Field::Detection => &config.detections,
        Field::Actor => &config.actors,
        Field::Plan => &config.plans,
        _ => return None,
    })
}

/// The slug `value` means: the taxonomy's own spellings, else a slug or label that
/// starts the same way (`Virus/Malware` → `malware` needs a human, `Phishing ` does not).
fn resolve(taxonomy: Option<&Taxonomy>, value: &str) -> Option<String> {
    let taxonomy = taxonomy?;
    if let Some(term) = taxonomy.resolve(value) {
        return Some(term.slug.clone());
    }
    let key = normalize(value);
    taxonomy
        .iter()
        .find(|t| {
            let slug = normalize(&t.slug);
            let label = normalize(&t.label);
            key.len() >= 3
                && (slug.starts_with(&key) || label.starts_with(&key) || key.starts_with(&slug))
        })
        .map(|t| t.slug.clone())
}

/// The one term every word of whose slug or label `value` has, allowing for another
/// ending (`Compromised account` is `account-compromise`, `Virus/Malware` is
/// `malware`). None when several terms are, or when a word of `value` says no (`Not
/// phishing`). Not aliases, often one loose word (`vol` is a theft of anything), and
/// not severities, whose words grade (`Very high`).
fn by_words(taxonomy: &Taxonomy, value: &str) -> Option<String> {
    const NO: [&str; 5] = ["not", "non", "pas", "false", "faux"];
    let said = words(value);
    if said.iter().any(|w| NO.contains(&w.as_str())) {
        return None;
    }
    let has_all = |name: &str| {
        let needed = words(name);
        !needed.is_empty() && needed.iter().all(|n| said.iter().any(|w| same_word(n, w)))
    };
    only_term(taxonomy, |name| has_all(name))
}

/// The one term whose slug or label starts with `value`, a single letter: registers
/// often write a status as `C`, `O` or `B`. None when several terms start so.
fn by_initial(taxonomy: &Taxonomy, value: &str) -> Option<String> {
    let mut letters = value.trim().chars();
    let letter = match (letters.next(), letters.next()) {
        (Some(letter), None) if letter.is_alphabetic() => normalize(&letter.to_string()),
        _ => return None,
    };
    let starts = |name: &str| normalize(name).starts_with(&letter);
    only_term(taxonomy, starts)
}

/// The slug of the one term whose slug or label `fits`; None for none or several.
fn only_term(taxonomy: &Taxonomy, fits: impl Fn(&str) -> bool) -> Option<String> {
    let mut found = taxonomy.iter().filter(|t| fits(&t.slug) || fits(&t.label));
    match (found.next(), found.next()) {
        (Some(term), None) => Some(term.slug.clone()),
        _ => None,
    }
}

/// The taxonomy's `other` term for a value that says the register did not know (`?`,
/// `unknown`, `inconnu`), if it has one.
fn unknown_as_other(taxonomy: &Taxonomy, value: &str) -> Option<String> {
    const UNKNOWN: [&str; 7] = ["?", "??", "???", "unknown", "inconnu", "inconnue", "n/a"];
    let value = value.trim().to_lowercase();
    if !UNKNOWN.contains(&value.as_str()) {
        return None;
    }
    taxonomy.resolve("other").map(|term| term.slug.clone())
}

/// The words of `text` of three letters or more, each [`normalize`]d.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(normalize)
        .filter(|word| word.len() >= 3)
        .collect()
}

/// Whether two normalised words are one word, perhaps with another ending: equal, or
/// the shorter, of five letters or more, starts the other (`compromise`,
/// `compromised`).
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.starts_with(short) && (short == long || short.len() >= 5)
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| toml_string(s))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Sheet;

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn values_are_guessed_from_the_words_of_one_term() {
        let config = Config::default();
        let category = |value: &str| by_words(&config.categories, value);
        assert_eq!(
            category("Account compromised").as_deref(),
            Some("account-compromise")
        );
        assert_eq!(category("Virus/Malware").as_deref(), Some("malware"));
        assert_eq!(category("Suspected PHISHING").as_deref(), Some("phishing"));
        assert_eq!(category("Fraud attempt").as_deref(), Some("fraud"));
        // Two terms, a word that says no, short words with another ending: no guess.
        assert_eq!(category("Phishing and malware"), None);
        assert_eq!(category("Not phishing"), None);
        assert_eq!(category("Spams"), None);
        assert_eq!(category("?"), None);
        // Aliases are read whole only: `vol` (theft) of data is no lost device.
        assert_eq!(category("Vol de données"), None);
        // Severities' words grade: "Very high" is no "High".
        let sheet = Sheet {
            name: None,
            rows: vec![
                (1, vec![text("Ref"), text("Severity"), text("Category")]),
                (
                    2,
                    vec![text("1"), text("Very high"), text("Malware infection")],
                ),
            ],
        };
        let toml_text = guess(
            &[Input {
                source: "register.csv".into(),
                sheets: vec![sheet],
            }],
            &config,
        );
        assert!(
            toml_text.contains("# \"Very high\" = \"\"  # 1 rows: TODO"),
            "{toml_text}"
        );
        assert!(
            toml_text.contains("\n\"Malware infection\" = \"malware\"  # 1 rows"),
            "{toml_text}"
        );
    }

    #[test]
    fn a_single_letter_is_the_one_term_it_starts() {
        let config = Config::default();
        let status = |value: &str| by_initial(&config.statuses, value);
        assert_eq!(status("C").as_deref(), Some("closed"));
        assert_eq!(status(" o ").as_deref(), Some("open"));
        assert_eq!(status("B").as_deref(), Some("blocked"));
        assert_eq!(status("X"), None);
        assert_eq!(status("Cl"), None, "a letter, not a prefix");
        // Several categories start with S (spam, scam…); `?` is no letter.
        assert_eq!(by_initial(&config.categories, "S"), None);
        assert_eq!(by_initial(&config.categories, "?"), None);
    }

    #[test]
    fn a_value_that_says_unknown_is_the_other_term() {
        let config = Config::default();
        for unknown in ["?", " Unknown ", "inconnu"] {
            let category = unknown_as_other(&config.categories, unknown);
            assert_eq!(category.as_deref(), Some("other"), "{unknown}");
        }
        assert_eq!(unknown_as_other(&config.categories, "Spam"), None);
        // No status is "other": the value waits for a human.
        assert_eq!(unknown_as_other(&config.statuses, "?"), None);
    }

    #[test]
    fn guesses_a_french_register() {
        let sheet = Sheet {
            name: Some("2014".into()),
            rows: vec![
                (1, vec![text("Registre des incidents")]),
                (
                    3,
                    vec![
                        text("N°"),
                        text("Date d'ouverture"),
                        text("Catégorie"),
                        text("Statut"),
                        text("Sujet"),
                        text("Majeur ?"),
                        text("Coût"),
                    ],
                ),
                (
                    4,
                    vec![
                        text("1"),
                        text("31/12/2014"),
                        text("Malwares"),
                        text("Transmis"),
                        text("Faux site"),
                        text("Oui"),
                        text("12"),
                    ],
                ),
            ],
        };
        let toml_text = guess(
            &[Input {
                source: "registre.xlsx".into(),
                sheets: vec![sheet],
            }],
            &Config::default(),
        );
        let mapping = crate::import::Mapping::from_toml(&toml_text, "guess").unwrap();
        assert_eq!(mapping.sheets, ["2014"]);
        assert_eq!(mapping.id, "{ref}");
        assert_eq!(mapping.columns[&Field::Date].names(), ["Date d'ouverture"]);
        assert_eq!(mapping.columns[&Field::Title].names(), ["Sujet"]);
        assert_eq!(mapping.columns[&Field::Major].names(), ["Majeur ?"]);
        assert_eq!(mapping.value_map(Field::Category)["malwares"], "malware");
        assert!(
            toml_text.contains("# \"Oui\" = true  # 1 rows, read as is"),
            "{toml_text}"
        );
        // "Transmis" is no status spelling fir knows: left for a person to decide.
        assert!(
            toml_text.contains("# \"Transmis\" = \"\"  # 1 rows: TODO"),
            "{toml_text}"
        );
        assert!(toml_text.contains("# Unmapped: \"Coût\""), "{toml_text}");
    }
}
