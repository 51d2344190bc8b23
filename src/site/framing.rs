//! The data files' shape: one JSON value per line between an opening and a closing
//! line (`data/incidents.json` an array, `data/artifacts.json` an object), so that an
//! incremental build can find a value's line in the published file and keep the
//! others as they are.
//!
//! ```text
//! [
//! {"id": "FIR-1"},
//! {"id": "FIR-2"}
//! ]
//! ```

/// How a data file frames its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// What the file starts with.
    pub open: &'static [u8],
    /// What follows every line but the last.
    pub separator: &'static [u8],
    /// What follows the last line.
    pub close: &'static [u8],
}

/// A JSON array, one element per line.
pub const ARRAY: Framing = Framing {
    open: b"[\n",
    separator: b",\n",
    close: b"\n]\n",
};

/// A JSON object, one member per line.
pub const OBJECT: Framing = Framing {
    open: b"{\n",
    separator: b",\n",
    close: b"\n}\n",
};

impl Framing {
    /// What follows the lines: [`Framing::close`], without its first `\n` when there
    /// is no line (the brackets alone, each on its line).
    pub fn end(&self, any_line: bool) -> &'static [u8] {
        if any_line {
            self.close
        } else {
            &self.close[1..]
        }
    }

    /// A file of this framing written into a buffer made for `bytes` of lines.
    pub fn writer(self, bytes: usize) -> Framed {
        let mut out = Vec::with_capacity(self.open.len() + bytes + self.close.len());
        out.extend_from_slice(self.open);
        Framed {
            framing: self,
            out,
            lines: 0,
        }
    }

    /// The file of `lines` (without separators).
    pub fn whole<'l>(self, lines: impl IntoIterator<Item = &'l [u8]>) -> Vec<u8> {
        let mut file = self.writer(0);
        for line in lines {
            file.push(line);
        }
        file.finish()
    }
}

/// A data file being written, line by line, straight into one buffer: at 100k
/// incidents it is hundreds of megabytes, and a copy would double the memory.
#[derive(Debug)]
pub struct Framed {
    framing: Framing,
    out: Vec<u8>,
    lines: usize,
}

impl Framed {
    /// Starts a line: the buffer to write it into, after the separator of the last.
    pub fn line(&mut self) -> &mut Vec<u8> {
        if self.lines > 0 {
            self.out.extend_from_slice(self.framing.separator);
        }
        self.lines += 1;
        &mut self.out
    }

    /// Adds a line written elsewhere.
    pub fn push(&mut self, line: &[u8]) {
        self.line().extend_from_slice(line);
    }

    /// The file's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(self.framing.end(self.lines > 0));
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_separated_and_closed_and_no_line_leaves_the_brackets() {
        assert_eq!(ARRAY.whole([]), b"[\n]\n");
        assert_eq!(OBJECT.whole([&b"\"a\": 1"[..]]), b"{\n\"a\": 1\n}\n");
        let mut file = ARRAY.writer(16);
        file.line().extend_from_slice(b"1");
        file.push(b"2");
        assert_eq!(file.finish(), b"[\n1,\n2\n]\n");
    }
}
