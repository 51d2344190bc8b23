//! Helpers shared by the end-to-end tests: run the `fir` binary, compare snapshots.
#![allow(dead_code)]

pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The built `fir` binary, with logging quiet and no inherited root or author.
pub fn fir() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fir"));
    command
        .env_remove("FIR_ROOT")
        .env_remove("FIR_LOG")
        .env_remove("FIR_AUTHOR");
    command
}

/// Runs `fir --root ROOT ARGS…`.
/// Starts `fir serve` for the site at `root` on a free loopback port; returns the
/// process and the port it printed on its first line.
pub fn spawn_serve(root: &Path) -> (Child, u16) {
    spawn_serve_on(root, "127.0.0.1:0")
}

/// [`spawn_serve`] bound to `bind`.
pub fn spawn_serve_on(root: &Path, bind: &str) -> (Child, u16) {
    use std::io::{BufRead, BufReader};
    let mut child = fir()
        .arg("--root")
        .arg(root)
        .args(["serve", "--bind", bind])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("fir serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (child, port)
}

pub fn run(root: &Path, args: &[&str]) -> Output {
    fir()
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("the fir binary runs")
}

/// [`run`], failing the test with fir's errors unless it succeeded.
pub fn run_ok(root: &Path, args: &[&str]) -> Output {
    let out = run(root, args);
    ok(&out);
    out
}

/// The standard output of a run of fir, failing the test with fir's errors unless it
/// succeeded.
pub fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "fir failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Builds the site at `root` into `site/` of a new temporary directory (the build
/// cache, kept beside the output, goes with it): that directory and the site.
pub fn build_to_temp(root: &Path, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    let mut args = vec!["build", "--out", site.to_str().unwrap()];
    args.extend_from_slice(extra);
    let stdout = ok(&run(root, &args));
    assert!(stdout.starts_with("built "), "{stdout}");
    (dir, site)
}

/// A file of a built site as text.
pub fn read(site: &Path, page: &str) -> String {
    std::fs::read_to_string(site.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"))
}

/// Every file of a built site by relative path, build bookkeeping (dot files) left out.
pub fn site_files(site: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(site)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let name = e.path().strip_prefix(site).unwrap().to_string_lossy();
            (name.into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Asserts that the site at `incremental` has the files of the one at `full`, byte for
/// byte (dot files such as the build marker aside): what an incremental build must
/// publish.
pub fn assert_same_site(incremental: &Path, full: &Path) {
    let (incremental, full) = (site_files(incremental), site_files(full));
    assert_eq!(
        incremental.keys().collect::<Vec<_>>(),
        full.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &full {
        assert!(
            incremental[name] == *bytes,
            "{name} differs from a full build"
        );
    }
}

/// `text` of the site file at `path`, less what the configuration alone puts there:
/// the aliases of column values in the search meta file (`ransomware` for malware),
/// which are no incident's data. For checks that an audience's site shows nothing of
/// the incidents outside it.
pub fn incident_data(path: &Path, text: &str) -> String {
    if !path.ends_with("search/meta.js") {
        return text.to_string();
    }
    let json = &text[text.find('(').unwrap() + 1..text.rfind(')').unwrap()];
    let mut meta: serde_json::Value = serde_json::from_str(json).unwrap();
    for column in meta["columns"].as_array_mut().unwrap() {
        column.as_object_mut().unwrap().remove("aliases");
    }
    meta.to_string()
}

/// A fixture directory under `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// Writes `text` at `relative` under `root`, creating its directories: a site's own
/// template or string catalogue over a copied fixture.
pub fn put(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("a file under root")).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Copies a fixture tree into a fresh temporary directory, for tests that write.
pub fn copy_fixture(relative: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture(relative), dir.path());
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("fixture readable");
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Compares `actual` with the snapshot file; `UPDATE_SNAPSHOTS=1` rewrites it instead.
pub fn assert_snapshot(relative: &str, actual: &str) {
    let path = fixture(relative);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "snapshot {} differs (UPDATE_SNAPSHOTS=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
