//! `track export [--all]`: every stored value in force as one normalised
//! CSV (or JSON), with the file and line it came from; `--all` adds the
//! superseded values, marked as such.

use anyhow::Result;
use serde::Serialize;

use crate::cli::ExportArgs;
use crate::model::{Observation, Plan};
use crate::render::Format;
use crate::settings::{Settings, UsageError};
use crate::store::scan_all;

/// One exported value. Field names are the CSV's columns.
#[derive(Debug, Serialize)]
struct Row {
    unit: String,
    indicator: String,
    period: String,
    value: String,
    note: String,
    file: String,
    line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_force: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    superseded_by: Option<String>,
}

pub fn run(settings: &Settings, args: &ExportArgs) -> Result<u8> {
    let format = match settings.format {
        // A table of every value is a CSV: the default here.
        Format::Table | Format::Csv => Format::Csv,
        Format::Json => Format::Json,
        Format::Markdown => {
            return Err(
                UsageError("`track export` writes csv or json, not markdown".to_string()).into(),
            );
        }
    };
    let plan = settings.store.load_plan()?;
    let reports = settings.store.reports()?;
    let mut rows = Vec::new();
    let scan = scan_all(&plan, &reports, settings.read, |obs, superseded_by| {
        if args.all || superseded_by.is_none() {
            rows.push(row(&plan, obs, &reports.files, superseded_by, args.all));
        }
    })?;
    for warning in scan.warnings.iter() {
        eprintln!("{warning}");
    }
    settings.write(|out| {
        match format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, &rows)?;
                writeln!(out)?;
            }
            _ => {
                let mut writer = csv::Writer::from_writer(out);
                if rows.is_empty() {
                    // serde writes the header with the first row only.
                    let mut header = vec![
                        "unit",
                        "indicator",
                        "period",
                        "value",
                        "note",
                        "file",
                        "line",
                    ];
                    if args.all {
                        header.extend(["in_force", "superseded_by"]);
                    }
                    writer.write_record(header)?;
                }
                for row in &rows {
                    writer.serialize(row)?;
                }
                writer.flush()?;
            }
        }
        Ok(())
    })?;
    Ok(0)
}

fn row(
    plan: &Plan,
    obs: &Observation,
    files: &[crate::store::StoredReport],
    superseded_by: Option<usize>,
    all: bool,
) -> Row {
    Row {
        unit: plan.unit(obs.unit).code.clone(),
        indicator: plan.indicator(obs.indicator).code.clone(),
        period: obs.period.to_string(),
        value: plan.show_value(obs.indicator, &obs.value),
        note: crate::text::nfc(&obs.note).into_owned(),
        file: files[obs.source.file as usize].name.clone(),
        line: obs.source.line,
        in_force: all.then_some(superseded_by.is_none()),
        superseded_by: all.then(|| {
            superseded_by
                .map(|i| files[i].name.clone())
                .unwrap_or_default()
        }),
    }
}
