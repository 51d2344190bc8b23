//! Finding indicators in free text. The text is refanged, cut into chunks at white
//! space and brackets (but those of a URL's IPv6 host), each chunk split into URLs and
//! plain words, and each word tried as each type in turn. Every step moves forward
//! through the text and looks at most a fixed distance back: the work is linear in
//! the text's length (the `steps` counter lets a test check it).

use std::borrow::Cow;

use super::next_byte::NextByte;
use super::values;
use super::{Artifact, Kind};
use crate::config::artifacts::ArtifactConfig;

/// What a scan finds: indicators and words that look like incident ids.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    pub artifacts: Vec<Artifact>,
    /// `FIR-2024-0012`-like words, to be matched against the ids of the site.
    pub mentions: Vec<String>,
}

/// ASCII characters a chunk (a URL, an address, a word with dots) may hold, besides
/// letters and digits.
const CHUNK_PUNCTUATION: &[u8] = b"._-:/?#@!$&*+,;=%~";
/// ASCII characters a plain word (domain, address, hash, id) may hold, besides letters
/// and digits.
const WORD_PUNCTUATION: &[u8] = b"._-:@+%";

/// A table of the ASCII bytes that continue a chunk or a word.
const fn table(punctuation: &[u8]) -> [bool; 128] {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < punctuation.len() {
        table[punctuation[i] as usize] = true;
        i += 1;
    }
    table
}

static IN_CHUNK: [bool; 128] = table(CHUNK_PUNCTUATION);
static IN_WORD: [bool; 128] = table(WORD_PUNCTUATION);

/// Whether the character at byte `i` of `text` (a character boundary) belongs to a
/// chunk (`IN_CHUNK`) or a word (`IN_WORD`), and its length in bytes: ASCII as the
/// table says, letters and digits of other scripts (their white space and punctuation
/// end both).
// Inlined: it is called per byte at chunk edges and in words, and a call costs more
// than its table lookup.
#[inline(always)]
fn char_at(text: &str, i: usize, ascii: &[bool; 128]) -> (bool, usize) {
    match text.as_bytes()[i] {
        byte @ 0..128 => (ascii[byte as usize], 1),
        _ => {
            let c = text[i..].chars().next().expect("a char boundary");
            (c.is_alphanumeric(), c.len_utf8())
        }
    }
}

/// Scans `text` (already refanged), adding what it finds to `found`.
pub fn scan(text: &str, config: &ArtifactConfig, found: &mut Found, steps: &mut u64) {
    for_each_candidate(text, steps, |chunk_text, steps| {
        let called = followed_by_call(text, chunk_text);
        chunk(chunk_text, called, config, found, steps);
    });
}

/// Whether `chunk` (a part of `text`) is followed by `(`, as a function called in code
/// is: see [`chunk`].
fn followed_by_call(text: &str, chunk: &str) -> bool {
    let end = chunk.as_ptr() as usize - text.as_ptr() as usize + chunk.len();
    text.as_bytes().get(end) == Some(&b'(')
}

/// [`scan`] without the quick test that passes over plain words: what the test
/// checks that quick test against.
#[cfg(test)]
pub fn scan_every_chunk(text: &str, config: &ArtifactConfig, found: &mut Found) {
    for_each_chunk(text, &mut 0, |chunk_text, _, steps| {
        let called = followed_by_call(text, chunk_text);
        chunk(chunk_text, called, config, found, steps)
    });
}

/// What [`CLASS`] says of a byte (bits).
const IN: u8 = 1;
/// A byte of a multi-byte character: decoded to decide.
const WIDE: u8 = 2;
/// `.`, `:`, `@` or `-`: one of them is in every indicator but hashes.
const MARK: u8 = 4;

/// Each byte's class: [`IN`] for the ASCII bytes of [`IN_CHUNK`], [`WIDE`] for bytes of
/// multi-byte characters, plus [`MARK`].
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = if b >= 128 {
            WIDE
        } else if IN_CHUNK[b] {
            IN
        } else {
            0
        };
        if matches!(b as u8, b'.' | b':' | b'@' | b'-') {
            table[b] |= MARK;
        }
        b += 1;
    }
    table
};

/// [`char_at`] for chunks.
#[inline(always)]
fn chunk_char_at(text: &str, i: usize) -> (bool, usize) {
    char_at(text, i, &IN_CHUNK)
}

/// The end of the chunk that goes on at byte `i` (a character boundary), and the
/// [`CLASS`] bits of its ASCII bytes from `i` on.
fn chunk_end(text: &str, mut i: usize) -> (usize, u8) {
    let bytes = text.as_bytes();
    let mut marks = 0;
    while i < bytes.len() {
        // An ASCII byte of a chunk, the common case, without a call.
        let class = CLASS[bytes[i] as usize];
        if class & (IN | WIDE) == IN {
            marks |= class;
            i += 1;
            continue;
        }
        match chunk_char_at(text, i) {
            (true, len) => i += len,
            (false, _) => match bracketed_host_end(bytes, i) {
                Some(after) => {
                    marks |= MARK;
                    i = after;
                }
                None => break,
            },
        }
    }
    (i, marks)
}

/// Brackets end chunks, except around a URL's IPv6 host (`https://[2a01:4f8::1]/`):
/// when byte `i` opens one right after `//` or `@`, the end of its `]`. What is inside
/// is hex digits, colons and dots, no longer than an address can be.
fn bracketed_host_end(bytes: &[u8], i: usize) -> Option<usize> {
    const LONGEST: usize = 45; // an IPv6 address with an IPv4 tail
    if bytes[i] != b'[' || !(bytes[..i].ends_with(b"//") || bytes[..i].ends_with(b"@")) {
        return None;
    }
    let inside = &bytes[i + 1..bytes.len().min(i + 2 + LONGEST)];
    let close = inside
        .iter()
        .position(|&b| !(b.is_ascii_hexdigit() || b == b':' || b == b'.'))?;
    (close > 0 && inside[close] == b']').then_some(i + close + 2)
}

/// Calls `f` with each chunk of `text` (a run of characters [`chunk_char_at`]
/// accepts) and whether the chunk holds a [`MARK`] byte.
#[cfg(test)]
fn for_each_chunk(text: &str, steps: &mut u64, mut f: impl FnMut(&str, bool, &mut u64)) {
    *steps += text.len() as u64;
    let mut i = 0;
    while i < text.len() {
        let (inside, len) = chunk_char_at(text, i);
        if !inside {
            i += len;
            continue;
        }
        let (end, marks) = chunk_end(text, i);
        f(&text[i..end], marks & MARK != 0, steps);
        i = end;
    }
}

/// The fewest hex digits of a hash: a chunk without marks matters only if it holds a
/// run of this many.
const HASH_DIGITS: usize = 32;

/// Calls `f` with each chunk of `text` that [`may_hold_indicator`] keeps, in order,
/// without looking at every byte: such a chunk holds a [`MARK`] byte, which `memchr`
/// finds, or a run of at least [`HASH_DIGITS`] hex digits, which covers a multiple of
/// that length: one byte in [`HASH_DIGITS`] is sampled, and only a hex digit there
/// whose run is long enough is measured further. The chunk around each such byte is
/// measured both ways. Prose is mostly short words without marks: they are never read.
fn for_each_candidate(text: &str, steps: &mut u64, mut f: impl FnMut(&str, &mut u64)) {
    let bytes = text.as_bytes();
    *steps += bytes.len() as u64;
    let mut marks = NextByte::new(bytes, b".:@", b"-");
    // Everything before `from` has been measured.
    let mut from = 0;
    while from < bytes.len() {
        let sample = from.next_multiple_of(HASH_DIGITS);
        let (at, sampled) = match marks.next(from) {
            Some(mark) if mark <= sample => (mark, false),
            _ => (sample, true),
        };
        if at >= bytes.len() {
            break;
        }
        if sampled && hex_run_around(bytes, at) < HASH_DIGITS {
            from = at + 1;
            continue;
        }
        match chunk_around(text, at) {
            Some((start, end, has_mark)) => {
                *steps += (end - start) as u64;
                let chunk_text = &text[start..end];
                if may_hold_indicator(chunk_text, has_mark) {
                    f(chunk_text, steps);
                }
                from = end;
            }
            None => from = at + 1,
        }
    }
}

/// The chunk around byte `at` of `text` (any byte: a character's own), as its start,
/// end and whether it holds a [`MARK`] byte; none when that character is in none.
fn chunk_around(text: &str, at: usize) -> Option<(usize, usize, bool)> {
    let bytes = text.as_bytes();
    let at = char_start(text, at);
    if !chunk_char_at(text, at).0 {
        return None;
    }
    let (end, mut marks) = chunk_end(text, at);
    let mut start = at;
    while start > 0 {
        let class = CLASS[bytes[start - 1] as usize];
        if class & (IN | WIDE) == IN {
            marks |= class;
            start -= 1;
            continue;
        }
        if class & WIDE == 0 {
            break;
        }
        let previous = char_start(text, start - 1);
        if !chunk_char_at(text, previous).0 {
            break;
        }
        start = previous;
    }
    Some((start, end, marks & MARK != 0))
}

/// The start of the character that byte `i` of `text` belongs to (`str::floor_char_boundary`,
/// which is newer than the crate's minimum Rust).
fn char_start(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte ranges of a text, as `(start, end)`.
#[cfg(test)]
pub type ByteRanges = Vec<(usize, usize)>;

/// The chunks [`scan`] looks into, as byte ranges, and those that looking at every
/// chunk with [`may_hold_indicator`] keeps: the test of [`for_each_candidate`].
#[cfg(test)]
pub fn candidate_chunks(text: &str) -> (ByteRanges, ByteRanges) {
    let range = |chunk: &str| {
        let start = chunk.as_ptr() as usize - text.as_ptr() as usize;
        (start, start + chunk.len())
    };
    let (mut jumped, mut every) = (Vec::new(), Vec::new());
    for_each_candidate(text, &mut 0, |chunk, _| jumped.push(range(chunk)));
    for_each_chunk(text, &mut 0, |chunk, marks, _| {
        if may_hold_indicator(chunk, marks) {
            every.push(range(chunk));
        }
    });
    (jumped, every)
}

/// False for a chunk in which no indicator or incident id can be: every type needs a
/// `.`, `:`, `@` or `-` before the chunk's trailing punctuation (which words lose),
/// except hashes, which are runs of at least [`HASH_DIGITS`] hex digits. Most words of
/// prose fail this test, and skipping them is most of extraction's speed. `marks`:
/// whether the chunk holds one of those four anywhere.
fn may_hold_indicator(chunk: &str, marks: bool) -> bool {
    let marked = marks
        && values::trim_edges_end(chunk)
            .bytes()
            .any(|b| CLASS[b as usize] & MARK != 0);
    marked
        || (chunk.len() >= HASH_DIGITS
            && chunk
                .as_bytes()
                .split(|b| !b.is_ascii_hexdigit())
                .any(|run| run.len() >= HASH_DIGITS))
}

/// The length of the run of hex digits that byte `at` is in (0 if it is none), measured
/// no further than [`HASH_DIGITS`] each way: enough to tell a hash's.
fn hex_run_around(bytes: &[u8], at: usize) -> usize {
    let hex = |i: usize| bytes[i].is_ascii_hexdigit();
    if !hex(at) {
        return 0;
    }
    let (mut start, mut end) = (at, at + 1);
    let end_limit = bytes.len().min(at + HASH_DIGITS);
    while end < end_limit && hex(end) {
        end += 1;
    }
    let start_limit = at.saturating_sub(HASH_DIGITS);
    while start > start_limit && hex(start - 1) {
        start -= 1;
    }
    end - start
}

/// Splits a chunk into URLs (from a known scheme to the next URL or the end) and the
/// plain text around them. `called`: the chunk is followed by `(`, as a function is
/// in code (`window.open(u)`): its last word is then no name.
fn chunk(text: &str, called: bool, config: &ArtifactConfig, found: &mut Found, steps: &mut u64) {
    let mut url_from: Option<usize> = None;
    let bytes = text.as_bytes();
    *steps += bytes.len() as u64;
    // From colon to colon: a `://` starts with one.
    let mut from = 0;
    while let Some(colon) = memchr::memchr(b':', &bytes[from..]) {
        let i = from + colon;
        if !bytes[i + 1..].starts_with(b"//") {
            from = i + 1;
            continue;
        }
        // The scheme: up to 5 letters before `://`, not before what is already cut.
        let floor = url_from.unwrap_or(0).max(i.saturating_sub(5));
        let mut s = i;
        while s > floor && bytes[s - 1].is_ascii_alphabetic() {
            s -= 1;
        }
        if values::is_scheme(&text[s..i]) {
            match url_from {
                Some(u) => url(&text[u..s], false, config, found, steps),
                None => plain(&text[..s], false, config, found, steps),
            }
            url_from = Some(s);
        }
        from = i + 3;
    }
    match url_from {
        Some(u) => url(&text[u..], called, config, found, steps),
        None => plain(text, called, config, found, steps),
    }
}

fn url(text: &str, called: bool, config: &ArtifactConfig, found: &mut Found, steps: &mut u64) {
    *steps += text.len() as u64;
    match values::url(text) {
        Some((value, host)) => {
            if !host.is_internal() || config.private_ips {
                push(found, config, Kind::Url, &value);
            }
            hashes_in_url(&value, config, found);
        }
        // `http://login.php`: not a URL, but its words may still be something.
        None => plain(text, called, config, found, steps),
    }
}

/// The hashes in a URL's path, query and fragment, each a part of its own between
/// other characters than letters and digits (`/gui/file/<sha256>/detection`,
/// `?md5=<md5>`): analysis services name a sample so in the links notes quote, and
/// the sample, not the link, is what other incidents share.
fn hashes_in_url(url: &str, config: &ArtifactConfig, found: &mut Found) {
    let Some((_, _, rest)) = values::url_parts(url) else {
        return;
    };
    for part in rest.split(|c: char| !c.is_ascii_alphanumeric()) {
        if let Some((kind, hash)) = values::hash(part) {
            push(found, config, kind, &hash);
        }
    }
}

/// Splits plain text into words (runs of what [`char_at`] accepts with `IN_WORD`,
/// read byte by byte where ASCII) and classifies each one; the last one is `called`
/// if the text is ([`chunk`]).
fn plain(text: &str, called: bool, config: &ArtifactConfig, found: &mut Found, steps: &mut u64) {
    *steps += text.len() as u64 + 1;
    let bytes = text.as_bytes();
    let word_char_at = |i: usize| char_at(text, i, &IN_WORD);
    let mut i = 0;
    while i < bytes.len() {
        let (inside, len) = word_char_at(i);
        let start = i;
        i += len;
        if !inside {
            continue;
        }
        while i < bytes.len() {
            match word_char_at(i) {
                (true, len) => i += len,
                (false, _) => break,
            }
        }
        let word_end = i;
        if let Some((prefix_end, network_address)) = network_at(text, start, i, config, found) {
            i = prefix_end;
            if network_address {
                continue;
            }
        }
        let word = values::trim_word(&text[start..word_end]);
        if !word.is_empty() {
            let called = called && i == bytes.len();
            self::word(word, called, config, found, steps);
        }
    }
}

/// A network written as the word `text[start..end]`, `/` and a prefix
/// (`194.26.29.0/24`, `2001:db8::/32`): pushes it, and gives the end of its prefix
/// and whether the word is listed with it (the network's own address is no host's:
/// `194.26.29.77/24` names the range and that host, `194.26.29.0/24` only the range;
/// `185.1.2.3/32` is that address). `None` when no network is written there.
fn network_at(
    text: &str,
    start: usize,
    end: usize,
    config: &ArtifactConfig,
    found: &mut Found,
) -> Option<(usize, bool)> {
    let bytes = text.as_bytes();
    let may_be_address = bytes[start].is_ascii_hexdigit() || bytes[start] == b':';
    if bytes.get(end) != Some(&b'/') || !may_be_address {
        return None;
    }
    let digits = bytes[end + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let prefix_end = end + 1 + digits;
    // `1.2.3.0/24x`, `1.2.3.0/24/…` (a path) or `/24.5` are no prefix.
    if !(1..=3).contains(&digits)
        || bytes.get(prefix_end).is_some_and(|&b| {
            b == b'/' || (b.is_ascii() && IN_WORD[b as usize] && !is_trailing(bytes, prefix_end))
        })
    {
        return None;
    }
    let (kind, value, internal) = values::network(&text[start..prefix_end])?;
    if !internal || config.private_ips {
        push(found, config, kind, &value);
    }
    let network_address = value.split_once('/').map(|(address, _)| address);
    let own_address = network_address.is_some_and(|network_address| {
        classify(&text[start..end]).is_some_and(|(_, address)| address == network_address)
    });
    // A `/32` is the address itself, already listed.
    Some((prefix_end, own_address || kind != Kind::Network))
}

/// Whether the byte at `at` is punctuation ending a sentence or a list after a word
/// (`…/24.`, `…/24,`, `…/24;`): `.`, `,`, `;` or `:` before the end of the text or
/// anything but a letter or digit.
fn is_trailing(bytes: &[u8], at: usize) -> bool {
    matches!(bytes[at], b'.' | b',' | b';' | b':')
        && bytes.get(at + 1).is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// What one pass over a word's bytes tells (bits of [`SHAPE`], or-ed): which marks it
/// holds, and whether some byte is no hex digit, or neither digit nor dot. Every
/// candidate word is classified by these rather than read again for each question.
#[derive(Debug, Clone, Copy)]
struct Shape(u8);

/// Each byte's [`Shape`] bits (`Shape::DOT`, …).
static SHAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let mut bits = 0;
        if byte == b'.' {
            bits |= Shape::DOT;
        }
        if byte == b':' {
            bits |= Shape::COLON;
        }
        if byte == b'@' {
            bits |= Shape::AT;
        }
        if !byte.is_ascii_hexdigit() {
            bits |= Shape::NOT_HEX;
        }
        if !byte.is_ascii_digit() && byte != b'.' {
            bits |= Shape::NOT_DIGIT_OR_DOT;
        }
        table[b] = bits;
        b += 1;
    }
    table
};

impl Shape {
    const DOT: u8 = 1;
    const COLON: u8 = 2;
    const AT: u8 = 4;
    const NOT_HEX: u8 = 8;
    const NOT_DIGIT_OR_DOT: u8 = 16;

    fn of(word: &str) -> Shape {
        Shape(word.bytes().fold(0, |bits, b| bits | SHAPE[b as usize]))
    }

    fn has(self, bits: u8) -> bool {
        self.0 & bits != 0
    }

    /// Only hex digits, as many as a hash has.
    fn may_be_hash(self, word: &str) -> bool {
        !self.has(Shape::NOT_HEX) && values::hash_kind(word.len()).is_some()
    }
}

/// One word: an e-mail address, CVE id, hash, IP address or domain, or a possible
/// incident id; a word with colons that is no address is split at them. `called`:
/// followed by `(` ([`chunk`]).
fn word(word: &str, called: bool, config: &ArtifactConfig, found: &mut Found, steps: &mut u64) {
    *steps += 4 * word.len() as u64;
    let shape = Shape::of(word);
    // Most words of prose are none of the types: no dot, colon or `@`, not a hash,
    // not a CVE id. Only an incident id may be such a word.
    if !shape.has(Shape::DOT | Shape::COLON | Shape::AT)
        && !shape.may_be_hash(word)
        && !values::has_cve_prefix(word)
    {
        if looks_like_id(word) {
            found.mentions.push(word.to_string());
        }
        return;
    }
    match classify_shaped(word, shape) {
        Some((Kind::Domain, _, _))
            if called || reads_as_sentence_break(word) || reads_as_field_name(word) => {}
        // `Chrome/120.0.0.0`: the version every Chromium browser writes in its user
        // agent since they were cut short; as an address, a whole network's own.
        Some((Kind::Ipv4, value, _)) if value.ends_with(".0.0.0") => {}
        Some((kind, value, internal)) => {
            if !internal || config.private_ips {
                push(found, config, kind, &value);
            }
        }
        None if shape.has(Shape::COLON) => {
            for piece in word.split(':') {
                let piece = values::trim_edges(piece);
                if !piece.is_empty() && !piece.contains(':') {
                    self::word(piece, false, config, found, steps);
                }
            }
        }
        None => {
            if looks_like_id(word) {
                found.mentions.push(word.to_string());
            }
        }
    }
}

/// The type and normal form of a whole word, if it is an indicator: a network
/// (`194.26.29.0/24`) too, which texts give as an address, `/` and a prefix.
pub fn classify(word: &str) -> Option<(Kind, String)> {
    if word.contains('/') {
        return values::network(word).map(|(kind, value, _)| (kind, value));
    }
    classify_shaped(word, Shape::of(word)).map(|(kind, value, _)| (kind, value.into_owned()))
}

/// [`classify`] from the word's shape, and whether the value is an internal address
/// ([`values::is_internal_v4`]), judged while its address is at hand. The value is
/// borrowed from the word when that is its normal form already.
fn classify_shaped(word: &str, shape: Shape) -> Option<(Kind, Cow<'_, str>, bool)> {
    let other = |kind, value| (kind, value, false);
    if shape.has(Shape::AT) {
        return values::email(word).map(|(email, _)| other(Kind::Email, email.into()));
    }
    if let Some(cve) = values::cve(word) {
        return Some(other(Kind::Cve, cve.into()));
    }
    if shape.may_be_hash(word) {
        return values::hash(word).map(|(kind, hash)| other(kind, hash));
    }
    if shape.has(Shape::COLON) {
        if let Some(ip) = values::ipv6(word) {
            let (kind, value) = values::ip_artifact(ip.into());
            return Some((kind, value.into(), values::is_internal_v6(ip)));
        }
        return ipv4(word);
    }
    if !shape.has(Shape::NOT_DIGIT_OR_DOT) {
        return ipv4(word);
    }
    values::domain(word).map(|d| other(Kind::Domain, d))
}

fn ipv4(word: &str) -> Option<(Kind, Cow<'_, str>, bool)> {
    values::ipv4(word).map(|(ip, text)| (Kind::Ipv4, text.into(), values::is_internal_v4(ip)))
}

/// Whether a name reads as two sentences run together by a missing space (`the
/// site.La page`, `done.It failed`): its last label is a capitalised word (`La`,
/// `It`: also top-level domains) after a label in lowercase that ends in a letter.
/// A name is written all in lowercase or all in capitals (`evil.com`, `EVIL.COM`),
/// rarely with a capital after a dot only; prose in both French and English meets
/// such words (`.la`, `.it`, `.me`, `.de`, `.in`, `.re`) after most sentences.
fn reads_as_sentence_break(word: &str) -> bool {
    let Some((before, last)) = word.rsplit_once('.') else {
        return false;
    };
    let mut last_chars = last.chars();
    let capitalised = last_chars.next().is_some_and(char::is_uppercase)
        && last_chars.next().is_some()
        && last_chars.all(char::is_lowercase);
    let label = before.rsplit('.').next().unwrap_or(before);
    capitalised
        && label.chars().last().is_some_and(char::is_lowercase)
        && !label.chars().any(char::is_uppercase)
}

/// First labels of the fields of log schemas and code that end in a top-level domain:
/// Elastic Common Schema field sets (`host.name`, `user.id`, `process.parent.name`,
/// `dns.question.name`), as alerts pasted into notes carry them, and the receivers of
/// scripts (`this.name`, `window.location.host`).
const FIELD_ROOTS: &[&str] = &[
    "agent",
    "client",
    "cloud",
    "container",
    "destination",
    "device",
    "dll",
    "dns",
    "event",
    "file",
    "group",
    "host",
    "observer",
    "organization",
    "package",
    "process",
    "registry",
    "rule",
    "server",
    "service",
    "source",
    "threat",
    "user",
    "this",
    "self",
    "window",
    "document",
    "location",
    "request",
    "req",
    "response",
    "obj",
];

/// Top-level domains that are also the last part of such fields.
const FIELD_LEAVES: &[&str] = &["name", "id", "email", "host"];

/// Whether a name reads as such a field: a [`FIELD_ROOTS`] label first, a
/// [`FIELD_LEAVES`] one last. Taken for names, they would relate every incident whose
/// notes quote an alert. Only text is judged so: a name given as an artifact in front
/// matter, or in a URL or an address, is kept.
fn reads_as_field_name(word: &str) -> bool {
    let (Some((root, _)), Some((_, leaf))) = (word.split_once('.'), word.rsplit_once('.')) else {
        return false;
    };
    let listed = |list: &[&str], label: &str| list.iter().any(|w| w.eq_ignore_ascii_case(label));
    listed(FIELD_LEAVES, leaf) && listed(FIELD_ROOTS, root)
}

/// `FIR-2024-0012`, `INC-123`: starts with a letter, has a dash, ends with a digit.
fn looks_like_id(word: &str) -> bool {
    word.len() <= 64
        && word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word.ends_with(|c: char| c.is_ascii_digit())
        && word.contains('-')
        && crate::incident::is_valid_id(word)
}

fn push(found: &mut Found, config: &ArtifactConfig, kind: Kind, value: &str) {
    let artifact = Artifact {
        kind,
        value: value.into(),
    };
    if !super::blocked(&artifact, config) {
        found.artifacts.push(artifact);
    }
}
