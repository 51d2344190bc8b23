//! What the commands that change an incident file (`fir comment`, `fir nugget`,
//! `fir todo`, `fir done`) share: their options checked as the intake checks a
//! request, refusals printed, and the file edited under the content directory's lock.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Config;
use crate::incident::Incident;
use crate::intake::{FieldError, Fields, Problem};
use crate::store::{EditError, Edited};

/// Command-line values as the intake's fields, leaving out the options not given.
pub(super) fn fields<const N: usize>(values: [(&str, Option<String>); N]) -> Fields {
    values
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_string(), value?)))
        .collect()
}

/// `given`, or else what is piped to the command: `what` (named by `option` when
/// neither is there).
pub(super) fn given_or_piped(
    given: Option<String>,
    what: &str,
    option: &str,
) -> anyhow::Result<String> {
    use std::io::{IsTerminal, Read};
    if let Some(given) = given {
        return Ok(given);
    }
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        anyhow::bail!("give {what} with {option}, or pipe it in");
    }
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .with_context(|| format!("reading {what} from standard input"))?;
    Ok(text)
}

/// Prints what the intake's checks found wrong with the options (in the site's
/// language, naming the choices where a value must be one of fir.toml's), and fails.
pub(super) fn refuse(
    root: &Path,
    config: &Config,
    errors: &[FieldError],
) -> anyhow::Result<ExitCode> {
    let theme = crate::render::Theme::load(root, &config.theme).context("reading the theme")?;
    let catalogue = crate::render::Catalogue::load(&theme, config.language.code())?;
    for error in errors {
        let message = catalogue.problem(&error.problem);
        let choices = match error.field.as_str() {
            "business_line" => Some(
                config
                    .business_lines
                    .paths()
                    .iter()
                    .map(String::as_str)
                    .collect(),
            ),
            field => config.taxonomy(field).map(|t| t.slugs()),
        };
        match choices {
            Some(choices) if error.problem == Problem::NotAllowed => {
                eprintln!(
                    "--{}: {message} ({})",
                    option(&error.field),
                    choices.join(", ")
                );
            }
            _ => eprintln!("--{}: {message}", option(&error.field)),
        }
    }
    Ok(ExitCode::FAILURE)
}

/// The command-line option of an intake field.
pub(super) fn option(field: &str) -> String {
    field.replace('_', "-")
}

/// Edits incident `id`'s file under `root` (see [`crate::store::edit`]), the error
/// naming the incident.
pub(super) fn edit_incident(
    root: &Path,
    id: &str,
    change: impl FnOnce(&str, &Incident) -> Result<(String, Incident), EditError>,
) -> anyhow::Result<Edited> {
    crate::store::edit(root, id, change).with_context(|| format!("editing incident {id}"))
}

/// Puts what `add` adds at the end of one of incident `id`'s lists, and says which
/// `item` of the list it is (its `length` now).
pub(super) fn add_item(
    root: &Path,
    id: &str,
    item: &str,
    add: impl Fn(&mut Incident),
    length: fn(&Incident) -> usize,
) -> anyhow::Result<ExitCode> {
    let edited = edit_incident(root, id, |text, before| {
        Ok(crate::incident::with_items(text, before, add))
    })?;
    let number = length(&edited.incident);
    println!("{}: {item} {number} added", edited.path.display());
    Ok(ExitCode::SUCCESS)
}
