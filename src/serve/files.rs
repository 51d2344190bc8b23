//! The built site, read-only: content types, validators (ETag, Last-Modified), gzip
//! for text, no directory listing and nothing outside the site directory.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use http_body_util::BodyExt;
use hyper::body::{Bytes, Frame};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};

use super::http::{Body, full, html, redirect, text};

/// The site's own page for a missing file when it has one, else a line of text.
async fn not_found(site: &Path) -> Response<Body> {
    match tokio::fs::read_to_string(site.join(crate::site::pages::NOT_FOUND)).await {
        Ok(page) => html(StatusCode::NOT_FOUND, page),
        Err(_) => text(StatusCode::NOT_FOUND, "not found"),
    }
}

/// Files up to this size are read whole (and compressed when text); bigger ones stream.
const WHOLE: u64 = 1 << 20;
/// Text smaller than this is not worth compressing.
const GZIP_FROM: u64 = 1024;
/// Bytes of compressed bodies kept: small beside the memory `fir serve` holds (18–23
/// MiB serving the example site's usual pages, 25–37 MiB once it has sent every file).
const GZIP_CACHE_BYTES: usize = 2 << 20;

/// Compressed bodies of the text files served, by path and validator. Compressing
/// costs more than reading: the 267 KB facet table of a 100k site took 4.4–5.7 ms
/// to send compressed against 0.6 ms as is, and every visitor's search reads the
/// same index files. A rebuild gives a changed file a new validator, so an entry is
/// never served for other bytes; the cache is emptied when it would grow past
/// [`GZIP_CACHE_BYTES`].
#[derive(Debug, Default)]
pub struct GzipCache {
    entries: Mutex<Gzipped>,
}

/// A file's path and validator (ETag).
type FileVersion = (PathBuf, String);

/// The bodies kept, and their total size.
#[derive(Debug, Default)]
struct Gzipped {
    bodies: HashMap<FileVersion, Bytes>,
    bytes: usize,
}

impl GzipCache {
    fn get(&self, key: &FileVersion) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.bodies.get(key).cloned()
    }

    fn insert(&self, key: FileVersion, body: Bytes) {
        if body.len() > GZIP_CACHE_BYTES {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let Gzipped { bodies, bytes } = &mut *entries;
        if *bytes + body.len() > GZIP_CACHE_BYTES {
            bodies.clear();
            *bytes = 0;
        }
        *bytes += body.len();
        if let Some(old) = bodies.insert(key, body) {
            *bytes -= old.len();
        }
    }
}

/// Serves `url_path` from the site directory `site` (canonical).
pub async fn serve(
    site: &Path,
    gzipped: &GzipCache,
    method: &Method,
    url_path: &str,
    headers: &HeaderMap,
) -> Response<Body> {
    let Some(relative) = safe_relative(url_path) else {
        return text(StatusCode::BAD_REQUEST, "invalid path");
    };
    let mut path = site.join(&relative);
    let mut metadata = match tokio::fs::metadata(&path).await {
        Ok(m) => m,
        Err(_) => return not_found(site).await,
    };
    if metadata.is_dir() {
        if !url_path.ends_with('/') {
            return redirect(StatusCode::MOVED_PERMANENTLY, &format!("{url_path}/"));
        }
        path.push("index.html");
        metadata = match tokio::fs::metadata(&path).await {
            Ok(m) if m.is_file() => m,
            // No listing of a directory without an index page.
            _ => return not_found(site).await,
        };
    }
    // Symbolic links must not lead out of the site.
    match tokio::fs::canonicalize(&path).await {
        Ok(real) if real.starts_with(site) => {}
        _ => return not_found(site).await,
    }
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default();
    let etag = format!("\"{:x}-{:x}\"", metadata.len(), modified.as_nanos());
    let last_modified = jiff::Timestamp::from_second(modified.as_secs() as i64)
        .ok()
        .and_then(|ts| {
            jiff::fmt::rfc2822::DateTimePrinter::new()
                .timestamp_to_rfc9110_string(&ts)
                .ok()
        })
        .unwrap_or_default();
    let content_type = content_type(&path);
    let compressible = is_text(content_type)
        && (GZIP_FROM..=WHOLE).contains(&metadata.len())
        && accepts_gzip(headers);
    let mut response = Response::new(super::http::empty());
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The gzip variant is another representation: it gets its own tag.
    let etag = if compressible {
        format!("{}-gz\"", etag.trim_end_matches('"'))
    } else {
        etag
    };
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
    if let Ok(value) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, value);
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if not_modified(headers, &etag, modified.as_secs()) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    if method == Method::HEAD {
        if !compressible {
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(metadata.len()));
        }
        return response;
    }
    if metadata.len() > WHOLE {
        *response.body_mut() = stream(path);
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(metadata.len()));
        return response;
    }
    let key = (path, etag);
    if let Some(body) = compressible.then(|| gzipped.get(&key)).flatten() {
        return with_gzip_body(response, body);
    }
    let bytes = match tokio::fs::read(&key.0).await {
        Ok(bytes) => bytes,
        Err(_) => return not_found(site).await,
    };
    if compressible {
        let compressed = tokio::task::spawn_blocking(move || gzip(&bytes)).await;
        if let Ok(Ok(compressed)) = compressed {
            let body = Bytes::from(compressed);
            gzipped.insert(key, body.clone());
            return with_gzip_body(response, body);
        }
        return response;
    }
    *response.body_mut() = full(bytes);
    response
}

/// `response` sending `body`, compressed with gzip.
fn with_gzip_body(mut response: Response<Body>, body: Bytes) -> Response<Body> {
    response
        .headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    *response.body_mut() = full(body);
    response
}

/// The path below the site root that `url_path` names, or `None` when it tries to
/// leave it (`..`), names hidden files (`.fir-build`) or is not clean text.
fn safe_relative(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let mut relative = PathBuf::new();
    for segment in decoded.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment.starts_with('.')
            || segment.contains(['\\', '\0', ':'])
            || segment.chars().any(char::is_control)
        {
            return None;
        }
        relative.push(segment);
    }
    Some(relative)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "atom" => "application/atom+xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type.contains("xml")
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// `If-None-Match` wins over `If-Modified-Since`, as RFC 9110 says.
fn not_modified(headers: &HeaderMap, etag: &str, modified_secs: u64) -> bool {
    if let Some(tags) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return tags
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*");
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| jiff::fmt::rfc2822::parse(v).ok())
        .is_some_and(|since| since.timestamp().as_second() >= modified_secs as i64)
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::fast(),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// A large file, read in chunks on the blocking pool as the client takes them.
fn stream(path: PathBuf) -> Body {
    let (mut sender, body) = http_body_util::channel::Channel::<Bytes, std::io::Error>::new(4);
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt as _;
        let Ok(mut file) = tokio::fs::File::open(&path).await else {
            return;
        };
        loop {
            let mut buffer = vec![0; 64 * 1024];
            match file.read(&mut buffer).await {
                Ok(0) => break,
                Ok(n) => {
                    buffer.truncate(n);
                    if sender.send(Frame::data(Bytes::from(buffer))).await.is_err() {
                        break;
                    }
                }
                Err(error) => {
                    sender.abort(error);
                    break;
                }
            }
        }
    });
    body.boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_site() {
        assert_eq!(safe_relative("/a/b.html"), Some(PathBuf::from("a/b.html")));
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
        for bad in [
            "/../etc/passwd",
            "/a/%2e%2e/%2e%2e/x",
            "/.fir-build",
            "/a/..%2f..%2fx",
            "/a%5c..%5cx",
            "/%00",
            "/%ff",
            "/c:/windows",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn compressed_bodies_are_kept_within_their_budget() {
        let cache = GzipCache::default();
        let key = |name: &str| (PathBuf::from(name), "\"1\"".to_string());
        let half = Bytes::from(vec![0u8; GZIP_CACHE_BYTES / 2]);
        cache.insert(key("a"), half.clone());
        cache.insert(key("a"), half.clone());
        cache.insert(key("b"), half.clone());
        assert!(cache.get(&key("a")).is_some() && cache.get(&key("b")).is_some());
        // Past the budget, everything kept so far goes.
        cache.insert(key("c"), Bytes::from_static(b"c"));
        assert!(cache.get(&key("a")).is_none() && cache.get(&key("b")).is_none());
        assert_eq!(cache.get(&key("c")).as_deref(), Some(&b"c"[..]));
        // A body over the whole budget is not kept.
        cache.insert(key("d"), Bytes::from(vec![0u8; GZIP_CACHE_BYTES + 1]));
        assert!(cache.get(&key("d")).is_none());
        assert!(
            cache
                .get(&(PathBuf::from("c"), "\"2\"".to_string()))
                .is_none()
        );
    }

    #[test]
    fn validators() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", \"b\""),
        );
        assert!(not_modified(&headers, "\"b\"", 0));
        assert!(!not_modified(&headers, "\"c\"", 0));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert!(not_modified(&headers, "\"x\"", 784111777));
        assert!(!not_modified(&headers, "\"x\"", 784111778));
    }
}
