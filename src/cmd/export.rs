//! `track export [--all]`: every stored value in force as one normalised
//! CSV (or JSON), with the file and line it came from; `--all` adds the
//! superseded values, marked as such. `render::export` writes it.

use std::io::Write;

use anyhow::Result;

use super::print_data_warnings;
use crate::cli::ExportArgs;
use crate::model::Observation;
use crate::msg;
use crate::render::Format;
use crate::render::export::{ExportRow, Exporter};
use crate::settings::{Settings, UsageError};
use crate::store::{self, ReadOptions, Reports, scan_all};
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
    settings.write(|out| {
        let mut exporter = Exporter::new(format, &plan, args.all, settings.style, out)?;
        if args.all {
            // Superseded values are not in the cache: from the files, in
            // order, one thread keeping the ledger of what superseded what.
            scan_all(&plan, &reports, again, |obs, superseded_by| {
                write(&mut exporter, &reports, obs, superseded_by)
            })?;
        } else {
            // Each file's rows formatted on whichever thread read it, and
            // written in the files' order.
            let init = || Share {
                rows: Exporter::rows_only(format, &plan, false, settings.style),
                count: 0,
                failed: None,
            };
            let feed = |share: &mut Share, obs: &Observation| {
                if share.failed.is_none() {
                    match write(&mut share.rows, &reports, obs, None) {
                        Ok(()) => share.count += 1,
                        Err(e) => share.failed = Some(e),
                    }
                }
            };
            let made = |share: &mut Share| -> Result<(Vec<u8>, u64)> {
                if let Some(e) = share.failed.take() {
                    return Err(e);
                }
                Ok((share.rows.take()?, std::mem::take(&mut share.count)))
            };
            store::scan_again_ordered(&plan, &reports, again, init, feed, made, |file| {
                let (formatted, count) = file?;
                exporter.rows(&formatted, count)
            })?;
        }
        exporter.finish()
    })?;
    Ok(0)
}

/// One thread's share of an export: the rows of the file it is reading.
struct Share<'a> {
    rows: Exporter<'a, Vec<u8>>,
    count: u64,
    failed: Option<anyhow::Error>,
}

/// One value, as the export writes it: the note in NFC, the file by name.
fn write<W: Write>(
    exporter: &mut Exporter<W>,
    reports: &Reports,
    obs: &Observation,
    superseded_by: Option<usize>,
) -> Result<()> {
    let name = |i: usize| reports.files[i].name.as_str();
    exporter.row(&ExportRow {
        unit: obs.unit,
        indicator: obs.indicator,
        period: obs.period,
        value: &obs.value,
        note: &nfc(obs.note()),
        file: name(obs.source.file as usize),
        line: obs.source.line,
        superseded_by: superseded_by.map(name),
    })
}
