//! The data directory (`plan.toml` and `reports/`) and the one pass that
//! reads every stored report through validation into a consumer, such as
//! the evaluator. Reading streams: memory holds one file and the
//! aggregates, never all rows.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::diagnostic::{Diagnostic, Diagnostics, Invalid};
use crate::input::plan_file::PlanFile;
use crate::input::report_file::{Encoding, ReportFile};
use crate::model::{CellProblem, Ledger, Observation, Plan, Source};
use crate::progress::Progress;

/// Errors listed for one file before the rest are only counted.
const ERRORS_PER_FILE: usize = 100;

/// Where the plan and the received reports live.
#[derive(Clone, Debug)]
pub struct Store {
    pub root: PathBuf,
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

    /// Reads and validates the plan.
    pub fn load_plan(&self) -> Result<Plan> {
        load_plan(&self.plan_path())
    }

    /// The day each of `files` was received, by index (`Source::file`),
    /// when the store knows it.
    ///
    /// PROVISIONAL(manifest): the store's manifest, being built on the
    /// `ingest` branch, records when each file was received; wire this to
    /// it at merge. Until then no file has a received date, so no report is
    /// ever called late (the modification time was not used: a checkout or
    /// a copy resets it, which would call every report late).
    pub fn received_on(&self, files: &[PathBuf]) -> Vec<Option<jiff::civil::Date>> {
        vec![None; files.len()]
    }

    /// The stored report files, in name order (the order values are read,
    /// which decides ties between values dated the same day).
    pub fn report_files(&self) -> Result<Vec<PathBuf>> {
        let dir = self.reports_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot list `{}`", dir.display())),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry
                .with_context(|| format!("cannot list `{}`", dir.display()))?
                .path();
            let is_report = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if is_report && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }
}

/// Reads and validates a plan file; every problem is reported at once.
pub fn load_plan(path: &Path) -> Result<Plan> {
    let name = path.display().to_string();
    let text = fs::read_to_string(path).with_context(|| {
        format!("cannot read the plan `{name}`; is `--data` (or TRACK_DATA) the folder that holds plan.toml?")
    })?;
    let input = PlanFile::parse(&text).map_err(|(span, message)| {
        let mut d = Diagnostic::error(&name, message.trim_end().to_string());
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

/// How to read report files.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    pub encoding: Encoding,
    /// The label of a progress bar on standard error for long passes, or
    /// `None` for no bar (not a terminal: see `Settings`).
    pub progress: Option<&'static str>,
}

/// What a pass over the reports found besides the observations.
#[derive(Debug, Default)]
pub struct Scan {
    /// The files read, indexed by `Source::file`.
    pub files: Vec<String>,
    pub warnings: Diagnostics,
    pub rows: u64,
}

/// Reads every file through validation and hands each valid observation to
/// `sink`. Collects every problem of every file; if any is an error, the
/// whole pass fails with all of them (what was already handed to `sink`
/// must then be discarded).
pub fn scan(
    plan: &Plan,
    files: &[PathBuf],
    options: ReadOptions,
    mut sink: impl FnMut(&Observation),
) -> Result<Scan> {
    let mut ledger = Ledger::default();
    let mut clashes = Vec::new();
    let mut problems = Diagnostics::default();
    let mut scan = Scan::default();
    let mut progress = Progress::new(options.progress, files.len());
    for (index, path) in files.iter().enumerate() {
        progress.step();
        let name = path.display().to_string();
        scan.files.push(name.clone());
        let bytes = fs::read(path).with_context(|| format!("cannot read `{name}`"))?;
        let file = match ReportFile::parse(&name, bytes, options.encoding) {
            Ok(file) => file,
            Err(d) => {
                problems.push(d);
                continue;
            }
        };
        let mut file_problems = FileProblems::new(&name, file.warnings.clone());
        let mut cells = Vec::new();
        file.for_each_row(|row| {
            let row = match row {
                Ok(row) => row,
                Err(d) => return file_problems.push(d),
            };
            scan.rows += 1;
            let source = Source {
                file: index as u32,
                line: row.line as u32,
            };
            cells.clear();
            let observation = plan.read_row(&row, file.dialect.mark, source, &mut cells);
            file_problems.cells(row.line, &cells);
            if let Some(obs) = observation {
                if ledger.admit(plan, &obs) {
                    sink(&obs);
                } else {
                    clashes.push((
                        obs.unit,
                        obs.indicator,
                        obs.period,
                        source,
                        row.period.column,
                    ));
                }
            }
        });
        problems.extend(file_problems.finish());
    }
    drop(progress);
    if !clashes.is_empty() {
        problems.extend(describe_clashes(
            plan,
            files,
            options,
            &scan.files,
            &clashes,
        )?);
    }
    if problems.has_errors() {
        return Err(Invalid(problems).into());
    }
    scan.warnings = problems;
    Ok(scan)
}

/// A second pass, only when clashes were found: the ledger keeps no rows,
/// so the earlier value each clash collides with is looked up again.
fn describe_clashes(
    plan: &Plan,
    files: &[PathBuf],
    options: ReadOptions,
    names: &[String],
    clashes: &[(
        crate::model::UnitId,
        crate::model::IndicatorId,
        crate::period::Period,
        Source,
        usize,
    )],
) -> Result<Diagnostics> {
    let mut earlier: Vec<Option<(crate::period::Period, Source)>> = vec![None; clashes.len()];
    for (index, path) in files.iter().enumerate() {
        let Ok(file) = ReportFile::parse(&names[index], fs::read(path)?, options.encoding) else {
            continue;
        };
        let mut cells = Vec::new();
        file.for_each_row(|row| {
            let Ok(row) = row else { return };
            let source = Source {
                file: index as u32,
                line: row.line as u32,
            };
            cells.clear();
            let Some(obs) = plan.read_row(&row, file.dialect.mark, source, &mut cells) else {
                return;
            };
            for (slot, &(unit, indicator, period, at, _)) in earlier.iter_mut().zip(clashes) {
                let overlaps = Ledger::mask(plan, indicator, period)
                    & Ledger::mask(plan, indicator, obs.period)
                    != 0;
                if slot.is_none()
                    && source < at
                    && (obs.unit, obs.indicator, obs.period.year())
                        == (unit, indicator, period.year())
                    && overlaps
                {
                    *slot = Some((obs.period, source));
                }
            }
        });
    }
    let mut out = Diagnostics::default();
    for (&(unit, indicator, period, at, column), found) in clashes.iter().zip(earlier) {
        let (unit, indicator) = (&plan.unit(unit).code, plan.indicator(indicator));
        let place = |(p, s): (crate::period::Period, Source)| {
            (p, format!("{}:{}", names[s.file as usize], s.line))
        };
        let message = match found.map(place) {
            Some((p, place)) if p == period => {
                format!(
                    "`{unit}` reported `{}` for `{period}` twice: here and at {place}",
                    indicator.code
                )
            }
            Some((p, place)) if indicator.kind.adds_up() => format!(
                "`{unit}` reported the flow `{}` for `{period}` here and for the overlapping `{p}` at {place}; \
                 the months they share would count twice",
                indicator.code
            ),
            Some((p, place)) => format!(
                "`{unit}` reported `{}` for `{period}` here and for `{p}` at {place}; both give its level on {}",
                indicator.code,
                period.end()
            ),
            None => format!(
                "`{unit}` reported `{}` for `{period}` more than once",
                indicator.code
            ),
        };
        out.push(
            Diagnostic::error(&names[at.file as usize], message).at(u64::from(at.line), column),
        );
    }
    Ok(out)
}

/// The problems of one file: errors listed up to a limit, identical
/// warnings folded into one line with a count.
struct FileProblems<'a> {
    name: &'a str,
    all: Diagnostics,
    errors: usize,
    warnings: HashMap<String, (usize, u64, usize)>,
    warning_order: Vec<String>,
}

impl<'a> FileProblems<'a> {
    fn new(name: &'a str, warnings: Diagnostics) -> FileProblems<'a> {
        FileProblems {
            name,
            all: warnings,
            errors: 0,
            warnings: HashMap::new(),
            warning_order: Vec::new(),
        }
    }

    fn push(&mut self, d: Diagnostic) {
        self.errors += 1;
        if self.errors <= ERRORS_PER_FILE {
            self.all.push(d);
        }
    }

    fn cells(&mut self, line: u64, cells: &[CellProblem]) {
        for p in cells {
            if p.warning {
                let entry = self.warnings.entry(p.message.clone()).or_insert_with(|| {
                    self.warning_order.push(p.message.clone());
                    (0, line, p.column)
                });
                entry.0 += 1;
            } else {
                self.push(Diagnostic::error(self.name, p.message.clone()).at(line, p.column));
            }
        }
    }

    fn finish(mut self) -> Diagnostics {
        if self.errors > ERRORS_PER_FILE {
            self.all.push(Diagnostic::error(
                self.name,
                format!(
                    "… and {} more errors in this file",
                    self.errors - ERRORS_PER_FILE
                ),
            ));
        }
        for message in &self.warning_order {
            let (count, line, column) = self.warnings[message];
            let message = if count > 1 {
                format!("{message} ({count} rows, the first here)")
            } else {
                message.clone()
            };
            self.all
                .push(Diagnostic::warning(self.name, message).at(line, column));
        }
        self.all
    }
}
