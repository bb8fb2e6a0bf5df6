//! The value-by-value check `ingest` did before it kept month masks:
//! every value held, ratios over the whole store. Kept for tests only, as
//! the careful answer the fast one must give exactly, on random stores.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::super::scan::{clash, clash_message, read_file, superseded_in};
use super::super::{Reports, Store};
use super::{
    Candidate, Held, IngestOptions, Outcome, Replaced, legacy_encoding, place, stored_clash_message,
};
use crate::diagnostic::{Diagnostic, Diagnostics, Invalid, Said, Severity, cannot_read};
use crate::lang::Message;
use crate::model::{IndicatorId, Measure, Observation, Plan, RowMemo, Source, UnitId, Value};
use crate::msg;
use crate::period::Period;
use crate::store::manifest::{Digest, Entry, Sha256, SupersededValue, sha256_hex};

/// What the careful check says of `files`, as `Store::ingest` with
/// `--dry-run` would say it, less the names chosen.
pub(super) fn ingest(
    store: &Store,
    files: &[PathBuf],
    options: &IngestOptions,
) -> Result<(Vec<Outcome>, Diagnostics)> {
    let plan = store.load_plan()?;
    let reports = store.reports()?;
    let mut check = Check::new(&plan, &reports, options, files.len());
    check.read_store()?;
    let (outcomes, mut candidates) = check.sort_given(files)?;
    for candidate in &mut candidates {
        let mut hasher = Sha256::new();
        let mut bytes = Vec::new();
        candidate
            .reopen(&mut hasher)?
            .read_to_end(&mut bytes)
            .said(|| cannot_read(&candidate.given))?;
        candidate.verify(hasher)?;
        check.read_candidate(candidate, bytes);
    }
    let warnings = check.finish()?;
    let mut fresh = candidates.into_iter();
    let outcomes = outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                let c = fresh.next().expect("one candidate per open outcome");
                Outcome::Stored {
                    given: c.given,
                    stored_as: String::new(),
                    rows: c.rows,
                    dialect: c.dialect,
                    replaced: c.replaced,
                }
            })
        })
        .collect();
    Ok((outcomes, warnings))
}

/// One ingest's reading: the stored values in force, then the new ones,
/// each checked against all held before it. Holds a small entry per value
/// (an ingest is not a report over years of data, and naming the earlier
/// row of a clash needs it).
struct Check<'a> {
    plan: &'a Plan,
    reports: &'a Reports,
    options: &'a IngestOptions,
    /// File names for diagnostics, indexed by `Source::file`: the stored
    /// files, then the given ones.
    names: Vec<String>,
    held: HashMap<(UnitId, IndicatorId, i16), Vec<Held>>,
    /// Stored content by SHA-256: the name it is stored under and when it
    /// was received.
    hashes: HashMap<String, (String, Option<String>)>,
    ratios: OldRatios,
    errors: Diagnostics,
    warnings: Diagnostics,
}

impl<'a> Check<'a> {
    fn new(
        plan: &'a Plan,
        reports: &'a Reports,
        options: &'a IngestOptions,
        _given: usize,
    ) -> Check<'a> {
        Check {
            plan,
            reports,
            options,
            names: reports
                .files
                .iter()
                .map(|f| f.path.display().to_string())
                .collect(),
            held: HashMap::new(),
            hashes: HashMap::new(),
            ratios: OldRatios::new(plan),
            errors: Diagnostics::default(),
            warnings: Diagnostics::default(),
        }
    }

    /// Reads the store as it is: its values in force and its hashes. For a
    /// store without a manifest, returns the entries that adopt its files.
    fn read_store(&mut self) -> Result<Vec<Entry>> {
        let (plan, reports, options) = (self.plan, self.reports, self.options);
        let mut adopted = Vec::new();
        for (index, report) in reports.files.iter().enumerate() {
            let bytes = fs::read(&report.path).said(|| cannot_read(&self.names[index]))?;
            let sha256 = report.sha256.clone().unwrap_or_else(|| sha256_hex(&bytes));
            let superseded = superseded_in(plan, report);
            let mut problems = Diagnostics::default();
            let mut rows = 0;
            let (names, held, ratios) = (&self.names, &mut self.held, &mut self.ratios);
            let file = read_file(
                plan,
                &mut RowMemo::default(),
                index,
                &names[index],
                bytes,
                report.encoding.unwrap_or(options.read.encoding),
                &mut problems,
                &mut 0,
                |obs, row, file_problems| {
                    if superseded.contains_key(&(obs.unit, obs.indicator, obs.period)) {
                        return;
                    }
                    rows += 1;
                    let entries = held
                        .entry((obs.unit, obs.indicator, obs.period.year()))
                        .or_default();
                    if let Some(h) = entries
                        .iter()
                        .find(|h| clash(plan, obs.indicator, h.period, obs.period))
                    {
                        let message = clash_message(
                            plan,
                            obs.unit,
                            obs.indicator,
                            obs.period,
                            h.period,
                            &place(names, h),
                        );
                        return file_problems.error(obs.source.line, row.period.column, message);
                    }
                    ratios.add(obs, row.value.column);
                    entries.push(Held {
                        period: obs.period,
                        source: obs.source,
                        value: plan.show_value(obs.indicator, &obs.value),
                        stored: true,
                        superseded: false,
                    });
                },
            );
            // Warnings about stored files were given when they came in.
            for d in problems.iter().filter(|d| d.severity == Severity::Error) {
                self.errors.push(d.clone());
            }
            let received = reports
                .manifest
                .as_ref()
                .and_then(|m| m.files.get(index))
                .and_then(|e| e.received.clone());
            self.hashes
                .entry(sha256.clone())
                .or_insert((report.name.clone(), received));
            if reports.manifest.is_none() {
                adopted.push(Entry {
                    file: report.name.clone(),
                    sha256,
                    received: None,
                    original_name: None,
                    rows,
                    dialect: file.as_ref().map(|f| f.dialect.to_string()),
                    encoding: legacy_encoding(file.as_ref()),
                    supersedes: Vec::new(),
                });
            }
        }
        Ok(adopted)
    }

    /// Reads the given files once each and sorts them: already stored,
    /// given twice, or new (a candidate, whose outcome is left open).
    fn sort_given(&mut self, files: &[PathBuf]) -> Result<(Vec<Option<Outcome>>, Vec<Candidate>)> {
        let mut outcomes = Vec::new();
        let mut candidates: Vec<Candidate> = Vec::new();
        for path in files {
            let given = path.display().to_string();
            let bytes = fs::read(path).said(|| cannot_read(&given))?;
            let sha256 = sha256_hex(&bytes);
            if let Some((stored_as, received)) = self.hashes.get(&sha256) {
                outcomes.push(Some(Outcome::AlreadyStored {
                    given,
                    stored_as: stored_as.clone(),
                    received: received.clone(),
                }));
                continue;
            }
            if let Some(first) = candidates.iter().find(|c| c.sha256 == sha256) {
                outcomes.push(Some(Outcome::Repeated {
                    given,
                    same_as: first.given.clone(),
                }));
                continue;
            }
            outcomes.push(None);
            candidates.push(Candidate {
                original_name: path
                    .file_name()
                    .map_or_else(|| given.clone(), |n| n.to_string_lossy().into_owned()),
                given,
                path: path.clone(),
                part: None,
                sha256,
                rows: 0,
                dialect: Message::verbatim(""),
                encoding: None,
                replaced: Vec::new(),
            });
        }
        Ok((outcomes, candidates))
    }

    /// Reads a new file, checking each value against everything held: a
    /// clash with another new value is an error; with a stored one, an
    /// error unless `--replace`, which supersedes the stored value.
    fn read_candidate(&mut self, candidate: &mut Candidate, bytes: Vec<u8>) {
        let (plan, reports, options) = (self.plan, self.reports, self.options);
        let index = self.names.len();
        self.names.push(candidate.given.clone());
        let mut problems = Diagnostics::default();
        let mut rows = 0;
        let (names, held, ratios) = (&self.names, &mut self.held, &mut self.ratios);
        let file = read_file(
            plan,
            &mut RowMemo::default(),
            index,
            &names[index],
            bytes,
            options.read.encoding,
            &mut problems,
            &mut 0,
            |obs, row, file_problems| {
                rows += 1;
                let value = plan.show_value(obs.indicator, &obs.value);
                let entries = held
                    .entry((obs.unit, obs.indicator, obs.period.year()))
                    .or_default();
                let clashing: Vec<usize> = (0..entries.len())
                    .filter(|&i| {
                        !entries[i].superseded
                            && clash(plan, obs.indicator, entries[i].period, obs.period)
                    })
                    .collect();
                if let Some(&i) = clashing.iter().find(|&&i| !entries[i].stored) {
                    let h = &entries[i];
                    let message = clash_message(
                        plan,
                        obs.unit,
                        obs.indicator,
                        obs.period,
                        h.period,
                        &place(names, h),
                    );
                    return file_problems.error(obs.source.line, row.period.column, message);
                }
                if let Some(&i) = clashing.first()
                    && !options.replace
                {
                    let message = stored_clash_message(
                        plan,
                        (obs.unit, obs.indicator),
                        (obs.period, &value),
                        &entries[i],
                        &place(names, &entries[i]),
                    );
                    return file_problems.error(obs.source.line, row.period.column, message);
                }
                for i in clashing {
                    let h = &mut entries[i];
                    h.superseded = true;
                    ratios.remove(obs.unit, obs.indicator, h.period);
                    let superseded = SupersededValue {
                        file: reports.files[h.source.file as usize].name.clone(),
                        line: h.source.line,
                        unit: plan.unit(obs.unit).code.clone(),
                        indicator: plan.indicator(obs.indicator).code.clone(),
                        period: h.period.to_string(),
                    };
                    candidate.replaced.push(Replaced {
                        value: superseded,
                        old: h.value.clone(),
                        new: value.clone(),
                        period: obs.period.to_string(),
                        line: obs.source.line,
                    });
                }
                ratios.add(obs, row.value.column);
                entries.push(Held {
                    period: obs.period,
                    source: obs.source,
                    value,
                    stored: false,
                    superseded: false,
                });
            },
        );
        candidate.rows = rows;
        candidate.dialect = file
            .as_ref()
            .map_or_else(|| Message::verbatim(""), |f| f.dialect.describe());
        candidate.encoding = legacy_encoding(file.as_ref());
        for d in problems.iter() {
            if d.severity == Severity::Error {
                self.errors.push(d.clone());
            } else {
                self.warnings.push(d.clone());
            }
        }
    }

    /// The warnings about the new files, or every error at once.
    fn finish(self) -> Result<Diagnostics> {
        if self.errors.has_errors() {
            return Err(Invalid(self.errors).into());
        }
        let mut warnings = self.warnings;
        let first_new = self.reports.files.len() as u32;
        warnings.extend(self.ratios.finish(self.plan, &self.names, first_new));
        Ok(warnings)
    }
}

/// Catches a numerator above its denominator for one unit and period
/// (7 tasks applied of 5 accepted): allowed, since units report the two
/// separately, but worth a warning. Holds the values of the indicators
/// some ratio objective divides, two per unit, period and ratio.
/// One side of a ratio: its value, where it came from, and its column.
type Side = (Decimal, Source, usize);

#[derive(Clone)]
struct OldRatios {
    /// Which ratios there are, from the plan: shared by every file's check.
    pairs: Arc<Vec<(IndicatorId, IndicatorId)>>,
    /// By indicator: the pairs it is a side of, and which side (0
    /// numerator, 1 denominator); checked per row.
    sides: Arc<Vec<Vec<(u16, usize)>>>,
    /// By unit, period and pair: the value, source and column of each side.
    seen: FxHashMap<(UnitId, Period, u16), [Option<Side>; 2]>,
}

impl OldRatios {
    fn new(plan: &Plan) -> OldRatios {
        let mut pairs = Vec::new();
        for objective in &plan.objectives {
            if let Measure::Ratio {
                numerator,
                denominator,
            } = objective.measure
                && !pairs.contains(&(numerator, denominator))
            {
                pairs.push((numerator, denominator));
            }
        }
        let mut sides = vec![Vec::new(); plan.indicators.len()];
        for (pair, &(a, b)) in pairs.iter().enumerate() {
            sides[a.0 as usize].push((pair as u16, 0));
            sides[b.0 as usize].push((pair as u16, 1));
        }
        OldRatios {
            pairs: Arc::new(pairs),
            sides: Arc::new(sides),
            seen: FxHashMap::default(),
        }
    }

    fn add(&mut self, obs: &Observation, column: usize) {
        let Value::Number(n) = obs.value else { return };
        for &(pair, side) in &self.sides[obs.indicator.0 as usize] {
            self.seen.entry((obs.unit, obs.period, pair)).or_default()[side] =
                Some((n, obs.source, column));
        }
    }

    /// A value no longer in force.
    fn remove(&mut self, unit: UnitId, indicator: IndicatorId, period: Period) {
        for &(pair, side) in &self.sides[indicator.0 as usize] {
            if let Some(both) = self.seen.get_mut(&(unit, period, pair)) {
                both[side] = None;
            }
        }
    }

    /// The warnings, for pairs where either value comes from a file at
    /// index `from` or later (an ingest warns about the new files only).
    fn finish(self, plan: &Plan, names: &[String], from: u32) -> Diagnostics {
        let mut found = Vec::new();
        for (&(unit, period, pair), both) in &self.seen {
            let (numerator, denominator) = self.pairs[pair as usize];
            if let [Some((n, source, column)), Some((d, at, _))] = *both
                && n > d
                && (source.file >= from || at.file >= from)
            {
                found.push((
                    source,
                    column,
                    unit,
                    numerator,
                    denominator,
                    period,
                    n,
                    d,
                    at,
                ));
            }
        }
        found.sort_by_key(|f| (f.0, f.3, f.4));
        let mut out = Diagnostics::default();
        for (source, column, unit, numerator, denominator, period, n, d, at) in found {
            out.push(
                Diagnostic::warning(
                    &names[source.file as usize],
                    msg!(
                        "`{}` reported `{}` `{}` for `{period}`, more than its `{}` `{}` at {}:{}; \
                         a share above 100 %: is one of them wrong?",
                        "`{}` báo cáo `{}` là `{}` cho kỳ `{period}`, lớn hơn `{}` là `{}` ở {}:{}; \
                         tỷ lệ vượt 100 %: có số liệu nào sai không?",
                        plan.unit(unit).code,
                        plan.indicator(numerator).code,
                        n.normalize(),
                        plan.indicator(denominator).code,
                        d.normalize(),
                        names[at.file as usize],
                        at.line
                    ),
                )
                .at(u64::from(source.line), column),
            );
        }
        out
    }
}

mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::model::tests::PLAN;

    /// A row: unit, indicator, period and value, each an index into the
    /// choices below (some invalid, so that errors are compared too).
    type Row = (usize, usize, usize, usize);

    const UNITS: [&str; 3] = ["A", "B", "C"];
    const INDICATORS: [&str; 4] = ["done", "total", "grade", "remark"];
    const PERIODS: [&str; 12] = [
        "2025", "2025-H1", "2025-H2", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025-01",
        "2025-02", "2025-06", "2026-Q1", "2026",
    ];

    #[derive(Clone, Debug)]
    enum GivenFile {
        New(Vec<Row>),
        SameAsStored(usize),
        SameAsGiven(usize),
    }

    fn row() -> impl Strategy<Value = Row> + Clone {
        // Unit `C` is not in the plan: one row in forty; half the rows are
        // for the half year, so that values meet often.
        (
            prop_oneof![39 => 0..2usize, 1 => Just(2usize)],
            prop_oneof![3 => 0..2usize, 1 => 2..4usize],
            prop_oneof![1 => Just(1usize), 1 => 0..12usize],
            0..20usize,
        )
    }

    /// Rows of the two sides of the plan's ratio only, over few periods:
    /// pairs complete within a file, across files, or with a stored side,
    /// and `--replace` takes sides away.
    fn ratio_row() -> impl Strategy<Value = Row> + Clone {
        (
            0..2usize,
            0..2usize,
            prop_oneof![Just(0usize), Just(1), Just(3)],
            0..10usize,
        )
    }

    fn csv(rows: &[Row]) -> String {
        let mut text = String::from("unit,indicator,period,value,note\n");
        for &(u, i, p, v) in rows {
            let value = match i {
                // `x` is not a number: an error.
                0 | 1 if v == 19 => "x".to_string(),
                0 | 1 => v.to_string(),
                2 => ["yeu", "kha", "tot", "3"][v % 4].to_string(),
                _ => ["đạt", "chưa đạt"][v % 2].to_string(),
            };
            text.push_str(&format!(
                "{},{},{},{value},\n",
                UNITS[u], INDICATORS[i], PERIODS[p]
            ));
        }
        text
    }

    fn options(replace: bool, dry_run: bool) -> IngestOptions {
        IngestOptions {
            read: Default::default(),
            replace,
            dry_run,
            received: "2025-07-14".into(),
            lang: crate::lang::Lang::En,
        }
    }

    fn summary(result: Result<(Vec<Outcome>, Diagnostics)>) -> Vec<String> {
        match result {
            Ok((outcomes, warnings)) => outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Stored {
                        given,
                        rows,
                        dialect,
                        replaced,
                        ..
                    } => format!("stored {given}: {rows} ({}) {replaced:?}", dialect.en()),
                    other => format!("{other:?}"),
                })
                .chain(warnings.iter().map(|d| d.to_string()))
                .collect(),
            Err(e) => match e.downcast_ref::<Invalid>() {
                Some(Invalid(errors)) => errors.iter().map(|d| d.to_string()).collect(),
                None => vec![format!("{e:#}")],
            },
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
    }

    fn scenario(
        row: impl Strategy<Value = Row> + Clone,
    ) -> impl Strategy<Value = (bool, Vec<Vec<Row>>, Vec<GivenFile>, bool)> {
        (
            any::<bool>(),
            prop::collection::vec(prop::collection::vec(row.clone(), 0..6), 0..4),
            prop::collection::vec(
                prop_oneof![
                    6 => prop::collection::vec(row, 1..5).prop_map(GivenFile::New),
                    1 => (0..4usize).prop_map(GivenFile::SameAsStored),
                    1 => (0..3usize).prop_map(GivenFile::SameAsGiven),
                ],
                1..4,
            ),
            any::<bool>(),
        )
    }

    /// Builds the store (by hand, clashes included, or by ingests with
    /// `--replace`, superseded values included), then ingests the given
    /// files both ways.
    fn compare(
        (manifest, stored, given, replace): (bool, Vec<Vec<Row>>, Vec<GivenFile>, bool),
    ) -> (Vec<String>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        std::fs::create_dir_all(root.join("reports")).unwrap();
        std::fs::create_dir_all(dir.path().join("given")).unwrap();
        write(&root.join("plan.toml"), PLAN);
        let store = Store::new(&root);
        let mut stored_texts = Vec::new();
        for (i, rows) in stored.iter().enumerate() {
            let text = csv(rows);
            if manifest {
                let path = dir.path().join("given").join(format!("s{i}.csv"));
                write(&path, &text);
                // A refused file is simply not stored.
                let _ = store.ingest(&[path], &options(true, false));
            } else {
                write(&root.join("reports").join(format!("s{i}.csv")), &text);
            }
            stored_texts.push(text);
        }
        let mut given_texts: Vec<String> = Vec::new();
        let mut paths = Vec::new();
        for (i, g) in given.iter().enumerate() {
            let text = match g {
                GivenFile::SameAsStored(s) if *s < stored_texts.len() => stored_texts[*s].clone(),
                GivenFile::SameAsGiven(s) if *s < given_texts.len() => given_texts[*s].clone(),
                GivenFile::New(rows) => csv(rows),
                _ => csv(&[(0, 0, i, i)]),
            };
            let path = dir.path().join("given").join(format!("g{i}.csv"));
            write(&path, &text);
            given_texts.push(text);
            paths.push(path);
        }
        let options = options(replace, true);
        let fast = summary(
            store
                .ingest(&paths, &options)
                .map(|i| (i.outcomes, i.warnings)),
        );
        (fast, summary(ingest(&store, &paths, &options)))
    }

    proptest! {
        // Seeds of past failures are kept under tests/, not in a folder
        // of their own at the top of the repository.
        #![proptest_config(ProptestConfig {
            cases: 500,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct(
                    "tests/proptest-regressions/ingest-careful.txt",
                ),
            )),
            ..ProptestConfig::default()
        })]

        /// The ingest gives the careful check's outcomes, warnings and
        /// errors, word for word.
        #[test]
        fn ingest_answers_as_the_careful_check(scenario in scenario(row())) {
            let (fast, careful) = compare(scenario);
            prop_assert_eq!(fast, careful);
        }

        /// The same for ratios: a share above 100 % found whichever file
        /// each side is in.
        #[test]
        fn ratios_are_judged_as_the_careful_check_judges_them(
            (manifest, stored, given, replace) in scenario(ratio_row()),
        ) {
            // Each file sends a value once, so that most ingests succeed.
            let once = |rows: Vec<Row>| {
                let mut seen = Vec::new();
                rows.into_iter()
                    .filter(|&(u, i, p, _)| {
                        let fresh = !seen.contains(&(u, i, p));
                        seen.push((u, i, p));
                        fresh
                    })
                    .collect::<Vec<Row>>()
            };
            let stored = stored.into_iter().map(once).collect();
            let given = given
                .into_iter()
                .map(|g| match g {
                    GivenFile::New(rows) => GivenFile::New(once(rows)),
                    other => other,
                })
                .collect();
            let (fast, careful) = compare((manifest, stored, given, replace));
            prop_assert_eq!(fast, careful);
        }
    }
}
