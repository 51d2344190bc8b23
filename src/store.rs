//! Writing incident files safely: ids, paths, exclusive creation and atomic replacement.
//!
//! A new file is written to a temporary file, flushed to disk, then hard-linked to its
//! final name (which fails if the name is taken, like `O_EXCL`), and the directory is
//! flushed too, so that once a function here returns, the file survives a crash and no
//! reader ever sees it half-written.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::Config;
use crate::incident::{Incident, to_markdown};

/// Where incident files live, relative to the site root.
pub const INCIDENTS_DIR: &str = "content/incidents";

/// Fills an id template: `{year}`, `{seq}` and `{seq:0N}` (zero-padded to N digits).
pub fn format_id(template: &str, year: i16, seq: u64) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let placeholder = &rest[start + 1..start + len];
        match placeholder {
            "year" => out.push_str(&year.to_string()),
            "seq" => out.push_str(&seq.to_string()),
            p if p.starts_with("seq:") => {
                let width: usize = p[4..].trim_start_matches('0').parse().unwrap_or(0);
                out.push_str(&format!("{seq:0width$}"));
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The sequence number of `id` if it was made from `template` for `year`.
pub fn parse_seq(template: &str, year: i16, id: &str) -> Option<u64> {
    let start = template.find("{seq")?;
    let end = start + template[start..].find('}')? + 1;
    let prefix = format_id(&template[..start], year, 0);
    let suffix = format_id(&template[end..], year, 0);
    let digits = id.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `content/incidents/<year>/<id>.md` under `root`.
pub fn incident_path(root: &Path, incident: &Incident) -> PathBuf {
    root.join(INCIDENTS_DIR)
        .join(incident.date.civil().year().to_string())
        .join(format!("{}.md", incident.id))
}

/// Ids of every incident file under `root`, read from file names only.
pub fn existing_ids(root: &Path) -> io::Result<Vec<String>> {
    let dir = root.join(INCIDENTS_DIR);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::new();
    for entry in walkdir::WalkDir::new(&dir) {
        let entry = entry.map_err(io::Error::other)?;
        if let Some(stem) = crate::content::incident_stem(entry.path()) {
            ids.push(stem.to_string());
        }
    }
    Ok(ids)
}

/// Gives `incident` the next free id for its year and writes it as a new file.
///
/// Safe against other processes doing the same on the same content directory: they
/// serialise on a lock file, and the final name is claimed exclusively.
pub fn create(root: &Path, config: &Config, incident: &mut Incident) -> io::Result<PathBuf> {
    let _lock = lock(root)?;
    let year = incident.date.civil().year();
    let mut next = existing_ids(root)?
        .iter()
        .filter_map(|id| parse_seq(&config.id_format, year, id))
        .max()
        .unwrap_or(0)
        + 1;
    loop {
        incident.id = format_id(&config.id_format, year, next);
        let path = incident_path(root, incident);
        match write_new(&path, to_markdown(incident).as_bytes()) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => next += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Takes the content directory's lock (creating the directory), released when the
/// returned file is dropped. Writers of new incidents hold it while choosing ids.
pub fn lock(root: &Path) -> io::Result<File> {
    let dir = root.join(INCIDENTS_DIR);
    fs::create_dir_all(&dir)?;
    let lock = File::create(dir.join(".fir.lock"))?;
    lock.lock()?;
    Ok(lock)
}

/// Writes `bytes` to a new file at `path`; fails with `AlreadyExists` if it exists.
/// Parent directories are created. Returns only once the file is durable.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent(path)?;
    fs::create_dir_all(dir)?;
    let temp = write_temp(dir, path, bytes)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    linked?;
    sync_dir(dir)
}

/// Replaces the file at `path` with `bytes` atomically: readers see the old or the new
/// content, never a mix. Returns only once the new content is durable.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent(path)?;
    fs::create_dir_all(dir)?;
    let temp = write_temp(dir, path, bytes)?;
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir)
}

fn parent(path: &Path) -> io::Result<&Path> {
    path.parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent directory"))
}

fn write_temp(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    Ok(temp)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Directories cannot be opened for syncing on every platform; where they can,
    // this makes the new name itself durable.
    match File::open(dir) {
        Ok(handle) => handle.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_templates() {
        assert_eq!(format_id("FIR-{year}-{seq:04}", 2024, 7), "FIR-2024-0007");
        assert_eq!(format_id("INC{seq}", 2024, 12345), "INC12345");
        assert_eq!(
            parse_seq("FIR-{year}-{seq:04}", 2024, "FIR-2024-0042"),
            Some(42)
        );
        assert_eq!(
            parse_seq("FIR-{year}-{seq:04}", 2024, "FIR-2023-0042"),
            None
        );
        assert_eq!(
            parse_seq("FIR-{year}-{seq:04}", 2024, "FIR-2024-00x2"),
            None
        );
        assert_eq!(parse_seq("{year}-{seq:05}", 2012, "2012-00001"), Some(1));
    }

    #[test]
    fn write_new_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.md");
        write_new(&path, b"one").unwrap();
        let err = write_new(&path, b"two").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"one");
        replace(&path, b"three").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three");
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("a")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
