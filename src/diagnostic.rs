//! Problems found in the user's files (plan or reports), each located by
//! file, line and column: what every validation step reports and what the
//! binary prints, all of a file at once, before giving up.

use std::fmt;

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
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
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
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: error: message`, the form editors and terminals
    /// turn into links.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {label}: {}", self.message)
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

    /// "2 errors and 1 warning in 1 file".
    pub fn summary(&self) -> String {
        let mut files: Vec<&str> = self.items.iter().map(|d| d.file.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if self.errors() > 0 {
            parts.push(plural(self.errors(), "error"));
        }
        if self.warnings() > 0 {
            parts.push(plural(self.warnings(), "warning"));
        }
        format!("{} in {}", parts.join(" and "), plural(files.len(), "file"))
    }
}

/// The run stopped because the user's files have errors; carries all of
/// them so that the binary can print every one.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.summary())]
pub struct Invalid(pub Diagnostics);

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
pub fn did_you_mean<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(found, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
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
    fn prints_file_line_column() {
        let d = Diagnostic::error("r.csv", "unknown unit `X`").at(4, 1);
        assert_eq!(d.to_string(), "r.csv:4:1: error: unknown unit `X`");
        let w = Diagnostic::warning("r.csv", "late");
        assert_eq!(w.to_string(), "r.csv: warning: late");
    }

    #[test]
    fn summarises_counts() {
        let mut all = Diagnostics::default();
        all.push(Diagnostic::error("a.csv", "x"));
        all.push(Diagnostic::error("a.csv", "y"));
        all.push(Diagnostic::warning("b.csv", "z"));
        assert_eq!(all.summary(), "2 errors and 1 warning in 2 files");
    }
}
