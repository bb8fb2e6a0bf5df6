//! The data folder: the plan (`plan.toml`) and the received reports
//! (`reports/`, with their `manifest.json`). This module says which report
//! files are in force and in what order; `scan` reads them through
//! validation, `ingest` adds new ones, `manifest` is the record of what was
//! received.
//!
//! The rules for what is read:
//!
//! - no manifest (a store filled by hand, like the shipped samples): every
//!   `*.csv` file in `reports/`, in name order, received on an unknown date;
//! - a manifest: the files it lists, in the order they were ingested, less
//!   the values a later submission superseded. Any other file in
//!   `reports/` is not read, with a warning: it was copied in by hand, or
//!   left by an ingest that stopped before its manifest was written (the
//!   manifest is always written last, so such a file never counts half).

mod cache;
pub mod ingest;
pub mod manifest;
pub mod scan;

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Result;
use jiff::civil::Date;

use crate::diagnostic::{Diagnostic, Diagnostics, Failed, Invalid, Said};
use crate::input::plan_file::PlanFile;
use crate::input::report_file::Encoding;
use crate::lang::Message;
use crate::model::Plan;
use crate::msg;

pub use self::ingest::{IngestOptions, Ingested, Outcome, Replaced};
pub use self::manifest::{Entry, Manifest, SupersededValue};
pub use self::scan::{
    ReadOptions, Scan, scan, scan_again, scan_again_ordered, scan_all, scan_parallel,
};

/// The manifest's file name inside `reports/`.
pub const MANIFEST: &str = "manifest.json";

/// Where the plan and the received reports live.
#[derive(Clone, Debug)]
pub struct Store {
    pub root: PathBuf,
}

/// The report files to read, in order, and what is known of each.
#[derive(Clone, Debug, Default)]
pub struct Reports {
    pub files: Vec<StoredReport>,
    /// Problems with the store as a whole that do not stop reading it
    /// (files the manifest does not list).
    pub warnings: Diagnostics,
    /// The manifest, when the store has one.
    pub manifest: Option<Manifest>,
    /// Where the cache of values read from these files lives, if anywhere
    /// (`.cache/` in the data folder).
    pub cache: Option<PathBuf>,
}

/// One report file to read.
#[derive(Clone, Debug)]
pub struct StoredReport {
    pub path: PathBuf,
    /// Its name inside `reports/` (the manifest's `file`); for files given
    /// on the command line, the path as given.
    pub name: String,
    /// The day it was received, when known.
    pub received: Option<Date>,
    /// The SHA-256 it had when received, checked again by `track validate`.
    pub sha256: Option<String>,
    /// How many values it held when received, checked again whenever it is read.
    pub rows: Option<u64>,
    /// The encoding it must be read with, when the manifest says.
    pub encoding: Option<Encoding>,
    /// Values of this file that a later file superseded, and which one
    /// (an index into `Reports::files`).
    pub superseded: Vec<(SupersededValue, usize)>,
}

impl StoredReport {
    fn loose(path: PathBuf, name: String) -> StoredReport {
        StoredReport {
            path,
            name,
            received: None,
            sha256: None,
            rows: None,
            encoding: None,
            superseded: Vec::new(),
        }
    }
}

impl Reports {
    /// The day each file was received, when known, indexed like
    /// `Source::file` in a scan of these reports (read it with `get`):
    /// empty when no file's day is known (no manifest), so that each value
    /// then looks up nothing.
    pub fn received(&self) -> Vec<Option<Date>> {
        if self.files.iter().all(|f| f.received.is_none()) {
            return Vec::new();
        }
        self.files.iter().map(|f| f.received).collect()
    }

    /// Files given on the command line, read as they are.
    pub fn given(paths: &[PathBuf]) -> Reports {
        Reports {
            files: paths
                .iter()
                .map(|p| StoredReport::loose(p.clone(), p.display().to_string()))
                .collect(),
            ..Reports::default()
        }
    }
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    pub fn plan_path(&self) -> PathBuf {
        self.root.join("plan.toml")
    }

    pub fn reports_dir(&self) -> PathBuf {
        self.root.join("reports")
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.reports_dir().join(MANIFEST)
    }

    /// Reads and validates the plan.
    pub fn load_plan(&self) -> Result<Plan> {
        load_plan(&self.plan_path())
    }

    /// The manifest, or `None` when the store has none yet.
    pub fn manifest(&self) -> Result<Option<Manifest>> {
        Manifest::read(&self.manifest_path())
    }

    /// The report files in force, in the order they are read (which decides
    /// ties between values dated the same day): see the module's rules.
    pub fn reports(&self) -> Result<Reports> {
        // The manifest and the folder are read under a shared lock, so as
        // not to see the files of an ingest in progress before its
        // manifest (and warn about them). Best effort: where the folder
        // cannot be locked, that moment's warning is the only risk.
        let lock = self.lock_target().and_then(|f| f.lock_shared().map(|()| f));
        let reports = self.reports_unlocked();
        drop(lock);
        reports
    }

    /// Where the cache of values read lives: derived data, safe to delete.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join(".cache")
    }

    /// `reports`, for a caller that holds the lock already.
    fn reports_unlocked(&self) -> Result<Reports> {
        let mut reports = self.reports_listed()?;
        reports.cache = Some(self.cache_dir());
        Ok(reports)
    }

    fn reports_listed(&self) -> Result<Reports> {
        let dir = self.reports_dir();
        let present = self.present_files()?;
        let Some(manifest) = self.manifest()? else {
            let mut names: Vec<&String> = present
                .iter()
                .filter(|n| {
                    Path::new(n)
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                })
                .collect();
            names.sort();
            return Ok(Reports {
                files: names
                    .into_iter()
                    .map(|n| StoredReport::loose(dir.join(n), n.clone()))
                    .collect(),
                ..Reports::default()
            });
        };

        let mut files = Vec::with_capacity(manifest.files.len());
        let mut index_of = HashMap::new();
        // Thousands of files in a national store: looked up, not scanned.
        let present_set: std::collections::HashSet<&str> =
            present.iter().map(String::as_str).collect();
        let mut problems = Diagnostics::default();
        let manifest_name = self.manifest_path().display().to_string();
        for entry in &manifest.files {
            let path = dir.join(&entry.file);
            if !present_set.contains(entry.file.as_str()) {
                problems.push(Diagnostic::error(
                    &manifest_name,
                    msg!(
                        "`{}` is listed in the manifest but missing from `{}`; restore it from a backup",
                        "`{}` có trong danh mục nhưng không có trong `{}`; hãy khôi phục tệp từ bản sao lưu",
                        entry.file,
                        dir.display()
                    ),
                ));
            }
            index_of.insert(entry.file.as_str(), files.len());
            files.push(StoredReport {
                path,
                name: entry.file.clone(),
                received: entry.received_on(),
                sha256: Some(entry.sha256.clone()),
                rows: Some(entry.rows),
                encoding: entry.encoding,
                superseded: Vec::new(),
            });
        }
        for (by, entry) in manifest.files.iter().enumerate() {
            for value in &entry.supersedes {
                match index_of.get(value.file.as_str()) {
                    Some(&at) => files[at].superseded.push((value.clone(), by)),
                    None => problems.push(Diagnostic::error(
                        &manifest_name,
                        msg!(
                            "`{}` supersedes a value of `{}`, which the manifest does not list",
                            "`{}` thay thế một giá trị của `{}`, nhưng danh mục không có tệp này",
                            entry.file,
                            value.file
                        ),
                    )),
                }
            }
        }
        if problems.has_errors() {
            return Err(Invalid(problems).into());
        }
        let mut unlisted: Vec<&String> = present
            .iter()
            .filter(|n| !index_of.contains_key(n.as_str()) && *n != MANIFEST)
            .collect();
        unlisted.sort();
        for name in unlisted {
            problems.push(Diagnostic::warning(
                dir.join(name).display().to_string(),
                msg!(
                    "`{name}` is not in the manifest, so it is not read (copied in by hand, or left by an ingest that was interrupted); \
                     add it with `track ingest`, or delete it",
                    "`{name}` không có trong danh mục nên không được đọc (được chép vào bằng tay, hoặc còn lại từ một lần nhập bị gián đoạn); \
                     hãy nhập tệp bằng `track ingest`, hoặc xóa tệp"
                ),
            ));
        }
        Ok(Reports {
            files,
            warnings: problems,
            manifest: Some(manifest),
            cache: None,
        })
    }

    /// The day each stored report file was received, by its name inside
    /// `reports/`: `None` when unknown (files stored by hand, or adopted
    /// into the manifest from such a store). For completeness by date.
    pub fn received_dates(&self) -> Result<Vec<(String, Option<Date>)>> {
        Ok(self
            .reports()?
            .files
            .into_iter()
            .map(|f| (f.name, f.received))
            .collect())
    }

    /// What the store's lock is taken on: the data folder itself (on Unix;
    /// elsewhere the plan, which `track` never writes), so that no lock
    /// file is created and a failed ingest leaves the folder exactly as it
    /// found it.
    fn lock_target(&self) -> io::Result<fs::File> {
        #[cfg(unix)]
        let target = self.root.clone();
        #[cfg(not(unix))]
        let target = self.plan_path();
        fs::File::open(target)
    }

    /// Names of the regular files in `reports/`, less hidden ones (the
    /// temporary files of a write in progress).
    fn present_files(&self) -> Result<Vec<String>> {
        let dir = self.reports_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Failed::new(cannot_list(&dir), e).into()),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.said(|| cannot_list(&dir))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            // The entry's own type where the folder gives it (no stat); a
            // link is followed, as before.
            let file = match entry.file_type() {
                Ok(t) if !t.is_symlink() => t.is_file(),
                _ => entry.path().is_file(),
            };
            if !name.starts_with('.') && file {
                names.push(name);
            }
        }
        Ok(names)
    }
}

/// "cannot list `dir`".
fn cannot_list(dir: &Path) -> Message {
    let dir = dir.display();
    msg!("cannot list `{dir}`", "không liệt kê được `{dir}`")
}

/// Reads and validates a plan file; every problem is reported at once.
pub fn load_plan(path: &Path) -> Result<Plan> {
    let name = path.display().to_string();
    let text = fs::read_to_string(path).said(|| {
        msg!(
            "cannot read the plan `{name}`; is `--data` (or TRACK_DATA) the folder that holds plan.toml?",
            "không đọc được kế hoạch `{name}`; `--data` (hoặc TRACK_DATA) có đúng là thư mục chứa plan.toml không?"
        )
    })?;
    let input = PlanFile::parse(&text).map_err(|(span, message)| {
        // The TOML reader speaks English only: Vietnamese says whose words they are.
        let message = message.trim_end();
        let mut d = Diagnostic::error(
            &name,
            msg!(
                "{message}",
                "tệp kế hoạch có lỗi (trình đọc TOML báo: {message})"
            ),
        );
        if let Some(span) = span {
            let (line, column) = crate::diagnostic::line_column(&text, span.start);
            d = d.at(line, column);
        }
        let mut all = Diagnostics::default();
        all.push(d);
        Invalid(all)
    })?;
    Plan::from_input(input, &name, &text).map_err(|d| Invalid(d).into())
}

/// A temporary file in `dir`, to become a stored report, the manifest, a
/// block of the cache or an output when renamed: created as any new file
/// is (0666 less the umask). tempfile's own are private to their owner,
/// which would keep colleagues who share the data folder from reading
/// what was stored.
pub(crate) fn temp_file_in(
    dir: &Path,
    prefix: &str,
    suffix: &str,
) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}
