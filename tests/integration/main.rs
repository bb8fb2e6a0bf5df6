//! Integration tests: the real `track` binary on fixtures, one file per
//! subcommand. `Track` is the fluent builder they share.

mod cache;
mod check;
mod completeness;
mod dialects;
mod explain;
mod export;
mod handworked;
mod ingest;
mod manual;
mod report;
mod scale;
mod spreadsheet;
mod template;
mod terminal;
mod usage;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root, where `data/` and `examples/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture folder under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// `track` with a clean environment: English, UTF-8, no colour, no
/// TRACK_DATA, no width from `COLUMNS`,
/// run from the repository root so that file names in output are stable.
pub fn track() -> Command {
    let mut cmd = Command::cargo_bin("track").expect("the track binary is built");
    cmd.current_dir(root())
        .env_remove("TRACK_DATA")
        .env_remove("CLICOLOR_FORCE")
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LC_CTYPE")
        .env_remove("COLUMNS")
        .env_remove("CLICOLOR")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd`, which must succeed (else its standard error is shown), and
/// returns its standard output.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("track runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A scratch data folder holding a copy of `plan` and the given reports.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn with_plan(plan: &Path) -> Scratch {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::copy(plan, dir.path().join("plan.toml")).expect("copy the plan");
        std::fs::create_dir(dir.path().join("reports")).expect("reports folder");
        Scratch { dir }
    }

    /// The seed plan, with no reports.
    pub fn seed() -> Scratch {
        Scratch::with_plan(&root().join("data/plan.toml"))
    }

    pub fn report(self, name: &str, text: &str) -> Scratch {
        std::fs::write(self.dir.path().join("reports").join(name), text).expect("write a report");
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Every file under `dir` (hidden ones too) with its bytes: what
/// "byte-identical" compares.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(folder) = todo.pop() {
        for entry in std::fs::read_dir(&folder).expect("list a folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                files.insert(path.clone(), Vec::new());
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read a file");
                files.insert(path, bytes);
            }
        }
    }
    files
}
