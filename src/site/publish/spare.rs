//! Spares of a site's large spliced files: the version a splice replaced, kept beside
//! the site rather than removed, to be written into as the next version.
//!
//! A splice keeps most of a large file (intake adds incidents at the end of the data
//! file), yet a new version must be a new file, swapped in whole: the 530 MB data file
//! of 100k incidents was copied for every rebuild (0.3 s of CPU, a sixth of a rebuild
//! after one added incident). The version before last agrees with the published one
//! up to where the last splice began its changes, so only the rest is copied into it.
//!
//! A spare is written in place, so it must be nobody else's: the version it was may
//! still be read by whoever opened it while it was published (a slow download). Before
//! writing, fir takes a write lease on it, which Linux grants only when no other
//! descriptor of the file is open; else the spare is left alone and the splice copies
//! as before. Spares live outside the site (`.NAME-spares/` beside it, with the build
//! cache), so no web server serves an older version of a file. Only on Linux, which
//! also has the atomic exchange of two files that puts a spare in and the old version
//! out at once.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::FileVersion;

/// The spare of one file of a site, and the record of what it is.
#[derive(Debug)]
pub(super) struct Spare {
    path: PathBuf,
    record: PathBuf,
}

/// A spare taken for a splice: open, alone, and cut to the bytes it shares with the
/// published file.
#[derive(Debug)]
pub(super) struct Taken {
    pub file: fs::File,
    /// How many bytes from the start it shares with the published file.
    pub agreed: u64,
}

impl Spare {
    /// The spare of the file `relative` of the site at `target`.
    pub fn of(target: &Path, relative: &str) -> Spare {
        let name = super::site_name(target);
        let parent = target.parent().unwrap_or(Path::new("."));
        let path = parent.join(format!(".{name}-spares")).join(relative);
        let mut record = path.clone().into_os_string();
        record.push(".agrees");
        Spare {
            path,
            record: record.into(),
        }
    }

    /// How many bytes from the start the spare shares with `published` as it is now,
    /// if the record says so of both files as they are now.
    pub fn agrees_with(&self, published: &Path) -> Option<u64> {
        let record = fs::read_to_string(&self.record).ok()?;
        let mut lines = record.lines();
        let agreed: u64 = lines.next()?.parse().ok()?;
        let (spare, of) = (lines.next()?, lines.next()?);
        let now = |path: &Path| version_line(path).ok();
        (now(&self.path)?.as_str() == spare && now(published)?.as_str() == of).then_some(agreed)
    }

    /// The spare, to be written as the next version of `published` that keeps its
    /// first `keep` bytes: cut to what it shares of those, and positioned at its end.
    /// `None` when there is none that agrees, or someone else has it open.
    pub fn take(&self, published: &Path, keep: u64) -> Option<Taken> {
        use std::io::Seek;
        let agreed = self.agrees_with(published)?.min(keep);
        if agreed == 0 {
            return None;
        }
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .ok()?;
        if !alone(&file) {
            tracing::debug!("{}: open elsewhere, not written", self.path.display());
            return None;
        }
        // The record is about to be untrue: removed first, so that a build cut short
        // leaves no spare that claims to agree.
        fs::remove_file(&self.record).ok()?;
        file.set_len(agreed).ok()?;
        file.seek(io::SeekFrom::Start(agreed)).ok()?;
        Some(Taken { file, agreed })
    }

    /// Makes the spare a copy of `published` as it is now, which the next splice then
    /// writes into rather than copying the file first. Nothing is recorded when
    /// `published` changed while it was copied.
    pub fn copy_of(&self, published: &Path) -> io::Result<()> {
        let _ = fs::remove_file(&self.record);
        if let Some(parent) = self.path.parent() {
            fs::create_dir_all(parent)?;
        }
        let before = version_line(published)?;
        let mut temp = self.path.clone().into_os_string();
        temp.push(".tmp");
        let copied = fs::copy(published, &temp).and_then(|len| {
            fs::rename(&temp, &self.path)?;
            Ok(len)
        });
        let len = copied.inspect_err(|_| {
            let _ = fs::remove_file(&temp);
        })?;
        if version_line(published)? != before {
            return Err(io::Error::other("replaced while copied"));
        }
        self.write_record(published, len);
        Ok(())
    }

    /// Puts the spare, written, at `published` and the version it replaces where the
    /// spare was, which shares the first `agreed` bytes with it.
    pub fn put_at(&self, taken: Taken, published: &Path, agreed: u64) -> io::Result<()> {
        drop(taken.file);
        super::exchange(&self.path, published)?;
        self.write_record(published, agreed);
        Ok(())
    }

    /// Keeps `replaced` (the version of `published` a splice just replaced, which
    /// shares its first `agreed` bytes with it) as the spare; removes it when that
    /// cannot be.
    pub fn keep(&self, replaced: PathBuf, published: &Path, agreed: u64) {
        let _ = fs::remove_file(&self.record);
        let kept = self
            .path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::rename(&replaced, &self.path));
        match kept {
            Ok(()) => self.write_record(published, agreed),
            Err(e) => {
                tracing::debug!("{}: not kept as a spare: {e}", replaced.display());
                super::remove_replaced(replaced);
            }
        }
    }

    /// Records that the spare, as it is now, shares its first `agreed` bytes with
    /// `published` as it is now (written aside and renamed: never half a record).
    fn write_record(&self, published: &Path, agreed: u64) {
        let written = (|| {
            let text = format!(
                "{agreed}\n{}\n{}\n",
                version_line(&self.path)?,
                version_line(published)?
            );
            let mut temp = self.record.clone().into_os_string();
            temp.push(".tmp");
            fs::write(&temp, text)?;
            fs::rename(&temp, &self.record)
        })();
        if let Err(e) = written {
            tracing::debug!("{}: {e}", self.record.display());
        }
    }
}

/// The version of the file at `path` as it is now, as one line of the record.
fn version_line(path: &Path) -> io::Result<String> {
    let version = FileVersion::of(&fs::metadata(path)?);
    let modified = version
        .modified
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let (device, inode) = version.inode;
    #[cfg(not(unix))]
    let (device, inode) = (0, 0);
    Ok(format!("{device} {inode} {} {modified}", version.len))
}

/// Whether no other descriptor of `file` is open, here or in any process: a write
/// lease is granted only then (and is given up when `file` is closed). Breaking it
/// signals the holder; SIGURG, ignored by default, is asked for rather than SIGIO,
/// which would end the process.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn alone(file: &fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // `F_SETSIG` of Linux's fcntl.h, which the libc crate does not name.
    const F_SETSIG: libc::c_int = 10;
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is an open descriptor for the duration of both calls, and both
    // commands take an integer argument, as passed.
    unsafe {
        libc::fcntl(fd, F_SETSIG, libc::SIGURG) == 0
            && libc::fcntl(fd, libc::F_SETLEASE, libc::F_WRLCK) == 0
    }
}

#[cfg(not(target_os = "linux"))]
fn alone(_: &fs::File) -> bool {
    false
}
