//! A derived, rebuildable cache of what `scan` read from the report files:
//! each file's values in force and its warnings, so that a repeated report
//! skips reading and validating CSV. The received files stay the truth.
//! Each file's block is keyed on everything its reading depends on (this
//! program, the plan's text, the encoding option, the file's manifest
//! entry, and its name, size, times of modification and change, and
//! inode), and the cache as a whole on all of them: when that key matches,
//! every value comes from the cache; otherwise each file whose own key
//! matches is read from its block (after an ingest, all but the new file)
//! and the others from the files, and the cache is written again with the
//! new blocks beside the old. It is written only after a pass without
//! errors, and only when every file was last changed a few seconds before
//! the pass began: a file changed within the same tick of the file
//! system's clock could otherwise keep its times (git's "racily clean"
//! problem).
//!
//! In `.cache/` of the data folder: `values.idx` (the keys, and where each
//! file's block lies) and `values-*.seg` (the blocks, one segment per
//! thread of each pass that wrote some). A file's block is its values in
//! pieces of about `PIECE` bytes, each with its own checksum, then its
//! trailer: a file of millions of rows is read and written a piece at a
//! time, in flat memory. Numbers are LEB128 varints (a piece's head is
//! three little-endian u64s); a piece or trailer damaged on disk is not read.

use std::fs::{self, File};
use std::hash::Hasher;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::scan::ReadOptions;
use super::{Reports, temp_file_in};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::lang::Message;
use crate::model::{
    IndicatorId, IndicatorKind, NO_PLACE, Observation, Plan, Source, UnitId, Value, place_from,
};
use crate::period::{Part, Period};

/// Changes whenever the layout below changes.
const MAGIC: &[u8] = b"track values cache 6\n";
const INDEX: &str = "values.idx";
/// How long before a pass every file must have last changed for the
/// pass to write the cache: longer than any file system's clock tick.
const SETTLED: Duration = Duration::from_secs(2);
/// A block's values are cut into pieces of about this many bytes.
const PIECE: usize = 256 << 10;
/// A piece's head: the bytes of its values and of their texts, and the
/// checksum of both.
const PIECE_HEAD: usize = 24;
/// Blocks up to this size (nearly all: a unit's file is a few kilobytes)
/// are read in one call, pieces and trailer together.
const WHOLE_BLOCK: u64 = 1 << 20;

/// The cache of one set of reports, under one key.
pub(super) struct Cache {
    dir: PathBuf,
    key: [u8; 32],
    /// The part of the key every file's reading shares: this program, the
    /// plan, the encoding option.
    base: [u8; 32],
    /// Each file's own key (its name, manifest entry and stamp; valid only
    /// under `base`), by file index: a block whose file key matches may
    /// serve a pass over another set of files (one more file ingested, one
    /// replaced).
    files: Vec<[u8; 32]>,
    /// Whether this pass may write the cache (see `SETTLED`).
    writable: bool,
}

/// Where each file's block lies, by file index.
pub(super) struct Index {
    key: [u8; 32],
    base: [u8; 32],
    segments: Vec<String>,
    files: Vec<[u8; 32]>,
    blocks: Vec<Block>,
}

/// The blocks an earlier cache holds for some of this pass's files.
pub(super) struct Reuse {
    /// By file index, the block of those with one.
    pub(super) blocks: Vec<Option<Block>>,
    names: Vec<String>,
    pub(super) segments: Vec<File>,
}

/// An earlier cache's segments in use after a pass that reused some of
/// their blocks, with those the pass writes: at most this many (or twice
/// the threads), else the pass writes every block anew.
const SEGMENTS: usize = 16;

#[derive(Clone, Copy, Debug)]
pub(super) struct Block {
    segment: u32,
    offset: u64,
    /// Bytes of the pieces (heads included), then of the trailer (the
    /// file's warnings and counts).
    pieces: u64,
    trailer: u64,
    /// FxHash of the trailer: one damaged on disk is not read.
    check: u64,
}

impl Block {
    /// Where the block ends; `None` for a damaged index whose lengths
    /// overflow.
    fn end(&self) -> Option<u64> {
        self.offset
            .checked_add(self.pieces)?
            .checked_add(self.trailer)
    }
}

/// What a file's block holds besides its values.
pub(super) struct Trailer {
    pub problems: Diagnostics,
    pub rows: u64,
    pub superseded: u64,
    /// The column of the file's values (from 1; 0 if it has none), for an
    /// ingest's warnings that point at a stored value.
    pub column: u64,
}

impl Cache {
    /// The cache for reading `reports` under `plan` with `options`, or
    /// `None` where there is none to use: no place for it, turned off,
    /// a `validate` pass (which must read the files), or a platform without
    /// the file times the key needs.
    pub(super) fn new(plan: &Plan, reports: &Reports, options: ReadOptions) -> Option<Cache> {
        let dir = reports.cache.as_ref()?;
        if !options.cache || options.verify || reports.files.is_empty() {
            return None;
        }
        let began = SystemTime::now();
        let mut hasher = Sha256::new();
        hasher.update(MAGIC);
        hasher.update(env!("CARGO_PKG_VERSION"));
        // A rebuilt program may read files differently.
        let program = std::env::current_exe().ok()?.metadata().ok()?;
        let mut writable = stamp(&mut hasher, &program, began)?;
        hasher.update(plan.fingerprint());
        write!(hasher, "{:?}", options.encoding).ok()?;
        let base: [u8; 32] = hasher.finalize().into();
        let mut key = Sha256::new();
        key.update(base);
        let mut files = Vec::with_capacity(reports.files.len());
        for report in &reports.files {
            // Without `base`: a block is reused only under the same base.
            let mut hasher = Sha256::new();
            // The values a later file superseded, not which file that is:
            // its index moves as files are added before it.
            let superseded: Vec<_> = report.superseded.iter().map(|(value, _)| value).collect();
            write!(
                hasher,
                "{:?} {:?} {:?} {:?}",
                report.name, report.encoding, report.rows, superseded
            )
            .ok()?;
            let meta = fs::metadata(&report.path).ok()?;
            writable &= stamp(&mut hasher, &meta, began)?;
            let file: [u8; 32] = hasher.finalize().into();
            key.update(file);
            files.push(file);
        }
        Some(Cache {
            dir: dir.clone(),
            key: key.finalize().into(),
            base,
            files,
            writable,
        })
    }

    /// The index, if the cache holds one for this key and `files` files.
    pub(super) fn load(&self, files: usize) -> Option<Index> {
        self.load_any()
            .filter(|index| index.key == self.key && index.blocks.len() == files)
    }

    /// The index as written, whatever its key.
    fn load_any(&self) -> Option<Index> {
        let bytes = fs::read(self.dir.join(INDEX)).ok()?;
        let rest = bytes.strip_prefix(MAGIC)?;
        let (&key, rest) = rest.split_first_chunk::<32>()?;
        let (&base, rest) = rest.split_first_chunk::<32>()?;
        let mut at = Cursor { bytes: rest, at: 0 };
        let segments = (0..at.uint()?)
            .map(|_| at.text().map(str::to_string))
            .collect::<Option<Vec<_>>>()?;
        let count = usize::try_from(at.uint()?).ok()?;
        let mut blocks = Vec::with_capacity(count.min(1 << 20));
        let mut files = Vec::with_capacity(count.min(1 << 20));
        for _ in 0..count {
            let file = at.bytes.get(at.at..at.at + 32)?;
            files.push(<[u8; 32]>::try_from(file).ok()?);
            at.at += 32;
            let block = Block {
                segment: u32::try_from(at.uint()?).ok()?,
                offset: at.uint()?,
                pieces: at.uint()?,
                trailer: at.uint()?,
                check: at.uint()?,
            };
            if block.segment as usize >= segments.len() {
                return None;
            }
            blocks.push(block);
        }
        (at.at == rest.len()).then_some(Index {
            key,
            base,
            segments,
            files,
            blocks,
        })
    }

    /// The blocks of the cache as written that serve files of this pass
    /// (same program, plan and options, and the file as it was), with
    /// their segments opened; `None` if none do, or if a pass that reused
    /// them would leave too many segments or segments mostly of files no
    /// longer read (it writes every block anew then).
    pub(super) fn reuse(&self, threads: usize) -> Option<Reuse> {
        let index = self.load_any()?;
        if index.base != self.base {
            return None;
        }
        let by_key: rustc_hash::FxHashMap<[u8; 32], usize> = index
            .files
            .iter()
            .enumerate()
            .map(|(at, key)| (*key, at))
            .collect();
        let mut used = vec![0u64; index.segments.len()];
        let blocks: Vec<Option<Block>> = self
            .files
            .iter()
            .map(|key| {
                let block = index.blocks[*by_key.get(key)?];
                used[block.segment as usize] += block.end()? - block.offset;
                Some(block)
            })
            .collect();
        let segments = used.iter().filter(|&&n| n > 0).count();
        // A thread writes a segment only if it reads a file.
        let missing = blocks.iter().filter(|b| b.is_none()).count();
        // A pass on many threads leaves as many segments: room for more.
        if segments == 0 || segments + threads.min(missing) > SEGMENTS.max(2 * threads) {
            return None;
        }
        // Only the segments in use are opened, renumbered in order: a
        // block of one not in use is none of this pass's.
        let mut number = vec![u32::MAX; index.segments.len()];
        let (mut names, mut segments, mut lengths) = (Vec::new(), Vec::new(), Vec::new());
        let (mut live, mut size) = (0, 0);
        for (at, &bytes) in used.iter().enumerate().filter(|(_, b)| **b > 0) {
            let file = File::open(self.dir.join(&index.segments[at])).ok()?;
            let len = file.metadata().ok()?.len();
            (live, size) = (live + bytes, size + len);
            number[at] = segments.len() as u32;
            names.push(index.segments[at].clone());
            segments.push(file);
            lengths.push(len);
        }
        if live * 2 < size {
            return None;
        }
        let blocks: Vec<Option<Block>> = blocks
            .into_iter()
            .map(|b| {
                b.map(|b| Block {
                    segment: number[b.segment as usize],
                    ..b
                })
            })
            .collect();
        let fits = blocks.iter().flatten().all(|b| {
            b.end()
                .is_some_and(|end| end <= lengths[b.segment as usize])
        });
        if !fits {
            return None;
        }
        Some(Reuse {
            blocks,
            names,
            segments,
        })
    }

    /// The segments of `index`, opened (so that a pass that writes the cache
    /// anew meanwhile cannot take them away), and checked to hold every
    /// block.
    pub(super) fn open(&self, index: &Index) -> Option<Vec<File>> {
        let files = index
            .segments
            .iter()
            .map(|name| File::open(self.dir.join(name)).ok())
            .collect::<Option<Vec<File>>>()?;
        let lengths = files
            .iter()
            .map(|f| f.metadata().map(|m| m.len()).ok())
            .collect::<Option<Vec<u64>>>()?;
        index
            .blocks
            .iter()
            .all(|b| {
                b.end()
                    .is_some_and(|end| end <= lengths[b.segment as usize])
            })
            .then_some(files)
    }

    /// A writer for one thread's segment, if this pass writes the cache.
    pub(super) fn writer(&self) -> Option<Writer> {
        if !self.writable {
            return None;
        }
        fs::create_dir_all(&self.dir).ok()?;
        // Derived data: kept out of version control and backups.
        let ignore = self.dir.join(".gitignore");
        if !ignore.exists() {
            fs::write(
                &ignore,
                "# Written by track: derived data, safe to delete.\n*\n",
            )
            .ok()?;
            fs::write(
                self.dir.join("CACHEDIR.TAG"),
                "Signature: 8a477f597d28d172789f06886806bc55\n\
                 # This folder is a cache written by track: safe to delete.\n",
            )
            .ok()?;
        }
        let segment = temp_file_in(&self.dir, ".values-", ".tmp").ok()?;
        let file = BufWriter::with_capacity(1 << 16, segment.reopen().ok()?);
        Some(Writer {
            segment,
            file,
            written: 0,
            start: 0,
            blocks: Vec::new(),
            buf: Vec::new(),
            strings: Vec::new(),
            line: 0,
            failed: false,
        })
    }

    /// Makes the segments the cache for `files` files, if together they
    /// hold a block for each; a cache that cannot be written is no error.
    /// `reused`: the blocks of an earlier cache this pass read instead of
    /// their files, which stay where they are.
    pub(super) fn commit(&self, writers: Vec<Writer>, files: usize, reused: Option<&Reuse>) {
        let _ = self.try_commit(writers, files, reused);
    }

    fn try_commit(
        &self,
        writers: Vec<Writer>,
        files: usize,
        reused: Option<&Reuse>,
    ) -> io::Result<()> {
        let mut blocks: Vec<Option<Block>> = vec![None; files];
        let mut names = Vec::new();
        if let Some(reused) = reused {
            blocks.clone_from(&reused.blocks);
            names.clone_from(&reused.names);
            // Made new again: another pass removes segments a minute old
            // that its own cache does not use. One already removed leaves
            // this cache unwritten.
            let now = SystemTime::now();
            for name in &names {
                File::options()
                    .write(true)
                    .open(self.dir.join(name))?
                    .set_modified(now)?;
            }
        }
        let mut segments = Vec::new();
        // A thread that read no file leaves no segment (its temporary file
        // goes when dropped).
        let writers = writers.into_iter().filter(|w| !w.blocks.is_empty());
        for (number, mut writer) in writers.enumerate() {
            writer.file.flush()?;
            if writer.failed {
                return Err(io::Error::other("a segment was not written"));
            }
            // Not synced to disk: after a crash, a block the index points
            // to but the disk lost fails its checksum and is read from the
            // files again. Syncing cost a second at ten million rows.
            for (index, mut block) in writer.blocks {
                block.segment = (names.len() + number) as u32;
                *blocks
                    .get_mut(index)
                    .ok_or_else(|| io::Error::other("a block of no file"))? = Some(block);
            }
            segments.push(writer.segment);
        }
        let Some(blocks) = blocks.into_iter().collect::<Option<Vec<Block>>>() else {
            return Err(io::Error::other("a file without a block"));
        };
        // Named as segments only now: until then, a pass committing at the
        // same moment takes them for no segment of an earlier cache.
        let kept = names.len();
        for segment in segments {
            let temp = file_name(segment.path())?;
            let name = format!(
                "values-{}.seg",
                &temp[".values-".len()..temp.len() - ".tmp".len()]
            );
            // Never over a segment in use whose name was drawn again.
            segment
                .persist_noclobber(self.dir.join(&name))
                .map_err(|e| e.error)?;
            names.push(name);
        }
        let written = self.write_index(&names, &blocks);
        if written.is_err() {
            for name in &names[kept..] {
                let _ = fs::remove_file(self.dir.join(name));
            }
        }
        written?;
        // Segments of earlier caches, once a minute old: younger ones may
        // be those of a pass committing at this very moment. (Were one
        // taken away, that pass's cache would fail to open, and be read
        // from the files and written again.) And temporary files an hour
        // old: a pass removes its own when done, but one that was killed
        // (or panicked, or lost power) left them, and a national store's
        // run in the hundreds of megabytes. A pass still writing after an
        // hour, stopped and resumed, only finds its cache not written.
        for entry in fs::read_dir(&self.dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .unwrap_or_default();
            let old_segment = age > Duration::from_secs(60)
                && name.starts_with("values-")
                && name.ends_with(".seg")
                && !names.contains(&name);
            let old_temporary = age > Duration::from_secs(60 * 60)
                && name.starts_with(".values-")
                && (name.ends_with(".tmp") || name.ends_with(".idx"));
            if old_segment || old_temporary {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    fn write_index(&self, names: &[String], blocks: &[Block]) -> io::Result<()> {
        let mut index = MAGIC.to_vec();
        index.extend_from_slice(&self.key);
        index.extend_from_slice(&self.base);
        put(&mut index, names.len() as u64);
        for name in names {
            put_text(&mut index, name);
        }
        put(&mut index, blocks.len() as u64);
        for (b, file) in blocks.iter().zip(&self.files) {
            index.extend_from_slice(file);
            for n in [u64::from(b.segment), b.offset, b.pieces, b.trailer, b.check] {
                put(&mut index, n);
            }
        }
        let mut temp = temp_file_in(&self.dir, ".values-", ".idx")?;
        temp.write_all(&index)?;
        temp.persist(self.dir.join(INDEX)).map_err(|e| e.error)?;
        Ok(())
    }
}

fn file_name(path: &Path) -> io::Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| io::Error::other("a segment without a name"))
}

/// Adds what identifies a file's content to the key; says whether it last
/// changed at least `SETTLED` before `began`. `None` where the platform
/// does not give the times.
#[cfg(unix)]
fn stamp(hasher: &mut Sha256, meta: &fs::Metadata, began: SystemTime) -> Option<bool> {
    use std::os::unix::fs::MetadataExt;
    for n in [
        meta.len() as i64,
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
        meta.ino() as i64,
        meta.dev() as i64,
    ] {
        hasher.update(n.to_le_bytes());
    }
    // To the nanosecond: whole seconds would ask up to a second more.
    let settled = began
        .checked_sub(SETTLED)?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?;
    let at = |secs: i64, nanos: i64| {
        Some(Duration::new(
            u64::try_from(secs).ok()?,
            u32::try_from(nanos).ok()?,
        ))
    };
    // The change time moves with every write (and cannot be set back); a
    // modification time in the future (a zip from another time zone) is
    // no reason not to cache.
    Some(at(meta.ctime(), meta.ctime_nsec())? < settled)
}

#[cfg(not(unix))]
fn stamp(_: &mut Sha256, _: &fs::Metadata, _: SystemTime) -> Option<bool> {
    None
}

/// One thread's segment being written: each file's values as they are
/// read, then the file's trailer.
pub(super) struct Writer {
    segment: tempfile::NamedTempFile,
    file: BufWriter<File>,
    written: u64,
    /// Where the block of the file being read starts.
    start: u64,
    blocks: Vec<(usize, Block)>,
    /// The piece being made of the file being read: values, and their texts.
    buf: Vec<u8>,
    strings: Vec<u8>,
    /// The line of the file's last value.
    line: u32,
    failed: bool,
}

impl Writer {
    /// A value in force of the file being read.
    pub(super) fn value(&mut self, obs: &Observation) {
        let buf = &mut self.buf;
        put(buf, u64::from(obs.unit.0));
        put(buf, u64::from(obs.indicator.0));
        put(buf, period_code(obs.period));
        match &obs.value {
            Value::Number(n) => {
                let flags = u64::from(n.is_sign_negative()) | (u64::from(n.scale()) << 1);
                put(buf, flags << 2);
                put128(buf, n.mantissa().unsigned_abs());
            }
            Value::Level(rank) => {
                put(buf, 1);
                put(buf, *rank as u64);
            }
            Value::Text(text) => {
                put(buf, 2);
                put(buf, text.len() as u64);
                self.strings.extend_from_slice(text.as_bytes());
            }
        }
        let note = obs.note();
        put(buf, note.len() as u64);
        self.strings.extend_from_slice(note.as_bytes());
        put(
            buf,
            zigzag(i64::from(obs.source.line) - i64::from(self.line)),
        );
        self.line = obs.source.line;
        if self.buf.len() + self.strings.len() >= PIECE {
            self.end_piece();
        }
    }

    /// Writes the piece made so far, if any.
    fn end_piece(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let (values, strings) = (self.buf.len() as u64, self.strings.len() as u64);
        self.buf.append(&mut self.strings);
        let mut head = [0; PIECE_HEAD];
        for (i, n) in [values, strings, checksum(&self.buf)]
            .into_iter()
            .enumerate()
        {
            head[i * 8..i * 8 + 8].copy_from_slice(&n.to_le_bytes());
        }
        self.failed |= self
            .file
            .write_all(&head)
            .and_then(|()| self.file.write_all(&self.buf))
            .is_err();
        self.written += (PIECE_HEAD + self.buf.len()) as u64;
        self.buf.clear();
    }

    /// Ends file `index`'s block with what else its reading found.
    pub(super) fn end_file(&mut self, index: usize, trailer: &Trailer) {
        self.end_piece();
        let buf = &mut self.buf;
        put(buf, trailer.rows);
        put(buf, trailer.superseded);
        put(buf, trailer.column);
        put(buf, trailer.problems.iter().count() as u64);
        for d in trailer.problems.iter() {
            put(buf, u64::from(d.severity == Severity::Error));
            put(buf, d.line.map_or(0, |l| l + 1));
            put(buf, d.column.map_or(0, |c| c as u64 + 1));
            put_text(buf, d.message.en());
            put_text(buf, d.message.vi());
        }
        let block = Block {
            segment: 0,
            offset: self.start,
            pieces: self.written - self.start,
            trailer: self.buf.len() as u64,
            check: checksum(&self.buf),
        };
        self.failed |= self.file.write_all(&self.buf).is_err();
        self.written += self.buf.len() as u64;
        self.start = self.written;
        self.blocks.push((index, block));
        self.buf.clear();
        self.line = 0;
    }
}

/// Reads file `index`'s block from `segments` and hands each value to
/// `feed`, the file being named `name` in its warnings. `None` if the block
/// cannot be read or does not fit the plan; values may have been fed by then.
pub(super) fn read(
    plan: &Plan,
    index: &Index,
    segments: &[File],
    file: usize,
    name: &str,
    buf: &mut Vec<u8>,
    feed: impl FnMut(&Observation),
) -> Option<Trailer> {
    read_block(plan, index.blocks[file], segments, file, name, buf, feed)
}

/// `read` of a block found otherwise (`Reuse`).
pub(super) fn read_block(
    plan: &Plan,
    block: Block,
    segments: &[File],
    file: usize,
    name: &str,
    buf: &mut Vec<u8>,
    mut feed: impl FnMut(&Observation),
) -> Option<Trailer> {
    let segment = &segments[block.segment as usize];
    let pieces_end = block.offset.checked_add(block.pieces)?;
    let end = block.end()?;
    let mut line = 0u32;
    if end - block.offset <= WHOLE_BLOCK {
        buf.resize(usize::try_from(end - block.offset).ok()?, 0);
        read_at(segment, buf, block.offset).ok()?;
        let (mut pieces, trailer) = buf.split_at(usize::try_from(block.pieces).ok()?);
        let trailer = read_trailer(trailer, block.check, name)?;
        while !pieces.is_empty() {
            let (head, rest) = pieces.split_first_chunk::<PIECE_HEAD>()?;
            let (values, len, check) = piece_head(head)?;
            let piece = rest.get(..len)?;
            if checksum(piece) != check {
                return None;
            }
            read_piece(plan, file, piece, values, &mut line, &mut feed)?;
            pieces = &rest[len..];
        }
        return Some(trailer);
    }
    // A large file's: the trailer, then a piece at a time.
    buf.resize(usize::try_from(block.trailer).ok()?, 0);
    read_at(segment, buf, pieces_end).ok()?;
    let trailer = read_trailer(buf, block.check, name)?;
    let mut at = block.offset;
    while at < pieces_end {
        let mut head = [0; PIECE_HEAD];
        read_at(segment, &mut head, at).ok()?;
        let (values, len, check) = piece_head(&head)?;
        let next = at.checked_add((PIECE_HEAD + len) as u64)?;
        if next > pieces_end {
            return None;
        }
        buf.resize(len, 0);
        read_at(segment, buf, at + PIECE_HEAD as u64).ok()?;
        if checksum(buf) != check {
            return None;
        }
        read_piece(plan, file, buf, values, &mut line, &mut feed)?;
        at = next;
    }
    Some(trailer)
}

/// A piece's head: the length of its values, its length, its checksum.
fn piece_head(head: &[u8; PIECE_HEAD]) -> Option<(usize, usize, u64)> {
    let n = |i: usize| u64::from_le_bytes(head[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    let values = usize::try_from(n(0)).ok()?;
    let len = values.checked_add(usize::try_from(n(1)).ok()?)?;
    Some((values, len, n(2)))
}

/// A block's trailer, checked against `check`.
fn read_trailer(trailer: &[u8], check: u64, name: &str) -> Option<Trailer> {
    if checksum(trailer) != check {
        return None;
    }
    let mut at = Cursor {
        bytes: trailer,
        at: 0,
    };
    let rows = at.uint()?;
    let superseded = at.uint()?;
    let column = at.uint()?;
    let mut problems = Diagnostics::default();
    for _ in 0..at.uint()? {
        let error = at.uint()? == 1;
        let line = at.uint()?.checked_sub(1);
        let column = at.uint()?.checked_sub(1).map(|c| c as usize);
        let message = Message::new(at.text()?, at.text()?);
        let mut d = if error {
            Diagnostic::error(name, message)
        } else {
            Diagnostic::warning(name, message)
        };
        d.line = line;
        d.column = column;
        problems.push(d);
    }
    (at.at == trailer.len()).then_some(Trailer {
        problems,
        rows,
        superseded,
        column,
    })
}

/// Feeds the values of one piece (its first `values` bytes, then their
/// texts) of file `file`; `line` is the line of the value before it.
fn read_piece(
    plan: &Plan,
    file: usize,
    piece: &[u8],
    values: usize,
    line: &mut u32,
    feed: &mut impl FnMut(&Observation),
) -> Option<()> {
    let (values, strings) = piece.split_at_checked(values)?;
    // Texts are checked once for the piece, then cut at char boundaries.
    let strings = simdutf8::basic::from_utf8(strings).ok()?;
    let mut taken = 0;
    let mut text = |len: u64| -> Option<&str> {
        let end = taken + usize::try_from(len).ok()?;
        let text = strings.get(taken..end)?;
        taken = end;
        Some(text)
    };
    let mut at = Cursor {
        bytes: values,
        at: 0,
    };
    // The last value's unit and year in one word, and their first
    // indicator's place (`place_from`): a file's values share both.
    let (mut last, mut first) = (u64::MAX, NO_PLACE);
    while at.at < values.len() {
        let unit = UnitId(u32::try_from(at.uint()?).ok()?);
        let indicator = IndicatorId(u32::try_from(at.uint()?).ok()?);
        let period = period_from(at.uint()?)?;
        let kind = &plan.indicators.get(indicator.0 as usize)?.kind;
        if unit.0 as usize >= plan.units.len() {
            return None;
        }
        let value = match at.uint()? {
            1 => Value::Level(usize::try_from(at.uint()?).ok()?),
            2 => Value::Text(text(at.uint()?)?.into()),
            flags if flags & 3 == 0 => {
                let (negative, scale) = ((flags >> 2) & 1 == 1, (flags >> 3) as u32);
                let mut n =
                    Decimal::try_from_i128_with_scale(i128::try_from(at.uint128()?).ok()?, scale)
                        .ok()?;
                n.set_sign_negative(negative);
                Value::Number(n)
            }
            _ => return None,
        };
        let fits = match (kind, &value) {
            (IndicatorKind::Flow | IndicatorKind::Stock, Value::Number(_)) => true,
            (IndicatorKind::Ordinal(levels), Value::Level(rank)) => *rank < levels.len(),
            (IndicatorKind::Text, Value::Text(_)) => true,
            _ => false,
        };
        if !fits {
            return None;
        }
        let key = (u64::from(unit.0) << 16) | u64::from(period.year() as u16);
        if key != last {
            (last, first) = (key, plan.place(unit, IndicatorId(0), period.year()));
        }
        let note = text(at.uint()?)?;
        *line = u32::try_from(i64::from(*line) + unzigzag(at.uint()?)).ok()?;
        feed(&Observation {
            unit,
            indicator,
            period,
            value,
            // Trimmed when written: trimming it again finds nothing.
            note_written: note,
            source: Source {
                file: file as u32,
                line: *line,
            },
            place: place_from(first, indicator),
        });
    }
    (taken == strings.len()).then_some(())
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> io::Result<()> {
    Err(io::Error::other("no cache on this platform"))
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(bytes);
    hasher.finish()
}

fn period_code(period: Period) -> u64 {
    let (kind, part) = match period.part() {
        Part::Year => (0, 0),
        Part::Half(h) => (1, h),
        Part::Quarter(q) => (2, q),
        Part::Month(m) => (3, m),
    };
    (u64::from(period.year() as u16) << 6) | (kind << 4) | u64::from(part)
}

fn period_from(code: u64) -> Option<Period> {
    let year = u16::try_from(code >> 6).ok()? as i16;
    let part = (code & 15) as u8;
    let part = match (code >> 4) & 3 {
        0 if part == 0 => Part::Year,
        1 => Part::Half(part),
        2 => Part::Quarter(part),
        3 => Part::Month(part),
        _ => return None,
    };
    Period::new(year, part)
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn put(buf: &mut Vec<u8>, n: u64) {
    put128(buf, u128::from(n));
}

fn put128(buf: &mut Vec<u8>, mut n: u128) {
    while n >= 0x80 {
        buf.push(n as u8 | 0x80);
        n >>= 7;
    }
    buf.push(n as u8);
}

fn put_text(buf: &mut Vec<u8>, text: &str) {
    put(buf, text.len() as u64);
    buf.extend_from_slice(text.as_bytes());
}

struct Cursor<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Cursor<'b> {
    fn uint(&mut self) -> Option<u64> {
        // Most numbers here take one byte.
        let &byte = self.bytes.get(self.at)?;
        if byte < 0x80 {
            self.at += 1;
            return Some(u64::from(byte));
        }
        u64::try_from(self.uint128()?).ok()
    }

    fn uint128(&mut self) -> Option<u128> {
        let mut n = 0u128;
        for shift in (0..128).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            n |= u128::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(n);
            }
        }
        None
    }

    fn text(&mut self) -> Option<&'b str> {
        let len = usize::try_from(self.uint()?).ok()?;
        if len == 0 {
            return Some("");
        }
        let bytes = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        simdutf8::basic::from_utf8(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_survive_the_round_trip() {
        for text in ["2025", "2024-H2", "2026-Q1", "2025-12", "1999-01"] {
            let period: Period = text.parse().unwrap();
            assert_eq!(period_from(period_code(period)), Some(period), "{text}");
        }
        // A code no period has is refused, not read as some other period.
        assert_eq!(period_from((2025 << 6) | (1 << 4) | 3), None);
    }

    #[test]
    fn numbers_survive_the_round_trip_exactly() {
        for text in [
            "0",
            "-0",
            "12.50",
            "-3.25",
            "79228162514264337593543950335",
            "0.0000001",
        ] {
            let mut n: Decimal = text.parse().unwrap();
            if text == "-0" {
                n.set_sign_negative(true);
            }
            let mut buf = Vec::new();
            let flags = u64::from(n.is_sign_negative()) | (u64::from(n.scale()) << 1);
            put(&mut buf, flags << 2);
            put128(&mut buf, n.mantissa().unsigned_abs());
            let mut at = Cursor { bytes: &buf, at: 0 };
            let flags = at.uint().unwrap();
            let mut back = Decimal::try_from_i128_with_scale(
                i128::try_from(at.uint128().unwrap()).unwrap(),
                (flags >> 3) as u32,
            )
            .unwrap();
            back.set_sign_negative((flags >> 2) & 1 == 1);
            assert_eq!(back.to_string(), n.to_string(), "{text}");
            assert_eq!(back.is_sign_negative(), n.is_sign_negative(), "{text}");
        }
    }

    #[test]
    fn a_truncated_varint_is_refused() {
        let mut at = Cursor {
            bytes: &[0x80, 0x80],
            at: 0,
        };
        assert_eq!(at.uint(), None);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(unzigzag(zigzag(-70_000)), -70_000);
    }
}
