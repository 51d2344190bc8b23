//! Writing the built site so that a web server never serves a half-built one.
//!
//! A full build renders into a staging directory beside the target, and the two are
//! swapped only when everything succeeded: atomically on Linux (`renameat2` with
//! `RENAME_EXCHANGE`), elsewhere by two renames a moment apart. A failed build removes
//! its staging directory and leaves the published site as it was.
//!
//! An incremental build changes a few files in place, each one atomically (written
//! aside, then renamed), new incident pages before the lists that link to them and
//! deletions last, so that no page ever links to a page that is not there.
//!
//! The previous site a swap replaced is removed in the background ([`removal`]), by a
//! process of its own on Unix that waits while a build of the site runs: deleting a
//! site of tens of thousands of files takes longer than building it on some disks
//! (4.4 s for the 10k benchmark site here, whose file system discards freed blocks),
//! and nothing serves those files any more. A removal cut short (the machine stopped)
//! leaves a hidden `-old-` sibling, and a build killed while rendering its hidden
//! `-tmp-` staging directory: the next build removes both. A large file replaced
//! inside the site is removed on a thread that the process waits for before it exits,
//! so that no stray file is left in the published tree when a command returns; one
//! replaced by a splice that kept its start is kept beside the site instead, as the
//! spare the next splice writes into ([`spare`]).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

mod removal;
mod spare;

pub use removal::{
    Busy, finish_removals, remove_pausing, remove_with_this_program, wait_for_removals,
};
use removal::{remove_later, remove_on_thread};

/// A directory beside the target that receives a whole new site.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    swapped: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The name of output directory `out`, which names what fir keeps beside it (staging
/// and old sites, the cache).
pub(super) fn site_name(out: &Path) -> String {
    out.file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned())
}

/// `dir/.name-what-pid-n`: hidden, beside `target`, unique in this process.
fn sibling(target: &Path, what: &str) -> PathBuf {
    let name = site_name(target);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let parent = target.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}-{what}-{}-{n}", std::process::id()))
}

impl Staging {
    /// Creates an empty staging directory beside `target`.
    pub fn create(target: &Path) -> io::Result<Staging> {
        let dir = sibling(target, "tmp");
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::create_dir(&dir)?;
        Ok(Staging {
            dir,
            swapped: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` at `relative` (a `/`-separated path), creating directories.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> io::Result<()> {
        write_creating_dirs(&self.dir.join(relative), bytes)
    }

    /// Puts the staged site at `target`; the previous one is removed in the background
    /// ([`remove_later`]).
    pub fn publish(mut self, target: &Path) -> io::Result<()> {
        let mut discarded = Vec::new();
        if !target.exists() {
            fs::rename(&self.dir, target)?;
            self.swapped = true;
        } else if exchange(&self.dir, target).is_ok() {
            // The staging path now holds the old site: named as one, so that a removal
            // cut short is recognised as a leftover.
            self.swapped = true;
            let old = sibling(target, "old");
            discarded.push(match fs::rename(&self.dir, &old) {
                Ok(()) => old,
                Err(_) => self.dir.clone(),
            });
        } else {
            let old = sibling(target, "old");
            fs::rename(target, &old)?;
            if let Err(e) = fs::rename(&self.dir, target) {
                let _ = fs::rename(&old, target);
                return Err(e);
            }
            self.swapped = true;
            discarded.push(old);
        }
        remove_later(target, discarded);
        Ok(())
    }
}

/// Removes in the background what earlier builds left beside `target` ([`leftovers`]):
/// a build calls this first.
pub fn remove_leftovers(target: &Path) {
    remove_later(target, leftovers(target));
}

/// What earlier builds left beside `target`: previous sites whose removal was cut
/// short (hidden `-old-` siblings named after a process that is gone: the build that
/// replaced the site, or the removal that took it over, [`remove_pausing`]), the
/// staging directories of builds that were killed (hidden `-tmp-` siblings, named
/// likewise; a hundred thousand incidents stage gigabytes), and the files such a build
/// was writing in place beside the site (its cache) or in the site's `data/` (the
/// large data files).
fn leftovers(target: &Path) -> Vec<PathBuf> {
    let name = site_name(target);
    let (old, staging) = (format!(".{name}-old-"), format!(".{name}-tmp-"));
    // Only fir's own names: the site's parent may be a home or a shared directory.
    let cache_temp = super::cache::path_for(target)
        .file_name()
        .map(|cache| format!(".{}.", cache.to_string_lossy()));
    let parent = target.parent().unwrap_or(Path::new("."));
    let beside = hidden_entries(parent).filter(|(file_name, _)| {
        // Staging and old sites are named after the process that made or removes them.
        let named_after = file_name
            .strip_prefix(&staging)
            .or_else(|| file_name.strip_prefix(&old))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse().ok());
        let cache_written_by = cache_temp
            .as_ref()
            .filter(|prefix| file_name.starts_with(prefix.as_str()))
            .and_then(|_| written_by(file_name));
        named_after
            .or(cache_written_by)
            .is_some_and(|pid| !is_running(pid))
    });
    // The directory of the site's large data files.
    let data_dir = target.join(super::paths::DATA);
    let data = hidden_entries(data_dir.parent().unwrap_or(target))
        .filter(|(file_name, _)| written_by(file_name).is_some_and(|pid| !is_running(pid)));
    beside.chain(data).map(|(_, path)| path).collect()
}

/// The hidden entries of `dir`, as (name, path); none when it cannot be read.
fn hidden_entries(dir: &Path) -> impl Iterator<Item = (String, PathBuf)> + use<> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .filter(|(file_name, _)| file_name.starts_with('.'))
}

/// The process that wrote a file being replaced in place, from its name
/// (`.NAME.PID.N.tmp`, [`replace_in_place`]).
fn written_by(file_name: &str) -> Option<u32> {
    let mut parts = file_name.strip_suffix(".tmp")?.rsplitn(3, '.');
    let (_n, pid) = (parts.next()?.parse::<u64>().ok()?, parts.next()?);
    parts.next()?;
    pid.parse().ok()
}

/// Whether process `pid` exists (this one does).
#[cfg(unix)]
fn is_running(pid: u32) -> bool {
    use rustix::process::{Pid, test_kill_process};
    if pid == std::process::id() {
        return true;
    }
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return false;
    };
    // Denied means it exists, under another user.
    !matches!(test_kill_process(pid), Err(rustix::io::Errno::SRCH))
}

/// Without a way to ask, a staging directory is never taken for a leftover.
#[cfg(not(unix))]
fn is_running(_: u32) -> bool {
    true
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.swapped {
            let _ = remove_tree(&self.dir);
        }
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

fn remove_tree(dir: &Path) -> io::Result<()> {
    gone_already_is_fine(fs::remove_dir_all(dir))
}

/// A removal's outcome, where finding nothing to remove is no error.
fn gone_already_is_fine(removed: io::Result<()>) -> io::Result<()> {
    match removed {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn write_creating_dirs(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match fs::write(path, bytes) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(path, bytes)
        }
        other => other,
    }
}

/// Replaces one file of a published site atomically.
pub fn write_in_place(target: &Path, relative: &str, bytes: &[u8]) -> io::Result<()> {
    write_with_in_place(target, relative, |file| file.write_all(bytes))
}

/// Replaces one file atomically by what `fill` writes into it.
pub fn write_with_in_place(
    target: &Path,
    relative: &str,
    fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<()> {
    replace_in_place(target, relative, |file, _| fill(file))
}

/// A part of a file made from the one it replaces ([`splice_in_place`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// `len` bytes of the replaced file from byte `from`.
    Kept {
        from: u64,
        len: u64,
    },
    New(Vec<u8>),
}

/// Pieces in the making: a stretch right after the one before joins it, new bytes
/// join new bytes, so that a splice copies as few stretches as it can.
#[derive(Debug, Default)]
pub struct Pieces(Vec<Piece>);

impl Pieces {
    /// Keeps `len` bytes of the replaced file from byte `from`.
    pub fn keep(&mut self, from: u64, len: u64) {
        match self.0.last_mut() {
            Some(Piece::Kept {
                from: before,
                len: kept,
            }) if *before + *kept == from => *kept += len,
            _ if len == 0 => {}
            _ => self.0.push(Piece::Kept { from, len }),
        }
    }

    /// Adds new bytes.
    pub fn add(&mut self, bytes: &[u8]) {
        match self.0.last_mut() {
            Some(Piece::New(new)) => new.extend_from_slice(bytes),
            _ => self.0.push(Piece::New(bytes.to_vec())),
        }
    }

    pub fn finish(self) -> Vec<Piece> {
        self.0
    }
}

/// The bytes `pieces` make of `old` (what [`splice_in_place`] writes), for tests.
#[cfg(test)]
pub fn apply(old: &[u8], pieces: &[Piece]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Kept { from, len } => {
                out.extend_from_slice(&old[*from as usize..(*from + *len) as usize]);
            }
            Piece::New(bytes) => out.extend_from_slice(bytes),
        }
    }
    out
}

/// Replaces one file of a published site atomically by `pieces`: stretches of it and
/// new bytes. A large file of which a few lines changed is not read into memory. When
/// the pieces start with a stretch from its first byte, that stretch is taken from the
/// file's spare as far as it agrees ([`spare`]), else from a copy begun before that
/// `early` holds ([`EarlyCopies`]), cut to length.
pub fn splice_in_place(
    target: &Path,
    relative: &str,
    pieces: &[Piece],
    early: &EarlyCopies,
) -> io::Result<()> {
    let path = target.join(relative);
    let kept_head = match pieces.first() {
        Some(&Piece::Kept { from: 0, len }) => len,
        _ => 0,
    };
    let spare = spare::Spare::of(target, relative);
    if let Some(mut taken) = spare.take(&path, kept_head) {
        tracing::debug!("{relative}: {} bytes kept in its spare", taken.agreed);
        let from = taken.agreed;
        let head = Piece::Kept {
            from,
            len: kept_head - from,
        };
        let rest = std::iter::once(&head).chain(&pieces[1..]);
        // A spare that fails (its disk full, say) leaves the published file as it was:
        // the splice is then made as without one.
        match write_pieces(&path, rest, &mut taken.file)
            .and_then(|()| spare.put_at(taken, &path, kept_head))
        {
            Ok(()) => return Ok(()),
            Err(e) => tracing::debug!("{relative}: its spare did not serve: {e}"),
        }
    }
    let copy = early.take(relative);
    let (mut temp, rest) = match copy.and_then(|c| c.usable_for(&path, kept_head)) {
        Some(temp) => {
            tracing::debug!("{relative}: {kept_head} bytes copied ahead");
            (temp, &pieces[1..])
        }
        None => (Temp::beside(&path)?, pieces),
    };
    let written = write_pieces(&path, rest, &mut temp.file);
    temp.put_at_then(&path, written, |replaced| {
        // The version replaced shares the kept start with the new one: the spare.
        let large = fs::metadata(&replaced).is_ok_and(|m| m.len() > LARGE_FILE);
        if large && kept_head > 0 {
            spare.keep(replaced, &path, kept_head);
        } else {
            remove_replaced(replaced);
        }
    })
}

/// Writes `pieces` to `out`, the kept stretches from the file at `old`.
fn write_pieces<'p>(
    old: &Path,
    pieces: impl IntoIterator<Item = &'p Piece>,
    out: &mut fs::File,
) -> io::Result<()> {
    let old = fs::File::open(old)?;
    for piece in pieces {
        match piece {
            Piece::Kept { len: 0, .. } => {}
            Piece::Kept { from, len } => copy_stretch(&old, *from, *len, out)?,
            Piece::New(bytes) => out.write_all(bytes)?,
        }
    }
    Ok(())
}

/// Appends `len` bytes of `old` from byte `from` to `out`.
fn copy_stretch(old: &fs::File, from: u64, len: u64, out: &mut fs::File) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut stretch = old.try_clone()?;
    stretch.seek(SeekFrom::Start(from))?;
    // Copied by the kernel (copy_file_range), not through memory: the standard library
    // does so for a `Take` of a `File`, not of a reference to one.
    let copied = io::copy(&mut stretch.take(len), out)?;
    if copied != len {
        return Err(io::Error::other("the file shrank while being spliced"));
    }
    Ok(())
}

/// Writes a file beside `relative` with `fill` (which gets the file and the path of
/// the one it replaces), then renames it over.
fn replace_in_place(
    target: &Path,
    relative: &str,
    fill: impl FnOnce(&mut fs::File, &Path) -> io::Result<()>,
) -> io::Result<()> {
    let path = target.join(relative);
    let mut temp = Temp::beside(&path)?;
    let written = fill(&mut temp.file, &path);
    temp.put_at(&path, written)
}

/// A file being written beside the one it is to replace, under a hidden name that
/// names this process (`.NAME.PID.N.tmp`: a build killed meanwhile leaves it, and the
/// next build removes it, [`leftovers`]).
#[derive(Debug)]
struct Temp {
    path: PathBuf,
    file: fs::File,
}

impl Temp {
    /// A new empty file beside `path`, creating its directory.
    fn beside(path: &Path) -> io::Result<Temp> {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let temp = path.with_file_name(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        if let Some(parent) = temp.parent() {
            fs::create_dir_all(parent)?;
        }
        let file = fs::File::create(&temp)?;
        Ok(Temp { path: temp, file })
    }

    /// Puts the file at `path` if `written` (how writing it went) is fine; removes it
    /// otherwise, or when it cannot be put there.
    fn put_at(self, path: &Path, written: io::Result<()>) -> io::Result<()> {
        self.put_at_then(path, written, remove_replaced)
    }

    /// [`Temp::put_at`], handing the file it replaced (now at the temporary path) to
    /// `replaced` rather than removing it.
    fn put_at_then(
        self,
        path: &Path,
        written: io::Result<()>,
        replaced: impl FnOnce(PathBuf),
    ) -> io::Result<()> {
        let Temp { path: temp, file } = self;
        drop(file);
        let placed = written.and_then(|()| {
            // Swapped with the old file rather than renamed over it: renaming over a
            // file, ext4 flushes the new one and frees the old one's blocks before it
            // returns (0.36 s for the 530 MB data file of 100k incidents). The old file
            // is then removed, a large one on another thread.
            let replaces_a_file = fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
            if replaces_a_file && exchange(&temp, path).is_ok() {
                replaced(temp.clone());
                return Ok(());
            }
            fs::rename(&temp, path)
        });
        if placed.is_err() {
            let _ = fs::remove_file(&temp);
        }
        placed
    }
}

/// Copies of a published site's large data files, begun before a build knows what
/// changes in them. Intake adds incidents at the end of the data file, so an
/// incremental build keeps most of it: splicing it ([`splice_in_place`]) then cuts the
/// copy where the first change is, instead of copying hundreds of megabytes (the data
/// file of 100k incidents is 530 MB) while the rest of the build waits. A copy not
/// used is removed when this is dropped.
#[derive(Debug, Default)]
pub struct EarlyCopies {
    copies: Mutex<Vec<(String, std::thread::JoinHandle<Option<EarlyCopy>>)>>,
    /// Set when the copies are no longer wanted, to stop those still running.
    cancelled: std::sync::Arc<AtomicBool>,
}

/// How much of a file an early copy copies between two looks at whether it is still
/// wanted.
const COPY_PART: u64 = 64 << 20;

impl EarlyCopies {
    /// Begins, each on a thread of its own, copies of the files `relative` of the site
    /// at `target` that are larger than [`LARGE_FILE`] (smaller ones cost little to
    /// copy when spliced).
    pub fn start<'r>(target: &Path, relative: impl IntoIterator<Item = &'r str>) -> EarlyCopies {
        let cancelled = std::sync::Arc::new(AtomicBool::new(false));
        let copies = relative
            .into_iter()
            .filter_map(|relative| {
                let path = target.join(relative);
                let metadata = large_file(&path)?;
                // A spare that agrees with the file is written into instead.
                if spare::Spare::of(target, relative)
                    .agrees_with(&path)
                    .is_some()
                {
                    return None;
                }
                let thread = std::thread::Builder::new()
                    .name("fir-copy-ahead".into())
                    .spawn({
                        let cancelled = cancelled.clone();
                        move || match EarlyCopy::make(&path, &metadata, &cancelled) {
                            Ok(copy) => Some(copy),
                            Err(e) => {
                                tracing::debug!("copying {} ahead: {e}", path.display());
                                None
                            }
                        }
                    })
                    .ok()?;
                Some((relative.to_string(), thread))
            })
            .collect();
        EarlyCopies {
            copies: Mutex::new(copies),
            cancelled,
        }
    }

    /// The copy of `relative`, once done; none when none was begun or it failed.
    fn take(&self, relative: &str) -> Option<EarlyCopy> {
        let thread = {
            let mut copies = self.copies.lock().ok()?;
            let at = copies.iter().position(|(r, _)| r == relative)?;
            copies.swap_remove(at).1
        };
        thread.join().ok().flatten()
    }
}

impl Drop for EarlyCopies {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
        let copies = std::mem::take(self.copies.get_mut().unwrap_or_else(|e| e.into_inner()));
        for (_, thread) in copies {
            if let Ok(Some(copy)) = thread.join() {
                remove_replaced(copy.temp.path);
            }
        }
    }
}

/// A whole copy of a published file, beside it.
#[derive(Debug)]
struct EarlyCopy {
    temp: Temp,
    /// The copied file as it was when the copy began.
    of: FileVersion,
}

/// What tells one version of a file from another: a file replaced (by rename) is
/// another file, one written to has another length or modification time.
#[derive(Debug, PartialEq, Eq)]
struct FileVersion {
    #[cfg(unix)]
    inode: (u64, u64),
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileVersion {
    fn of(metadata: &fs::Metadata) -> FileVersion {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        FileVersion {
            #[cfg(unix)]
            inode: (metadata.dev(), metadata.ino()),
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

impl EarlyCopy {
    fn make(path: &Path, metadata: &fs::Metadata, cancelled: &AtomicBool) -> io::Result<EarlyCopy> {
        let source = fs::File::open(path)?;
        let of = FileVersion::of(&source.metadata()?);
        if of != FileVersion::of(metadata) {
            return Err(io::Error::other("replaced meanwhile"));
        }
        let mut temp = Temp::beside(path)?;
        let copied = (|| {
            let mut copied = 0;
            // In parts, so that a copy no longer wanted stops soon.
            while copied < of.len {
                if cancelled.load(Ordering::Relaxed) {
                    return Err(io::Error::other("no longer wanted"));
                }
                // Copied by the kernel (see `copy_stretch`); the clone shares the offset.
                let part = io::copy(&mut source.try_clone()?.take(COPY_PART), &mut temp.file)?;
                if part == 0 {
                    return Err(io::Error::other("the file shrank while copied"));
                }
                copied += part;
            }
            Ok(())
        })();
        match copied {
            Ok(()) => {
                tracing::debug!("copied {} ahead", path.display());
                Ok(EarlyCopy { temp, of })
            }
            Err(e) => {
                let _ = fs::remove_file(&temp.path);
                Err(e)
            }
        }
    }

    /// The copy cut to its first `len` bytes, ready to write on from there, if it is
    /// a copy of the file at `path` as it is now and `len` is not 0; else it is removed.
    fn usable_for(self, path: &Path, len: u64) -> Option<Temp> {
        use std::io::Seek;
        let current = fs::metadata(path).ok().map(|m| FileVersion::of(&m));
        let EarlyCopy { mut temp, of } = self;
        let usable = len > 0
            && len <= of.len
            && current.as_ref() == Some(&of)
            && temp.file.set_len(len).is_ok()
            && temp.file.seek(io::SeekFrom::Start(len)).is_ok();
        if usable {
            return Some(temp);
        }
        tracing::debug!(
            "{}: the copy made ahead does not serve ({len} bytes kept of {})",
            path.display(),
            of.len
        );
        remove_replaced(temp.path);
        None
    }
}

/// Makes a spare ([`spare`]) of each file `relative` of the site at `target` larger
/// than [`LARGE_FILE`]: after a full build, so that the next build's splice of it
/// writes into a copy made now instead of copying it first (half a gigabyte at 100k
/// incidents, most of the first rebuild's time). Only on Linux, where spares serve.
pub fn make_spares<'r>(target: &Path, relative: impl IntoIterator<Item = &'r str>) {
    if !cfg!(target_os = "linux") {
        return;
    }
    for relative in relative {
        let path = target.join(relative);
        if large_file(&path).is_none() {
            continue;
        }
        match spare::Spare::of(target, relative).copy_of(&path) {
            Ok(()) => tracing::debug!("{relative}: spare made"),
            Err(e) => tracing::debug!("{relative}: no spare made: {e}"),
        }
    }
}

/// Past this size a replaced file is removed on another thread.
const LARGE_FILE: u64 = 16 << 20;

/// The metadata of the file at `path` if it is a regular file larger than
/// [`LARGE_FILE`]: one worth copying ahead or keeping a spare of.
fn large_file(path: &Path) -> Option<fs::Metadata> {
    fs::metadata(path)
        .ok()
        .filter(|m| m.is_file() && m.len() > LARGE_FILE)
}

/// Removes a file that a new one replaced; nothing serves it any more.
fn remove_replaced(path: PathBuf) {
    if fs::metadata(&path).is_ok_and(|m| m.len() > LARGE_FILE) {
        remove_on_thread(vec![path]);
    } else if let Err(e) = fs::remove_file(&path) {
        tracing::debug!("{}: {e}", path.display());
    }
}

/// Removes one file of a published site, and its directory if that became empty.
pub fn remove_in_place(target: &Path, relative: &str) -> io::Result<()> {
    let path = target.join(relative);
    gone_already_is_fine(fs::remove_file(&path))?;
    if let Some(parent) = path.parent()
        && parent != target
    {
        let _ = fs::remove_dir(parent); // fails, as wanted, unless empty
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_replaces_the_whole_site() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        fs::create_dir_all(target.join("old")).unwrap();
        fs::write(target.join("old/page.html"), "old").unwrap();
        fs::write(target.join("index.html"), "old home").unwrap();
        let staging = Staging::create(&target).unwrap();
        staging.write("a/b/c.html", b"new page").unwrap();
        staging.write("index.html", b"new home").unwrap();
        staging.publish(&target).unwrap();
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "new home"
        );
        wait_for_removals(true);
        assert_eq!(
            fs::read_to_string(target.join("a/b/c.html")).unwrap(),
            "new page"
        );
        assert!(!target.join("old").exists());
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the site is left");
    }

    /// A previous site whose removal was cut short and what a killed build was
    /// writing go when the next build starts; what a running build writes, an old
    /// site a running process removes and other hidden entries do not.
    #[cfg(unix)]
    #[test]
    fn leftovers_go_when_the_next_build_starts() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        fs::create_dir_all(&target).unwrap();
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let gone_pid = gone.id();
        gone.wait().unwrap();
        let leftover = dir.path().join(format!(".site-old-{gone_pid}-0"));
        fs::create_dir_all(leftover.join("incidents")).unwrap();
        fs::write(leftover.join("incidents/a.html"), "old").unwrap();
        // An old site a running process is removing.
        let being_removed = format!(".site-old-{}-99", std::process::id());
        fs::create_dir_all(dir.path().join(&being_removed)).unwrap();
        let killed_build = dir.path().join(format!(".site-tmp-{gone_pid}-0"));
        fs::create_dir_all(killed_build.join("incidents")).unwrap();
        fs::write(killed_build.join("incidents/b.html"), "half").unwrap();
        // Files being replaced in place when the build was killed: its cache beside
        // the site, a data file inside it; this process's own stay.
        let cache_temp = dir.path().join(format!("..site-cache.{gone_pid}.3.tmp"));
        fs::write(&cache_temp, "cache").unwrap();
        fs::create_dir_all(target.join("data")).unwrap();
        let data_temp = target.join(format!("data/.incidents.json.{gone_pid}.1.tmp"));
        fs::write(&data_temp, "[]").unwrap();
        let own_temp = target.join(format!("data/.artifacts.json.{}.2.tmp", std::process::id()));
        fs::write(&own_temp, "{}").unwrap();
        let other_build = Staging::create(&target).unwrap();
        let other_site = dir.path().join(".other-old-1-0");
        fs::create_dir_all(&other_site).unwrap();
        // Another program's temporary file, named the same way.
        let not_ours = dir.path().join(format!(".notes.{gone_pid}.1.tmp"));
        fs::write(&not_ours, "keep").unwrap();
        remove_leftovers(&target);
        wait_for_removals(true);
        assert!(!data_temp.exists());
        assert!(own_temp.exists());
        let staging = Staging::create(&target).unwrap();
        staging.write("index.html", b"new").unwrap();
        staging.publish(&target).unwrap();
        wait_for_removals(true);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let other_staging = other_build.path().file_name().unwrap().to_string_lossy();
        let not_ours = not_ours.file_name().unwrap().to_string_lossy();
        assert_eq!(
            left,
            [
                &*not_ours,
                ".other-old-1-0",
                &being_removed,
                &*other_staging,
                "site"
            ]
        );
    }

    #[test]
    fn a_dropped_staging_dir_leaves_the_site_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("index.html"), "old").unwrap();
        {
            let staging = Staging::create(&target).unwrap();
            staging.write("index.html", b"half").unwrap();
        }
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "old"
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn in_place_writes_and_removals() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path();
        write_in_place(target, "x/y.html", b"one").unwrap();
        write_in_place(target, "x/y.html", b"two").unwrap();
        assert_eq!(fs::read_to_string(target.join("x/y.html")).unwrap(), "two");
        assert_eq!(fs::read_dir(target.join("x")).unwrap().count(), 1);
        remove_in_place(target, "x/y.html").unwrap();
        assert!(!target.join("x").exists());
    }

    /// A large file is replaced whole and the old one goes (on another thread), also
    /// when it is spliced from stretches of itself.
    #[test]
    fn large_files_are_replaced_and_the_old_ones_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path();
        let big = vec![b'a'; LARGE_FILE as usize + 1];
        write_in_place(target, "data/big.json", &big).unwrap();
        let mut bigger = big.clone();
        bigger.extend_from_slice(b"b");
        write_in_place(target, "data/big.json", &bigger).unwrap();
        let pieces = [
            Piece::New(b"xy".to_vec()),
            Piece::Kept { from: 1, len: 2 },
            Piece::Kept {
                from: big.len() as u64 - 1,
                len: 2,
            },
            Piece::New(b"cd".to_vec()),
        ];
        splice_in_place(target, "data/big.json", &pieces, &EarlyCopies::default()).unwrap();
        let published = fs::read(target.join("data/big.json")).unwrap();
        assert_eq!(published, b"xyaaabcd");
        // A stretch past the end of the old file: refused, the file left as it was.
        let past = [Piece::Kept { from: 4, len: 10 }];
        assert!(splice_in_place(target, "data/big.json", &past, &EarlyCopies::default()).is_err());
        assert_eq!(fs::read(target.join("data/big.json")).unwrap(), b"xyaaabcd");
        // On threads this process waits for: the site holds no stray file once a
        // command returns.
        finish_removals();
        assert_eq!(fs::read_dir(target.join("data")).unwrap().count(), 1);
    }

    /// A large file of `len` bytes, not all alike, at `data/big.json` of `target`.
    fn big_file(target: &Path, len: u64) -> Vec<u8> {
        let bytes: Vec<u8> = (0..len).map(|n| b'a' + (n % 26) as u8).collect();
        write_in_place(target, "data/big.json", &bytes).unwrap();
        bytes
    }

    /// The entries of the directory of `data/big.json`.
    fn data_entries(target: &Path) -> usize {
        fs::read_dir(target.join("data")).unwrap().count()
    }

    /// A splice that keeps the file's start takes it from the copy begun ahead, cut
    /// where the kept stretch ends; the file is the same as without, and the copy is
    /// not left beside it.
    #[test]
    fn a_copy_made_ahead_serves_a_splice_that_keeps_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let target = &dir.path().join("site");
        let old = big_file(target, LARGE_FILE + 10);
        let len = old.len() as u64;
        let pieces = [
            Piece::Kept {
                from: 0,
                len: len - 4,
            },
            Piece::New(b"XY".to_vec()),
            Piece::Kept {
                from: len - 2,
                len: 2,
            },
        ];
        let early = EarlyCopies::start(target, ["data/big.json", "data/none.json"]);
        splice_in_place(target, "data/big.json", &pieces, &early).unwrap();
        assert_eq!(
            fs::read(target.join("data/big.json")).unwrap(),
            apply(&old, &pieces)
        );
        assert!(early.take("data/big.json").is_none(), "the copy was taken");
        drop(early);
        finish_removals();
        assert_eq!(data_entries(target), 1);
    }

    /// A copy of a file replaced since, or for a splice that rewrites the start, is
    /// not used; nor kept.
    #[test]
    fn a_copy_of_another_version_or_start_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let target = &dir.path().join("site");
        let path = target.join("data/big.json");
        let old = big_file(target, LARGE_FILE + 10);
        let early = EarlyCopies::start(target, ["data/big.json"]);
        let copy = early.take("data/big.json").expect("a copy");
        assert!(copy.usable_for(&path, 0).is_none(), "nothing of it kept");
        let early = EarlyCopies::start(target, ["data/big.json"]);
        let copy = early.take("data/big.json").expect("a copy");
        // Replaced by a file of the same length: another file all the same.
        let mut new = old.clone();
        new[0] = b'z';
        write_in_place(target, "data/big.json", &new).unwrap();
        assert!(
            copy.usable_for(&path, 10).is_none(),
            "a copy of the old file"
        );
        // Spliced through a copy of the old file that the build did not see replaced.
        let early = EarlyCopies::start(target, ["data/big.json"]);
        write_in_place(target, "data/big.json", &old).unwrap();
        let pieces = [Piece::Kept { from: 0, len: 3 }, Piece::New(b"!".to_vec())];
        splice_in_place(target, "data/big.json", &pieces, &early).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"abc!");
        finish_removals();
        assert_eq!(data_entries(target), 1);
    }

    /// Copies not taken are removed when no longer wanted, also while being made.
    #[test]
    fn copies_not_taken_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path();
        big_file(target, 3 * COPY_PART + 1);
        drop(EarlyCopies::start(target, ["data/big.json"]));
        finish_removals();
        assert_eq!(data_entries(target), 1);
    }

    /// Splices of a large file that keep its start, as `fir build` makes them one
    /// after the other: the last published version, then `added` appended.
    fn splice_appending(target: &Path, added: &[u8]) -> Vec<u8> {
        let old = fs::read(target.join("data/big.json")).unwrap();
        let len = old.len() as u64;
        let pieces = [
            Piece::Kept {
                from: 0,
                len: len - 2,
            },
            Piece::New(added.to_vec()),
            Piece::Kept {
                from: len - 2,
                len: 2,
            },
        ];
        splice_in_place(target, "data/big.json", &pieces, &EarlyCopies::default()).unwrap();
        let new = fs::read(target.join("data/big.json")).unwrap();
        assert_eq!(new, apply(&old, &pieces));
        new
    }

    #[cfg(unix)]
    fn inode(path: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap())
    }

    /// The version a splice replaced is kept beside the site (not in it), and the next
    /// splice writes into it: the published file is then that spare, brought up to
    /// date, and the version it replaced the new spare.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_version_replaced_is_the_next_splice_s_spare() {
        let dir = tempfile::tempdir().unwrap();
        let target = &dir.path().join("site");
        big_file(target, LARGE_FILE + 10);
        let published = target.join("data/big.json");
        let spare = spare::Spare::of(target, "data/big.json");
        let first = inode(&published);
        splice_appending(target, b"one");
        assert!(spare.agrees_with(&published).is_some(), "a spare kept");
        let second = inode(&published);
        splice_appending(target, b"two");
        assert_eq!(inode(&published), first, "written into the spare");
        splice_appending(target, b"three");
        assert_eq!(inode(&published), second);
        finish_removals();
        assert_eq!(data_entries(target), 1, "nothing left in the site");
        // Edited behind fir's back: the spare no longer agrees with it, and is not used.
        let mut edited = fs::read(&published).unwrap();
        edited.extend_from_slice(b"!");
        fs::write(&published, &edited).unwrap();
        assert_eq!(spare.agrees_with(&published), None);
        let before = inode(&published);
        splice_appending(target, b"four");
        assert_ne!(inode(&published), first, "the spare left alone");
        assert_ne!(inode(&published), before);
    }

    /// The detached removal runs at the lowest priority: read off its process once it
    /// has ended (a zombie keeps its fields until it is waited for).
    #[cfg(target_os = "linux")]
    #[test]
    fn removals_run_niced() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("old");
        fs::create_dir_all(tree.join("a/b")).unwrap();
        fs::write(tree.join("a/b/c.html"), "x").unwrap();
        let mut child = removal::spawn_removal(&tree, std::slice::from_ref(&tree)).unwrap();
        let stat = format!("/proc/{}/stat", child.id());
        let nice = loop {
            let text = fs::read_to_string(&stat).unwrap();
            let fields = super::super::stat_fields(&text).unwrap();
            if fields[0] == "Z" {
                // Field 19 of the line (from 1), 16 after the name (from 0).
                break fields[16].to_string();
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        assert_eq!(nice, "19", "nice value");
        assert!(child.wait().unwrap().success());
        assert!(!tree.exists());
    }

    /// A full build's spare is a copy of the file as published: no copy is begun ahead
    /// of the next splice, which writes into the spare instead; a smaller file gets
    /// none. Edited behind fir's back, the file no longer agrees with that spare.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_spare_made_after_a_full_build_serves_the_first_splice() {
        let dir = tempfile::tempdir().unwrap();
        let target = &dir.path().join("site");
        let original = big_file(target, LARGE_FILE + 10);
        write_in_place(target, "data/small.json", b"{}").unwrap();
        let published = target.join("data/big.json");
        let spare = spare::Spare::of(target, "data/big.json");
        make_spares(
            target,
            ["data/big.json", "data/small.json", "data/none.json"],
        );
        assert_eq!(
            spare.agrees_with(&published),
            Some(original.len() as u64),
            "agrees whole"
        );
        assert!(
            !dir.path().join(".site-spares/data/small.json").exists(),
            "a small file has no spare"
        );
        let spared = inode(&dir.path().join(".site-spares/data/big.json"));
        let early = EarlyCopies::start(target, ["data/big.json"]);
        assert!(
            early.take("data/big.json").is_none(),
            "nothing copied ahead"
        );
        splice_appending(target, b"one");
        assert_eq!(inode(&published), spared, "written into the spare");
        assert_eq!(
            fs::read(dir.path().join(".site-spares/data/big.json")).unwrap(),
            original,
            "the version replaced is the spare now"
        );
        finish_removals();
        assert_eq!(data_entries(target), 2);
        // Edited behind fir's back after a spare was made: not used.
        make_spares(target, ["data/big.json"]);
        fs::write(&published, b"edited").unwrap();
        assert_eq!(spare.agrees_with(&published), None);
    }

    /// A spare still open elsewhere (a download of the version it was, begun while that
    /// was published) is not written: whoever reads it reads that version whole.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_spare_open_elsewhere_is_left_alone() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let target = &dir.path().join("site");
        let original = big_file(target, LARGE_FILE + 10);
        let published = target.join("data/big.json");
        let mut reader = fs::File::open(&published).unwrap();
        let mut start = [0; 5];
        reader.read_exact(&mut start).unwrap();
        splice_appending(target, b"one");
        let spare = spare::Spare::of(target, "data/big.json");
        assert!(spare.agrees_with(&published).is_some());
        // The reader's file is the spare now: another file is written instead.
        splice_appending(target, b"two");
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(
            [&start[..], &rest].concat(),
            original,
            "read whole and unchanged"
        );
        drop(reader);
        finish_removals();
        assert_eq!(data_entries(target), 1);
    }
}
