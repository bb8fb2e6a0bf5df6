//! Evaluation, for `track explain`: every value of the explained objective
//! in reading order. A few thousand stay in memory; past that each thread
//! writes its values to a temporary file, so that an objective of a
//! national roll-up (hundreds of thousands of values) costs no memory that
//! grows with the rows.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

use rust_decimal::Decimal;
use rustc_hash::FxHashSet;

use super::{Role, Verdict};
use crate::model::{Source, UnitId, Value};
use crate::period::{Part, Period};

/// How many values a thread holds before it writes them out: about 50 KB.
const HELD: usize = 1024;

#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    pub role: Role,
    pub unit: UnitId,
    pub period: Period,
    pub value: Value<'static>,
    pub source: Source,
    pub verdict: Verdict,
}

impl TraceEntry {
    /// The reading order: by file and line, then part (numerator first).
    fn key(&self) -> (Source, Role) {
        (self.source, self.role)
    }
}

/// The values one thread traced, as it read them.
#[derive(Debug)]
struct Run {
    held: Vec<TraceEntry>,
    /// The values written out before `held`; `None` while there were few.
    spill: Option<Spill>,
    /// Whether the values came in reading order, so far. Threads read
    /// their files in order, so they do; a run that did not is never
    /// written out, and is sorted at the end.
    ordered: bool,
    /// The most values to hold; then they are written out.
    limit: usize,
    last: Option<(Source, Role)>,
}

#[derive(Debug)]
struct Spill {
    file: File,
    /// The bytes written in whole; a write that failed left the rest.
    written: u64,
    /// How many values those bytes hold.
    count: usize,
}

impl Run {
    fn new(limit: usize) -> Run {
        Run {
            held: Vec::new(),
            spill: None,
            ordered: true,
            limit,
            last: None,
        }
    }

    fn push(&mut self, entry: TraceEntry) {
        let key = entry.key();
        self.ordered &= self.last.is_none_or(|last| last < key);
        self.last = Some(key);
        if self.held.len() >= self.limit && self.ordered {
            self.write_out();
        }
        self.held.push(entry);
    }

    /// Moves the held values to the temporary file. Should the file not be
    /// made or written, they stay held: memory grows, nothing is lost.
    fn write_out(&mut self) {
        let mut bytes = Vec::with_capacity(self.held.len() * 40);
        for entry in &self.held {
            encode(entry, &mut bytes);
        }
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => match tempfile::tempfile() {
                Ok(file) => self.spill.insert(Spill {
                    file,
                    written: 0,
                    count: 0,
                }),
                Err(_) => {
                    self.limit = usize::MAX;
                    return;
                }
            },
        };
        if spill.file.write_all(&bytes).is_err() {
            // The file's end is now unknown: write no more to it.
            self.limit = usize::MAX;
            return;
        }
        spill.written += bytes.len() as u64;
        spill.count += self.held.len();
        self.held.clear();
    }
}

impl Spill {
    fn reader(&self) -> BufReader<At<'_>> {
        BufReader::with_capacity(
            64 << 10,
            At {
                file: &self.file,
                at: 0,
                end: self.written,
            },
        )
    }
}

/// Reads `file` from `at` to `end` with positioned reads: two readings of
/// one trace never move each other's place.
struct At<'f> {
    file: &'f File,
    at: u64,
    end: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end - self.at).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = read_at(self.file, &mut buf[..want], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// The values being traced: each thread's run, this thread's first.
#[derive(Debug)]
pub(super) struct Recorder {
    runs: Vec<Run>,
}

impl Recorder {
    pub(super) fn new() -> Recorder {
        Recorder::holding(HELD)
    }

    /// A recorder that writes out past `limit` values (tests use a few).
    pub(super) fn holding(limit: usize) -> Recorder {
        Recorder {
            runs: vec![Run::new(limit)],
        }
    }

    pub(super) fn push(&mut self, entry: TraceEntry) {
        let run = &mut self.runs[0];
        // Written out, a run stays in order: a value that comes before
        // its last one begins a new run.
        if run.spill.is_some() && run.last.is_some_and(|last| entry.key() <= last) {
            let done = std::mem::replace(run, Run::new(run.limit));
            self.runs.push(done);
        }
        self.runs[0].push(entry);
    }

    /// Takes in another thread's values.
    pub(super) fn merge(&mut self, other: Recorder) {
        self.runs.extend(other.runs);
    }

    /// The trace to read, with `kept` deciding which values a later one
    /// replaced.
    pub(super) fn finish(self, kept: Kept) -> Trace {
        let mut runs = Vec::with_capacity(self.runs.len());
        let mut held = Vec::new();
        for run in self.runs {
            if run.spill.is_some() {
                runs.push(run);
            } else {
                held.extend(run.held);
            }
        }
        // The runs held in memory, as one.
        held.sort_unstable_by_key(TraceEntry::key);
        runs.push(Run {
            held,
            ..Run::new(usize::MAX)
        });
        runs.retain(|r| !r.held.is_empty() || r.spill.is_some());
        Trace { runs, kept }
    }
}

/// Which counted values a later one replaced, known only once every file
/// is read: in each part listed, only the values from these sources still
/// count; parts not listed (sums) keep every value.
#[derive(Debug, Default)]
pub(super) struct Kept {
    pub(super) parts: Vec<(Role, FxHashSet<Source>)>,
}

impl Kept {
    fn verdict(&self, entry: &TraceEntry) -> Verdict {
        match self.parts.iter().find(|(role, _)| *role == entry.role) {
            Some((_, kept))
                if entry.verdict == Verdict::Counted && !kept.contains(&entry.source) =>
            {
                Verdict::Superseded
            }
            _ => entry.verdict,
        }
    }
}

/// Every value of the explained objective, with its verdict, to be read
/// in reading order (`values`) as many times as a renderer needs.
#[derive(Debug)]
pub struct Trace {
    runs: Vec<Run>,
    kept: Kept,
}

impl Trace {
    /// The values in reading order: files in order, each file's lines in
    /// order.
    pub fn values(&self) -> impl Iterator<Item = io::Result<TraceEntry>> + '_ {
        let mut cursors: Vec<Cursor> = self
            .runs
            .iter()
            .map(|run| Cursor {
                spilled: run.spill.as_ref().map(|s| (s.reader(), s.count)),
                held: run.held.iter(),
                next: None,
            })
            .collect();
        let mut failed = false;
        std::iter::from_fn(move || {
            if failed {
                return None;
            }
            // The runs are a thread's each: a handful, so a plain scan.
            let mut first: Option<usize> = None;
            for at in 0..cursors.len() {
                match cursors[at].peek() {
                    Ok(None) => {}
                    Ok(Some(entry)) => {
                        let key = entry.key();
                        if first
                            .is_none_or(|f| cursors[f].next.as_ref().is_some_and(|e| key < e.key()))
                        {
                            first = Some(at);
                        }
                    }
                    Err(e) => {
                        failed = true;
                        return Some(Err(e));
                    }
                }
            }
            let mut entry = cursors[first?].next.take()?;
            entry.verdict = self.kept.verdict(&entry);
            Some(Ok(entry))
        })
    }
}

/// Where the reading of one run is.
struct Cursor<'t> {
    spilled: Option<(BufReader<At<'t>>, usize)>,
    held: std::slice::Iter<'t, TraceEntry>,
    next: Option<TraceEntry>,
}

impl Cursor<'_> {
    fn peek(&mut self) -> io::Result<Option<&TraceEntry>> {
        if self.next.is_none() {
            self.next = match &mut self.spilled {
                Some((reader, left)) if *left > 0 => {
                    *left -= 1;
                    Some(decode(reader)?)
                }
                _ => self.held.next().cloned(),
            };
        }
        Ok(self.next.as_ref())
    }
}

const ROLES: [Role; 3] = [Role::Value, Role::Numerator, Role::Denominator];
const VERDICTS: [Verdict; 5] = [
    Verdict::Counted,
    Verdict::Superseded,
    Verdict::BeforeWindow,
    Verdict::AfterDeadline,
    Verdict::AfterAsOf,
];

fn encode(entry: &TraceEntry, out: &mut Vec<u8>) {
    let (kind, part) = match entry.period.part() {
        Part::Year => (0, 0),
        Part::Half(h) => (1, h),
        Part::Quarter(q) => (2, q),
        Part::Month(m) => (3, m),
    };
    let role = ROLES.iter().position(|r| *r == entry.role);
    let verdict = VERDICTS.iter().position(|v| *v == entry.verdict);
    let tag = match entry.value {
        Value::Number(_) => 0,
        Value::Level(_) => 1,
        Value::Text(_) => 2,
    };
    out.extend_from_slice(&[
        role.expect("every role listed") as u8,
        verdict.expect("every verdict listed") as u8,
        tag,
        kind,
        part,
    ]);
    out.extend_from_slice(&entry.period.year().to_le_bytes());
    for n in [entry.unit.0, entry.source.file, entry.source.line] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    match &entry.value {
        Value::Number(n) => out.extend_from_slice(&n.serialize()),
        Value::Level(rank) => out.extend_from_slice(&(*rank as u64).to_le_bytes()),
        Value::Text(text) => {
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
}

fn decode(reader: &mut impl BufRead) -> io::Result<TraceEntry> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "a damaged temporary file");
    let mut head = [0u8; 19];
    reader.read_exact(&mut head)?;
    let [role, verdict, tag, kind, part, y0, y1, rest @ ..] = head;
    let u32_at = |i: usize| u32::from_le_bytes(rest[i..i + 4].try_into().expect("4 bytes"));
    let year = i16::from_le_bytes([y0, y1]);
    let part = match kind {
        0 => Part::Year,
        1 => Part::Half(part),
        2 => Part::Quarter(part),
        3 => Part::Month(part),
        _ => return Err(bad()),
    };
    let period = Period::new(year, part).ok_or_else(bad)?;
    let mut word = [0u8; 8];
    let value = match tag {
        0 => {
            let mut n = [0u8; 16];
            reader.read_exact(&mut n)?;
            Value::Number(Decimal::deserialize(n))
        }
        1 => {
            reader.read_exact(&mut word)?;
            Value::Level(usize::try_from(u64::from_le_bytes(word)).map_err(|_| bad())?)
        }
        2 => {
            reader.read_exact(&mut word)?;
            let len = usize::try_from(u64::from_le_bytes(word)).map_err(|_| bad())?;
            let mut text = vec![0; len];
            reader.read_exact(&mut text)?;
            Value::Text(String::from_utf8(text).map_err(|_| bad())?.into())
        }
        _ => return Err(bad()),
    };
    Ok(TraceEntry {
        role: *ROLES.get(usize::from(role)).ok_or_else(bad)?,
        unit: UnitId(u32_at(0)),
        period,
        value,
        source: Source {
            file: u32_at(4),
            line: u32_at(8),
        },
        verdict: *VERDICTS.get(usize::from(verdict)).ok_or_else(bad)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values of every kind, part, period and verdict, in reading order.
    fn entries(count: u32) -> Vec<TraceEntry> {
        (0..count)
            .map(|n| TraceEntry {
                role: ROLES[n as usize % 3],
                unit: UnitId(n % 7),
                period: [
                    Period::whole_year(2025),
                    Period::half(2025, 2),
                    Period::quarter(2026, 3),
                    Period::month(2027, 12),
                ][n as usize % 4],
                value: match n % 3 {
                    0 => Value::Number(Decimal::new(-i64::from(n) * 1001, n % 5)),
                    1 => Value::Level(n as usize % 4),
                    _ => Value::Text(format!("ghi chú {n}, \"đã duyệt\"").into()),
                },
                source: Source {
                    file: n / 10,
                    line: n % 10 + 2,
                },
                verdict: VERDICTS[n as usize % 5],
            })
            .collect()
    }

    fn read(trace: &Trace) -> Vec<TraceEntry> {
        trace.values().map(Result::unwrap).collect()
    }

    #[test]
    fn values_written_out_read_back_as_they_were_held() {
        let all = entries(200);
        let mut held = Recorder::holding(usize::MAX);
        let mut written = Recorder::holding(3);
        for entry in &all {
            held.push(entry.clone());
            written.push(entry.clone());
        }
        assert!(
            written.runs[0]
                .spill
                .as_ref()
                .is_some_and(|s| s.count > 150)
        );
        let written = written.finish(Kept::default());
        assert_eq!(read(&held.finish(Kept::default())), all);
        assert_eq!(read(&written), all);
        // Read as often as a renderer needs, the same each time.
        assert_eq!(read(&written), all);
    }

    #[test]
    fn threads_runs_merge_into_reading_order() {
        let all = entries(500);
        // Files dealt out to three threads as `scan_parallel` does: each
        // thread's files in order, the threads' files interleaved.
        let mut threads: Vec<Recorder> = (0..3).map(|_| Recorder::holding(16)).collect();
        for entry in &all {
            threads[(entry.source.file as usize * 7) % 3].push(entry.clone());
        }
        let mut first = threads.remove(0);
        for other in threads {
            first.merge(other);
        }
        assert_eq!(read(&first.finish(Kept::default())), all);
    }

    #[test]
    fn a_value_out_of_order_after_a_write_begins_a_new_run() {
        let all = entries(100);
        let mut recorder = Recorder::holding(4);
        for entry in all[50..].iter().chain(&all[..50]) {
            recorder.push(entry.clone());
        }
        assert_eq!(recorder.runs.len(), 2);
        assert!(recorder.runs.iter().all(|r| r.spill.is_some()));
        assert_eq!(read(&recorder.finish(Kept::default())), all);
    }

    #[test]
    fn values_out_of_order_before_any_write_are_sorted_in_memory() {
        let all = entries(100);
        let mut recorder = Recorder::holding(4);
        for entry in all.iter().rev() {
            recorder.push(entry.clone());
        }
        assert!(recorder.runs[0].spill.is_none());
        assert_eq!(read(&recorder.finish(Kept::default())), all);
    }

    #[test]
    fn counted_values_not_kept_are_superseded() {
        let all = entries(60);
        let mut recorder = Recorder::holding(5);
        for entry in &all {
            recorder.push(entry.clone());
        }
        let kept: FxHashSet<Source> = all.iter().step_by(2).map(|e| e.source).collect();
        let trace = recorder.finish(Kept {
            parts: vec![(Role::Numerator, kept.clone())],
        });
        for (read, given) in read(&trace).iter().zip(&all) {
            let replaced = given.role == Role::Numerator
                && given.verdict == Verdict::Counted
                && !kept.contains(&given.source);
            let verdict = if replaced {
                Verdict::Superseded
            } else {
                given.verdict
            };
            assert_eq!(read.verdict, verdict, "{given:?}");
        }
    }
}
