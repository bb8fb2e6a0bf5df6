//! `track check`: for cron and monitoring. Quiet success (exit 0), or the
//! warnings with exit 1 (warning) or 2 (critical), as monitoring plugins
//! do; exit 3 when the check cannot run is decided in `lib.rs`. A report
//! due by the as-of date and not sent is a warning.

use anyhow::Result;

use super::{evaluate, print_data_warnings};
use crate::cli::CheckArgs;
use crate::evaluate::{Severity, Status, Warning};
use crate::render::words::{Words, count};
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &CheckArgs) -> Result<u8> {
    let plan = settings.store.load_plan()?;
    let (outcome, completeness, scan) = evaluate(settings, &plan, &[], false)?;
    let words = Words::new(&plan, settings.style.lang);
    let lang = settings.style.lang;

    let severity_of = |w: &Warning| match *w {
        Warning::Objective(id) => outcome
            .evaluation(id)
            .map_or(Severity::Ok, |e| e.status.severity()),
        // A completed year that fell short can no longer be met.
        Warning::Year { .. } => Severity::Critical,
    };
    let data_severity = if scan.warnings.is_empty() && completeness.overdue.is_empty() {
        Severity::Ok
    } else {
        Severity::Warning
    };
    let severity = outcome
        .warnings
        .iter()
        .map(severity_of)
        .chain([data_severity])
        .max()
        .unwrap_or(Severity::Ok);
    let as_of = format!(
        "{} {}",
        lang.pick("as of", "tính đến"),
        words.date(outcome.as_of)
    );

    if severity == Severity::Ok {
        if !args.quiet {
            settings.write(|out| {
                writeln!(
                    out,
                    "OK: {} {} ({as_of})",
                    count(
                        lang,
                        outcome.evaluations.len(),
                        "objective",
                        "objectives",
                        "mục tiêu"
                    ),
                    lang.pick(
                        "met, on track or informational",
                        "đạt, đúng tiến độ hoặc chỉ để theo dõi"
                    ),
                )?;
                Ok(())
            })?;
        }
        return Ok(0);
    }

    let mut counts: Vec<String> = [
        Status::Missed,
        Status::OffTrack,
        Status::AtRisk,
        Status::NoData,
    ]
    .iter()
    .filter_map(|&status| {
        let n = outcome
            .evaluations
            .iter()
            .filter(|e| e.status == status)
            .count();
        (n > 0).then(|| format!("{n} {}", words.status(status)))
    })
    .collect();
    let years = outcome
        .warnings
        .iter()
        .filter(|w| matches!(w, Warning::Year { .. }))
        .count();
    if years > 0 {
        counts.push(count(
            lang,
            years,
            "past year short",
            "past years short",
            "năm đã qua không đạt",
        ));
    }
    if completeness.total.missing > 0 {
        counts.push(count(
            lang,
            completeness.total.missing as usize,
            "missing report",
            "missing reports",
            "báo cáo chưa nộp",
        ));
    }
    if !scan.warnings.is_empty() {
        counts.push(count(
            lang,
            scan.warnings.warnings(),
            "data warning",
            "data warnings",
            "cảnh báo dữ liệu",
        ));
    }
    let label = if severity == Severity::Critical {
        "CRITICAL"
    } else {
        "WARNING"
    };
    let written = settings.write(|out| {
        writeln!(out, "{label}: {} ({as_of})", counts.join(", "))?;
        for warning in &outcome.warnings {
            writeln!(out, "  - {}", words.warning(&outcome, warning))?;
        }
        for missing in &completeness.overdue {
            writeln!(out, "  - {}", words.overdue(missing))?;
        }
        Ok(())
    });
    // A monitor that stopped reading still gets the verdict in the code.
    if !crate::settings::reader_gone() {
        written?;
    }
    print_data_warnings(&scan.warnings, settings.style.lang);
    Ok(if severity == Severity::Critical { 2 } else { 1 })
}
