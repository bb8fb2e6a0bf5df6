//! The benchmark generator's data (`examples/gen_reports.rs`) is a valid
//! store, and reading it on several threads, from the files or from the
//! cache, gives exactly what one thread reading the files gives. Timings live in the benchmark (README, "Performance"), never here.

use super::track;

/// The generator, built by `cargo test` beside the test binaries.
fn gen_reports() -> std::path::PathBuf {
    let deps = std::env::current_exe().expect("the test binary's path");
    let path = deps
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>/deps")
        .join("examples")
        .join(format!("gen_reports{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "`cargo test` builds the examples; `{}` is missing",
        path.display()
    );
    path
}

/// A data folder of `rows` rows from the generator.
fn generated(rows: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(gen_reports())
        .args(["--rows", rows, "--out"])
        .arg(dir.path())
        .status()
        .expect("the generator runs");
    assert!(status.success());
    dir
}

/// Once the files have settled, the first pass writes the cache (three
/// segments, from three threads); every pass after it reads the cache, on
/// any number of threads, and answers as the files did (`answers`).
fn cached_answers_as_files(data: &std::path::Path, questions: &[&[&str]], answers: &[String]) {
    std::thread::sleep(std::time::Duration::from_millis(2500));
    for threads in ["3", "1", "2"] {
        for (args, answer) in questions.iter().zip(answers) {
            assert_eq!(
                &output(data, threads, args, true),
                answer,
                "{args:?} on {threads} threads, with the cache"
            );
        }
    }
    assert!(data.join(".cache/values.idx").exists());
}

/// Merges the generated reports into `parts` files of as many rows each,
/// so that a file's rows no longer fit in one piece (`scan::PIECE`).
fn merge(data: &std::path::Path, parts: usize) {
    let reports = data.join("reports");
    let mut names: Vec<_> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for (n, chunk) in names.chunks(names.len().div_ceil(parts)).enumerate() {
        let mut text = String::from("unit,indicator,period,value,note\n");
        for path in chunk {
            let body = std::fs::read_to_string(path).unwrap();
            text.extend(body.lines().skip(1).map(|l| format!("{l}\n")));
            std::fs::remove_file(path).unwrap();
        }
        std::fs::write(reports.join(format!("big-{n}.csv")), text).unwrap();
    }
}

/// `track ARGS` on `threads` threads, reading the files (`cache` false) or
/// using the cache as a user's run does.
fn output(data: &std::path::Path, threads: &str, args: &[&str], cache: bool) -> String {
    let mut cmd = track();
    cmd.arg("--data")
        .arg(data)
        .args(["--threads", threads])
        .args(args);
    if cache {
        cmd.env_remove("TRACK_NO_CACHE");
    } else {
        cmd.env("TRACK_NO_CACHE", "1");
    }
    let out = cmd.output().expect("track runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no warnings on generated data"
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn generated_data_is_valid_and_threads_change_nothing() {
    let dir = generated("30000");
    let validated = output(dir.path(), "2", &["validate"], false);
    assert!(validated.contains(", 30000 values"), "{validated}");
    let questions: [&[&str]; 8] = [
        &[
            "report",
            "--as-of",
            "2026-06-30",
            "--format",
            "json",
            "--by",
            "unit",
        ][..],
        &["report", "--as-of", "2030-12-31", "--format", "csv"],
        &[
            "explain",
            "stock-01-2030",
            "--as-of",
            "2027-03-31",
            "--format",
            "json",
        ],
        &["completeness", "--as-of", "2026-01-31", "--format", "csv"],
        // Each file's rows formatted on the thread that read it, written
        // in order; `--all` reads the files on one thread.
        &["export"],
        &["export", "--format", "json"],
        &["export", "--excel"],
        &["export", "--all"],
    ];
    let mut answers = Vec::new();
    for args in questions {
        let one = output(dir.path(), "1", args, false);
        for threads in ["2", "3"] {
            assert_eq!(
                output(dir.path(), threads, args, false),
                one,
                "{args:?} on {threads} threads"
            );
        }
        answers.push(one);
    }
    cached_answers_as_files(dir.path(), &questions, &answers);
}

/// Every line of each table drawn (from `┌` to `└`) as wide as its top
/// border; returns how many tables and how many rows in all.
fn tables(text: &str) -> (usize, usize) {
    let (mut tables, mut rows, mut width) = (0, 0, None);
    for line in text.lines() {
        let chars = line.chars().count();
        if line.starts_with('┌') {
            tables += 1;
            width = Some(chars);
        } else if let Some(w) = width {
            assert_eq!(chars, w, "a line of another width: {line}");
            if line.starts_with('└') {
                width = None;
            } else if line.starts_with('│') {
                rows += 1;
            }
        }
    }
    assert_eq!(width, None, "a table left open");
    (tables, rows)
}

#[test]
fn tables_of_thousands_of_rows_are_each_one_table() {
    let dir = generated("100000");
    // Drawn a block of rows at a time (render::table::LongTable): the
    // blocks join into one table per section, every row there.
    let explained = output(
        dir.path(),
        "2",
        &["explain", "ratio-01", "--as-of", "2027-12-31"],
        false,
    );
    let sections: Vec<usize> = explained
        .lines()
        .filter_map(|l| {
            l.strip_prefix("Values that counted (")
                .or(l.strip_prefix("Values left out ("))
        })
        .map(|n| n.trim_end_matches("):").parse().unwrap())
        .collect();
    let shown = sections.iter().filter(|&&n| n > 0).count();
    let values: usize = sections.iter().sum();
    // Header rows are rows too: one a table.
    assert_eq!(tables(&explained), (shown, values + shown));
    assert!(values > 2 * 1024, "{values} values: more than a block");
    let matrix = output(
        dir.path(),
        "2",
        &["completeness", "--as-of", "2030-12-31"],
        false,
    );
    let duties = output(
        dir.path(),
        "2",
        &["completeness", "--as-of", "2030-12-31", "--format", "json"],
        false,
    );
    let duties: serde_json::Value = serde_json::from_str(&duties).unwrap();
    let duties = duties["duties"].as_array().unwrap().len();
    assert!(duties > 1024, "{duties} duties: more than a block");
    // The matrix, the table by unit, the table by indicator.
    let (count, rows) = tables(&matrix);
    assert_eq!(count, 3);
    assert!(rows > duties, "{rows} rows for {duties} duties");
}

/// An objective of thousands of values: each thread writes its values out
/// a thousand at a time (`evaluate::trace`), and the values come back in
/// reading order, whichever thread read them and however often a format
/// reads them (a table reads them three times).
#[test]
fn an_objective_of_thousands_of_values_explains_alike_on_any_number_of_threads() {
    let dir = generated("100000");
    let mut answers = Vec::new();
    let mut questions = Vec::new();
    for format in ["table", "csv", "json", "markdown"] {
        let args = [
            "explain",
            "ratio-01",
            "--as-of",
            "2027-12-31",
            "--format",
            format,
        ];
        let one = output(dir.path(), "1", &args, false);
        assert_eq!(output(dir.path(), "3", &args, false), one, "{format}");
        answers.push(one);
        questions.push(args);
    }
    let json: serde_json::Value = serde_json::from_str(&answers[2]).unwrap();
    let values = json["values"].as_array().unwrap();
    assert!(values.len() > 3 * 1024, "{} values", values.len());
    // Each value once, in reading order: by file, then line.
    let places: Vec<(&str, u64)> = values
        .iter()
        .map(|v| (v["file"].as_str().unwrap(), v["line"].as_u64().unwrap()))
        .collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]));
    let csv_rows = answers[1].lines().count() - 1;
    assert_eq!(csv_rows, values.len());
    let questions: Vec<&[&str]> = questions.iter().map(|q| &q[..]).collect();
    cached_answers_as_files(dir.path(), &questions, &answers);
}

/// Files of thousands of rows each, exported on several threads from the
/// cache (handed over a few thousand values at a time, a thread waiting
/// its file's turn) and on one from the files: the same bytes.
#[test]
fn large_files_export_the_same_on_any_number_of_threads() {
    let dir = generated("30000");
    merge(dir.path(), 3);
    let questions: [&[&str]; 2] = [&["export"], &["export", "--format", "json"]];
    let answers: Vec<String> = questions
        .iter()
        .map(|args| output(dir.path(), "1", args, false))
        .collect();
    assert!(
        answers[0].lines().count() > 30000 - 10,
        "{}",
        answers[0].lines().count()
    );
    cached_answers_as_files(dir.path(), &questions, &answers);
}

/// Dozens of files in one ingest, under a limit of 32 open files: each
/// copy written ahead is closed and kept by its name (a province's year
/// is thousands of files; systems allow a thousand or so).
#[cfg(unix)]
#[test]
fn an_ingest_of_more_files_than_may_be_open_at_once() {
    let source = generated("30000");
    let files = csv_files(&source.path().join("reports"));
    assert!(files.len() > 40, "{} files", files.len());
    let store = tempfile::tempdir().unwrap();
    std::fs::copy(
        source.path().join("plan.toml"),
        store.path().join("plan.toml"),
    )
    .unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 32 && exec \"$@\"")
        .arg("sh")
        .arg(assert_cmd::cargo::cargo_bin("track"))
        .arg("--data")
        .arg(store.path())
        .arg("ingest")
        .args(&files)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("ingested: {} files, 30000 values", files.len())),
        "{stdout}"
    );
}

/// A reader that takes a little, waits while `track` fills what it may
/// hold ahead (more pieces than the threads' channel holds), then goes
/// away: every thread stops and the export ends cleanly.
/// (Two hangs were found here by review: a wake-up missed, and a thread
/// blocked on a full channel no one read any more.)
#[test]
fn an_export_whose_reader_leaves_midway_ends() {
    use std::io::Read;
    let dir = generated("200000");
    // Two files of 100,000 rows: the one awaited is handed over in pieces
    // faster than a blocked reader takes them, filling the channel.
    merge(dir.path(), 2);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    output(dir.path(), "2", &["report"], true);
    assert!(dir.path().join(".cache/values.idx").exists());
    for threads in ["1", "2", "3"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("track"))
            .arg("--data")
            .arg(dir.path())
            .args(["--threads", threads, "export"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = vec![0; 100_000];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut head)
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(child.stdout.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("export went on after its reader left ({threads} threads)");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(status.code(), Some(0), "{stderr}");
        assert_eq!(stderr, "");
    }
}

/// A file larger than `track` reads at once (4 MiB; it is read a chunk at
/// a time, in flat memory): one such file, with Excel's byte-order mark and
/// CRLF line ends, stores and reports as the same rows sent as many small
/// files, and a bad row far into it is named at its line.
#[test]
fn a_large_file_reads_as_the_same_rows_in_small_files() {
    let source = generated("150000");
    let files = csv_files(&source.path().join("reports"));
    let mut big = String::from("\u{feff}unit,indicator,period,value,note\r\n");
    for path in &files {
        let body = std::fs::read_to_string(path).unwrap();
        big.extend(body.lines().skip(1).map(|l| format!("{l}\r\n")));
    }
    assert!(big.len() > 5 << 20, "{} bytes", big.len());
    let given = tempfile::tempdir().unwrap();
    let big_path = given.path().join("big.csv");
    std::fs::write(&big_path, &big).unwrap();

    // A store of the generated plan with `files` ingested.
    let store = |files: &[std::path::PathBuf]| {
        let store = plan_only(source.path());
        let out = ingest(store.path(), &[], files);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        store
    };
    let small = store(&files);
    let large = store(std::slice::from_ref(&big_path));
    let stored = std::fs::read(large.path().join("reports/big.csv")).unwrap();
    assert!(stored == big.as_bytes(), "stored as received");
    let questions: [&[&str]; 2] = [
        &["report", "--as-of", "2026-06-30", "--format", "csv"],
        &["completeness", "--as-of", "2026-06-30", "--format", "csv"],
    ];
    let answers: Vec<String> = questions
        .iter()
        .map(|args| output(small.path(), "2", args, false))
        .collect();
    for (args, answer) in questions.iter().zip(&answers) {
        for threads in ["1", "2"] {
            assert_eq!(
                &output(large.path(), threads, args, false),
                answer,
                "{args:?}, {threads} threads"
            );
        }
    }
    // Its block in the cache is megabytes, read and written a piece at a
    // time; a damaged piece is not read (the file is, again).
    cached_answers_as_files(large.path(), &questions, &answers);
    let exported = output(large.path(), "2", &["export"], false);
    let cache = large.path().join(".cache");
    let segment = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "seg"))
        .unwrap();
    let mut bytes = std::fs::read(&segment).unwrap();
    assert!(bytes.len() > 2 << 20, "{} bytes", bytes.len());
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&segment, &bytes).unwrap();
    assert!(output(large.path(), "2", &["export"], true) == exported);
    assert_eq!(output(large.path(), "2", questions[0], true), answers[0]);

    // A corrected file, one value changed: of the same size as the one
    // stored, it is hashed before it is read (likely sent again), then
    // read; with `--replace` the store answers as the corrected file alone.
    let flow = big.find(",flow-").unwrap();
    let value = flow + big[flow..].find(",2").unwrap() + 9;
    let digit = big.as_bytes()[value];
    assert!(digit.is_ascii_digit(), "{}", &big[flow..value + 3]);
    let mut corrected = big.clone().into_bytes();
    corrected[value] = if digit == b'9' { b'8' } else { digit + 1 };
    let corrected_dir = tempfile::tempdir().unwrap();
    let corrected_path = corrected_dir.path().join("big.csv");
    std::fs::write(&corrected_path, &corrected).unwrap();
    let out = ingest(
        large.path(),
        &["--replace"],
        std::slice::from_ref(&corrected_path),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alone = store(std::slice::from_ref(&corrected_path));
    let report = questions[0];
    let replaced = output(large.path(), "2", report, false);
    assert_eq!(replaced, output(alone.path(), "2", report, false));
    assert_ne!(replaced, answers[0], "the corrected value did not count");

    // The same sent again with a byte that is not UTF-8 far in: read again
    // to settle what it replaces, it stops there, and that is the error
    // (not "changed while it was being ingested").
    let line = big.len() * 3 / 4;
    let line = line + big[line..].find("\r\n").unwrap() + 2;
    let at = line + big[line..].find(",2").unwrap() + 9;
    let mut broken = big.clone().into_bytes();
    broken[at] = 0xff;
    let broken_path = corrected_dir.path().join("broken.csv");
    std::fs::write(&broken_path, &broken).unwrap();
    let out = ingest(large.path(), &["--replace", "--dry-run"], &[broken_path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let (line_number, column) = (big[..at].matches('\n').count() + 1, at - line + 1);
    assert!(
        stderr.contains(&format!(
            "broken.csv:{line_number}:{column}: error: the file is not UTF-8"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("changed while"), "{stderr}");

    // A large stored file edited by hand (same size): `validate` hashes it
    // as it reads it, and says so first, as for a small one.
    let stored = large.path().join("reports/big.csv");
    let mut edited = std::fs::read(&stored).unwrap();
    edited[at] = if edited[at] == b'9' {
        b'8'
    } else {
        edited[at] + 1
    };
    let changed = "warning: `big.csv` has changed since it was received (its SHA-256 is not the manifest's); \
                   stored reports are kept as received: ingest a corrected file with `--replace` instead of editing one";
    let validate = |edited: &[u8]| {
        std::fs::write(&stored, edited).unwrap();
        let out = track()
            .arg("--data")
            .arg(large.path())
            .arg("validate")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.ends_with(changed), "{stderr}");
        stderr
    };
    validate(&edited);
    // Edited so that its reading stops: said all the same.
    edited[at] = 0xff;
    let stderr = validate(&edited);
    assert!(stderr.contains("error: the file is not UTF-8"), "{stderr}");

    // Two bad rows past the first chunks: named at their lines, as read
    // whole; the rows between are read (one error each, no more).
    let mut lines: Vec<&str> = big.split_inclusive("\r\n").collect();
    let first = lines.len() / 2;
    let second = (0..lines.len() - 1)
        .rev()
        .find(|&i| lines[i].contains(",flow-"))
        .unwrap();
    let bad_unit = lines[first].replacen("XA-", "XB-", 1);
    let bad_value = {
        let fields: Vec<&str> = lines[second].trim_end().split(',').collect();
        format!(
            "{},{},{},abc,{}\r\n",
            fields[0],
            fields[1],
            fields[2],
            fields[4..].join(",")
        )
    };
    lines[first] = &bad_unit;
    lines[second] = &bad_value;
    std::fs::write(&big_path, lines.concat()).unwrap();
    let empty = plan_only(source.path());
    let out = ingest(empty.path(), &["--dry-run"], &[big_path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(
        errors[0].contains(&format!(
            "big.csv:{}:1: error: unknown unit `XB-",
            first + 1
        )),
        "{stderr}"
    );
    assert!(
        errors[1].contains(&format!("big.csv:{}:4: error: ", second + 1)),
        "{stderr}"
    );
}

/// A new data folder with the plan of `source` and no reports.
fn plan_only(source: &std::path::Path) -> tempfile::TempDir {
    let store = tempfile::tempdir().unwrap();
    std::fs::copy(source.join("plan.toml"), store.path().join("plan.toml")).unwrap();
    store
}

/// `track --data DATA ingest OPTIONS FILES…`.
fn ingest(
    data: &std::path::Path,
    options: &[&str],
    files: &[std::path::PathBuf],
) -> std::process::Output {
    track()
        .arg("--data")
        .arg(data)
        .arg("ingest")
        .args(options)
        .args(files)
        .output()
        .unwrap()
}

/// The CSV files of `dir`, sorted.
fn csv_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}
