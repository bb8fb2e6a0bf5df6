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
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(gen_reports())
        .args(["--rows", "30000", "--out"])
        .arg(dir.path())
        .status()
        .expect("the generator runs");
    assert!(status.success());
    let validated = output(dir.path(), "2", &["validate"], false);
    assert!(validated.contains(", 30000 values"), "{validated}");
    let questions: [&[&str]; 4] = [
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
    // Once the files have settled, the first pass writes the cache (three
    // segments, from three threads); every pass after it reads the cache,
    // on any number of threads, and answers as the files did.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    for threads in ["3", "1", "2"] {
        for (args, answer) in questions.iter().zip(&answers) {
            assert_eq!(
                &output(dir.path(), threads, args, true),
                answer,
                "{args:?} on {threads} threads, with the cache"
            );
        }
    }
    assert!(dir.path().join(".cache/values.idx").exists());
}
