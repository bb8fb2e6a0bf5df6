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

/// `track ingest EXTRA FILE`, which must succeed; then a wait, so that the
/// pass after it may write the cache.
fn ingest(data: &Path, file: &Path, extra: &[&str]) {
    let mut args = vec!["ingest"];
    args.extend(extra);
    args.push(file.to_str().unwrap());
    let out = run(data, &["--as-of", "2026-11-27"], &args);
    assert!(out.contains("exit Some(0)"), "{out}");
    std::thread::sleep(Duration::from_millis(2500));
}

/// The names of the segments the index points to, in its order.
fn segments_in_use(data: &Path) -> Vec<String> {
    let index = fs::read(index(data)).unwrap();
    let text = String::from_utf8_lossy(&index);
    let mut names: Vec<String> = fs::read_dir(data.join(".cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".seg") && text.contains(n.as_str()))
        .collect();
    names.sort();
    names
}

/// After an ingest (one file more, or one replaced), a pass reads from the
/// files only what the cache does not hold as it is: the segments already
/// written stay in use, one more holds the new file's block, and the
/// answers are the files' own.
#[cfg(unix)]
#[test]
fn after_an_ingest_only_the_files_the_cache_lacks_are_read() {
    let dir = settled_copy();
    let data = dir.path();
    let (first, second) = (
        dir.path().join("SCT-2026.csv"),
        dir.path().join("SKHCN-2025.csv"),
    );
    fs::rename(data.join("reports/sample-SCT-2026.csv"), &first).unwrap();
    fs::rename(data.join("reports/sample-SKHCN-2025.csv"), &second).unwrap();
    // The first ingest writes the manifest, which takes in every file.
    ingest(data, &first, &[]);
    answers(data, &[]);
    let before = segments_in_use(data);
    assert!(!before.is_empty());

    ingest(data, &second, &[]);
    let truth = answers(data, &["--no-cache"]);
    assert_eq!(answers(data, &[]), truth);
    let after = segments_in_use(data);
    assert!(
        before.iter().all(|s| after.contains(s)),
        "{before:?} {after:?}"
    );
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    let index = written(data);
    assert_eq!(answers(data, &[]), truth);
    assert_eq!(written(data), index, "the cache in force was rewritten");

    // A corrected file supersedes values of a stored one: that one's values
    // in force change, so its block is not reused.
    let text = fs::read_to_string(data.join("reports/sample-SKHCN-2024.csv")).unwrap();
    let header = text.lines().next().unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("SKHCN,tasks-provincial,"))
        .expect("a row to correct");
    let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
    cells[3] = format!("{}1", cells[3]);
    let fix = dir.path().join("SKHCN-2024-fix.csv");
    fs::write(&fix, format!("{header}\n{}\n", cells.join(","))).unwrap();
    ingest(data, &fix, &["--replace"]);
    let corrected = answers(data, &["--no-cache"]);
    assert_ne!(corrected, truth);
    assert_eq!(answers(data, &[]), corrected);
}

/// In a folder without a manifest, every file is read: one dropped in
/// beside cached ones is read alone, and if it repeats their values, the
/// error is the one reading every file gives.
#[cfg(unix)]
#[test]
fn a_file_dropped_in_that_clashes_with_cached_ones_is_the_same_error() {
    let dir = settled_copy();
    let data = dir.path();
    let truth = answers(data, &[]);
    let before = segments_in_use(data);
    fs::copy(
        data.join("reports/sample-SCT-2025.csv"),
        data.join("reports/sample-SCT-2025-again.csv"),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let clash = answers(data, &["--no-cache"]);
    assert_ne!(clash, truth);
    assert!(
        clash[0].contains("`SCT` reported `key-products` for `2025-H1` twice"),
        "{}",
        clash[0]
    );
    assert_eq!(answers(data, &[]), clash);
    // An error: no cache written for it.
    assert_eq!(segments_in_use(data), before);
}

/// Files taken away: their blocks are left where they are while most of
/// what the segments hold is still read; once it is not, the cache is
/// written anew, and the segments of the files gone go. On one thread, so
/// that one segment holds every file: with two, which files a segment
/// holds depends on which thread was quicker to each, and a busy machine
/// could leave the three files kept most of one segment (it is then
/// rightly kept).
#[cfg(unix)]
#[test]
fn a_cache_mostly_of_files_gone_is_written_anew() {
    let dir = settled_copy();
    let data = dir.path();
    let (cached, uncached) = (&["--threads", "1"], &["--no-cache", "--threads", "1"]);
    answers(data, cached);
    let before = segments_in_use(data);
    let mut files: Vec<PathBuf> = fs::read_dir(data.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    fs::remove_file(files.pop().unwrap()).unwrap();
    let one_gone = answers(data, uncached);
    assert_eq!(answers(data, cached), one_gone);
    // Blocks reused, none written.
    let kept = segments_in_use(data);
    assert!(
        !kept.is_empty() && kept.iter().all(|s| before.contains(s)),
        "{before:?} {kept:?}"
    );
    for file in &files[3..] {
        fs::remove_file(file).unwrap();
    }
    let most_gone = answers(data, uncached);
    assert_eq!(answers(data, cached), most_gone);
    let after = segments_in_use(data);
    assert!(
        after.iter().all(|s| !before.contains(s)),
        "{before:?} {after:?}"
    );
    assert_eq!(answers(data, cached), most_gone);
}

/// A note is stored in the cache trimmed, and trimmed again when read
/// from the files: `export` gives it the same either way, as written
/// less its spaces, in NFC.
#[cfg(unix)]
#[test]
fn notes_export_the_same_from_the_cache_as_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    fs::copy(root().join("data/plan.toml"), data.join("plan.toml")).unwrap();
    fs::create_dir(data.join("reports")).unwrap();
    fs::write(
        data.join("reports/notes.csv"),
        "unit,indicator,period,value,note\n\
         STP,legal-docs-issued,2024-H1,3,\"  padded note \u{a0}\"\n\
         STP,legal-docs-issued,2024-H2,4,  Vie\u{302}\u{323}t nam \n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let export = ["export", "--format", "csv"];
    let files = run(data, &["--no-cache"], &export);
    assert!(
        files.contains("2024-H1,3,padded note,notes.csv,2\n")
            && files.contains("2024-H2,4,Việt nam,notes.csv,3\n"),
        "{files}"
    );
    let writing = run(data, &[], &export);
    assert!(index(data).exists(), "the cache was written");
    assert_eq!(writing, files);
    assert_eq!(run(data, &[], &export), files);
}

/// Temporary files a killed pass left in `.cache/` go at the next pass
/// that writes the cache, once an hour old; a younger one may be another
/// pass's, still being written, and stays.
#[cfg(unix)]
#[test]
fn temporary_files_a_killed_pass_left_are_swept_once_an_hour_old() {
    let dir = settled_copy();
    let data = dir.path();
    let cache = data.join(".cache");
    fs::create_dir(&cache).unwrap();
    let hours_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 60 * 60);
    let left = |name: &str, modified: std::time::SystemTime| {
        let path = cache.join(name);
        fs::write(&path, b"half a segment").unwrap();
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        path
    };
    let old = [
        left(".values-killed.tmp", hours_ago),
        left(".values-killed.idx", hours_ago),
    ];
    let young = left(".values-writing.tmp", std::time::SystemTime::now());
    let other = left("notes.txt", hours_ago);
    let answered = answers(data, &[]);
    assert!(index(data).exists(), "the cache was written");
    for path in &old {
        assert!(!path.exists(), "{} is still there", path.display());
    }
    assert!(young.exists() && other.exists());
    assert_eq!(answered, answers(data, &["--no-cache"]));
}

/// An ingest into a store whose cache holds its files takes the stored
/// values from the cache: the same checks, warnings and errors, to the
/// line and column of a stored value, as reading every stored file.
#[cfg(unix)]
#[test]
fn an_ingest_checks_against_the_cache_as_against_the_files() {
    let dir = settled_copy();
    let data = dir.path();
    let held = dir.path().join("SCT-2026.csv");
    fs::rename(data.join("reports/sample-SCT-2026.csv"), &held).unwrap();
    // A manifest (the first ingest writes it), settled; then a report
    // writes the cache.
    ingest(data, &held, &[]);
    answers(data, &[]);
    let write = |name: &str, rows: &str| {
        let path = dir.path().join(name);
        fs::write(&path, format!("unit,indicator,period,value,note\n{rows}")).unwrap();
        path.to_str().unwrap().to_string()
    };
    let cases = [
        // The other side of a ratio, below the stored one: a warning at
        // the stored value's line and column.
        vec![write(
            "BTG-issued.csv",
            "BTG,legal-docs-issued,2024-H1,0,\n",
        )],
        // A value stored already: an error naming the stored row.
        vec![write(
            "SKHCN-again.csv",
            "SKHCN,tasks-national,2025-H1,5,\n",
        )],
        // The same, to supersede it.
        vec![
            "--replace".to_string(),
            write("SKHCN-fix.csv", "SKHCN,tasks-national,2025-H1,5,\n"),
        ],
    ];
    for case in &cases {
        let mut args = vec!["ingest", "--dry-run"];
        args.extend(case.iter().map(String::as_str));
        let from_files = run(data, &["--no-cache", "--as-of", "2026-11-27"], &args);
        let from_cache = run(data, &["--as-of", "2026-11-27"], &args);
        assert_eq!(from_cache, from_files, "{case:?}");
    }
    let first = run(
        data,
        &["--no-cache", "--as-of", "2026-11-27"],
        &["ingest", "--dry-run", &cases[0][0]],
    );
    assert!(first.contains("sample-BTG-2024.csv:2:4"), "{first}");
    let second = run(
        data,
        &["--no-cache", "--as-of", "2026-11-27"],
        &["ingest", "--dry-run", &cases[1][0]],
    );
    assert!(
        second.contains("exit Some(1)") || second.contains("exit Some(2)"),
        "{second}"
    );
}

/// On many threads a pass writes many segments; the next one, after a
/// file came back, still keeps them and writes one more.
#[cfg(unix)]
#[test]
fn a_cache_written_on_many_threads_is_kept_after_one_more_file() {
    let dir = settled_copy();
    let data = dir.path();
    let held = dir.path().join("SCT-2026.csv");
    fs::rename(data.join("reports/sample-SCT-2026.csv"), &held).unwrap();
    answers(data, &["--threads", "12"]);
    let before = segments_in_use(data);
    fs::rename(&held, data.join("reports/sample-SCT-2026.csv")).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let truth = answers(data, &["--no-cache"]);
    assert_eq!(answers(data, &["--threads", "12"]), truth);
    let after = segments_in_use(data);
    assert!(
        before.iter().all(|s| after.contains(s)),
        "{before:?} {after:?}"
    );
    assert_eq!(after.len(), before.len() + 1, "{before:?} {after:?}");
}
