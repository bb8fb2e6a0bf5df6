//! `track export` in each format: every stored value as one normalised CSV
//! (through the shared `CsvWriter`, so `--excel` and formula neutralising
//! apply) or JSON, with the file and line it came from. Formats the values
//! read; computes nothing.

use std::io::Write;

use anyhow::Result;
use serde_json::{Value as Json, json};

use super::csv::{CsvWriter, Field};
use super::{Format, Style};
use crate::model::{IndicatorId, Plan, UnitId, Value};
use crate::period::Period;

/// One stored value, owned (the pass that read it has ended).
pub struct ExportRow {
    pub unit: UnitId,
    pub indicator: IndicatorId,
    pub period: Period,
    pub value: Value<'static>,
    /// The note in NFC.
    pub note: String,
    /// The stored file's name inside `reports/`.
    pub file: String,
    pub line: u32,
    /// The file that superseded the value, for a value no longer in force.
    pub superseded_by: Option<String>,
}

pub struct ExportView<'a> {
    pub plan: &'a Plan,
    pub rows: &'a [ExportRow],
    /// Superseded values are included: `in_force` and `superseded_by` columns.
    pub all: bool,
}

const COLUMNS: [&str; 7] = [
    "unit",
    "indicator",
    "period",
    "value",
    "note",
    "file",
    "line",
];

/// CSV or JSON; the caller has refused the other formats.
pub fn render(format: Format, view: &ExportView, style: Style, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => json(view, out),
        _ => csv(view, style, out),
    }
}

fn csv(view: &ExportView, style: Style, out: &mut dyn Write) -> Result<()> {
    let mut writer = CsvWriter::new(out, style.csv)?;
    let mut header = COLUMNS.to_vec();
    if view.all {
        header.extend(["in_force", "superseded_by"]);
    }
    writer.header(&header)?;
    for row in view.rows {
        let value = match &row.value {
            // A value as reported, every decimal kept, with the dialect's mark.
            Value::Number(n) => Field::Exact(*n),
            other => Field::text(view.plan.show_value(row.indicator, other)),
        };
        let mut record = vec![
            Field::text(&view.plan.unit(row.unit).code),
            Field::text(&view.plan.indicator(row.indicator).code),
            Field::text(row.period.to_string()),
            value,
            Field::text(&row.note),
            Field::text(&row.file),
            Field::Number(row.line.into()),
        ];
        if view.all {
            record.push(Field::text(row.superseded_by.is_none().to_string()));
            record.push(Field::text(row.superseded_by.as_deref().unwrap_or("")));
        }
        writer.row(record)?;
    }
    writer.finish()
}

/// One object per value; the value as a report would write it (a string).
fn json(view: &ExportView, out: &mut dyn Write) -> Result<()> {
    let values: Vec<Json> = view
        .rows
        .iter()
        .map(|row| {
            let mut value = json!({
                "unit": view.plan.unit(row.unit).code,
                "indicator": view.plan.indicator(row.indicator).code,
                "period": row.period.to_string(),
                "value": view.plan.show_value(row.indicator, &row.value),
                "note": row.note,
                "file": row.file,
                "line": row.line,
            });
            if view.all {
                value["in_force"] = json!(row.superseded_by.is_none());
                value["superseded_by"] = json!(row.superseded_by.as_deref().unwrap_or(""));
            }
            value
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &values)?;
    writeln!(out)?;
    Ok(())
}
