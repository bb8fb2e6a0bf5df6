//! Adding received report files to the store (`track ingest`), as one
//! transaction: all the files or none of them.
//!
//! Under an exclusive lock on the data folder, the new files are read
//! through validation together with the stored ones (see `Check` for how,
//! in memory that does not grow with the values read); any error stops the
//! ingest before anything is stored. Each new file is written to a
//! hidden temporary file in `reports/` while it is checked; when all is
//! well, it is renamed to its free name, and the manifest, written the same
//! way, is renamed last: until that rename the new files are not in the
//! manifest and so are not read (see `store`). A crash at any point leaves
//! the old store, plus at most some unlisted or temporary files that the
//! next commands warn about or remove.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use anyhow::Result;
use rustc_hash::{FxHashMap, FxHashSet};
use tempfile::TempPath;

use super::cache::{self, Cache};
use super::manifest::{
    self, Digest, Entry, Hashing, Manifest, Sha256, SupersededValue, hex_of, sha256_file,
    sha256_hex_unless,
};
use super::scan::{RatioCheck, clash, clash_message, read_file, superseded_in};
use super::{MANIFEST, ReadOptions, Reports, Store, temp_file_in};
use crate::diagnostic::{
    Diagnostics, Failed, Invalid, Said, Severity, cannot_create, cannot_read, cannot_write,
    cannot_write_in,
};
use crate::input::report_file::{CHUNK, Encoding, Input, ReportFile, STREAM_FROM, WINDOWS_1258};
use crate::lang::{Lang, Message};
use crate::model::{IndicatorId, Ledger, Observation, Plan, RowMemo, Source, UnitId};
use crate::msg;
use crate::period::Period;
use crate::progress::Progress;

/// How to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    pub read: ReadOptions,
    /// Let new values supersede the stored values they clash with.
    pub replace: bool,
    /// Check and say what would happen; write nothing.
    pub dry_run: bool,
    /// When the files were received, as the manifest records it.
    pub received: String,
    /// The language of what is said while waiting for another ingest.
    pub lang: Lang,
}

/// What an ingest did (or, with `dry_run`, would do).
#[derive(Debug)]
pub struct Ingested {
    pub outcomes: Vec<Outcome>,
    /// Warnings about the new files (not about files stored before).
    pub warnings: Diagnostics,
    /// Whether the store was written (false for a dry run or when every
    /// file was already stored).
    pub written: bool,
}

/// What became of one given file.
#[derive(Debug)]
pub enum Outcome {
    /// Stored (or to be stored) under `stored_as` in `reports/`.
    Stored {
        given: String,
        stored_as: String,
        rows: u64,
        /// How it was read (`Dialect::describe`).
        dialect: Message,
        replaced: Vec<Replaced>,
    },
    /// The same bytes are already stored: nothing to do.
    AlreadyStored {
        given: String,
        stored_as: String,
        received: Option<String>,
    },
    /// Given twice in one ingest: the second copy is skipped.
    Repeated { given: String, same_as: String },
}

/// A stored value that a new file superseded.
#[derive(Debug)]
pub struct Replaced {
    pub value: SupersededValue,
    pub old: String,
    /// The new value and its period (which may differ: a quarter can
    /// supersede the half year it overlaps).
    pub new: String,
    pub period: String,
    /// Where the new value is (the given file's line).
    pub line: u32,
}

/// A given file that is new to the store.
struct Candidate {
    given: String,
    original_name: String,
    /// Where it was given: read again when its bytes are needed after
    /// the first reading (see `Candidate::bytes`).
    path: PathBuf,
    /// The temporary file in `reports/` that thread wrote it to, if any.
    part: Option<TempPath>,
    sha256: String,
    rows: u64,
    dialect: Message,
    encoding: Option<Encoding>,
    /// The stored values it supersedes (`--replace`), for the manifest
    /// and to say so.
    replaced: Vec<Replaced>,
}

impl Candidate {
    /// The file again, a chunk at a time, to settle a clash with stored
    /// values or to store it where no temporary copy was written: the
    /// copy if there is one, else the file as given, read anew. What is
    /// read is hashed into `hasher`, for `verify`. Given files are not all
    /// held at once, nor a large one whole.
    fn reopen<'h>(&self, hasher: &'h mut Sha256) -> Result<Hashing<'h, File>> {
        read_again(self.part.as_deref(), &self.path, &self.given, hasher)
    }

    /// Refuses bytes read again (`reopen`) that are no longer the bytes
    /// hashed and checked.
    fn verify(&self, hasher: Sha256) -> Result<()> {
        if hex_of(hasher) != self.sha256 {
            return Err(changed_while_ingested(&self.given));
        }
        Ok(())
    }
}

/// A given file read again: from its copy (`part`) if it has one, else as
/// given, hashed into `hasher` as it is read.
fn read_again<'h>(
    part: Option<&Path>,
    path: &Path,
    given: &str,
    hasher: &'h mut Sha256,
) -> Result<Hashing<'h, File>> {
    let inner = File::open(part.unwrap_or(path)).said(|| cannot_read(given))?;
    Ok(Hashing { inner, hasher })
}

fn changed_while_ingested(given: &str) -> anyhow::Error {
    Failed {
        message: msg!(
            "`{given}` changed while it was being ingested; nothing was stored: ingest it again",
            "`{given}` đã thay đổi trong khi đang nạp; chưa lưu gì: hãy nạp lại"
        ),
        source: None,
    }
    .into()
}

impl Store {
    /// Validates `files` against the plan and the stored reports and, when
    /// all is well, stores them. Every problem of every file is an error
    /// together (`Invalid`); then nothing is written.
    pub fn ingest(&self, files: &[PathBuf], options: &IngestOptions) -> Result<Ingested> {
        let _lock = if options.dry_run {
            None
        } else {
            Some(self.lock(options.lang)?)
        };
        let plan = self.load_plan()?;
        let reports = if options.dry_run {
            self.reports()?
        } else {
            // The exclusive lock is held: a shared one would wait for it.
            self.reports_unlocked()?
        };
        // New files are written to temporary files in `reports/` while they
        // are checked (see `Check::read`), so the folder is made first, and
        // removed again if this ingest made it and stores nothing.
        let dir = self.reports_dir();
        let made_dir = !options.dry_run && !dir.exists() && fs::create_dir_all(&dir).is_ok();
        let parts = (!options.dry_run && dir.is_dir()).then_some(dir.as_path());
        let result = self.check_and_write(files, options, &plan, &reports, parts);
        if made_dir && !result.as_ref().is_ok_and(|i| i.written) {
            let _ = fs::remove_dir(&dir);
        }
        result
    }

    /// `ingest`, once the lock is held and the store known.
    fn check_and_write(
        &self,
        files: &[PathBuf],
        options: &IngestOptions,
        plan: &Plan,
        reports: &Reports,
        parts: Option<&Path>,
    ) -> Result<Ingested> {
        let mut check = Check::new(plan, reports, options, files.len());
        let Reading {
            adopted,
            outcomes,
            mut candidates,
        } = check.read(files, parts)?;
        check.settle(&mut candidates)?;
        // Ends the progress bar (if any) before anything else is said.
        let warnings = check.finish()?;
        let chosen = self.choose_names(reports, &candidates)?;

        let mut manifest = reports.manifest.clone().unwrap_or_else(|| Manifest {
            format: manifest::FORMAT,
            files: adopted.clone(),
        });
        for (candidate, (name, _)) in candidates.iter().zip(&chosen) {
            manifest.files.push(Entry {
                file: name.clone(),
                sha256: candidate.sha256.clone(),
                received: Some(options.received.clone()),
                original_name: Some(candidate.original_name.clone()),
                rows: candidate.rows,
                dialect: Some(candidate.dialect.en().to_string()),
                encoding: candidate.encoding,
                supersedes: candidate.replaced.iter().map(|r| r.value.clone()).collect(),
            });
        }
        let written = !options.dry_run && !candidates.is_empty();
        if written {
            let adopt_first = reports.manifest.is_none() && !adopted.is_empty();
            self.write(&mut candidates, &chosen, &manifest, adopt_first, &adopted)?;
        }

        let mut fresh = candidates.into_iter().zip(chosen);
        let outcomes = outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    let (c, (stored_as, _)) = fresh.next().expect("one candidate per open outcome");
                    Outcome::Stored {
                        given: c.given,
                        stored_as,
                        rows: c.rows,
                        dialect: c.dialect,
                        replaced: c.replaced,
                    }
                })
            })
            .collect();
        Ok(Ingested {
            outcomes,
            warnings,
            written,
        })
    }

    /// The name each new file is stored under in `reports/` (the one it
    /// was sent with when free), and whether it writes over an unlisted
    /// copy of itself left by an interrupted ingest.
    fn choose_names(
        &self,
        reports: &Reports,
        candidates: &[Candidate],
    ) -> Result<Vec<(String, bool)>> {
        let dir = self.reports_dir();
        let listed: HashSet<String> = reports
            .files
            .iter()
            .map(|f| f.name.to_lowercase())
            .collect();
        // Compared without case: Windows and macOS folders ignore it.
        let mut taken: HashSet<String> = self
            .present_files()?
            .iter()
            .map(|n| n.to_lowercase())
            .collect();
        taken.insert(MANIFEST.to_string());
        let mut chosen: Vec<(String, bool)> = Vec::new();
        // Lower-cased, for thousands of files given at once.
        let mut chosen_keys: HashSet<String> = HashSet::new();
        for candidate in candidates {
            let name = free_name(&candidate.original_name, |name| {
                let key = name.to_lowercase();
                if chosen_keys.contains(&key) {
                    Taken::Yes
                } else if !taken.contains(&key) {
                    Taken::No
                } else if !listed.contains(&key)
                    && sha256_file(&dir.join(name)).is_ok_and(|h| h == candidate.sha256)
                {
                    Taken::ByThisFile
                } else {
                    Taken::Yes
                }
            });
            chosen_keys.insert(name.0.to_lowercase());
            chosen.push(name);
        }
        Ok(chosen)
    }

    /// Writes the new files (renaming the temporary files written while
    /// they were checked), then the manifest; on failure, removes what it
    /// wrote, so that the store is as it was.
    fn write(
        &self,
        candidates: &mut [Candidate],
        chosen: &[(String, bool)],
        manifest: &Manifest,
        adopt_first: bool,
        adopted: &[Entry],
    ) -> Result<()> {
        let dir = self.reports_dir();
        fs::create_dir_all(&dir).said(|| cannot_create(dir.display()))?;
        let ours: Vec<&Path> = candidates
            .iter()
            .filter_map(|c| c.part.as_ref().map(|p| p.as_ref()))
            .collect();
        remove_stale_parts(&dir, &ours);
        let mut created: Vec<PathBuf> = Vec::new();
        let mut wrote_manifest = false;
        let result = (|| -> Result<()> {
            if adopt_first {
                // A store filled by hand gets its manifest first, listing
                // what it holds: from then on a file not in the manifest
                // is never read, so a crash below cannot add half an ingest.
                let adoption = Manifest {
                    format: manifest::FORMAT,
                    files: adopted.to_vec(),
                };
                write_file(&dir, MANIFEST, adoption.to_json().as_bytes(), true)?;
                wrote_manifest = true;
                sync_dir(&dir);
            }
            for (candidate, (name, reuse)) in candidates.iter_mut().zip(chosen) {
                let part = match candidate.part.take() {
                    Some(part) => part,
                    None => {
                        let mut hasher = Sha256::new();
                        let part = part_from(&dir, candidate.reopen(&mut hasher)?)
                            .said(|| cannot_write_in(dir.display()))?;
                        candidate.verify(hasher)?;
                        part
                    }
                };
                persist(part, &dir.join(name), *reuse)?;
                if !reuse {
                    created.push(dir.join(name));
                }
            }
            sync_dir(&dir);
            write_file(&dir, MANIFEST, manifest.to_json().as_bytes(), true)?;
            sync_dir(&dir);
            Ok(())
        })();
        if result.is_err() {
            for path in &created {
                let _ = fs::remove_file(path);
            }
            if wrote_manifest {
                let _ = fs::remove_file(dir.join(MANIFEST));
            }
        }
        result
    }

    /// Takes the store's exclusive lock (see `lock_target`), waiting for
    /// another ingest to finish if need be; released when the returned file
    /// is dropped.
    fn lock(&self, lang: Lang) -> Result<File> {
        let target = self.root.display();
        let cannot_lock = || msg!("cannot lock `{target}`", "không khóa được `{target}`");
        let file = self.lock_target().said(|| {
            msg!(
                "cannot open `{target}` to lock it",
                "không mở được `{target}` để khóa"
            )
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let waiting = msg!(
                    "`{target}` is in use by another `track`; waiting…",
                    "`{target}` đang được một lệnh `track` khác dùng; đang chờ…"
                );
                eprintln!("track: {}", waiting.get(lang));
                file.lock().said(cannot_lock)?;
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Failed::new(cannot_lock(), e).into());
            }
        }
        Ok(file)
    }
}

/// One ingest's reading: the given files, then the stored ones, then, only
/// where values meet, the given files again.
///
/// Each new value must be checked against every value read before it: the
/// stored values in force, then the new ones before it. The first reading
/// keeps, per unit, indicator and year, only the months values cover (a
/// `Ledger`: two bytes each, however many values): the new files' first,
/// so that reading the store after them finds every stored value that
/// shares a month with a new one, and holds just those. Where no months
/// meet, no value clashes and nothing is superseded, so the first reading's
/// answer is the whole one; where they meet, a second reading of the new
/// files checks their values there one by one against all held before
/// them, exactly as a value-by-value check of every value would (values of
/// different units, indicators or years never clash), to say which row
/// each clash is with, or which stored values a `--replace` supersedes.
/// Memory holds an entry for no value but those that meet another.
///
/// A store whose own values clash (edited by hand) is read again too, as
/// a whole, to name the rows as a reading of the store alone names them.
struct Check<'a> {
    plan: &'a Plan,
    reports: &'a Reports,
    options: &'a IngestOptions,
    /// File names for diagnostics, indexed by `Source::file`: the stored
    /// files, then the given ones.
    names: Vec<String>,
    /// What the first reading found in each stored file, in order.
    stored: Vec<FileRead>,
    /// And in each new file, in order.
    new: Vec<FileRead>,
    /// The months covered by the new values.
    new_months: Ledger,
    /// The months covered by the stored values in force.
    stored_months: Ledger,
    /// Where a new value shares a month with a value read before it.
    met: FxHashSet<Key>,
    /// Where two stored values share a month: the store does not validate.
    stored_met: FxHashSet<Key>,
    /// The stored values in force that share a month with a new one, in
    /// the order read, by key: what the new values are checked against.
    held: FxHashMap<Key, Vec<Held>>,
    /// Stored values superseded by new ones (`--replace`).
    superseded: FxHashSet<Source>,
    /// Stored content by SHA-256: the name it is stored under and when it
    /// was received.
    hashes: HashMap<String, (String, Option<String>)>,
    /// A numerator above its denominator, for pairs with a new side: the
    /// new values go in first, then the stored ones complete the pairs
    /// still waiting for a side.
    ratios: RatioCheck,
    /// A bar over the stored files and the given ones, as `scan` shows
    /// for other commands: a large store takes a while to read.
    progress: Progress,
}

/// What `Check::read` found: the entries that adopt a store without a
/// manifest, an outcome per given file (left open for candidates), and
/// the candidates.
struct Reading {
    adopted: Vec<Entry>,
    outcomes: Vec<Option<Outcome>>,
    candidates: Vec<Candidate>,
}

/// What reading a new file found besides its problems.
struct NewFile {
    /// Whether it was read to its end (else it stopped at an error).
    complete: bool,
    rows: u64,
    dialect: Message,
    encoding: Option<Encoding>,
}

/// What reading a new file changes in a `Check`, saved to go back to.
struct Saved {
    new_months: Ledger,
    met: FxHashSet<Key>,
    ratios: RatioCheck,
}

/// Whether a given file is read before it is known to be new (see
/// `Check::read`): when its hash is not in yet, it is large (a small one
/// waits for its hash, which takes less than saving what reading it would
/// change), and no file of its size, stored or given before it, makes it
/// likely to be one sent again (an ingest of a file stored already would
/// otherwise read it for nothing). Unit tests read every file ahead, so
/// that going back is tested on small files.
fn reads_ahead(hashed: bool, len: usize, same_size: impl FnOnce() -> bool) -> bool {
    cfg!(test) || (!hashed && len >= 1 << 20 && !same_size())
}

/// The sizes of the files given so far and of the stored ones (those
/// that can be seen, looked at when first needed): a given file of one of
/// these sizes is likely one sent before (see `reads_ahead`).
struct Sizes<'r> {
    reports: &'r Reports,
    given: HashSet<u64>,
    stored: Option<HashSet<u64>>,
}

impl<'r> Sizes<'r> {
    fn new(reports: &'r Reports) -> Sizes<'r> {
        Sizes {
            reports,
            given: HashSet::new(),
            stored: None,
        }
    }

    /// Whether a file stored or given before has `len` bytes.
    fn seen(&mut self, len: u64) -> bool {
        let reports = self.reports;
        self.given.contains(&len)
            || self
                .stored
                .get_or_insert_with(|| {
                    let sizes = reports
                        .files
                        .iter()
                        .filter_map(|f| fs::metadata(&f.path).ok());
                    sizes.map(|m| m.len()).collect()
                })
                .contains(&len)
    }

    fn add(&mut self, len: u64) {
        self.given.insert(len);
    }
}

/// A given file as the reading thread hands it over: whole, or (when
/// large) its size and its chunks as they are read.
enum Given {
    Whole(Arc<Vec<u8>>),
    Chunks(u64, mpsc::Receiver<io::Result<Vec<u8>>>),
}

/// Chunks of a large given file that the reading thread may read ahead.
const CHUNKS_AHEAD: usize = 2;

/// Reads a large given file a chunk at a time, for `Check::read`: hashes
/// each chunk, writes it to a temporary file in `parts` (if given), and
/// hands it over to `chunks` while they are taken. Returns the hash and the
/// temporary file; a hash that no file has when the file cannot be read to
/// its end (the reading of the chunks says why); `None` when stopped.
fn stream_given(
    path: &Path,
    parts: Option<&Path>,
    chunks: mpsc::SyncSender<io::Result<Vec<u8>>>,
    stop: &AtomicBool,
) -> Option<(String, Option<TempPath>)> {
    // The hash of no file, and of no other given file.
    let unreadable = |e: io::Error| {
        let _ = chunks.send(Err(e));
        Some((format!("unreadable {}", path.display()), None))
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return unreadable(e),
    };
    let mut hasher = Sha256::new();
    let mut part = parts.and_then(|dir| temp_file_in(dir, PART_PREFIX, PART_SUFFIX).ok());
    // Until the reader stops taking chunks (a file that fails early): the
    // hash and the copy are made to the end all the same.
    let mut taken = true;
    loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let mut chunk = Vec::with_capacity(CHUNK);
        match (&mut file).take(CHUNK as u64).read_to_end(&mut chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return unreadable(e),
        }
        hasher.update(&chunk);
        if let Some(temp) = &mut part
            && temp.write_all(&chunk).is_err()
        {
            part = None;
        }
        taken = taken && chunks.send(Ok(chunk)).is_ok();
    }
    drop(chunks);
    let part = part.and_then(|temp| {
        temp.as_file().sync_all().ok()?;
        Some(temp.into_temp_path())
    });
    Some((hex_of(hasher), part))
}

/// The chunks of a given file (see `stream_given`) as one stream.
struct Chunks {
    taken: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Chunks {
    fn new(taken: mpsc::Receiver<io::Result<Vec<u8>>>) -> Chunks {
        Chunks {
            taken,
            chunk: Vec::new(),
            at: 0,
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.taken.recv() {
                Ok(chunk) => (self.chunk, self.at) = (chunk?, 0),
                // The reading thread is done with the file.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Sets its flag when dropped.
struct StopOnDrop<'s>(&'s AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A unit's indicator in one year: values clash only with values of the
/// same key.
type Key = (UnitId, IndicatorId, i16);

fn key(obs: &Observation) -> Key {
    (obs.unit, obs.indicator, obs.period.year())
}

/// What the first reading found in one file.
struct FileRead {
    /// Its problems: for a stored file, its errors only (its warnings were
    /// given when it came in).
    problems: Diagnostics,
    /// The lowest and highest unit among its values: a later reading
    /// skips a file whose units are none of those it looks for.
    units: Option<(UnitId, UnitId)>,
}

impl FileRead {
    fn spans(&mut self, unit: UnitId) {
        self.units = Some(match self.units {
            None => (unit, unit),
            Some((low, high)) => (low.min(unit), high.max(unit)),
        });
    }

    /// Whether it may hold values of any of `units` (sorted).
    fn may_hold(&self, units: &[UnitId]) -> bool {
        self.units.is_some_and(|(low, high)| {
            let first = units.partition_point(|&u| u < low);
            units.get(first).is_some_and(|&u| u <= high)
        })
    }
}

/// A value held to check the new ones against: to name the earlier row of
/// a clash and what a `--replace` supersedes.
struct Held {
    period: Period,
    source: Source,
    value: String,
    stored: bool,
    superseded: bool,
}

impl Held {
    fn new(plan: &Plan, obs: &Observation, stored: bool) -> Held {
        Held {
            period: obs.period,
            source: obs.source,
            value: plan.show_value(obs.indicator, &obs.value),
            stored,
            superseded: false,
        }
    }
}

impl<'a> Check<'a> {
    fn new(
        plan: &'a Plan,
        reports: &'a Reports,
        options: &'a IngestOptions,
        given: usize,
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
            stored: Vec::with_capacity(reports.files.len()),
            new: Vec::with_capacity(given),
            new_months: Ledger::new(plan),
            stored_months: Ledger::new(plan),
            met: FxHashSet::default(),
            stored_met: FxHashSet::default(),
            held: FxHashMap::default(),
            superseded: FxHashSet::default(),
            hashes: HashMap::new(),
            ratios: RatioCheck::new(plan),
            progress: Progress::new(options.read.progress, reports.files.len() + given),
        }
    }

    /// Reads the given files, sorts them (already stored, given twice, or
    /// new: a candidate, read through validation, whose outcome is left
    /// open), then reads the store. For a store without a manifest, also
    /// returns the entries that adopt its files.
    ///
    /// Hashing a file costs more than half as much as reading it through
    /// validation, so the given files are hashed on a thread of their own
    /// while this one reads them. A large file whose hash is not in yet is
    /// read as if new, from a copy of what was read so far to go back to if
    /// it turns out to be stored already or given twice.
    ///
    /// With `parts`, the hashing thread also writes each new file to a
    /// temporary file there (`reports/`), which `write` renames: the
    /// checks need not wait for the disk, nor the disk for the checks.
    fn read(&mut self, files: &[PathBuf], parts: Option<&Path>) -> Result<Reading> {
        // Files not to write ahead: stored (as the manifest knows; a store
        // without one is rare, and a file written in vain is removed) or
        // given before.
        let mut known: HashSet<String> = self
            .reports
            .manifest
            .iter()
            .flat_map(|m| m.files.iter().map(|e| e.sha256.clone()))
            .collect();
        let stop = AtomicBool::new(false);
        // The reading thread reads each file, hands it over, then hashes
        // it; it runs at most two files ahead, so that memory holds a few
        // given files, never all of them. A large file is handed over a
        // chunk at a time as it is read, hashed and written.
        let (give, taken) = mpsc::sync_channel::<io::Result<Given>>(2);
        let (sender, hashes) = mpsc::channel();
        let streams = self.options.read.encoding == Encoding::Auto;
        let reports = self.reports;
        std::thread::scope(|scope| {
            let stop = &stop;
            scope.spawn(move || {
                // Sizes as the checks below see them.
                let mut sizes = Sizes::new(reports);
                for path in files {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let len = fs::metadata(path).map_or(0, |m| m.len());
                    let large = streams && len >= STREAM_FROM;
                    // One likely sent before gets no copy ahead (`write`
                    // makes it if it turns out new), as it is not read ahead.
                    let again = large && sizes.seen(len);
                    sizes.add(len);
                    if large {
                        let (chunks, taken) = mpsc::sync_channel(CHUNKS_AHEAD);
                        if give.send(Ok(Given::Chunks(len, taken))).is_err() {
                            return;
                        }
                        let parts = parts.filter(|_| !again);
                        let Some((hash, part)) = stream_given(path, parts, chunks, stop) else {
                            return;
                        };
                        // Written in vain when stored already or given before.
                        let part = part.filter(|_| known.insert(hash.clone()));
                        if sender.send((hash, part)).is_err() {
                            return;
                        }
                        continue;
                    }
                    let read = fs::read(path).map(Arc::new);
                    let bytes = read.as_ref().map_or_else(|_| Arc::default(), Arc::clone);
                    // One that cannot be read is an error below: no copy.
                    let readable = read.is_ok();
                    if give.send(read.map(Given::Whole)).is_err() {
                        return;
                    }
                    let Some(hash) = sha256_hex_unless(&bytes, stop) else {
                        return;
                    };
                    let part = match parts {
                        Some(dir) if readable && known.insert(hash.clone()) => part(dir, &bytes),
                        _ => None,
                    };
                    if sender.send((hash, part)).is_err() {
                        return;
                    }
                }
            });
            // Dropped on the way out, error or not, before the scope waits
            // for the reading thread: a send to it then fails and it stops.
            let taken = taken;
            // Set on the way out, error or not: the scope waits for the
            // reading thread, which stops when it sees it.
            let _stop = StopOnDrop(stop);
            let stored_hashes = self.hash_store()?;
            let mut hashed: Vec<(String, Option<TempPath>)> = Vec::with_capacity(files.len());
            let mut sizes = Sizes::new(self.reports);
            let mut outcomes = Vec::with_capacity(files.len());
            let mut candidates: Vec<Candidate> = Vec::new();
            // Each new file's candidate by its hash: one given twice is
            // stored once.
            let mut first_given: HashMap<String, usize> = HashMap::new();
            let mut unreadable = Vec::with_capacity(files.len());
            for (index, path) in files.iter().enumerate() {
                let given_as = path.display().to_string();
                let given = match taken.recv().expect("the reading thread reads every file") {
                    Ok(given) => {
                        unreadable.push(None);
                        given
                    }
                    Err(e) => {
                        unreadable.push(Some(e));
                        Given::Whole(Arc::default())
                    }
                };
                hashed.extend(hashes.try_iter());
                // A file that cannot be read is said to be so below, after
                // the store's problems, as when the store was read first.
                let unread = unreadable[index].is_some();
                let (len, bytes, ahead) = match given {
                    // Read as its chunks come, ahead of its hash, unless
                    // it is likely one stored or given before (see
                    // `reads_ahead`): then it is hashed to the end first.
                    Given::Chunks(len, chunks) => {
                        if sizes.seen(len) {
                            (len, None, None)
                        } else {
                            let input = Input::Stream(Box::new(Chunks::new(chunks)), CHUNK);
                            let saved = self.save();
                            (len, None, Some((saved, self.read_new(&given_as, input))))
                        }
                    }
                    Given::Whole(bytes) => {
                        let len = bytes.len() as u64;
                        let same_size = || sizes.seen(len);
                        let ahead = (!unread
                            && reads_ahead(hashed.len() > index, bytes.len(), same_size))
                        .then(|| {
                            (
                                self.save(),
                                self.read_new(&given_as, Input::from(&bytes[..])),
                            )
                        });
                        (len, Some(bytes), ahead)
                    }
                };
                sizes.add(len);
                while hashed.len() <= index {
                    hashed.push(hashes.recv().expect("the hashing thread hashes every file"));
                }
                if unread {
                    continue;
                }
                let sha256 = &hashed[index].0;
                let known = if let Some((stored_as, received)) = self.hashes.get(sha256) {
                    Some(Outcome::AlreadyStored {
                        given: given_as.clone(),
                        stored_as: stored_as.clone(),
                        received: received.clone(),
                    })
                } else {
                    first_given
                        .get(sha256)
                        .map(|&first: &usize| Outcome::Repeated {
                            given: given_as.clone(),
                            same_as: candidates[first].given.clone(),
                        })
                };
                if let Some(known) = known {
                    match ahead {
                        Some((saved, _)) => self.restore(saved),
                        // Not read: done as far as the bar goes.
                        None => self.progress.step(),
                    }
                    outcomes.push(Some(known));
                    continue;
                }
                let read = match (ahead, bytes) {
                    (Some((_, read)), _) => read,
                    (None, Some(bytes)) => self.read_new(&given_as, Input::from(&bytes[..])),
                    // A large file not read ahead: read now, from its copy
                    // if it has one, hashed again as it is read.
                    (None, None) => {
                        let mut hasher = Sha256::new();
                        let part = hashed[index].1.as_deref();
                        let hashing = read_again(part, path, &given_as, &mut hasher)?;
                        let read =
                            self.read_new(&given_as, Input::Stream(Box::new(hashing), CHUNK));
                        // One that stopped at an error was hashed in part:
                        // its error says what is wrong, and stops the ingest.
                        if read.complete && hex_of(hasher) != *sha256 {
                            return Err(changed_while_ingested(&given_as));
                        }
                        read
                    }
                };
                outcomes.push(None);
                first_given.insert(sha256.clone(), candidates.len());
                candidates.push(Candidate {
                    original_name: path
                        .file_name()
                        .map_or_else(|| given_as.clone(), |n| n.to_string_lossy().into_owned()),
                    given: given_as,
                    path: path.clone(),
                    sha256: sha256.clone(),
                    part: hashed[index].1.take(),
                    rows: read.rows,
                    dialect: read.dialect,
                    encoding: read.encoding,
                    replaced: Vec::new(),
                });
            }
            let adopted = self.read_store(stored_hashes)?;
            for (path, e) in files.iter().zip(&mut unreadable) {
                if let Some(e) = e.take() {
                    Err(e).said(|| cannot_read(path.display()))?;
                }
            }
            Ok(Reading {
                adopted,
                outcomes,
                candidates,
            })
        })
    }

    /// The stored files' hashes, by which given files already stored are
    /// known: the manifest's, or, in a store without one, their bytes'.
    fn hash_store(&mut self) -> Result<Vec<String>> {
        let reports = self.reports;
        let mut all = Vec::with_capacity(reports.files.len());
        for (index, report) in reports.files.iter().enumerate() {
            let sha256 = match &report.sha256 {
                Some(sha256) => sha256.clone(),
                None => sha256_file(&report.path).said(|| cannot_read(&self.names[index]))?,
            };
            let received = reports
                .manifest
                .as_ref()
                .and_then(|m| m.files.get(index))
                .and_then(|e| e.received.clone());
            self.hashes
                .entry(sha256.clone())
                .or_insert((report.name.clone(), received));
            all.push(sha256);
        }
        Ok(all)
    }

    /// Reads a new file through validation, marking its values' months.
    fn read_new(&mut self, given: &str, input: Input) -> NewFile {
        self.progress.step();
        let (plan, options) = (self.plan, self.options);
        let index = self.names.len();
        self.names.push(given.to_string());
        let mut problems = Diagnostics::default();
        let mut read = FileRead {
            problems: Diagnostics::default(),
            units: None,
        };
        let mut rows = 0;
        let (months, met, ratios) = (&mut self.new_months, &mut self.met, &mut self.ratios);
        let file = read_file(
            plan,
            &mut RowMemo::default(),
            index,
            &self.names[index],
            input,
            options.read.encoding,
            &mut problems,
            &mut 0,
            |obs, row, _| {
                rows += 1;
                read.spans(obs.unit);
                if !months.admit(obs) {
                    met.insert(key(obs));
                }
                ratios.add(obs, row.value.column);
            },
        );
        read.problems = problems;
        self.new.push(read);
        NewFile {
            complete: file.is_some(),
            rows,
            dialect: file
                .as_ref()
                .map_or_else(|| Message::verbatim(""), |f| f.dialect.describe()),
            encoding: legacy_encoding(file.as_ref()),
        }
    }

    /// What reading a new file changes, to go back to.
    fn save(&self) -> Saved {
        Saved {
            new_months: self.new_months.clone(),
            met: self.met.clone(),
            ratios: self.ratios.clone(),
        }
    }

    /// Forgets the file read last.
    fn restore(&mut self, saved: Saved) {
        self.new_months = saved.new_months;
        self.met = saved.met;
        self.ratios = saved.ratios;
        self.names.pop();
        self.new.pop();
    }

    /// Reads the store as it is, after the new files: its values in force,
    /// holding those that share a month with a new one, and the stored
    /// sides of ratios waiting for them. For a store without a manifest,
    /// returns the entries that adopt its files (with `hashes`, theirs).
    fn read_store(&mut self, hashes: Vec<String>) -> Result<Vec<Entry>> {
        let (plan, reports, options) = (self.plan, self.reports, self.options);
        // With a manifest, a stored file's values in force come from the
        // cache where it holds them as they are (a report since the last
        // ingest wrote it): the values reading the file gives, in its order,
        // without reading CSV again. Without one, every file is read, to be
        // adopted with its dialect.
        let reuse = match &reports.manifest {
            Some(_) => Cache::new(plan, reports, options.read).and_then(|c| c.reuse(1)),
            None => None,
        };
        let mut buf = Vec::new();
        let mut adopted = Vec::new();
        for ((index, report), sha256) in reports.files.iter().enumerate().zip(hashes) {
            self.progress.step();
            let name = &self.names[index];
            let superseded = superseded_in(plan, report);
            let mut problems = Diagnostics::default();
            let mut read = FileRead {
                problems: Diagnostics::default(),
                units: None,
            };
            let mut rows = 0;
            let (months, new_months) = (&mut self.stored_months, &self.new_months);
            let (met, stored_met) = (&mut self.met, &mut self.stored_met);
            let (held, ratios) = (&mut self.held, &mut self.ratios);
            let mut each = |obs: &Observation, column: usize| {
                if superseded.contains_key(&(obs.unit, obs.indicator, obs.period)) {
                    return;
                }
                rows += 1;
                read.spans(obs.unit);
                if !months.admit(obs) {
                    stored_met.insert(key(obs));
                }
                if new_months.meets(obs) {
                    met.insert(key(obs));
                    held.entry(key(obs))
                        .or_default()
                        .push(Held::new(plan, obs, true));
                }
                ratios.complete(obs, column);
            };
            // Read through once before any value counts: a block that
            // cannot be read whole is read from its file instead.
            let cached = reuse.as_ref().and_then(|reuse| {
                let block = reuse.blocks[index]?;
                // A file that cannot be read (its mode changed, on a shared
                // folder) is the error it is when read, cache or not.
                File::open(&report.path).ok()?;
                let trailer =
                    cache::read_block(plan, block, &reuse.segments, index, name, &mut buf, |_| {})?;
                Some((reuse, block, trailer.column as usize))
            });
            let file = match cached {
                Some((reuse, block, column)) => {
                    let trailer = cache::read_block(
                        plan,
                        block,
                        &reuse.segments,
                        index,
                        name,
                        &mut buf,
                        |obs| each(obs, column),
                    )
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "the cache in `.cache/` changed while it was read; run the ingest again"
                        )
                    })?;
                    problems = trailer.problems;
                    None
                }
                None => {
                    let input = Input::open(&report.path).said(|| cannot_read(name))?;
                    read_file(
                        plan,
                        &mut RowMemo::default(),
                        index,
                        name,
                        input,
                        report.encoding.unwrap_or(options.read.encoding),
                        &mut problems,
                        &mut 0,
                        |obs, row, _| each(obs, row.value.column),
                    )
                }
            };
            read.problems = errors_of(&problems);
            self.stored.push(read);
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

    /// The second reading, where values met: the new files that may hold
    /// values there, each such value checked against all held before it.
    /// A clash with another new value is an error; with a stored one, an
    /// error unless `--replace`, which supersedes the stored value. The
    /// problems of each file read again replace those of the first
    /// reading, so that errors stay in the order of the rows.
    fn settle(&mut self, candidates: &mut [Candidate]) -> Result<()> {
        if !self.stored_met.is_empty() {
            // The values held are not those a reading of the store in
            // order holds when its own values clash: read it again.
            self.held.clear();
            let met: FxHashSet<Key> = self.met.union(&self.stored_met).copied().collect();
            self.met = met;
            self.hold_stored_again()?;
        }
        if self.met.is_empty() {
            return Ok(());
        }
        let (plan, reports, options) = (self.plan, self.reports, self.options);
        let units = units_of(&self.met);
        let (names, met, held) = (&self.names, &self.met, &mut self.held);
        let stored = reports.files.len();
        for (offset, candidate) in candidates.iter_mut().enumerate() {
            if !self.new[offset].may_hold(&units) {
                continue;
            }
            let mut hasher = Sha256::new();
            let input = Input::Stream(Box::new(candidate.reopen(&mut hasher)?), CHUNK);
            let mut problems = Diagnostics::default();
            let superseded = &mut self.superseded;
            let file = read_file(
                plan,
                &mut RowMemo::default(),
                stored + offset,
                &names[stored + offset],
                input,
                options.read.encoding,
                &mut problems,
                &mut 0,
                |obs, row, file_problems| {
                    if !met.contains(&key(obs)) {
                        return;
                    }
                    let value = plan.show_value(obs.indicator, &obs.value);
                    let entries = held.entry(key(obs)).or_default();
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
                        superseded.insert(h.source);
                        candidate.replaced.push(Replaced {
                            value: SupersededValue {
                                file: reports.files[h.source.file as usize].name.clone(),
                                line: h.source.line,
                                unit: plan.unit(obs.unit).code.clone(),
                                indicator: plan.indicator(obs.indicator).code.clone(),
                                period: h.period.to_string(),
                            },
                            old: h.value.clone(),
                            new: value.clone(),
                            period: obs.period.to_string(),
                            line: obs.source.line,
                        });
                    }
                    entries.push(Held {
                        period: obs.period,
                        source: obs.source,
                        value,
                        stored: false,
                        superseded: false,
                    });
                },
            );
            // One that stopped at an error was hashed in part: its error
            // says what is wrong, and stops the ingest.
            if file.is_some() {
                drop(file);
                candidate.verify(hasher)?;
            }
            self.new[offset].problems = problems;
        }
        Ok(())
    }

    /// For a store whose own values clash: reads the stored files that may
    /// hold values where values met, in order, holding each value there
    /// unless it clashes with one held before it, which is an error.
    fn hold_stored_again(&mut self) -> Result<()> {
        let (plan, reports, options) = (self.plan, self.reports, self.options);
        let units = units_of(&self.met);
        let (names, met, held) = (&self.names, &self.met, &mut self.held);
        for (index, report) in reports.files.iter().enumerate() {
            if !self.stored[index].may_hold(&units) {
                continue;
            }
            let input = Input::open(&report.path).said(|| cannot_read(&names[index]))?;
            let superseded = superseded_in(plan, report);
            let mut problems = Diagnostics::default();
            read_file(
                plan,
                &mut RowMemo::default(),
                index,
                &names[index],
                input,
                report.encoding.unwrap_or(options.read.encoding),
                &mut problems,
                &mut 0,
                |obs, row, file_problems| {
                    if !met.contains(&key(obs))
                        || superseded.contains_key(&(obs.unit, obs.indicator, obs.period))
                    {
                        return;
                    }
                    let entries = held.entry(key(obs)).or_default();
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
                    entries.push(Held::new(plan, obs, true));
                },
            );
            self.stored[index].problems = errors_of(&problems);
        }
        Ok(())
    }

    /// The warnings about the new files, or every error at once.
    fn finish(self) -> Result<Diagnostics> {
        drop(self.progress);
        let mut errors = Diagnostics::default();
        let mut warnings = Diagnostics::default();
        for file in self.stored.into_iter().chain(self.new) {
            for d in file.problems.iter() {
                if d.severity == Severity::Error {
                    errors.push(d.clone());
                } else {
                    warnings.push(d.clone());
                }
            }
        }
        if errors.has_errors() {
            return Err(Invalid(errors).into());
        }
        let mut ratios = self.ratios;
        ratios.forget(&self.superseded);
        let first_new = self.reports.files.len() as u32;
        warnings.extend(ratios.finish(self.plan, &self.names, first_new));
        Ok(warnings)
    }
}

/// The units of `keys`, sorted, for `FileRead::may_hold`.
fn units_of(keys: &FxHashSet<Key>) -> Vec<UnitId> {
    let mut units: Vec<UnitId> = keys.iter().map(|k| k.0).collect();
    units.sort_unstable();
    units.dedup();
    units
}

/// The errors among a stored file's problems: its warnings were given
/// when it came in.
fn errors_of(problems: &Diagnostics) -> Diagnostics {
    let mut errors = Diagnostics::default();
    for d in problems.iter().filter(|d| d.severity == Severity::Error) {
        errors.push(d.clone());
    }
    errors
}

/// Where a held value is, as `file:line`.
fn place(names: &[String], held: &Held) -> String {
    format!("{}:{}", names[held.source.file as usize], held.source.line)
}

/// The encoding to record for a file: only a legacy one, which nothing in
/// the bytes reveals (UTF-8 and UTF-16 with a byte-order mark are found
/// again when the file is read).
fn legacy_encoding(file: Option<&ReportFile>) -> Option<Encoding> {
    file.filter(|f| f.dialect.encoding == WINDOWS_1258)
        .map(|_| Encoding::Windows1258)
}

/// Why a new value cannot stand beside a stored one without `--replace`.
fn stored_clash_message(
    plan: &Plan,
    (unit, indicator): (UnitId, IndicatorId),
    (period, value): (Period, &str),
    stored: &Held,
    place: &str,
) -> Message {
    let (u, i) = (&plan.unit(unit).code, plan.indicator(indicator));
    let hint = "to replace the stored value, ingest with `--replace`";
    let goi_y = "để thay giá trị đã lưu, hãy nhập với `--replace`";
    if stored.period == period && stored.value == value {
        msg!(
            "`{u}` reported `{}` for `{period}` before: the same value `{}` is stored from {place}; \
             leave the row out, or ingest with `--replace`",
            "`{u}` đã báo cáo `{}` cho kỳ `{period}` trước đây: giá trị `{}` giống hệt đã được lưu từ {place}; \
             hãy bỏ dòng này, hoặc nhập với `--replace`",
            i.code,
            short(value)
        )
    } else if stored.period == period {
        msg!(
            "`{u}` reported `{}` for `{period}` before: `{}` is stored from {place}, this row says `{}`; {hint}",
            "`{u}` đã báo cáo `{}` cho kỳ `{period}` trước đây: `{}` đã được lưu từ {place}, dòng này ghi `{}`; {goi_y}",
            i.code,
            short(&stored.value),
            short(value)
        )
    } else if i.kind.adds_up() {
        msg!(
            "`{u}` reported the flow `{}` for `{period}` here, and for the overlapping `{}` in {place}, stored; \
             the months they share would count twice; {hint}",
            "`{u}` báo cáo chỉ tiêu cộng dồn `{}` cho kỳ `{period}` ở đây, và cho kỳ `{}` trùng thời gian trong {place} đã lưu; \
             các tháng trùng nhau sẽ bị tính hai lần; {goi_y}",
            i.code,
            stored.period
        )
    } else {
        let (en, vi) = (period.end(), Lang::Vi.date(period.end()));
        msg!(
            "`{u}` reported `{}` for `{period}` here, and for `{}` in {place}, stored; both give its level on {en}; {hint}",
            "`{u}` báo cáo `{}` cho kỳ `{period}` ở đây, và cho kỳ `{}` trong {place} đã lưu; cả hai đều là số liệu tại ngày {vi}; {goi_y}",
            i.code,
            stored.period
        )
    }
}

/// A value short enough to quote in a message.
fn short(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        value.chars().take(MAX - 1).collect::<String>() + "…"
    }
}

/// Whether a name in `reports/` can be used.
enum Taken {
    No,
    Yes,
    /// By an unlisted copy of the same bytes, which may be written over.
    ByThisFile,
}

/// The name a file is stored under, and whether it writes over an
/// unlisted copy of itself: the name it was sent with when free, else the
/// same with `-2`, `-3`… before the extension.
fn free_name(original: &str, taken: impl Fn(&str) -> Taken) -> (String, bool) {
    // A leading dot would hide the file (and mark it as a temporary file).
    let original = original.trim_start_matches('.');
    let original = if original.is_empty() {
        "report.csv"
    } else {
        original
    };
    let (stem, extension) = match original.rfind('.') {
        Some(i) if i > 0 => (&original[..i], &original[i..]),
        _ => (original, ""),
    };
    let mut n = 1;
    loop {
        let name = if n == 1 {
            original.to_string()
        } else {
            format!("{stem}-{n}{extension}")
        };
        match taken(&name) {
            Taken::No => return (name, false),
            Taken::ByThisFile => return (name, true),
            Taken::Yes => n += 1,
        }
    }
}

/// Writes `bytes` as `dir/name` whole or not at all: a temporary file,
/// flushed to disk, then renamed. Without `overwrite`, an existing file is
/// an error rather than replaced.
fn write_file(dir: &Path, name: &str, bytes: &[u8], overwrite: bool) -> Result<()> {
    let path = dir.join(name);
    let mut temp =
        temp_file_in(dir, PART_PREFIX, PART_SUFFIX).said(|| cannot_write_in(dir.display()))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .said(|| cannot_write(path.display()))?;
    persist(temp.into_temp_path(), &path, overwrite)
}

/// A temporary file of `dir`, written whole and flushed to disk: `write_file`
/// up to its rename, done on the hashing thread while the file is checked.
/// `None` when it cannot be written: `write_file` tries again, after the
/// checks, and says why it fails.
fn part(dir: &Path, bytes: &[u8]) -> Option<TempPath> {
    let mut temp = temp_file_in(dir, PART_PREFIX, PART_SUFFIX).ok()?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .ok()?;
    // Closed, kept by path: an ingest of thousands of files would
    // otherwise hold a descriptor for each, past the system's limit.
    Some(temp.into_temp_path())
}

/// A temporary file of `dir` with what `reader` gives, flushed to disk.
fn part_from(dir: &Path, mut reader: impl Read) -> io::Result<TempPath> {
    let mut temp = temp_file_in(dir, PART_PREFIX, PART_SUFFIX)?;
    io::copy(&mut reader, &mut temp)?;
    temp.as_file().sync_all()?;
    Ok(temp.into_temp_path())
}

/// Renames a written temporary file to `path`. Without `overwrite`, an
/// existing file is an error rather than replaced.
fn persist(temp: TempPath, path: &Path, overwrite: bool) -> Result<()> {
    if overwrite {
        temp.persist(path).said(|| cannot_write(path.display()))?;
    } else {
        temp.persist_noclobber(path)
            .said(|| cannot_write(path.display()))?;
    }
    Ok(())
}

const PART_PREFIX: &str = ".track-";
const PART_SUFFIX: &str = ".part";

/// Temporary files left by an ingest that was killed mid-write, less
/// `ours`. Only an ingest writes them, and this one holds the lock, so no
/// other is in use.
fn remove_stale_parts(dir: &Path, ours: &[&Path]) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    // By name: `ours` may be relative (`--data data`) where the folder's
    // entries are not, or the other way round.
    let ours: HashSet<&std::ffi::OsStr> = ours.iter().filter_map(|p| p.file_name()).collect();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let name = file_name.to_string_lossy();
        if name.starts_with(PART_PREFIX)
            && name.ends_with(PART_SUFFIX)
            && !ours.contains(file_name.as_os_str())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Makes renames in `dir` durable (a no-op where directories cannot be
/// opened as files).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod careful;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::manifest::sha256_hex;

    #[test]
    fn a_given_file_read_again_must_be_the_bytes_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        fs::write(&path, "unit,indicator,period,value\n").unwrap();
        let candidate = Candidate {
            given: "r.csv".into(),
            original_name: "r.csv".into(),
            path: path.clone(),
            part: None,
            sha256: sha256_hex(b"unit,indicator,period,value\n"),
            rows: 0,
            dialect: Message::verbatim(""),
            encoding: None,
            replaced: Vec::new(),
        };
        let read_again = |candidate: &Candidate| -> Result<Vec<u8>> {
            let mut hasher = Sha256::new();
            let mut bytes = Vec::new();
            candidate.reopen(&mut hasher)?.read_to_end(&mut bytes)?;
            candidate.verify(hasher)?;
            Ok(bytes)
        };
        assert_eq!(
            read_again(&candidate).unwrap(),
            b"unit,indicator,period,value\n"
        );
        fs::write(&path, "unit,indicator,period,value\nA,b,2025,1\n").unwrap();
        let error = read_again(&candidate).unwrap_err().to_string();
        assert!(
            error.contains("`r.csv` changed while it was being ingested"),
            "{error}"
        );
    }

    #[test]
    fn keeps_the_name_when_free_else_adds_a_suffix() {
        let taken = |names: &'static [&'static str]| {
            move |n: &str| {
                if names.contains(&n) {
                    Taken::Yes
                } else {
                    Taken::No
                }
            }
        };
        assert_eq!(free_name("a.csv", taken(&[])), ("a.csv".into(), false));
        assert_eq!(
            free_name("a.csv", taken(&["a.csv", "a-2.csv"])),
            ("a-3.csv".into(), false)
        );
        assert_eq!(
            free_name("noext", taken(&["noext"])),
            ("noext-2".into(), false)
        );
        assert_eq!(
            free_name(".hidden.csv", taken(&[])),
            ("hidden.csv".into(), false)
        );
    }
}
