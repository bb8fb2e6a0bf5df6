//! The cache of values read (`.cache/` in the data folder): it gives the
//! answers the files give, is rewritten when a file changes even where its
//! size and modification time do not, and a damaged cache is not read.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{root, stdout_of, track};

/// A copy of the shipped data whose files are old enough to be cached:
/// the cache is written only for files last changed over two seconds ago.
fn settled_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::copy(root().join("data/plan.toml"), dir.path().join("plan.toml")).unwrap();
    fs::create_dir(dir.path().join("reports")).unwrap();
    for entry in fs::read_dir(root().join("data/reports")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            fs::copy(
                &path,
                dir.path().join("reports").join(path.file_name().unwrap()),
            )
            .unwrap();
        }
    }
    std::thread::sleep(Duration::from_millis(2500));
    dir
}

/// Standard output and error (the data's warnings) of one run.
fn run(data: &Path, extra: &[&str], args: &[&str]) -> String {
    let out = track()
        .arg("--data")
        .arg(data)
        .args(extra)
        .args(args)
        .env_remove("TRACK_NO_CACHE")
        .output()
        .expect("track runs");
    format!(
        "{}\n--- exit {:?}, standard error:\n{}",
        String::from_utf8_lossy(&out.stdout),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// What is asked of the data: the report, one objective's values, who reported.
const QUESTIONS: [&[&str]; 3] = [
    &["report", "--as-of", "2025-12-31", "--format", "json"],
    &["explain", "tasks-provincial-2025", "--as-of", "2025-12-31"],
    &["completeness", "--as-of", "2025-12-31", "--format", "csv"],
];

fn answers(data: &Path, extra: &[&str]) -> Vec<String> {
    QUESTIONS.iter().map(|q| run(data, extra, q)).collect()
}

fn index(data: &Path) -> PathBuf {
    data.join(".cache/values.idx")
}

/// Identifies one writing of the index (it is replaced, never edited).
#[cfg(unix)]
fn written(data: &Path) -> (u64, std::time::SystemTime) {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(index(data)).expect("the cache's index");
    (meta.ino(), meta.modified().unwrap())
}

#[cfg(unix)]
#[test]
fn the_cache_answers_as_the_files_do_and_never_outlives_a_change() {
    let dir = settled_copy();
    let data = dir.path();

    let truth = answers(data, &["--no-cache"]);
    assert!(truth[0].contains("tasks-provincial-2025"), "{}", truth[0]);
    assert!(!data.join(".cache").exists(), "--no-cache wrote a cache");

    // The first pass reads the files and writes the cache; the next ones
    // read the cache (and leave it as it is): the same answers each time.
    assert_eq!(answers(data, &[]), truth);
    let first = written(data);
    assert_eq!(answers(data, &[]), truth);
    assert_eq!(
        written(data),
        first,
        "a pass with a cache in force rewrote it"
    );
    let ignore = fs::read_to_string(data.join(".cache/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");

    // A damaged block is not read: the files are, and the cache is written anew.
    let segments: Vec<PathBuf> = fs::read_dir(data.join(".cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    // A thread that read no file (a busy machine) leaves no empty segment.
    assert!(
        segments.iter().all(|p| fs::metadata(p).unwrap().len() > 0),
        "{segments:?}"
    );
    let segment = segments.first().expect("a segment");
    let mut bytes = fs::read(segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(segment, &bytes).unwrap();
    assert_eq!(answers(data, &[]), truth);
    assert_ne!(written(data), first, "a damaged cache was kept");

    // A value edited in place, same size, modification time put back: the
    // file's change time still moves, so the cache is not used.
    let file = data.join("reports/sample-SKHCN-2025.csv");
    let text = fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("SKHCN,tasks-provincial,2025-H1,"))
        .expect("the row to edit")
        .to_string();
    let value = line.split(',').nth(3).unwrap();
    let other = if value.ends_with('9') {
        value.replace('9', "8")
    } else {
        let last = value.chars().last().unwrap().to_digit(10).unwrap();
        format!("{}{}", &value[..value.len() - 1], last + 1)
    };
    assert_eq!(other.len(), value.len());
    let edited = text.replacen(&line, &line.replacen(value, &other, 1), 1);
    assert_eq!(edited.len(), text.len());
    let modified = fs::metadata(&file).unwrap().modified().unwrap();
    fs::write(&file, &edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let now = answers(data, &[]);
    assert_ne!(now[0], truth[0], "the edited value did not count");
    assert_eq!(now, answers(data, &["--no-cache"]));
}

#[test]
fn track_no_cache_in_the_environment_writes_no_cache() {
    let dir = settled_copy();
    stdout_of(
        track()
            .arg("--data")
            .arg(dir.path())
            .args(["report", "--format", "csv"])
            .env("TRACK_NO_CACHE", "1"),
    );
    assert!(!dir.path().join(".cache").exists());
}
