//! Renderers: evaluated results to text, one file per output format behind
//! the `Format` enum. They format what evaluation computed and never
//! compute it again.

pub mod completeness;
pub mod csv;
pub mod explain;
pub mod export;
pub mod json;
pub mod markdown;
pub mod table;
pub mod template;
pub mod words;

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::completeness::Overdue;
use crate::evaluate::{Evaluation, Outcome, Warning};
use crate::lang::Lang;
use crate::model::Plan;

/// An output format (`--format`, or the extension of `-o FILE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "CSV",
            Format::Json => "JSON",
            Format::Markdown => "Markdown",
        }
    }

    /// The format an output file's extension asks for.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

/// How text output may look on this output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub lang: Lang,
    /// Colour the status column.
    pub color: bool,
    /// Terminal width to fit tables into, when known.
    pub width: Option<u16>,
    /// Draw with ASCII only (borders, gauge, marks): `--ascii`, or a
    /// locale that is not UTF-8.
    pub ascii: bool,
    /// How CSV output is written (`--excel`).
    pub csv: csv::Dialect,
}

/// What `track report` shows: the evaluated objectives left after the
/// filters, and the warnings about them.
pub struct ReportView<'a> {
    pub plan: &'a Plan,
    pub outcome: &'a Outcome,
    pub shown: Vec<&'a Evaluation>,
    pub warnings: Vec<&'a Warning>,
    /// Reports due by the as-of date and not sent, by unit and period.
    pub missing: Vec<Overdue>,
    pub by_unit: bool,
}

pub fn report(format: Format, view: &ReportView, style: Style, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Table => table::report(view, style, out),
        Format::Markdown => markdown::report(view, style, out),
        Format::Csv => csv::report(view, style, out),
        Format::Json => json::report(view, style, out),
    }
}

/// A number for machine output: `.` decimals, no grouping, rounded to four
/// decimals (reported values have fewer; derived ones such as percentages
/// and expected values are rounded there).
pub fn plain(value: Decimal) -> String {
    value
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// The same number for JSON.
pub fn json_number(value: Decimal) -> serde_json::Value {
    plain(value)
        .parse::<serde_json::Number>()
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}
