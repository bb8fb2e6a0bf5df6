//! `track export [--all]`: every stored value in force as one normalised
//! CSV (or JSON), with the file and line it came from; `--all` adds the
//! superseded values, marked as such. `render::export` writes it.

use anyhow::Result;

use super::print_data_warnings;
use crate::cli::ExportArgs;
use crate::msg;
use crate::render::Format;
use crate::render::export::{ExportRow, ExportView, render};
use crate::settings::{Settings, UsageError};
use crate::store::scan_all;

pub fn run(settings: &Settings, args: &ExportArgs) -> Result<u8> {
    let format = match settings.format {
        // A table of every value is a CSV: the default here.
        Format::Table | Format::Csv => Format::Csv,
        Format::Json => Format::Json,
        Format::Markdown => {
            return Err(UsageError(msg!(
                "`track export` writes csv or json, not markdown",
                "`track export` chỉ xuất csv hoặc json, không xuất markdown"
            ))
            .into());
        }
    };
    let plan = settings.store.load_plan()?;
    let reports = settings.store.reports()?;
    let name = |i: usize| reports.files[i].name.clone();
    let mut rows = Vec::new();
    let scan = scan_all(&plan, &reports, settings.read, |obs, superseded_by| {
        if args.all || superseded_by.is_none() {
            rows.push(ExportRow {
                unit: obs.unit,
                indicator: obs.indicator,
                period: obs.period,
                value: obs.value.clone().into_owned(),
                note: crate::text::nfc(&obs.note).into_owned(),
                file: name(obs.source.file as usize),
                line: obs.source.line,
                superseded_by: superseded_by.map(name),
            });
        }
    })?;
    print_data_warnings(&scan.warnings, settings.style.lang);
    let view = ExportView {
        plan: &plan,
        rows: &rows,
        all: args.all,
    };
    settings.write(|out| render(format, &view, settings.style, out))?;
    Ok(0)
}
