//! The one pass that reads report files through validation into a
//! consumer, such as the evaluator or an export. Reading streams: memory
//! holds one file and the aggregates, never all rows.

use std::collections::HashMap;
use std::fs;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};

use anyhow::{Result, bail};
use jiff::civil::Date;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use super::cache::{self, Cache, Index, Reuse, Trailer};
use super::manifest::{Digest, Hashing, Sha256, hex_of, sha256_file, sha256_hex};
use super::{Reports, StoredReport};
use crate::diagnostic::{Diagnostic, Diagnostics, Invalid, Said, cannot_read};
use crate::input::report_file::{Encoding, Input, RawRow, ReportFile};
use crate::lang::{Lang, Message};
use crate::model::{
    CellProblem, IndicatorId, Ledger, Measure, Observation, Plan, RowMemo, Source, UnitId, Value,
};
use crate::msg;
use crate::period::Period;
use crate::progress::Progress;

/// Errors listed for one file before the rest are only counted.
const ERRORS_PER_FILE: usize = 100;

/// How to read report files.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    pub encoding: Encoding,
    /// The label of a progress bar on standard error for long passes, or
    /// `None` for no bar (not a terminal: see `Settings`).
    pub progress: Option<&'static str>,
    /// The checks worth running once, not on every report (`track
    /// validate`): every stored file's SHA-256 against the manifest, and a
    /// numerator above its denominator. Other commands only compare the
    /// number of values, which costs nothing: hashing a national store
    /// would double a report's time.
    pub verify: bool,
    /// Threads for `scan_parallel` (1: read on this thread).
    pub threads: usize,
    /// Whether `scan_parallel` may read and write the cache of values
    /// read (`cache`), when the reports have a place for it.
    pub cache: bool,
}

/// What a pass over the reports found besides the observations.
#[derive(Debug, Default)]
pub struct Scan {
    /// The files read, indexed by `Source::file`.
    pub files: Vec<String>,
    /// The day each file was received, when known, indexed by `Source::file`.
    pub received: Vec<Option<Date>>,
    pub warnings: Diagnostics,
    pub rows: u64,
    /// Values no longer counted because a later file superseded them.
    pub superseded: u64,
}

impl Scan {
    /// The day the file a value came from was received, when known.
    pub fn received_on(&self, source: Source) -> Option<Date> {
        self.received.get(source.file as usize).copied().flatten()
    }
}

/// Reads every file through validation and hands each valid observation in
/// force to `sink`. Collects every problem of every file; if any is an
/// error, the whole pass fails with all of them (what was already handed
/// to `sink` must then be discarded).
pub fn scan(
    plan: &Plan,
    reports: &Reports,
    options: ReadOptions,
    mut sink: impl FnMut(&Observation),
) -> Result<Scan> {
    scan_all(plan, reports, options, |obs, superseded_by| {
        if superseded_by.is_none() {
            sink(obs);
        }
        Ok(())
    })
}

/// Like `scan`, but superseded values are handed over too, each with the
/// index of the file that superseded it (`None` for values in force).
/// Files are read one after the other, in order. An error from `sink`
/// (the reader of an export went away) ends the pass with it, after the
/// file being read.
pub fn scan_all(
    plan: &Plan,
    reports: &Reports,
    options: ReadOptions,
    mut sink: impl FnMut(&Observation, Option<usize>) -> Result<()>,
) -> Result<Scan> {
    let pass = Pass::new(plan, reports, options);
    let mut progress = Progress::new(options.progress, reports.files.len());
    let mut ledger = Ledger::new(plan);
    let mut scratch = Scratch::default();
    let mut files = Vec::with_capacity(reports.files.len());
    for index in 0..reports.files.len() {
        progress.step();
        let mut failed = None;
        let mut take = |obs: &Observation, superseded_by: Option<usize>| {
            if failed.is_none()
                && let Err(e) = sink(obs, superseded_by)
            {
                failed = Some(e);
            }
        };
        files.push(pass.file(index, &mut scratch, &mut ledger, &mut take)?);
        if let Some(e) = failed {
            return Err(e);
        }
    }
    drop(progress);
    pass.finish(files)
}

/// Like `scan` (one thread, files in order, values in force), but from the
/// cache where its key matches: the second pass of a command that checked
/// the files with `scan_parallel` first and writes values as they come. A
/// block the cache can no longer give is an error then, not a fallback:
/// values were already handed on.
pub fn scan_again(
    plan: &Plan,
    reports: &Reports,
    options: ReadOptions,
    mut sink: impl FnMut(&Observation),
) -> Result<Scan> {
    let pass = Pass::new(plan, reports, options);
    let count = reports.files.len();
    if let Some(cache) = Cache::new(plan, reports, options)
        && let Some(index) = cache.load(count)
        && let Some(segments) = cache.open(&index)
    {
        let mut files = Vec::with_capacity(count);
        let mut buf = Vec::new();
        for file in 0..count {
            let name = &pass.names[file];
            let Some(trailer) =
                cache::read(plan, &index, &segments, file, name, &mut buf, &mut sink)
            else {
                bail!("the cache in `.cache/` changed while it was read; run the command again");
            };
            files.push(trailer.into());
        }
        return pass.finish(files);
    }
    scan(plan, reports, options, sink)
}

/// Files a thread of `scan_again_ordered` may read ahead of the one whose
/// output is awaited.
const AHEAD: usize = 16;

/// Values `scan_again_ordered` hands to `made` at a time, and how many such
/// pieces of a file not yet awaited a thread makes before it waits: what
/// bounds its memory when one file holds millions of rows.
const PIECE: usize = 2048;
const PIECES_AHEAD: u32 = 2;

/// `scan_again` on `options.threads` threads, for output that must come
/// out in the files' order (an export): each thread takes the next file,
/// feeds its values into a state of its own, and `made` turns every
/// `PIECE` values fed, and the end of each file, into a `T` (those rows,
/// formatted); `sink` takes them in the files' order. Threads read at most
/// `AHEAD` files, and `PIECES_AHEAD` pieces of a file, past what `sink`
/// awaits, so memory holds a few pieces, whatever the files' sizes. An
/// error from `sink` (the reader went away) stops every thread and is
/// returned; a panic on any thread stops the others and is raised again.
/// Without a cache that holds, the files are read one after the other,
/// as `scan` reads them.
pub fn scan_again_ordered<S, T: Send>(
    plan: &Plan,
    reports: &Reports,
    options: ReadOptions,
    init: impl Fn() -> S + Sync,
    feed: impl Fn(&mut S, &Observation) + Sync,
    made: impl Fn(&mut S) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<()>,
) -> Result<Scan> {
    let pass = Pass::new(plan, reports, options);
    let count = reports.files.len();
    let Some((cache, index, segments)) = Cache::new(plan, reports, options).and_then(|cache| {
        let index = cache.load(count)?;
        let segments = cache.open(&index)?;
        Some((cache, index, segments))
    }) else {
        let mut state = init();
        let mut ledger = Ledger::new(plan);
        let mut scratch = Scratch::default();
        let mut files = Vec::with_capacity(count);
        for file in 0..count {
            let (mut fed, mut failed) = (0, None);
            files.push(pass.file(
                file,
                &mut scratch,
                &mut ledger,
                &mut |obs, superseded_by| {
                    if superseded_by.is_some() || failed.is_some() {
                        return;
                    }
                    feed(&mut state, obs);
                    fed += 1;
                    if fed % PIECE == 0
                        && let Err(e) = sink(made(&mut state))
                    {
                        failed = Some(e);
                    }
                },
            )?);
            if let Some(e) = failed {
                return Err(e);
            }
            sink(made(&mut state))?;
        }
        return pass.finish(files);
    };
    drop(cache);
    let threads = options.threads.clamp(1, count.max(1));
    let next = AtomicUsize::new(0);
    let turn = Turn::default();
    let (send, receive) = mpsc::sync_channel::<(usize, u32, Piece<T>)>(threads * AHEAD);
    let files = std::thread::scope(|scope| -> Result<Vec<FilePass>> {
        // Owned here, so dropped on any way out, before the scope waits for
        // the threads: one blocked on a full channel then fails and stops.
        let receive = receive;
        for _ in 0..threads {
            let send = send.clone();
            let (pass, index, segments) = (&pass, &index, &segments);
            let (next, turn, init, feed, made) = (&next, &turn, &init, &feed, &made);
            scope.spawn(move || {
                let _halt = HaltOnPanic(turn);
                let mut state = init();
                let mut buf = Vec::new();
                loop {
                    let file = next.fetch_add(1, Ordering::Relaxed);
                    if file >= count || !turn.wait(|awaited| file < awaited + AHEAD) {
                        return;
                    }
                    let (mut fed, mut pieces, mut halted) = (0, 0, false);
                    let name = &pass.names[file];
                    let read = cache::read(plan, index, segments, file, name, &mut buf, |obs| {
                        if halted {
                            return;
                        }
                        feed(&mut state, obs);
                        fed += 1;
                        if fed % PIECE == 0 {
                            // Past a few pieces, a file not yet awaited waits its turn.
                            let go = pieces < PIECES_AHEAD || turn.wait(|awaited| awaited == file);
                            let part = (file, pieces, Piece::Part(made(&mut state)));
                            halted = !go || send.send(part).is_err();
                            pieces += 1;
                        }
                    });
                    if halted {
                        return;
                    }
                    let piece = match read {
                        Some(trailer) => Piece::End(made(&mut state), trailer.into()),
                        None => Piece::Unreadable,
                    };
                    if send.send((file, pieces, piece)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        let _halt = HaltOnPanic(&turn);
        let mut waiting = std::collections::BTreeMap::new();
        let mut files = Vec::with_capacity(count);
        let mut piece = 0;
        while files.len() < count {
            let Ok((file, number, read)) = receive.recv() else {
                turn.halt();
                bail!("a thread reading the cache stopped");
            };
            waiting.insert((file, number), read);
            while let Some(read) = waiting.remove(&(files.len(), piece)) {
                let (made, end) = match read {
                    Piece::Part(made) => (made, None),
                    Piece::End(made, file) => (made, Some(file)),
                    Piece::Unreadable => {
                        turn.halt();
                        bail!(
                            "the cache in `.cache/` changed while `{}` was read from it; run the command again",
                            pass.names[files.len()]
                        );
                    }
                };
                if let Err(e) = sink(made) {
                    turn.halt();
                    return Err(e);
                }
                piece += 1;
                if let Some(file) = end {
                    files.push(file);
                    piece = 0;
                    turn.advance(files.len());
                }
            }
        }
        Ok(files)
    })?;
    pass.finish(files)
}

/// What a thread of `scan_again_ordered` hands over, numbered by file and
/// piece.
enum Piece<T> {
    Part(T),
    /// The last piece of a file, with its pass.
    End(T, FilePass),
    /// The file's block could not be read from the cache.
    Unreadable,
}

/// Which file `scan_again_ordered`'s sink awaits, and whether to stop; the
/// threads wait on it.
#[derive(Default)]
struct Turn {
    state: Mutex<(usize, bool)>,
    moved: Condvar,
}

impl Turn {
    /// Waits until `ready(awaited file)`; false when told to stop.
    fn wait(&self, ready: impl Fn(usize) -> bool) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while !state.1 && !ready(state.0) {
            state = self.moved.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        !state.1
    }

    fn advance(&self, awaited: usize) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 = awaited;
        self.moved.notify_all();
    }

    /// Tells every thread to stop. Under the lock, so that a thread about
    /// to wait cannot miss it.
    fn halt(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.moved.notify_all();
    }
}

/// Halts the others when its thread panics, so that none waits for ever
/// and the scope raises the panic.
struct HaltOnPanic<'a>(&'a Turn);

impl Drop for HaltOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.halt();
        }
    }
}

/// Like `scan`, on `options.threads` threads: each takes the next file not
/// yet taken and feeds its values into a state of its own made by `init`;
/// the states come back for the caller to merge. Problems are reported
/// exactly as `scan` reports them, in file order; when values clash (a
/// rare error), the files are read again in order to name the same rows
/// as a single thread would. Where the reports have a cache whose key
/// matches (see `cache`), the values come from it instead of the files;
/// otherwise the files are read, but for those whose blocks an earlier
/// cache still holds as they are (after an ingest, all but the new ones),
/// and a pass without errors writes the cache.
pub fn scan_parallel<S: Send>(
    plan: &Plan,
    reports: &Reports,
    options: ReadOptions,
    init: impl Fn() -> S + Sync,
    feed: impl Fn(&mut S, &Observation) + Sync,
) -> Result<(Vec<S>, Scan)> {
    let threads = options.threads.clamp(1, reports.files.len().max(1));
    let pass = Pass::new(plan, reports, options);
    let cache = Cache::new(plan, reports, options);
    if let Some(cache) = &cache
        && let Some(index) = cache.load(reports.files.len())
        && let Some(segments) = cache.open(&index)
        && let Some((states, files)) = from_cache(&pass, &index, &segments, threads, &init, &feed)
    {
        return Ok((states, pass.finish(files)?));
    }
    let cache = cache.as_ref();
    if let Some(reuse) = cache.and_then(|c| c.reuse(threads))
        && let Some(done) = read_files(pass, cache, Some(&reuse), threads, &init, &feed)?
    {
        return Ok(done);
    }
    // (A block of the earlier cache that could not be read: every file is
    // read.)
    let pass = Pass::new(plan, reports, options);
    Ok(read_files(pass, cache, None, threads, &init, &feed)?
        .expect("a pass that reuses no block always ends"))
}

/// `scan_parallel`'s reading of the files, each from its block in `reuse`
/// if it has one there. Those values go through the ledger too: a new file
/// may clash with them. `None` if such a block cannot be read (the states
/// are then dropped).
fn read_files<S: Send>(
    pass: Pass,
    cache: Option<&Cache>,
    reuse: Option<&Reuse>,
    threads: usize,
    init: &(impl Fn() -> S + Sync),
    feed: &(impl Fn(&mut S, &Observation) + Sync),
) -> Result<Option<(Vec<S>, Scan)>> {
    let (plan, reports, options) = (pass.plan, pass.reports, pass.options);
    let next = AtomicUsize::new(0);
    let stale = AtomicBool::new(false);
    let progress = Mutex::new(Progress::new(options.progress, reports.files.len()));
    let work = || -> Result<ThreadShare<S>> {
        let mut state = init();
        let mut ledger = Ledger::new(plan);
        let mut scratch = Scratch::default();
        let mut done = Vec::new();
        let mut writer = cache.and_then(Cache::writer);
        let mut buf = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= reports.files.len() || stale.load(Ordering::Relaxed) {
                return Ok((state, ledger, done, writer));
            }
            progress.lock().unwrap_or_else(|e| e.into_inner()).step();
            if let Some(reuse) = reuse
                && let Some(block) = reuse.blocks[index]
            {
                let mut clashes = Vec::new();
                let name = &pass.names[index];
                let read =
                    cache::read_block(plan, block, &reuse.segments, index, name, &mut buf, |obs| {
                        if ledger.admit(obs) {
                            feed(&mut state, obs);
                        } else {
                            // Only that there is one: the files are read
                            // again in order to name it.
                            clashes.push((obs.unit, obs.indicator, obs.period, obs.source, 0));
                        }
                    });
                let Some(trailer) = read else {
                    stale.store(true, Ordering::Relaxed);
                    continue;
                };
                let mut file = FilePass::from(trailer);
                file.clashes = clashes;
                done.push((index, file));
                continue;
            }
            let file = pass.file(
                index,
                &mut scratch,
                &mut ledger,
                &mut |obs: &Observation, superseded_by: Option<usize>| {
                    if superseded_by.is_none() {
                        feed(&mut state, obs);
                        if let Some(writer) = &mut writer {
                            writer.value(obs);
                        }
                    }
                },
            )?;
            if let Some(writer) = &mut writer {
                writer.end_file(
                    index,
                    &Trailer {
                        problems: file.problems.clone(),
                        rows: file.rows,
                        superseded: file.superseded,
                        column: file.column,
                    },
                );
            }
            done.push((index, file));
        }
    };
    let results = on_threads(threads, work);
    drop(progress);
    let mut states = Vec::with_capacity(threads);
    let mut files = Vec::with_capacity(reports.files.len());
    let mut writers = Vec::with_capacity(threads);
    let mut ledger: Option<Ledger> = None;
    let mut clash_between_threads = false;
    for result in results {
        let (state, theirs, done, writer) = result?;
        states.push(state);
        files.extend(done);
        writers.push(writer);
        match &mut ledger {
            None => ledger = Some(theirs),
            Some(mine) => clash_between_threads |= !mine.merge(theirs),
        }
    }
    if stale.load(Ordering::Relaxed) {
        return Ok(None);
    }
    files.sort_by_key(|(index, _)| *index);
    let files: Vec<FilePass> = files.into_iter().map(|(_, file)| file).collect();
    if clash_between_threads || files.iter().any(|f| !f.clashes.is_empty()) {
        let quiet = ReadOptions {
            progress: None,
            ..options
        };
        scan_all(plan, reports, quiet, |_, _| Ok(()))?;
        bail!("values clash, but reading the files in order found no clash");
    }
    let scan = pass.finish(files)?;
    if let Some(cache) = cache
        && let Some(writers) = writers.into_iter().collect::<Option<Vec<_>>>()
    {
        cache.commit(writers, reports.files.len(), reuse);
    }
    Ok(Some((states, scan)))
}

/// `work` on `threads` threads, this one among them, each one's outcome.
fn on_threads<T: Send>(threads: usize, work: impl Fn() -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(&work)).collect();
        let mut outcomes = vec![work()];
        outcomes.extend(
            others
                .into_iter()
                .map(|h| h.join().expect("a scan thread panicked")),
        );
        outcomes
    })
}

/// `scan_parallel`'s values from the cache, on `threads` threads, or
/// `None` if a block cannot be read (the states are then dropped, and
/// the files read instead). No ledger is kept: the key says these are the
/// files, plan and options of a pass that found no clash.
fn from_cache<S: Send>(
    pass: &Pass,
    index: &Index,
    segments: &[fs::File],
    threads: usize,
    init: &(impl Fn() -> S + Sync),
    feed: &(impl Fn(&mut S, &Observation) + Sync),
) -> Option<(Vec<S>, Vec<FilePass>)> {
    let count = pass.reports.files.len();
    let next = AtomicUsize::new(0);
    let progress = Mutex::new(Progress::new(pass.options.progress, count));
    let work = || -> Option<(S, Vec<(usize, FilePass)>)> {
        let mut state = init();
        let mut done = Vec::new();
        let mut buf = Vec::new();
        loop {
            let file = next.fetch_add(1, Ordering::Relaxed);
            if file >= count {
                return Some((state, done));
            }
            progress.lock().unwrap_or_else(|e| e.into_inner()).step();
            let name = &pass.names[file];
            let trailer = cache::read(pass.plan, index, segments, file, name, &mut buf, |obs| {
                feed(&mut state, obs)
            })?;
            done.push((file, trailer.into()));
        }
    };
    let mut states = Vec::with_capacity(threads);
    let mut files = Vec::with_capacity(count);
    for result in on_threads(threads, work) {
        let (state, done) = result?;
        states.push(state);
        files.extend(done);
    }
    files.sort_by_key(|(index, _)| *index);
    Some((states, files.into_iter().map(|(_, f)| f).collect()))
}

/// What one thread of `scan_parallel` gives back: its state, its ledger,
/// and the files it read by index.
type ThreadShare<S> = (S, Ledger, Vec<(usize, FilePass)>, Option<cache::Writer>);

/// Two values of one unit that cannot both stand, found at `Source`
/// (the later one) in the period's column.
type Clash = (UnitId, IndicatorId, Period, Source, usize);

/// What reading one file found besides its values.
struct FilePass {
    problems: Diagnostics,
    rows: u64,
    superseded: u64,
    clashes: Vec<Clash>,
    /// The column of its values (from 1; 0 if it has none).
    column: u64,
}

/// A file's pass as the cache kept it: a pass it was kept from had no clash.
impl From<Trailer> for FilePass {
    fn from(trailer: Trailer) -> FilePass {
        FilePass {
            problems: trailer.problems,
            rows: trailer.rows,
            superseded: trailer.superseded,
            clashes: Vec::new(),
            column: trailer.column,
        }
    }
}

/// What a thread keeps from one file to the next: the rows' memo (its
/// files repeat the same codes) and room for a file's bytes.
#[derive(Default)]
struct Scratch<'p> {
    memo: RowMemo<'p>,
    bytes: Vec<u8>,
}

/// One pass over a set of reports: what every file's reading shares.
struct Pass<'a> {
    plan: &'a Plan,
    reports: &'a Reports,
    options: ReadOptions,
    names: Vec<String>,
    ratio_pairs: RatioCheck,
}

impl<'a> Pass<'a> {
    fn new(plan: &'a Plan, reports: &'a Reports, options: ReadOptions) -> Pass<'a> {
        Pass {
            plan,
            reports,
            options,
            names: reports
                .files
                .iter()
                // `display` goes through its lossy decoding even for a
                // UTF-8 path: a few thousand instructions a file.
                .map(|r| match r.path.to_str() {
                    Some(path) => path.to_string(),
                    None => r.path.display().to_string(),
                })
                .collect(),
            ratio_pairs: RatioCheck::new(plan),
        }
    }

    /// Reads file `index` through validation into `sink`, marking its
    /// values in `ledger`.
    fn file(
        &self,
        index: usize,
        scratch: &mut Scratch<'a>,
        ledger: &mut Ledger,
        sink: &mut impl FnMut(&Observation, Option<usize>),
    ) -> Result<FilePass> {
        let (plan, report, name) = (self.plan, &self.reports.files[index], &self.names[index]);
        let mut file = FilePass {
            problems: Diagnostics::default(),
            rows: 0,
            superseded: 0,
            clashes: Vec::new(),
            column: 0,
        };
        // `validate` hashes each file: a small one as it is held, a large
        // one as it is read, so that the bytes hashed are the bytes checked.
        let verify = self.options.verify && report.sha256.is_some();
        let mut hasher = Sha256::new();
        let Scratch { memo, bytes } = scratch;
        let (input, held_hash) =
            match Input::open_in(&report.path, bytes).said(|| cannot_read(name))? {
                Input::Bytes(bytes) if verify => {
                    let sha256 = sha256_hex(&bytes);
                    (Input::Bytes(bytes), Some(sha256))
                }
                Input::Stream(inner, chunk) if verify => {
                    let hashing = Hashing {
                        inner,
                        hasher: &mut hasher,
                    };
                    (Input::Stream(Box::new(hashing), chunk), None)
                }
                input => (input, None),
            };
        let superseded = superseded_in(plan, report);
        // A unit sends the two sides of a ratio for a period together, so
        // they are compared within each file: memory stays one file's worth.
        // A check for `validate` (and ingest, of new files): the files were
        // checked when they came in, and reports need not pay for it again.
        let mut ratios = self.options.verify.then(|| self.ratio_pairs.for_file());
        let read = read_file(
            plan,
            memo,
            index,
            name,
            input,
            report.encoding.unwrap_or(self.options.encoding),
            &mut file.problems,
            &mut file.rows,
            |obs, row, _| {
                file.column = row.value.column as u64;
                if !superseded.is_empty()
                    && let Some(&by) = superseded.get(&(obs.unit, obs.indicator, obs.period))
                {
                    file.superseded += 1;
                    return sink(obs, Some(by));
                }
                if ledger.admit(obs) {
                    if let Some(ratios) = &mut ratios {
                        ratios.add(obs, row.value.column);
                    }
                    sink(obs, None);
                } else {
                    file.clashes.push((
                        obs.unit,
                        obs.indicator,
                        obs.period,
                        obs.source,
                        row.period.column,
                    ));
                }
            },
        );
        let complete = read.is_some();
        drop(read);
        if verify {
            let sha256 = match held_hash {
                Some(sha256) => sha256,
                None if complete => hex_of(hasher),
                // Stopped at an error, so hashed in part: hashed whole.
                None => sha256_file(&report.path).said(|| cannot_read(name))?,
            };
            if report.sha256.as_ref() != Some(&sha256) {
                // Said before the problems of its rows.
                file.problems.push_first(Diagnostic::warning(
                    name,
                    msg!(
                        "`{}` has changed since it was received (its SHA-256 is not the manifest's); \
                         stored reports are kept as received: ingest a corrected file with `--replace` instead of editing one",
                        "`{}` đã bị sửa sau khi nhận (mã SHA-256 khác với danh mục); \
                         báo cáo đã lưu được giữ nguyên như khi nhận: hãy nhập tệp đã sửa với `--replace` thay vì sửa tệp đã lưu",
                        report.name
                    ),
                ));
            }
        }
        if let Some(ratios) = ratios {
            file.problems.extend(ratios.finish(plan, &self.names, 0));
        }
        if let Some(then) = report.rows
            && file.rows != then
        {
            file.problems.push(Diagnostic::warning(
                name,
                msg!(
                    "`{}` has changed since it was received ({} values now, {then} then); \
                     stored reports are kept as received: ingest a corrected file with `--replace` instead of editing one",
                    "`{}` đã bị sửa sau khi nhận (nay có {} giá trị, khi nhận có {then}); \
                     báo cáo đã lưu được giữ nguyên như khi nhận: hãy nhập tệp đã sửa với `--replace` thay vì sửa tệp đã lưu",
                    report.name,
                    file.rows
                ),
            ));
        }
        Ok(file)
    }

    /// The pass's outcome from every file's, in file order.
    fn finish(self, files: Vec<FilePass>) -> Result<Scan> {
        let mut scan = Scan {
            received: self.reports.files.iter().map(|r| r.received).collect(),
            ..Scan::default()
        };
        let mut problems = self.reports.warnings.clone();
        let mut clashes = Vec::new();
        for file in files {
            problems.extend(file.problems);
            scan.rows += file.rows;
            scan.superseded += file.superseded;
            clashes.extend(file.clashes);
        }
        if !clashes.is_empty() {
            problems.extend(describe_clashes(
                self.plan,
                self.reports,
                self.options,
                &self.names,
                &clashes,
            )?);
        }
        if problems.has_errors() {
            return Err(Invalid(problems).into());
        }
        scan.files = self.names;
        scan.warnings = problems;
        Ok(scan)
    }
}

/// The values of one file that later files superseded, by key, with the
/// index of the superseding file. Keys the plan no longer knows are left
/// out: such rows fail validation anyway.
pub(super) fn superseded_in(
    plan: &Plan,
    report: &StoredReport,
) -> HashMap<(UnitId, IndicatorId, Period), usize> {
    report
        .superseded
        .iter()
        .filter_map(|(v, by)| {
            let key = (
                plan.unit_id(&v.unit)?,
                plan.indicator_id(&v.indicator)?,
                v.period.parse().ok()?,
            );
            Some((key, *by))
        })
        .collect()
}

/// Reads one file's rows through validation. Problems of the file go to
/// `problems`; each valid observation goes to `each` with its raw row (for
/// columns) and the file's problems (for the caller's own errors). The
/// bytes may be borrowed (an ingest keeps them to write them).
#[allow(clippy::too_many_arguments)]
pub(super) fn read_file<'b, 'p>(
    plan: &'p Plan,
    memo: &mut RowMemo<'p>,
    index: usize,
    name: &str,
    input: impl Into<Input<'b>>,
    encoding: Encoding,
    problems: &mut Diagnostics,
    rows: &mut u64,
    mut each: impl FnMut(&Observation, &RawRow, &mut FileProblems),
) -> Option<ReportFile<'b>> {
    let mut file = match ReportFile::read(name, input.into(), encoding) {
        Ok(file) => file,
        Err(d) => {
            problems.push(d);
            return None;
        }
    };
    let mut file_problems = FileProblems::new(name, file.warnings.clone());
    let rows_before = *rows;
    let mut cells = Vec::new();
    let mark = file.dialect.mark;
    let read = file.for_each_row(
        // One call a row fewer: inline in the reader's loop.
        #[inline(always)]
        |row| {
            let row = match row {
                Ok(row) => row,
                Err(d) => return file_problems.push(d),
            };
            *rows += 1;
            let source = Source {
                file: index as u32,
                line: row.line as u32,
            };
            let observation = plan.read_row_with(row, mark, source, &mut cells, memo);
            if !cells.is_empty() {
                file_problems.cells(row.line, &cells);
                cells.clear();
            }
            // Borrowed where it was returned: not moved again, for each row.
            if let Some(obs) = &observation {
                each(obs, row, &mut file_problems);
            }
        },
    );
    // A stream that cannot be read to its end: the problems of the rows before,
    // then why.
    if let Err(d) = read {
        problems.extend(file_problems.finish());
        problems.push(d);
        return None;
    }
    if *rows == rows_before {
        file_problems.warn(Diagnostic::warning(
            name,
            msg!(
                "the file holds a header but no values; was it saved before it was filled in?",
                "tệp chỉ có dòng tiêu đề, không có giá trị nào; có phải tệp được lưu trước khi điền số liệu?"
            ),
        ));
    }
    problems.extend(file_problems.finish());
    Some(file)
}

/// A second pass, only when clashes were found: the ledger keeps no rows,
/// so the earlier value each clash collides with is looked up again.
fn describe_clashes(
    plan: &Plan,
    reports: &Reports,
    options: ReadOptions,
    names: &[String],
    clashes: &[(UnitId, IndicatorId, Period, Source, usize)],
) -> Result<Diagnostics> {
    let mut earlier: Vec<Option<(Period, Source)>> = vec![None; clashes.len()];
    for (index, report) in reports.files.iter().enumerate() {
        let input = Input::open(&report.path)?;
        let superseded = superseded_in(plan, report);
        let mut ignored = Diagnostics::default();
        read_file(
            plan,
            &mut RowMemo::default(),
            index,
            &names[index],
            input,
            report.encoding.unwrap_or(options.encoding),
            &mut ignored,
            &mut 0,
            |obs, _, _| {
                if superseded.contains_key(&(obs.unit, obs.indicator, obs.period)) {
                    return;
                }
                for (slot, &(unit, indicator, period, at, _)) in earlier.iter_mut().zip(clashes) {
                    if slot.is_none()
                        && obs.source < at
                        && (obs.unit, obs.indicator) == (unit, indicator)
                        && clash(plan, indicator, period, obs.period)
                    {
                        *slot = Some((obs.period, obs.source));
                    }
                }
            },
        );
    }
    let mut out = Diagnostics::default();
    for (&(unit, indicator, period, at, column), found) in clashes.iter().zip(earlier) {
        let message = match found {
            Some((p, s)) => clash_message(
                plan,
                unit,
                indicator,
                period,
                p,
                &format!("{}:{}", names[s.file as usize], s.line),
            ),
            None => msg!(
                "`{}` reported `{}` for `{period}` more than once",
                "`{}` báo cáo `{}` cho kỳ `{period}` nhiều hơn một lần",
                plan.unit(unit).code,
                plan.indicator(indicator).code
            ),
        };
        out.push(
            Diagnostic::error(&names[at.file as usize], message).at(u64::from(at.line), column),
        );
    }
    Ok(out)
}

/// Whether two values of one unit's indicator cannot both stand: the same
/// period, a flow's overlapping periods, or two levels at the same date.
pub(super) fn clash(plan: &Plan, indicator: IndicatorId, a: Period, b: Period) -> bool {
    a.year() == b.year() && Ledger::mask(plan, indicator, a) & Ledger::mask(plan, indicator, b) != 0
}

/// Why a value for `period` cannot stand beside one for `earlier` found
/// at `place`.
pub(super) fn clash_message(
    plan: &Plan,
    unit: UnitId,
    indicator: IndicatorId,
    period: Period,
    earlier: Period,
    place: &str,
) -> Message {
    let (unit, indicator) = (&plan.unit(unit).code, plan.indicator(indicator));
    if earlier == period {
        msg!(
            "`{unit}` reported `{}` for `{period}` twice: here and at {place}",
            "`{unit}` báo cáo `{}` cho kỳ `{period}` hai lần: ở đây và ở {place}",
            indicator.code
        )
    } else if indicator.kind.adds_up() {
        msg!(
            "`{unit}` reported the flow `{}` for `{period}` here and for the overlapping `{earlier}` at {place}; \
             the months they share would count twice",
            "`{unit}` báo cáo chỉ tiêu cộng dồn `{}` cho kỳ `{period}` ở đây và cho kỳ `{earlier}` trùng thời gian ở {place}; \
             các tháng trùng nhau sẽ bị tính hai lần",
            indicator.code
        )
    } else {
        let (en, vi) = (period.end(), Lang::Vi.date(period.end()));
        msg!(
            "`{unit}` reported `{}` for `{period}` here and for `{earlier}` at {place}; both give its level on {en}",
            "`{unit}` báo cáo `{}` cho kỳ `{period}` ở đây và cho kỳ `{earlier}` ở {place}; cả hai đều là số liệu tại ngày {vi}",
            indicator.code
        )
    }
}

/// One side of a ratio: its value, where it came from, and its column.
type Side = (Decimal, Source, usize);

/// Catches a numerator above its denominator for one unit and period
/// (7 tasks applied of 5 accepted): allowed, since units report the two
/// separately, but worth a warning.
///
/// A pair is judged as soon as both its sides are in and then forgotten:
/// a unit sends the two sides of a period together, so what is held at a
/// time is the sides still waiting for their other half, not one entry per
/// value. That is exact because each side has one value in force: a second
/// one for the same unit, indicator and period clashes with the first, and
/// the reading that found the clash fails or keeps only one of them.
#[derive(Clone)]
pub(super) struct RatioCheck {
    /// Which ratios there are, from the plan: shared by every file's check.
    pairs: Arc<Vec<(IndicatorId, IndicatorId)>>,
    /// By indicator: the pairs it is a side of, and which side (0
    /// numerator, 1 denominator); checked per row.
    sides: Arc<Vec<Vec<(u16, usize)>>>,
    /// The pairs begun last, not yet complete: a file gives a unit's
    /// values for one period together, so most pairs complete here, found
    /// without hashing. At most `RECENT`; older ones wait in `waiting`.
    recent: Vec<(PairKey, [Option<Side>; 2])>,
    /// By unit, period and pair: the side or sides seen of pairs not yet
    /// complete.
    waiting: FxHashMap<PairKey, [Option<Side>; 2]>,
    /// Complete pairs whose numerator is above the denominator.
    above: Vec<Above>,
}

/// A numerator above its denominator: unit, period, pair, and the two sides.
type Above = (UnitId, Period, u16, Side, Side);

/// A pair's unit, period and number.
type PairKey = (UnitId, Period, u16);

/// How many incomplete pairs `RatioCheck::recent` holds: a period's rows
/// of a unit begin a few at a time.
const RECENT: usize = 16;

impl RatioCheck {
    pub(super) fn new(plan: &Plan) -> RatioCheck {
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
        RatioCheck {
            pairs: Arc::new(pairs),
            sides: Arc::new(sides),
            recent: Vec::new(),
            waiting: FxHashMap::default(),
            above: Vec::new(),
        }
    }

    /// An empty check for one file.
    pub(super) fn for_file(&self) -> RatioCheck {
        RatioCheck {
            pairs: Arc::clone(&self.pairs),
            sides: Arc::clone(&self.sides),
            recent: Vec::new(),
            waiting: FxHashMap::default(),
            above: Vec::new(),
        }
    }

    /// A value in force.
    pub(super) fn add(&mut self, obs: &Observation, column: usize) {
        let Value::Number(n) = obs.value else { return };
        for &(pair, side) in &self.sides[obs.indicator.0 as usize] {
            let key = (obs.unit, obs.period, pair);
            // A pair waiting in the map, or a new one, becomes recent.
            let at = match self.recent.iter().position(|(k, _)| *k == key) {
                Some(at) => at,
                None => {
                    let waited = (!self.waiting.is_empty())
                        .then(|| self.waiting.remove(&key))
                        .flatten();
                    let both = waited.unwrap_or_default();
                    if self.recent.len() == RECENT {
                        let (older, sides) = self.recent.swap_remove(0);
                        self.waiting.insert(older, sides);
                    }
                    self.recent.push((key, both));
                    self.recent.len() - 1
                }
            };
            let both = &mut self.recent[at].1;
            both[side] = Some((n, obs.source, column));
            let both = *both;
            if both.iter().any(Option::is_none) {
                continue;
            }
            self.recent.swap_remove(at);
            if let [Some(numerator), Some(denominator)] = both
                && numerator.0 > denominator.0
            {
                self.above
                    .push((obs.unit, obs.period, pair, numerator, denominator));
            }
        }
    }

    /// A value in force read after the others (an ingest's stored values,
    /// read after the new ones): it completes only a pair that waits for
    /// it, and never stands for a side already seen, which is newer.
    pub(super) fn complete(&mut self, obs: &Observation, column: usize) {
        // Found by hashing alone: none of them are recent.
        if !self.recent.is_empty() {
            self.waiting.extend(self.recent.drain(..));
        }
        if self.waiting.is_empty() {
            return;
        }
        let Value::Number(n) = obs.value else { return };
        for &(pair, side) in &self.sides[obs.indicator.0 as usize] {
            let key = (obs.unit, obs.period, pair);
            if let Some(both) = self.waiting.get_mut(&key)
                && both[side].is_none()
            {
                both[side] = Some((n, obs.source, column));
                if let [Some(numerator), Some(denominator)] = *both {
                    self.waiting.remove(&key);
                    if numerator.0 > denominator.0 {
                        self.above
                            .push((obs.unit, obs.period, pair, numerator, denominator));
                    }
                }
            }
        }
    }

    /// Forgets the pairs with a side from `gone`: values superseded
    /// (`--replace`) after they were read. No other value stands for that
    /// side, so the pair is no longer complete.
    pub(super) fn forget(&mut self, gone: &FxHashSet<Source>) {
        if !gone.is_empty() {
            self.above
                .retain(|(_, _, _, (_, n, _), (_, d, _))| !gone.contains(n) && !gone.contains(d));
        }
    }

    /// The warnings, for pairs where either value comes from a file at
    /// index `from` or later (an ingest warns about the new files only).
    pub(super) fn finish(self, plan: &Plan, names: &[String], from: u32) -> Diagnostics {
        let mut found: Vec<(IndicatorId, IndicatorId, UnitId, Period, Side, Side)> = self
            .above
            .into_iter()
            .filter(|(_, _, _, (_, source, _), (_, at, _))| source.file >= from || at.file >= from)
            .map(|(unit, period, pair, numerator, denominator)| {
                let (n, d) = self.pairs[pair as usize];
                (n, d, unit, period, numerator, denominator)
            })
            .collect();
        found.sort_by_key(|&(n, d, _, _, (_, source, _), _)| (source, n, d));
        let mut out = Diagnostics::default();
        for (numerator, denominator, unit, period, (n, source, column), (d, at, _)) in found {
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

/// The problems of one file: errors listed up to a limit, identical
/// warnings folded into one line with a count.
pub(super) struct FileProblems<'a> {
    name: &'a str,
    all: Diagnostics,
    errors: usize,
    warnings: HashMap<Message, (usize, u64, usize)>,
    warning_order: Vec<Message>,
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

    pub(super) fn push(&mut self, d: Diagnostic) {
        self.errors += 1;
        if self.errors <= ERRORS_PER_FILE {
            self.all.push(d);
        }
    }

    /// A warning about the file as a whole.
    fn warn(&mut self, d: Diagnostic) {
        self.all.push(d);
    }

    /// An error of the caller's own at a line and column of this file.
    pub(super) fn error(&mut self, line: u32, column: usize, message: Message) {
        let d = Diagnostic::error(self.name, message).at(u64::from(line), column);
        self.push(d);
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
                msg!(
                    "… and {} more errors in this file",
                    "… và {} lỗi khác trong tệp này",
                    self.errors - ERRORS_PER_FILE
                ),
            ));
        }
        for message in &self.warning_order {
            let (count, line, column) = self.warnings[message];
            let message = if count > 1 {
                message.clone().then(&msg!(
                    " ({count} rows, the first here)",
                    " ({count} dòng, dòng đầu tiên ở đây)"
                ))
            } else {
                message.clone()
            };
            self.all
                .push(Diagnostic::warning(self.name, message).at(line, column));
        }
        self.all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::plan;

    /// The sides of `done / total`, for units A and B over 24 months, in
    /// an order that begins many pairs before any completes (far more than
    /// `RECENT`) and one that completes each at once: the same pairs above.
    #[test]
    fn ratio_pairs_complete_alike_however_far_apart_their_sides() {
        let plan = plan();
        let (done, total) = (
            plan.indicator_id("done").unwrap(),
            plan.indicator_id("total").unwrap(),
        );
        let mut sides = Vec::new();
        for unit in [UnitId(0), UnitId(1)] {
            for month in 1..=24u8 {
                let period = Period::month(2024 + i16::from(month > 12), (month - 1) % 12 + 1);
                // Above in one month of three.
                let (d, t) = if month % 3 == 0 { (7, 5) } else { (3, 5) };
                sides.push((unit, period, done, d));
                sides.push((unit, period, total, t));
            }
        }
        let check = |order: &[usize]| {
            let mut check = RatioCheck::new(&plan).for_file();
            for (line, &i) in order.iter().enumerate() {
                let (unit, period, indicator, n) = sides[i];
                check.add(
                    &Observation {
                        unit,
                        indicator,
                        period,
                        value: Value::Number(n.into()),
                        note_written: "",
                        source: Source {
                            file: 0,
                            line: i as u32 + 2,
                        },
                        place: plan.place(unit, indicator, period.year()),
                    },
                    line,
                );
            }
            assert!(check.recent.is_empty() && check.waiting.is_empty());
            let mut above: Vec<_> = check
                .above
                .iter()
                .map(|&(unit, period, pair, n, d)| (unit, period, pair, n.0, n.1, d.0, d.1))
                .collect();
            above.sort();
            above
        };
        let together: Vec<usize> = (0..sides.len()).collect();
        // Every numerator first, then every denominator, backwards.
        let apart: Vec<usize> = (0..sides.len())
            .step_by(2)
            .chain((1..sides.len()).step_by(2).rev())
            .collect();
        let above = check(&together);
        assert_eq!(above.len(), 16);
        assert_eq!(check(&apart), above);
    }
}
