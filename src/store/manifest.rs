//! `reports/manifest.json`: the record of every report file received, in
//! the order received, with its content hash and the stored values it
//! superseded. Written only by `track ingest`, whole, by renaming a
//! complete temporary file over the old one: it is the store's commit
//! point.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
pub use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Diagnostics, Failed, Invalid};
use crate::input::report_file::Encoding;
use crate::lang::Message;
use crate::msg;

/// The version of the manifest's layout this build writes and reads.
pub const FORMAT: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// Every file received, oldest first: the order values are read in.
    pub files: Vec<Entry>,
}

/// One received file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Its name inside `reports/`: the name it was sent with when that was
    /// free, else with a `-2`, `-3`… suffix.
    pub file: String,
    /// SHA-256 of its bytes, in hex: how a second copy is recognised.
    pub sha256: String,
    /// When it was received: `2025-07-14T09:30:00+07:00`, or a date given
    /// with `--received`; `null` for files found in place when the store
    /// got its manifest.
    pub received: Option<String>,
    /// The name it had when ingested; `null` when found in place.
    pub original_name: Option<String>,
    /// How many values it holds.
    pub rows: u64,
    /// How it was read: encoding, delimiter and decimal mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    /// The encoding it was read with, when it has no byte-order mark and
    /// is not UTF-8 (`windows-1258`): later reads use it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// The stored values this file replaced (ingested with `--replace`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supersedes: Vec<SupersededValue>,
}

/// A stored value that a later file replaced: still on record, no longer
/// counted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupersededValue {
    /// The file it is in (a manifest `file`).
    pub file: String,
    pub line: u32,
    pub unit: String,
    pub indicator: String,
    pub period: String,
}

impl Entry {
    /// The day it was received, when known.
    pub fn received_on(&self) -> Option<Date> {
        // Both forms start with the civil date; the offset after it is the
        // one the analyst's clock had, so this is the day they saw.
        self.received.as_deref()?.get(..10)?.parse().ok()
    }
}

impl Manifest {
    /// Reads the manifest at `path`; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Manifest>> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                let path = path.display();
                return Err(Failed::new(
                    msg!(
                        "cannot read the manifest `{path}`",
                        "không đọc được danh mục `{path}`"
                    ),
                    e,
                )
                .into());
            }
        };
        let name = path.display().to_string();
        let invalid = |line: usize, column: usize, message: Message| {
            let mut all = Diagnostics::default();
            all.push(Diagnostic::error(&name, message).at(line as u64, column));
            Invalid(all)
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            // The place is the diagnostic's; serde_json repeats it.
            let what = e.to_string();
            let what = what.split(" at line ").next().unwrap_or_default();
            invalid(
                e.line(),
                e.column(),
                msg!(
                    "cannot read the manifest: {what}; it is written only by `track ingest`, was it edited?",
                    "không đọc được danh mục: {what}; danh mục chỉ do `track ingest` ghi, có ai đã sửa nó không?"
                ),
            )
        })?;
        if manifest.format != FORMAT {
            return Err(invalid(
                1,
                1,
                msg!(
                    "the manifest has format `{}`; this `track` reads format `{FORMAT}`",
                    "danh mục có định dạng `{}`; bản `track` này đọc định dạng `{FORMAT}`",
                    manifest.format
                ),
            )
            .into());
        }
        Ok(Some(manifest))
    }

    /// The manifest as written to disk: pretty JSON, one key per line, so
    /// that it reads well and diffs well.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest serialises");
        text.push('\n');
        text
    }

    /// The entry whose content has this hash.
    pub fn find_hash(&self, sha256: &str) -> Option<&Entry> {
        self.files.iter().find(|e| e.sha256 == sha256)
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of the file at `path`, read a chunk at a time.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut hasher = Sha256::new();
    io::copy(&mut File::open(path)?, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// Reads `inner`, hashing what it reads into `hasher`: the bytes checked
/// are then the bytes hashed, however large the file.
pub struct Hashing<'h, R> {
    pub inner: R,
    pub hasher: &'h mut Sha256,
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// The hash `hasher` holds, lower-case hex.
pub fn hex_of(hasher: Sha256) -> String {
    hex(&hasher.finalize())
}

/// `sha256_hex`, or `None` when `stop` is set before the end: a hash made
/// on another thread is given up when its answer is no longer wanted
/// (checked every few megabytes, a millisecond or so of hashing).
pub fn sha256_hex_unless(bytes: &[u8], stop: &AtomicBool) -> Option<String> {
    let mut hasher = Sha256::new();
    for chunk in bytes.chunks(4 << 20) {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        hasher.update(chunk);
    }
    Some(hex(&hasher.finalize()))
}

fn hex(digest: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_in_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let long = vec![7u8; 9 << 20];
        let go_on = AtomicBool::new(false);
        assert_eq!(sha256_hex_unless(&long, &go_on), Some(sha256_hex(&long)));
        assert_eq!(sha256_hex_unless(&long, &AtomicBool::new(true)), None);
    }

    #[test]
    fn reads_the_received_day_from_either_form() {
        let mut entry = Entry {
            file: "a.csv".into(),
            sha256: String::new(),
            received: Some("2025-07-14T23:30:00+07:00".into()),
            original_name: None,
            rows: 0,
            dialect: None,
            encoding: None,
            supersedes: Vec::new(),
        };
        assert_eq!(entry.received_on(), Some(Date::constant(2025, 7, 14)));
        entry.received = Some("2025-07-01".into());
        assert_eq!(entry.received_on(), Some(Date::constant(2025, 7, 1)));
        entry.received = None;
        assert_eq!(entry.received_on(), None);
    }
}
