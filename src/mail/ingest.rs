//! Ingesting messages into a site: evidence, incident files, quarantine. The I/O edge
//! of the mail pipeline.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::analyse::hex;
use super::{Limits, MailError, analyse, map};
use crate::config::Config;
use crate::incident::DateTime;
use crate::store;

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new incident file.
    Created { id: String, path: PathBuf },
    /// A timeline entry (and the rest) added to an existing incident.
    Appended { id: String, path: PathBuf },
    /// The Message-ID was ingested before, into incident `id`: nothing done.
    Duplicate { message_id: String, id: String },
    /// Not ingested; the message was copied to `copy`, the reason written beside it.
    Quarantined { reason: String, copy: PathBuf },
}

/// Ingests messages into the site at `root`, remembering which Message-IDs it holds.
#[derive(Debug)]
pub struct Ingester<'c> {
    root: PathBuf,
    config: &'c Config,
    limits: Limits,
    /// Message-ID → id of the incident that records it.
    seen: HashMap<String, String>,
    /// Incident id → its file.
    files: HashMap<String, PathBuf>,
}

impl<'c> Ingester<'c> {
    /// Reads the site's incidents to know their ids and the Message-IDs they record.
    pub fn open(root: &Path, config: &'c Config) -> Ingester<'c> {
        let content = crate::content::load(root, config);
        let mut seen = HashMap::new();
        let mut files = HashMap::new();
        for entry in content.entries {
            for attribute in &entry.incident.attributes {
                if attribute.name == map::MESSAGE_ID {
                    seen.insert(attribute.value.clone(), entry.incident.id.clone());
                }
            }
            let path = if entry.path.is_absolute() {
                entry.path
            } else {
                root.join(entry.path)
            };
            files.insert(entry.incident.id, path);
        }
        Ingester {
            root: root.to_path_buf(),
            config,
            limits: Limits::from_config(&config.mail),
            seen,
            files,
        }
    }

    /// Ingests the message in the file at `path`. A file over the size limit is
    /// quarantined without being read into memory.
    pub fn file(&mut self, path: &Path) -> anyhow::Result<Outcome> {
        let size = fs::metadata(path)
            .with_context(|| format!("{}: cannot read", path.display()))?
            .len();
        let origin = path.display().to_string();
        if size > self.limits.max_bytes {
            let reason = MailError::TooLarge {
                size,
                limit: self.limits.max_bytes,
            }
            .to_string();
            let copy = self
                .quarantine_file(path, &origin, &reason)
                .with_context(|| format!("{origin}: cannot quarantine"))?;
            return Ok(Outcome::Quarantined { reason, copy });
        }
        let raw = fs::read(path).with_context(|| format!("{origin}: cannot read"))?;
        self.bytes(&raw, &origin)
    }

    /// Ingests one message; `origin` names it in messages and in the quarantine.
    pub fn bytes(&mut self, raw: &[u8], origin: &str) -> anyhow::Result<Outcome> {
        let mail = match analyse(raw, &self.limits) {
            Ok(mail) => mail,
            Err(error) => return self.quarantine(raw, origin, &error.to_string()),
        };
        if let Some(id) = self.seen.get(&mail.message_id) {
            return Ok(Outcome::Duplicate {
                message_id: mail.message_id,
                id: id.clone(),
            });
        }
        let now = now(self.config);
        let evidence = map::evidence(&mail, raw, self.config);
        let target = map::reply_target(&mail.subject, &self.config.mail.reply_pattern, |id| {
            self.files.contains_key(id)
        });
        // Evidence first: if anything fails later, only content-addressed copies remain,
        // never an incident that points at missing files.
        for item in &evidence {
            let path = self.root.join(&item.path);
            write_once(&path, item.data)
                .with_context(|| format!("{origin}: storing evidence {}", path.display()))?;
        }
        let outcome = match target {
            Some(id) => {
                let path = self.files[&id].clone();
                // The lock `store::create` takes: another fir writing the same file
                // waits, so that neither update is lost.
                let lock = fs::File::create(self.root.join(store::INCIDENTS_DIR).join(".fir.lock"))
                    .and_then(|lock| lock.lock().map(|()| lock))
                    .context("locking the incidents directory")?;
                let text = fs::read_to_string(&path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                let additions = map::additions(&mail, &evidence, self.config, now);
                match crate::incident::append(&text, &additions) {
                    Ok(updated) => {
                        store::replace(&path, updated.as_bytes())
                            .with_context(|| format!("{}: cannot write", path.display()))?;
                        drop(lock);
                        Outcome::Appended { id, path }
                    }
                    Err(error) => {
                        let reason = format!(
                            "the subject names incident {id}, but {} cannot take a new entry: {error}",
                            path.display()
                        );
                        return self.quarantine(raw, origin, &reason);
                    }
                }
            }
            None => {
                let mut incident = map::new_incident(&mail, &evidence, self.config, now);
                let path = store::create(&self.root, self.config, &mut incident)
                    .with_context(|| format!("{origin}: creating an incident file"))?;
                self.files.insert(incident.id.clone(), path.clone());
                Outcome::Created {
                    id: incident.id,
                    path,
                }
            }
        };
        if let Outcome::Created { id, .. } | Outcome::Appended { id, .. } = &outcome {
            self.seen.insert(mail.message_id, id.clone());
        }
        Ok(outcome)
    }

    /// Copies `raw` to the quarantine as `<sha256>.eml`, with `<sha256>.txt` saying why.
    pub fn quarantine(&self, raw: &[u8], origin: &str, reason: &str) -> anyhow::Result<Outcome> {
        let name = hex(&Sha256::digest(raw));
        let copy = self.quarantine_dir().join(format!("{name}.eml"));
        write_once(&copy, raw).with_context(|| format!("{origin}: cannot quarantine"))?;
        self.write_reason(&copy, origin, reason)?;
        Ok(Outcome::Quarantined {
            reason: reason.to_string(),
            copy,
        })
    }

    /// Like [`Ingester::quarantine`] for a file too large to read: copied as is, named
    /// after its file name and size.
    fn quarantine_file(&self, path: &Path, origin: &str, reason: &str) -> anyhow::Result<PathBuf> {
        let dir = self.quarantine_dir();
        fs::create_dir_all(&dir)?;
        let stem = path
            .file_name()
            .map(|n| {
                n.to_string_lossy().replace(
                    |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
                    "_",
                )
            })
            .unwrap_or_else(|| "message".into());
        let copy = dir.join(format!("{stem}.{}.eml", fs::metadata(path)?.len()));
        if !copy.exists() {
            let temp = dir.join(format!(".{stem}.{}.tmp", std::process::id()));
            fs::copy(path, &temp)?;
            fs::rename(&temp, &copy)?;
        }
        self.write_reason(&copy, origin, reason)?;
        Ok(copy)
    }

    fn write_reason(&self, copy: &Path, origin: &str, reason: &str) -> anyhow::Result<()> {
        let note = format!("origin: {origin}\nreason: {reason}\n");
        store::replace(&copy.with_extension("txt"), note.as_bytes())
            .with_context(|| format!("{origin}: cannot write the quarantine note"))
    }

    fn quarantine_dir(&self) -> PathBuf {
        self.root.join(&self.config.mail.quarantine_dir)
    }
}

/// Writes a content-addressed file unless it is there already.
fn write_once(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match store::write_new(path, bytes) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Now in the site's time zone, to the second.
fn now(config: &Config) -> DateTime {
    let zoned = jiff::ZonedDateTime::now()
        .with_time_zone(config.tz().clone())
        .round(jiff::Unit::Second)
        .expect("rounding to seconds");
    DateTime::from_zoned(&zoned)
}
