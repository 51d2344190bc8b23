//! Writing incident files safely: ids, paths, exclusive creation and atomic replacement.
//!
//! A new file is written unnamed (`O_TMPFILE` on Linux; a temporary file elsewhere),
//! flushed to disk, then linked under its final name (which fails if the name is taken,
//! like `O_EXCL`), and the directory is flushed too, so that once a function here
//! returns, the file survives a crash and no reader ever sees it half-written.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// The file of incident `id` under `root`: first where [`incident_path`] puts files
/// (a year directory), else anywhere under the content directory.
pub fn find(root: &Path, id: &str) -> io::Result<Option<PathBuf>> {
    let dir = root.join(INCIDENTS_DIR);
    let name = format!("{id}.md");
    if let Ok(years) = fs::read_dir(&dir) {
        for year in years.flatten() {
            let candidate = year.path().join(&name);
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
        }
    }
    let files = crate::content::incident_files(root).map_err(io::Error::other)?;
    Ok(files
        .into_iter()
        .find(|path| crate::content::incident_stem(path) == Some(id)))
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

/// Takes the content directory's lock file (blocking until it is free): writers in
/// every process serialise on it. The lock is released when the file is dropped.
pub fn lock(root: &Path) -> io::Result<File> {
    let dir = root.join(INCIDENTS_DIR);
    fs::create_dir_all(&dir)?;
    let lock = File::create(dir.join(".fir.lock"))?;
    lock.lock()?;
    Ok(lock)
}

/// Creates incident files for a long-running writer (the intake server) from many
/// threads at once.
///
/// Each year's next sequence number is kept in memory after one scan of the content
/// directory, so a create costs no directory walk. Uniqueness does not depend on that
/// hint: the final name is claimed exclusively, and a name another process took is
/// skipped. File syncs run in parallel (the file system batches them) and one
/// directory sync covers every file linked before it started (group commit).
#[derive(Debug)]
pub struct Creator {
    root: PathBuf,
    id_format: String,
    next: Mutex<HashMap<i16, u64>>,
    dirs: Mutex<HashMap<PathBuf, Arc<DirSync>>>,
}

/// Group commit of one directory: tickets count links, `synced` the last ticket covered
/// by a completed directory sync.
#[derive(Debug, Default)]
struct DirSync {
    linked: AtomicU64,
    synced: Mutex<u64>,
}

impl Creator {
    pub fn new(root: &Path, config: &Config) -> Creator {
        Creator {
            root: root.to_path_buf(),
            id_format: config.id_format.clone(),
            next: Mutex::new(HashMap::new()),
            dirs: Mutex::new(HashMap::new()),
        }
    }

    /// Gives `incident` the next free id of its year and writes it as a new file;
    /// returns once the file and its name are durable.
    pub fn create(&self, incident: &mut Incident) -> io::Result<PathBuf> {
        let year = incident.date.civil().year();
        loop {
            incident.id = format_id(&self.id_format, year, self.reserve(year)?);
            let path = incident_path(&self.root, incident);
            let dir = parent(&path)?;
            fs::create_dir_all(dir)?;
            match create_durable(dir, &path, to_markdown(incident).as_bytes()) {
                Ok(()) => {
                    self.sync_dir(dir)?;
                    return Ok(path);
                }
                // Taken by another process (`fir new`, a second server): next number.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Looks up the ids on disk for `year`, once; later calls only count up.
    pub fn reserve(&self, year: i16) -> io::Result<u64> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let seq = match next.get(&year) {
            Some(&seq) => seq,
            None => {
                existing_ids(&self.root)?
                    .iter()
                    .filter_map(|id| parse_seq(&self.id_format, year, id))
                    .max()
                    .unwrap_or(0)
                    + 1
            }
        };
        next.insert(year, seq + 1);
        Ok(seq)
    }

    /// Reads the ids on disk for `year` now, so that the first create does not.
    pub fn reserve_warm(&self, year: i16) -> io::Result<()> {
        let seq = self.reserve(year)?;
        // Give the number back: nothing was written with it.
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        if next.get(&year) == Some(&(seq + 1)) {
            next.insert(year, seq);
        }
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let group = Arc::clone(
            self.dirs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(dir.to_path_buf())
                .or_default(),
        );
        let ticket = group.linked.fetch_add(1, Ordering::SeqCst) + 1;
        let mut synced = group.synced.lock().unwrap_or_else(|e| e.into_inner());
        if *synced >= ticket {
            return Ok(());
        }
        // Every link counted so far happened before this sync starts.
        let covered = group.linked.load(Ordering::SeqCst);
        sync_dir(dir)?;
        *synced = covered;
        Ok(())
    }
}

/// Writes `bytes` to a new file at `path`; fails with `AlreadyExists` if it exists.
/// Parent directories are created. Returns only once the file is durable.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent(path)?;
    fs::create_dir_all(dir)?;
    create_durable(dir, path, bytes)?;
    sync_dir(dir)
}

/// Makes a file at `path` (in `dir`) holding `bytes`, flushed to disk before its name
/// appears, and fails with `AlreadyExists` if the name is taken; the name itself is
/// not flushed (the caller syncs `dir`). Readers never see a partial file.
///
/// On Linux the content goes to an unnamed file (`O_TMPFILE`) that is then linked
/// under its name: no temporary name to create and remove, two directory changes
/// fewer per file. Elsewhere, and on file systems without unnamed files, a temporary
/// file is linked then removed.
fn create_durable(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{AtFlags, CWD, Mode, OFlags, linkat, openat};
        use std::os::fd::AsRawFd;
        let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
        // The mode a file created by `File::create` gets (less the umask).
        match openat(CWD, dir, flags, Mode::from_raw_mode(0o666)) {
            Ok(fd) => {
                let mut file = File::from(fd);
                file.write_all(bytes)?;
                file.sync_all()?;
                let name = format!("/proc/self/fd/{}", file.as_raw_fd());
                match linkat(CWD, name.as_str(), CWD, path, AtFlags::SYMLINK_FOLLOW) {
                    Ok(()) => return Ok(()),
                    // No /proc: the way that needs no file descriptor path.
                    Err(e)
                        if e == rustix::io::Errno::NOENT
                            && !Path::new("/proc/self/fd").exists() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            // The file system has no unnamed files.
            Err(e)
                if e == rustix::io::Errno::OPNOTSUPP
                    || e == rustix::io::Errno::ISDIR
                    || e == rustix::io::Errno::INVAL => {}
            Err(e) => return Err(e.into()),
        }
    }
    create_via_temp(dir, path, bytes)
}

/// [`create_durable`] with a named temporary file.
fn create_via_temp(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(dir, path, bytes)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    linked
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

/// Why an incident file could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no incident {0:?}")]
    NotFound(String),
    /// A part of the incident that is not there (a task number).
    #[error("{0}")]
    Missing(String),
    /// The file is there but cannot be read as an incident (at `line`, if known).
    #[error("{}{}: the incident file cannot be edited: {why}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Unreadable {
        path: PathBuf,
        line: Option<usize>,
        why: String,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// An incident file as [`edit`] left it.
#[derive(Debug)]
pub struct Edited {
    pub path: PathBuf,
    /// The incident as now stored.
    pub incident: Incident,
    /// Its status before the edit, as the file spelt it.
    pub previous_status: String,
}

/// Changes the file of incident `id` under `root`, holding the content directory's
/// lock: `change` gets the file's text and the incident it holds and gives the new
/// text and incident. The file is replaced atomically, and only if its text changed.
pub fn edit(
    root: &Path,
    id: &str,
    change: impl FnOnce(&str, &Incident) -> Result<(String, Incident), EditError>,
) -> Result<Edited, EditError> {
    if !crate::incident::is_valid_id(id) {
        return Err(EditError::NotFound(id.to_string()));
    }
    let _lock = lock(root)?;
    let path = find(root, id)?.ok_or_else(|| EditError::NotFound(id.to_string()))?;
    let unreadable = |line, why: String| EditError::Unreadable {
        path: path.clone(),
        line,
        why,
    };
    let text =
        String::from_utf8(fs::read(&path)?).map_err(|_| unreadable(None, "not UTF-8".into()))?;
    let before = crate::incident::parse(&text)
        .map_err(|e| unreadable(e.line, e.to_string()))?
        .incident;
    let (new_text, incident) = change(&text, &before)?;
    // A change that changes nothing (a task done already) is not written.
    if new_text != text {
        replace(&path, new_text.as_bytes())?;
    }
    Ok(Edited {
        path,
        incident,
        previous_status: before.status,
    })
}

/// One file of a [`write_batch`].
#[derive(Debug, Clone, Copy)]
pub struct BatchFile<'a> {
    pub path: &'a Path,
    pub bytes: &'a [u8],
    /// Replace an existing file; otherwise the file must not exist yet.
    pub replace: bool,
}

/// Writes many files with the guarantees of [`write_new`] and [`replace`], but one flush
/// to disk for all of them instead of one per file: every content goes to a temporary
/// file, all are made durable together, and only then do the final names appear (new
/// names linked exclusively, existing ones replaced atomically), and the directories are
/// flushed. Files are handled in parallel. On error, the other files are still written
/// and the first error is returned, naming its file.
pub fn write_batch(files: &[BatchFile<'_>]) -> io::Result<()> {
    use rayon::prelude::*;
    let started = std::time::Instant::now();
    let name_error =
        |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut dirs: Vec<&Path> = files.iter().filter_map(|f| f.path.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).map_err(|e| name_error(dir, e))?;
    }
    let temps: Vec<io::Result<PathBuf>> = files
        .par_iter()
        .map(|file| write_temp_unsynced(parent(file.path)?, file.path, file.bytes))
        .collect();
    if let Some(i) = temps.iter().position(Result::is_err) {
        for temp in temps.iter().flatten() {
            let _ = fs::remove_file(temp);
        }
        let error = temps
            .into_iter()
            .nth(i)
            .and_then(Result::err)
            .expect("an error");
        return Err(name_error(files[i].path, error));
    }
    let temps: Vec<PathBuf> = temps.into_iter().flatten().collect();
    tracing::debug!(
        "batch: {} files written in {:.2?}",
        temps.len(),
        started.elapsed()
    );
    if let Err(e) = sync_files(&temps, &dirs) {
        for temp in &temps {
            let _ = fs::remove_file(temp);
        }
        return Err(e);
    }
    tracing::debug!("batch: flushed to disk at {:.2?}", started.elapsed());
    let results: Vec<io::Result<()>> = files
        .par_iter()
        .zip(&temps)
        .map(|(file, temp)| {
            let placed = if file.replace {
                fs::rename(temp, file.path)
            } else {
                rename_exclusive(temp, file.path)
            };
            if placed.is_err() {
                let _ = fs::remove_file(temp);
            }
            placed.map_err(|e| name_error(file.path, e))
        })
        .collect();
    for dir in dirs {
        sync_dir(dir)?;
    }
    tracing::debug!("batch: names in place at {:.2?}", started.elapsed());
    results.into_iter().collect()
}

/// Moves `from` to `to` unless `to` exists (`AlreadyExists` then): one system call
/// where the platform can refuse to replace, a link and an unlink elsewhere.
fn rename_exclusive(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            // Filesystems without RENAME_NOREPLACE: fall back to a link.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    fs::hard_link(from, to)?;
    fs::remove_file(from)
}

/// Makes the content of `files` durable: one filesystem-wide flush where the platform
/// has it, one flush per file elsewhere.
fn sync_files(files: &[PathBuf], dirs: &[&Path]) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(dir) = dirs.first() {
        let handle = File::open(dir)?;
        return rustix::fs::syncfs(&handle).map_err(io::Error::from);
    }
    let _ = dirs;
    for file in files {
        File::open(file)?.sync_all()?;
    }
    Ok(())
}

fn parent(path: &Path) -> io::Result<&Path> {
    path.parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent directory"))
}

fn write_temp(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let temp = write_temp_unsynced(dir, path, bytes)?;
    if let Err(e) = File::open(&temp).and_then(|f| f.sync_all()) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    Ok(temp)
}

/// Writes `bytes` to a new temporary file next to `path`, without flushing it to disk.
fn write_temp_unsynced(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
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
    if let Err(e) = file.write_all(bytes) {
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
    fn both_ways_of_creating_refuse_to_overwrite_and_leave_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        type Create = fn(&Path, &Path, &[u8]) -> io::Result<()>;
        for (i, create) in [create_durable as Create, create_via_temp]
            .iter()
            .enumerate()
        {
            let path = dir.path().join(format!("{i}.md"));
            create(dir.path(), &path, b"one").unwrap();
            let err = create(dir.path(), &path, b"two").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
            assert_eq!(fs::read(&path).unwrap(), b"one");
        }
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["0.md", "1.md"], "no temporary file is left behind");
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

    #[test]
    fn write_batch_creates_replaces_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("x/a.md"),
            dir.path().join("y/b.md"),
            dir.path().join("x/c.md"),
        );
        write_new(&b, b"old").unwrap();
        write_new(&c, b"taken").unwrap();
        let batch = |path, bytes, replace| BatchFile {
            path,
            bytes,
            replace,
        };
        write_batch(&[batch(&a, b"a", false), batch(&b, b"new", true)]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"a");
        assert_eq!(fs::read(&b).unwrap(), b"new");
        let err = write_batch(&[batch(&c, b"clobber", false)]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(err.to_string().contains("c.md"), "{err}");
        assert_eq!(fs::read(&c).unwrap(), b"taken");
        for sub in ["x", "y"] {
            let names: Vec<_> = fs::read_dir(dir.path().join(sub))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .filter(|n| n.to_string_lossy().ends_with(".tmp"))
                .collect();
            assert!(names.is_empty(), "temporary files left: {names:?}");
        }
    }
}
