//! The terminal: colour by flag, environment and terminal; the width of a
//! real terminal (through `script`, which gives the command a pty); the
//! ASCII fallback; a reader that goes away; tables aligned whether the plan
//! was typed in NFC or NFD.

use std::io::Read;
use std::process::{Command, Stdio};

use unicode_normalization::UnicodeNormalization;

use super::{Scratch, root, track};

fn stdout(cmd: &mut assert_cmd::Command) -> String {
    super::stdout_of(cmd)
}

#[test]
fn colour_is_off_in_a_pipe_and_under_no_color_and_on_when_asked() {
    let has_escapes = |cmd: &mut assert_cmd::Command| stdout(cmd).contains('\u{1b}');
    let report = ["report", "--as-of", "2025-06-30"];
    // Piped: no colour, whatever the environment says, unless forced.
    assert!(!has_escapes(track().env_remove("NO_COLOR").args(report)));
    assert!(!has_escapes(track().args(report)));
    assert!(has_escapes(
        track()
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
            .args(report)
    ));
    // NO_COLOR wins over CLICOLOR_FORCE; an explicit flag wins over both.
    assert!(!has_escapes(
        track().env("CLICOLOR_FORCE", "1").args(report)
    ));
    assert!(has_escapes(
        track().args(report).args(["--color", "always"])
    ));
    assert!(has_escapes(
        track()
            .args([
                "--data",
                "tests/fixtures/duty",
                "completeness",
                "--as-of",
                "2026-01-20"
            ])
            .args(["--color", "always"])
    ));
    // Machine output never carries colour.
    assert!(!has_escapes(
        track()
            .args(report)
            .args(["--color", "always", "-f", "csv"])
    ));
}

/// Runs `track ARGS` in a pseudo-terminal, as a person at a terminal would,
/// with `env` set. Fails when `script` (util-linux, on CI) is missing:
/// a terminal test that skips itself proves nothing.
fn in_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let binary = assert_cmd::cargo::cargo_bin("track");
    let mut cmd = Command::new("script");
    cmd.current_dir(root())
        .args(["-q", "-e", "-c"])
        .arg(format!("{} {args}", binary.display()))
        .arg("/dev/null")
        .env("LANG", "en_US.UTF-8")
        .env("TERM", "xterm-256color")
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env_remove("TRACK_DATA")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("`script` (util-linux) runs `track` in a pseudo-terminal; install it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().replace('\r', "")
}

/// Text without its ANSI escape sequences.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The lines of the report's table (standard error shares the terminal).
fn table_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
        .collect()
}

/// A piece of a wrapped cell: the row's code, the column and the text.
type Piece = (String, usize, String);

/// The table's body as rows of cells, each cell's wrapped lines joined by
/// a space; a line whose first cell is empty continues the row above.
/// Also the pieces of `columns` found on continuation lines, with the
/// row's code and the column.
fn table_rows(
    lines: &[&str],
    columns: std::ops::RangeInclusive<usize>,
) -> (Vec<Vec<String>>, Vec<Piece>) {
    let body = lines
        .iter()
        .skip_while(|l| !l.starts_with('╞'))
        .skip(1)
        .take_while(|l| l.starts_with('│'));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut wrapped = Vec::new();
    for line in body {
        let cells: Vec<&str> = line.trim_matches('│').split('┆').map(str::trim).collect();
        if cells[0].is_empty() {
            let row = rows.last_mut().expect("a row starts with its code");
            for (i, cell) in cells.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
                if columns.contains(&i) {
                    wrapped.push((row[0].clone(), i, cell.to_string()));
                }
                row[i] = format!("{} {cell}", row[i]);
            }
        } else {
            rows.push(cells.iter().map(|c| c.to_string()).collect());
        }
    }
    (rows, wrapped)
}

#[test]
fn at_a_terminal_the_table_fits_its_width_and_is_coloured() {
    let out = in_terminal("report --as-of 2025-06-30 --lang vi", &[("COLUMNS", "150")]);
    assert!(out.contains('\u{1b}'), "a terminal gets colour");
    let text = plain(&out);
    let table = table_lines(&text);
    assert!(table.len() > 20, "{text}");
    for line in &table {
        assert!(line.chars().count() <= 150, "wider than 150: {line}");
    }
    // The table is wider than that unwrapped: it fits by wrapping titles.
    let (rows, _) = table_rows(&table, 2..=8);
    assert!(rows.len() < table.len() - 4, "{text}");
    // NO_COLOR turns colour off at a terminal too.
    let out = in_terminal("report --as-of 2025-06-30", &[("NO_COLOR", "1")]);
    assert!(!out.contains('\u{1b}'));
}

/// Regression: at 80, 100 and 120 columns figures broke inside numbers
/// (`83.3`/`3%`, `16.6`/`7 pp`) and titles mid-word. Now a figure, the
/// gauge, a status or a date never wraps, titles wrap only between words,
/// and a terminal too narrow for that gets a table wider than itself.
#[test]
fn at_a_narrow_terminal_figures_stay_whole_and_titles_wrap_between_words() {
    let json = track()
        .args(["report", "--as-of", "2025-06-30", "-f", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let objectives = json["objectives"].as_array().unwrap();
    for lang in ["en", "vi"] {
        for columns in ["80", "100", "120"] {
            let args = format!("report --as-of 2025-06-30 --lang {lang}");
            let text = plain(&in_terminal(&args, &[("COLUMNS", columns)]));
            let (rows, mut wrapped) = table_rows(&table_lines(&text), 2..=8);
            let at = format!("{lang} at {columns} columns");
            // An assessment (the actual of a text objective) is words, and
            // wraps between them like a title.
            wrapped.retain(|(code, column, _)| {
                let objective = objectives.iter().find(|o| o["objective"] == *code);
                !(*column == 3 && objective.is_some_and(|o| o["actual"].is_string()))
            });
            assert!(
                wrapped.is_empty(),
                "{at}: figures wrapped: {wrapped:#?}\n{text}"
            );
            assert_eq!(rows.len(), objectives.len(), "{at}\n{text}");
            for (row, objective) in rows.iter().zip(objectives) {
                assert_eq!(row[0], objective["objective"].as_str().unwrap(), "{at}");
                let title = objective[if lang == "en" { "title_en" } else { "title" }]
                    .as_str()
                    .unwrap();
                // Joined back with spaces, the wrapped title is the title:
                // no word was cut.
                let words: Vec<&str> = title.split_whitespace().collect();
                assert_eq!(row[1], words.join(" "), "{at}\n{text}");
                // The figures are whole, as machine output has them.
                if lang == "en" && !objective["gap"].is_null() {
                    let gap = objective["gap"].as_f64().unwrap();
                    let cell: f64 = row[6]
                        .trim_end_matches(" pp")
                        .trim_end_matches(|c: char| c.is_alphabetic() || c == ' ')
                        .parse()
                        .unwrap_or_else(|_| panic!("{at}: gap cell `{}`", row[6]));
                    assert!((cell - gap).abs() < 0.01, "{at}: {} vs {gap}", row[6]);
                }
            }
        }
    }
}

#[test]
fn ascii_when_asked_or_when_the_locale_is_not_utf8() {
    let ascii = stdout(track().args(["report", "--as-of", "2025-06-30", "--ascii"]));
    assert!(ascii.contains("+-----"), "{ascii}");
    assert!(ascii.contains("########.. 83%"), "{ascii}");
    assert!(!ascii.contains(['█', '░', '│', '─', '—']), "{ascii}");
    let c_locale = stdout(
        track()
            .env("LANG", "C")
            .args(["report", "--as-of", "2025-06-30"]),
    );
    assert_eq!(c_locale, ascii);
    let matrix = stdout(track().env("LC_ALL", "POSIX").args([
        "--data",
        "tests/fixtures/duty",
        "completeness",
        "--as-of",
        "2026-01-20",
    ]));
    assert!(
        matrix.contains("|    +    |") && matrix.contains("|    x    |"),
        "{matrix}"
    );
    // The drawing is ASCII; names keep their letters.
    let drawing: String = matrix.lines().take_while(|l| !l.is_empty()).collect();
    assert!(drawing.is_ascii(), "{matrix}");
}

/// The reader closes its end before `track` writes a byte, so every write
/// fails with a broken pipe: still exit 0, and nothing on standard error.
#[test]
fn a_reader_gone_before_the_first_write_is_a_clean_exit() {
    for args in [
        &["report", "--as-of", "2025-06-30"][..],
        &["completeness", "--as-of", "2026-06-30"],
        &["check", "--as-of", "2026-06-30"],
        &["report", "--as-of", "2025-06-30", "-f", "csv", "--excel"],
        // Rows formatted on several threads, or one file after another.
        &["export"],
        &["export", "-f", "json"],
        &["export", "--all"],
        &["explain", "tasks-provincial-2025"],
        // clap_complete panics on a write error unless kept from the pipe.
        &["completions", "bash"],
        &["man"],
    ] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("track"))
            .current_dir(root())
            .env("LANG", "en_US.UTF-8")
            .env("NO_COLOR", "1")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        let code = if args[0] == "check" { 2 } else { 0 };
        assert_eq!(status.code(), Some(code), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("error") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_plan_typed_in_nfd_gives_the_same_aligned_tables() {
    let nfd: String = std::fs::read_to_string(root().join("data/plan.toml"))
        .unwrap()
        .nfd()
        .collect();
    assert!(nfd.contains("So\u{31b}\u{309}"), "the plan is decomposed");
    let scratch = Scratch::seed();
    std::fs::write(scratch.path().join("plan.toml"), nfd).unwrap();
    for entry in std::fs::read_dir(root().join("data/reports")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            scratch
                .path()
                .join("reports")
                .join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    for args in [
        &["report", "--as-of", "2026-06-30", "--lang", "vi"][..],
        &[
            "report",
            "--as-of",
            "2026-06-30",
            "--lang",
            "vi",
            "--by",
            "unit",
        ],
        &["completeness", "--as-of", "2026-06-30", "--lang", "vi"],
    ] {
        let nfc = stdout(track().args(args));
        let from_nfd = stdout(track().arg("--data").arg(scratch.path()).args(args));
        assert_eq!(from_nfd, nfc, "{args:?}");
    }
}

/// Regression: the bar showed for the passes of `report` and the like, not
/// for `track ingest`, which reads the whole store before a new file.
#[test]
fn a_long_ingest_shows_a_progress_bar_at_a_terminal_only() {
    let scratch = Scratch::with_plan(&root().join("tests/fixtures/ingest/plan.toml"));
    // Enough stored values (distinct months of 1900-2999, 2025 left out)
    // that reading them takes well over the bar's 300 ms in a debug build.
    let pairs = [
        ("SKHCN", "tasks-accepted"),
        ("SKHCN", "tasks-applied"),
        ("SKHCN", "budget"),
        ("SCT", "budget"),
        ("SCT", "tasks-accepted"),
        ("SCT", "tasks-applied"),
    ];
    let mut rows = Vec::new();
    for (unit, indicator) in pairs {
        for year in (1900..3000).filter(|&y| y != 2025) {
            for month in 1..=12 {
                rows.push(format!("{unit},{indicator},{year}-{month:02},1"));
            }
        }
    }
    for (n, chunk) in rows.chunks(rows.len() / 40 + 1).enumerate() {
        std::fs::write(
            scratch.path().join(format!("reports/r{n:02}.csv")),
            format!("unit,indicator,period,value\n{}\n", chunk.join("\n")),
        )
        .unwrap();
    }
    let new = scratch.path().join("new.csv");
    std::fs::write(
        &new,
        "unit,indicator,period,value\nSKHCN,tasks-accepted,2025-H1,1\n",
    )
    .unwrap();
    let args = format!(
        "--data {} ingest --dry-run {}",
        scratch.path().display(),
        new.display()
    );
    let started = std::time::Instant::now();
    let out = plain(&in_terminal(&args, &[]));
    assert!(
        started.elapsed() > std::time::Duration::from_millis(600),
        "the ingest took {:?}, too little to need a bar: make the store larger",
        started.elapsed()
    );
    assert!(out.contains("reading reports"), "{out}");
    assert!(out.contains("dry run: 1 file to store"), "{out}");
    // Standard error into a pipe gets no bar.
    let piped = track().args(args.split(' ')).output().unwrap();
    assert!(piped.status.success());
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("reading reports"));
}
