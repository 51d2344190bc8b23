//! Where messages come from: single files, mbox files and Maildirs.

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// True for a directory with `new/` and `cur/`.
pub fn is_maildir(path: &Path) -> bool {
    path.join("new").is_dir() && path.join("cur").is_dir()
}

/// True for a file that starts like an mbox (`From ` line).
pub fn is_mbox(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 5];
    let mut file = fs::File::open(path)?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(&head[..read] == b"From ")
}

/// The messages waiting in a Maildir's `new/`, oldest name first (hidden files skipped).
pub fn maildir_new(maildir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(maildir.join("new"))? {
        let entry = entry?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Moves a processed message from `new/` to `cur/`, marked seen (`:2,S`).
pub fn mark_seen(maildir: &Path, message: &Path) -> io::Result<PathBuf> {
    let name = message
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "message has no file name"))?
        .to_string_lossy()
        .into_owned();
    let name = match name.split_once(":2,") {
        Some((base, flags)) if flags.contains('S') => format!("{base}:2,{flags}"),
        Some((base, flags)) => {
            let mut flags: Vec<char> = flags.chars().chain(['S']).collect();
            flags.sort_unstable();
            format!("{base}:2,{}", flags.into_iter().collect::<String>())
        }
        None => format!("{name}:2,S"),
    };
    let target = maildir.join("cur").join(name);
    fs::rename(message, &target)?;
    Ok(target)
}

/// One message of an mbox file.
#[derive(Debug)]
pub struct MboxMessage {
    /// 1-based position in the file.
    pub index: usize,
    /// 1-based line of its `From ` line.
    pub line: usize,
    /// The message, `>From ` quoting undone; cut at the size limit.
    pub data: Vec<u8>,
    /// Its whole size, also when `data` was cut.
    pub size: u64,
}

/// Reads the messages of an mbox (mboxrd quoting: `>From ` lines lose one `>`), keeping
/// at most `max_bytes` of each in memory so that a huge message cannot exhaust it.
#[derive(Debug)]
pub struct Mbox<R> {
    reader: R,
    max_bytes: u64,
    line: usize,
    index: usize,
    pending: Option<usize>,
}

impl Mbox<BufReader<fs::File>> {
    pub fn open(path: &Path, max_bytes: u64) -> io::Result<Self> {
        Ok(Mbox::new(BufReader::new(fs::File::open(path)?), max_bytes))
    }
}

impl<R: BufRead> Mbox<R> {
    pub fn new(reader: R, max_bytes: u64) -> Self {
        Mbox {
            reader,
            max_bytes,
            line: 0,
            index: 0,
            pending: None,
        }
    }
}

impl<R: BufRead> Iterator for Mbox<R> {
    type Item = io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = Vec::with_capacity(128);
        let mut current: Option<MboxMessage> = self.pending.take().map(|line| {
            self.index += 1;
            MboxMessage {
                index: self.index,
                line,
                data: Vec::new(),
                size: 0,
            }
        });
        loop {
            buf.clear();
            // Lines are read whole; a single line longer than the limit is still read,
            // but only kept up to the limit.
            match self.reader.read_until(b'\n', &mut buf) {
                Ok(0) => return current.map(Ok),
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
            self.line += 1;
            if buf.starts_with(b"From ") {
                if current.is_some() {
                    self.pending = Some(self.line);
                    return current.map(Ok);
                }
                self.index += 1;
                current = Some(MboxMessage {
                    index: self.index,
                    line: self.line,
                    data: Vec::new(),
                    size: 0,
                });
                continue;
            }
            let Some(message) = current.as_mut() else {
                // Text before the first `From ` line is not a message.
                continue;
            };
            let quoted = buf.iter().take_while(|&&b| b == b'>').count();
            let content = if quoted > 0 && buf[quoted..].starts_with(b"From ") {
                &buf[1..]
            } else {
                &buf[..]
            };
            message.size += content.len() as u64;
            let room = (self.max_bytes + 1).saturating_sub(message.data.len() as u64) as usize;
            message
                .data
                .extend_from_slice(&content[..content.len().min(room)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_an_mbox_and_unquotes_from_lines() {
        let text = b"preamble\nFrom a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\n>From here\n>>From there\n\nFrom c@d Mon Jan 1 00:00:00 2024\nSubject: two\n\nbody\n";
        let messages: Vec<MboxMessage> = Mbox::new(&text[..], 1000).map(Result::unwrap).collect();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].line, 2);
        assert_eq!(
            messages[0].data,
            b"Subject: one\n\nFrom here\n>From there\n\n"
        );
        assert_eq!((messages[1].index, messages[1].line), (2, 8));
        assert_eq!(messages[1].data, b"Subject: two\n\nbody\n");
        let capped: Vec<MboxMessage> = Mbox::new(&text[..], 5).map(Result::unwrap).collect();
        assert_eq!(capped[0].data.len(), 6);
        assert_eq!(capped[0].size, 37);
    }

    #[test]
    fn maildir_flags() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("new")).unwrap();
        fs::create_dir_all(dir.path().join("cur")).unwrap();
        for name in ["1.host", "2.host:2,F"] {
            fs::write(dir.path().join("new").join(name), "x").unwrap();
        }
        let found = maildir_new(dir.path()).unwrap();
        assert_eq!(found.len(), 2);
        let moved: Vec<String> = found
            .iter()
            .map(|m| mark_seen(dir.path(), m).unwrap())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(moved, ["1.host:2,S", "2.host:2,FS"]);
        assert!(maildir_new(dir.path()).unwrap().is_empty());
    }
}
