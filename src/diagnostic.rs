//! Problems found in the user's files (plan or reports), each located by
//! file, line and column: what every validation step reports and what the
//! binary prints, all of a file at once, before giving up. Each carries its
//! message in English and Vietnamese (`lang::Message`), and is printed in
//! the language of the run; the `error`/`warning` word after the place is
//! the same in both, for editors and scripts that parse it.

use std::fmt;

use crate::lang::{Lang, Message};
use crate::msg;
use crate::render::words::count;

/// How serious a problem is: errors stop the run, warnings are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem at one place in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<usize>,
    pub message: Message,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: Message) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            column: None,
            message,
        }
    }

    pub fn warning(file: impl Into<String>, message: Message) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    pub fn at(mut self, line: u64, column: usize) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn at_line(mut self, line: u64) -> Diagnostic {
        self.line = Some(line);
        self
    }

    /// The diagnostic as printed in `lang`.
    pub fn shown(&self, lang: Lang) -> Shown<'_> {
        Shown {
            diagnostic: self,
            lang,
        }
    }
}

/// A diagnostic in one language: `file:line:column: error: message`, the
/// form editors and terminals turn into links.
pub struct Shown<'a> {
    diagnostic: &'a Diagnostic,
    lang: Lang,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diagnostic;
        write!(f, "{}", d.file)?;
        if let Some(line) = d.line {
            write!(f, ":{line}")?;
            if let Some(column) = d.column {
                write!(f, ":{column}")?;
            }
        }
        // The same word in both languages: problem matchers (editors, CI)
        // look for `error`/`warning` after the place.
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {label}: {}", d.message.get(self.lang))
    }
}

impl fmt::Display for Diagnostic {
    /// In English; printing sites use `shown` with the run's language.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown(Lang::En).fmt(f)
    }
}

/// Every problem found in one run, in the order found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Puts `diagnostic` before the others: one about a whole file found
    /// only once its rows were read.
    pub fn push_first(&mut self, diagnostic: Diagnostic) {
        self.items.insert(0, diagnostic);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Only the warnings, for a run that goes on.
    pub fn into_warnings(self) -> Diagnostics {
        Diagnostics {
            items: self
                .items
                .into_iter()
                .filter(|d| d.severity == Severity::Warning)
                .collect(),
        }
    }

    /// "2 errors and 1 warning in 1 file" / "2 lỗi và 1 cảnh báo trong 1 tệp".
    pub fn summary(&self, lang: Lang) -> String {
        let mut files: Vec<&str> = self.items.iter().map(|d| d.file.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        let mut parts = Vec::new();
        if self.errors() > 0 {
            parts.push(count(lang, self.errors(), "error", "errors", "lỗi"));
        }
        if self.warnings() > 0 {
            parts.push(count(
                lang,
                self.warnings(),
                "warning",
                "warnings",
                "cảnh báo",
            ));
        }
        format!(
            "{} {} {}",
            parts.join(lang.pick(" and ", " và ")),
            lang.pick("in", "trong"),
            count(lang, files.len(), "file", "files", "tệp")
        )
    }
}

/// The run stopped because the user's files have errors; carries all of
/// them so that the binary can print every one.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.summary(Lang::En))]
pub struct Invalid(pub Diagnostics);

/// An error said in both languages, with what caused it underneath (an
/// I/O error, whose words are the system's): `cannot read the plan …`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failed {
    pub message: Message,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Failed {
    pub fn new(message: Message, source: impl std::error::Error + Send + Sync + 'static) -> Failed {
        Failed {
            message,
            source: Some(Box::new(source)),
        }
    }
}

/// `.said(|| msg!(…))`: a failure of the system, explained in both
/// languages (what `anyhow`'s `with_context` does in one).
pub trait Said<T> {
    fn said(self, message: impl FnOnce() -> Message) -> Result<T, Failed>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Said<T> for Result<T, E> {
    fn said(self, message: impl FnOnce() -> Message) -> Result<T, Failed> {
        self.map_err(|e| Failed::new(message(), e))
    }
}

/// "cannot read `x`", for a file or folder the system would not read.
pub fn cannot_read(path: impl fmt::Display) -> Message {
    msg!("cannot read `{path}`", "không đọc được `{path}`")
}

/// "cannot write `x`".
pub fn cannot_write(path: impl fmt::Display) -> Message {
    msg!("cannot write `{path}`", "không ghi được `{path}`")
}

/// "cannot write in `dir`": no temporary file could be made there.
pub fn cannot_write_in(dir: impl fmt::Display) -> Message {
    msg!("cannot write in `{dir}`", "không ghi được vào `{dir}`")
}

/// "cannot create `dir`".
pub fn cannot_create(dir: impl fmt::Display) -> Message {
    msg!("cannot create `{dir}`", "không tạo được `{dir}`")
}

/// The closest candidate to a mistyped code, if one is close enough to be a
/// likely typo (same letters in another case, or a small edit away).
pub fn suggest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = found.trim().to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let lower = candidate.to_lowercase();
        if lower == folded {
            return Some(candidate);
        }
        let score = strsim::jaro_winkler(&folded, &lower);
        if score >= 0.85 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// "; did you mean `X`?" when a suggestion exists, else nothing.
pub fn did_you_mean<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Message {
    suggest(found, candidates)
        .map(|s| msg!("; did you mean `{s}`?", "; có phải là `{s}` không?"))
        .unwrap_or_else(|| Message::verbatim(""))
}

/// 1-based line and column (in characters) of a byte offset in a text.
pub fn line_column(text: &str, offset: usize) -> (u64, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_codes_only() {
        let units = ["SKHCN", "SCT", "UBND", "TU-DALAT"];
        assert_eq!(suggest("SKHC", units), Some("SKHCN"));
        assert_eq!(suggest("skhcn", units), Some("SKHCN"));
        assert_eq!(suggest("TU-DALT", units), Some("TU-DALAT"));
        assert_eq!(suggest("XYZQ", units), None);
    }

    #[test]
    fn locates_offsets_in_characters() {
        let text = "a = 1\nđơn = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        let offset = text.find('"').unwrap();
        assert_eq!(line_column(text, offset), (2, 7));
    }

    #[test]
    fn prints_file_line_column_in_either_language() {
        let d = Diagnostic::error(
            "r.csv",
            msg!("unknown unit `X`", "đơn vị `X` không có trong kế hoạch"),
        )
        .at(4, 1);
        assert_eq!(d.to_string(), "r.csv:4:1: error: unknown unit `X`");
        assert_eq!(
            d.shown(Lang::Vi).to_string(),
            "r.csv:4:1: error: đơn vị `X` không có trong kế hoạch"
        );
        let w = Diagnostic::warning("r.csv", msg!("late", "trễ"));
        assert_eq!(w.to_string(), "r.csv: warning: late");
    }

    #[test]
    fn summarises_counts() {
        let mut all = Diagnostics::default();
        all.push(Diagnostic::error("a.csv", msg!("x", "x")));
        all.push(Diagnostic::error("a.csv", msg!("y", "y")));
        all.push(Diagnostic::warning("b.csv", msg!("z", "z")));
        assert_eq!(all.summary(Lang::En), "2 errors and 1 warning in 2 files");
        assert_eq!(all.summary(Lang::Vi), "2 lỗi và 1 cảnh báo trong 2 tệp");
        let mut one = Diagnostics::default();
        one.push(Diagnostic::error("a.csv", msg!("x", "x")));
        assert_eq!(one.summary(Lang::En), "1 error in 1 file");
    }
}
