//! Removing what a build replaced without holding up the builds that follow.
//!
//! A replaced site goes in the background, by a detached process on Unix, so that the
//! command that replaced it exits at once. Deleting the 290,000 files of a 100k site
//! takes seconds of CPU and keeps the kernel busy freeing pages, which slowed a build
//! run right after it (by a sixth at 100k incidents, BENCHMARKS.md), even with the
//! removal at the lowest priority. So when this process is fir itself
//! ([`remove_with_this_program`]) the removal is a `fir remove-old` of its own
//! ([`remove_pausing`]), which steps aside whenever a build of the same site is
//! running: builds mark the site [`Busy`] (a shared lock on a file beside it) and the
//! removal waits for the lock between batches of [`BATCH`] entries. Elsewhere (a test
//! binary using the library) it is `rm -rf`, and without processes a thread.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{gone_already_is_fine, remove_tree, sibling, site_name};

/// Builds of a site hold this while they run: removals beside that site wait for them.
/// A shared lock, so that builds never wait for one another or for a removal.
#[derive(Debug)]
pub struct Busy {
    _lock: File,
}

impl Busy {
    /// Marks the site at `out` busy until dropped; `None` when the lock file beside it
    /// cannot be made (the build then goes on, only unprotected from removals).
    pub fn take(out: &Path) -> Option<Busy> {
        let path = lock_path(out);
        let taken = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| open_lock(&path))
            .and_then(|file| file.lock_shared().map(|()| file));
        match taken {
            Ok(file) => Some(Busy { _lock: file }),
            Err(e) => {
                tracing::debug!("{}: {e}", path.display());
                None
            }
        }
    }
}

/// The lock file of the site at `out`: `.NAME-lock` beside it, like its cache.
fn lock_path(out: &Path) -> PathBuf {
    let name = site_name(out);
    out.parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}-lock"))
}

fn open_lock(path: &Path) -> io::Result<File> {
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// How many entries a removal deletes between two looks at the lock: a build that
/// starts waits for no more than these (a few milliseconds even on a slow disk).
const BATCH: usize = 64;

/// Removes `paths` (files or trees beside the site at `site`, or in it), waiting
/// before each batch of [`BATCH`] entries while the site is [`Busy`]: the work of `fir
/// remove-old`. Each path is first renamed to an `-old-` sibling of the site named
/// after this process, so that the builds that start meanwhile, which remove what is
/// named after a process that is gone ([`super::leftovers`]), leave it to this one.
/// Paths already gone (taken by another removal) are no error; other errors do not
/// stop it (as with `rm -rf`), the first is returned.
pub fn remove_pausing(site: &Path, paths: &[PathBuf]) -> io::Result<()> {
    let lock = open_lock(&lock_path(site)).ok();
    let wait_for_builds = || {
        if let Some(lock) = &lock
            && lock.lock().is_ok()
        {
            let _ = lock.unlock();
        }
    };
    let (mut removed, mut first_error) = (0usize, None);
    let mut note = |result: io::Result<()>| {
        if let Err(e) = gone_already_is_fine(result) {
            first_error.get_or_insert(e);
        }
    };
    for path in paths {
        let claimed = sibling(site, "old");
        let path = match fs::rename(path, &claimed) {
            Ok(()) => claimed,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(_) => path.clone(),
        };
        for entry in walkdir::WalkDir::new(&path).contents_first(true) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    note(Err(e.into()));
                    continue;
                }
            };
            if removed.is_multiple_of(BATCH) {
                wait_for_builds();
            }
            removed += 1;
            note(if entry.file_type().is_dir() {
                fs::remove_dir(entry.path())
            } else {
                fs::remove_file(entry.path())
            });
        }
    }
    first_error.map_or(Ok(()), Err)
}

static OWN_REMOVER: AtomicBool = AtomicBool::new(false);

/// Tells the library that this process is the `fir` program, whose `remove-old`
/// command can remove replaced sites ([`remove_pausing`]): `main` calls it.
pub fn remove_with_this_program() {
    OWN_REMOVER.store(true, Ordering::Relaxed);
}

/// Removals still running: processes of their own (Unix) or threads (elsewhere, or
/// when no process could be started).
#[derive(Debug)]
enum Removal {
    Process(std::process::Child),
    Thread(std::thread::JoinHandle<()>),
}

static REMOVALS: Mutex<Vec<Removal>> = Mutex::new(Vec::new());

/// Removes `paths` (files or trees beside the site at `target` that nothing serves any
/// more) without waiting for it: a detached process on Unix ([`spawn_removal`]),
/// elsewhere [`remove_on_thread`].
pub(super) fn remove_later(target: &Path, paths: Vec<PathBuf>) {
    if paths.is_empty() {
        return;
    }
    match spawn_removal(target, &paths) {
        Ok(child) => keep_track(Removal::Process(child)),
        Err(e) => {
            tracing::debug!("removing in this process: {e}");
            remove_on_thread(paths);
        }
    }
}

/// Removes `paths` on a thread, which [`finish_removals`] waits for.
pub(super) fn remove_on_thread(paths: Vec<PathBuf>) {
    keep_track(Removal::Thread(std::thread::spawn(move || {
        for path in paths {
            if let Err(e) = remove_path(&path) {
                tracing::debug!("{}: {e}", path.display());
            }
        }
    })));
}

fn keep_track(removal: Removal) {
    if let Ok(mut running) = REMOVALS.lock() {
        // Finished removals are reaped here, so a long-running server keeps none.
        running.retain_mut(|removal| match removal {
            Removal::Process(child) => !matches!(child.try_wait(), Ok(Some(_))),
            Removal::Thread(thread) => !thread.is_finished(),
        });
        running.push(removal);
    }
}

/// A detached removal of `paths` beside the site at `target`, at the lowest priority
/// (`nice`) where it can be: `fir remove-old` ([`remove_pausing`]) when this is the
/// fir program, else `rm -rf`.
#[cfg(unix)]
pub(super) fn spawn_removal(target: &Path, paths: &[PathBuf]) -> io::Result<std::process::Child> {
    use std::ffi::OsString;
    use std::process::{Command, Stdio};
    let own = OWN_REMOVER
        .load(Ordering::Relaxed)
        .then(std::env::current_exe)
        .and_then(Result::ok);
    let (program, mut args): (OsString, Vec<OsString>) = match own {
        Some(fir) => (
            fir.into(),
            vec!["remove-old".into(), "--site".into(), target.into()],
        ),
        None => ("rm".into(), vec!["-rf".into()]),
    };
    args.push("--".into());
    args.extend(paths.iter().map(|p| p.clone().into_os_string()));
    let spawn = |command: &mut Command| {
        command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    };
    spawn(Command::new("nice").args(["-n", "19"]).arg(&program))
        .or_else(|_| spawn(&mut Command::new(&program)))
}

#[cfg(not(unix))]
pub(super) fn spawn_removal(_: &Path, _: &[PathBuf]) -> io::Result<std::process::Child> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no removal process",
    ))
}

fn remove_path(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        remove_tree(path)
    } else {
        gone_already_is_fine(fs::remove_file(path))
    }
}

/// Waits for the removals on threads of this process (a removal cut short would leave
/// the old file or tree under a hidden name); processes of their own go on without it.
/// A process calls this before it exits.
pub fn finish_removals() {
    wait_for_removals(false);
}

/// Waits for every removal still running, processes of their own too: for tests, and
/// for measuring a build with its removals.
pub fn wait_for_removals(processes_too: bool) {
    // Held while waiting, so that a caller on another thread waits for these too.
    let Ok(mut running) = REMOVALS.lock() else {
        return;
    };
    let mut left = Vec::new();
    for removal in running.drain(..) {
        match removal {
            Removal::Thread(thread) => {
                let _ = thread.join();
            }
            Removal::Process(mut child) if processes_too => {
                let _ = child.wait();
            }
            process => left.push(process),
        }
    }
    *running = left;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A removal deletes nothing while a build holds the site busy, then everything.
    #[test]
    fn a_removal_waits_while_the_site_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let old = dir.path().join(".site-old-1-0");
        for n in 0..3 * BATCH {
            let page = old.join(format!("incidents/{}/index.html", n % 7));
            fs::create_dir_all(page.parent().unwrap()).unwrap();
            fs::write(page.with_file_name(format!("{n}.html")), "old").unwrap();
        }
        let before = walkdir::WalkDir::new(&old).into_iter().count();
        let busy = Busy::take(&site).expect("a lock beside the site");
        let removal = {
            let (site, old) = (site.clone(), old.clone());
            std::thread::spawn(move || remove_pausing(&site, &[old]))
        };
        std::thread::sleep(std::time::Duration::from_millis(200));
        // Taken over under this process's name, whole.
        let claimed: Vec<PathBuf> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".site-old-"))
            .collect();
        let [claimed] = &claimed[..] else {
            panic!("one old site: {claimed:?}");
        };
        let own = format!(".site-old-{}-", std::process::id());
        assert!(claimed.to_string_lossy().contains(&own), "{claimed:?}");
        assert!(!old.exists());
        let entries = || walkdir::WalkDir::new(claimed).into_iter().count();
        assert_eq!(entries(), before, "nothing removed while busy");
        drop(busy);
        removal.join().unwrap().unwrap();
        assert!(!claimed.exists());
        // Gone already: no error.
        remove_pausing(&site, &[old]).unwrap();
    }
}
