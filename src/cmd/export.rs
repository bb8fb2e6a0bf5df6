//! `track export [--all]`: every stored value in force as one normalised
//! CSV (or JSON), with the file and line it came from; `--all` adds the
//! superseded values, marked as such. `render::export` writes it.

use anyhow::Result;

use super::print_data_warnings;
use crate::cli::ExportArgs;
use crate::model::Observation;
use crate::msg;
use crate::render::Format;
use crate::render::export::{ExportRow, Exporter};
use crate::settings::{Settings, UsageError};
use crate::store::{self, ReadOptions, scan_all};
use crate::text::nfc;

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
    // Every file is checked first (from the cache where it holds), so that
    // nothing is written when one has an error; the values are then
    // written as they are read again, in order, never all held.
    let (_, checked) = store::scan_parallel(&plan, &reports, settings.read, || (), |_, _| {})?;
    print_data_warnings(&checked.warnings, settings.style.lang);
    let again = ReadOptions {
        progress: None,
        ..settings.read
    };
    let name = |i: u32| reports.files[i as usize].name.as_str();
    settings.write(|out| {
        let mut exporter = Exporter::new(format, &plan, args.all, settings.style, out)?;
        let mut failed = None;
        let mut write = |obs: &Observation, superseded_by: Option<usize>| {
            if failed.is_some() {
                return;
            }
            let note = nfc(&obs.note);
            let row = ExportRow {
                unit: obs.unit,
                indicator: obs.indicator,
                period: obs.period,
                value: &obs.value,
                note: &note,
                file: name(obs.source.file),
                line: obs.source.line,
                superseded_by: superseded_by.map(|i| name(i as u32)),
            };
            if let Err(e) = exporter.row(&row) {
                failed = Some(e);
            }
        };
        if args.all {
            // Superseded values are not in the cache: from the files.
            scan_all(&plan, &reports, again, &mut write)?;
        } else {
            store::scan_again(&plan, &reports, again, |obs| write(obs, None))?;
        }
        if let Some(e) = failed {
            return Err(e);
        }
        exporter.finish()
    })?;
    Ok(0)
}
