//! The subcommands, one file each, all with the same shape:
//! `run(&Settings, &Args) -> Result<u8>`, the `u8` being the exit code.

pub mod check;
pub mod completeness;
pub mod completions;
pub mod explain;
pub mod export;
pub mod ingest;
pub mod man;
pub mod report;
pub mod template;
pub mod validate;

use anyhow::Result;

use crate::completeness::{Completeness, Tracker};
use crate::diagnostic::{Diagnostics, Failed, did_you_mean};
use crate::evaluate::{Evaluator, Outcome};
use crate::lang::Lang;
use crate::model::{IndicatorId, ObjectiveId, Plan, UnitId};
use crate::msg;
use crate::settings::{Settings, UsageError};
use crate::store::{self, Scan};

/// Reads every stored report, in one pass, into an evaluation at the
/// as-of date and into who has reported what by then, counting only
/// `units` when given, and keeping each unit's part of every actual if
/// `by_unit`.
pub(crate) fn evaluate(
    settings: &Settings,
    plan: &Plan,
    units: &[UnitId],
    by_unit: bool,
) -> Result<(Outcome, Completeness, Scan)> {
    let (outcome, tracker, scan) = scan_into(settings, plan, units, None, by_unit, true)?;
    let tracker = tracker.expect("asked for");
    Ok((outcome, tracker.finish_summary(), scan))
}

/// The evaluation alone, tracing every value of one objective (`track
/// explain`): no reporting duty, whose matrix costs megabytes a thread.
pub(crate) fn evaluate_traced(
    settings: &Settings,
    plan: &Plan,
    traced: ObjectiveId,
) -> Result<(Outcome, Scan)> {
    let (outcome, _, scan) = scan_into(settings, plan, &[], Some(traced), false, false)?;
    Ok((outcome, scan))
}

fn scan_into<'p>(
    settings: &Settings,
    plan: &'p Plan,
    units: &[UnitId],
    traced: Option<ObjectiveId>,
    by_unit: bool,
    duty: bool,
) -> Result<(Outcome, Option<Tracker<'p>>, Scan)> {
    let reports = settings.store.reports()?;
    let received = reports.received();
    let init = || {
        let evaluator = Evaluator::new(plan, settings.as_of);
        let evaluator = match traced {
            Some(id) => evaluator.trace(id),
            None => evaluator,
        };
        let evaluator = if by_unit {
            evaluator.by_unit()
        } else {
            evaluator
        };
        let tracker = duty.then(|| Tracker::new(plan, settings.as_of).only(units, &[]));
        (evaluator, tracker)
    };
    let (parts, scan) = store::scan_parallel(
        plan,
        &reports,
        settings.read,
        init,
        // Inline where it is called, once a value: an out-of-line call
        // saved and restored registers for each.
        #[inline(always)]
        |(evaluator, tracker), obs| {
            if units.is_empty() || units.contains(&obs.unit) {
                // The tracker first: the evaluator's call, last, then has
                // no values of the row to keep across it.
                if let Some(tracker) = tracker {
                    tracker.add(
                        obs,
                        received.get(obs.source.file as usize).copied().flatten(),
                    );
                }
                evaluator.add(obs);
            }
        },
    )?;
    let mut parts = parts.into_iter();
    let (mut evaluator, mut tracker) = parts.next().expect("at least one thread");
    for (e, t) in parts {
        evaluator.merge(e);
        if let (Some(mine), Some(theirs)) = (&mut tracker, t) {
            mine.merge(theirs);
        }
    }
    let outcome = evaluator.finish().map_err(|too_large| Failed {
        message: too_large.message(plan),
        source: None,
    })?;
    Ok((outcome, tracker, scan))
}

/// Warnings about the data (not the objectives), to standard error, in
/// the run's language.
pub(crate) fn print_data_warnings(warnings: &Diagnostics, lang: Lang) {
    for warning in warnings.iter() {
        eprintln!("{}", warning.shown(lang));
    }
}

pub(crate) fn objective_id(plan: &Plan, code: &str) -> Result<ObjectiveId, UsageError> {
    plan.objective_id(code).ok_or_else(|| {
        UsageError(
            msg!(
                "unknown objective `{code}`",
                "mục tiêu `{code}` không có trong kế hoạch"
            )
            .then(&did_you_mean(
                code,
                plan.objectives.iter().map(|o| o.code.as_str()),
            )),
        )
    })
}

pub(crate) fn indicator_id(plan: &Plan, code: &str) -> Result<IndicatorId, UsageError> {
    plan.indicator_id(code).ok_or_else(|| {
        UsageError(
            msg!(
                "unknown indicator `{code}`",
                "chỉ tiêu `{code}` không có trong kế hoạch"
            )
            .then(&did_you_mean(
                code,
                plan.indicators.iter().map(|i| i.code.as_str()),
            )),
        )
    })
}

pub(crate) fn unit_id(plan: &Plan, code: &str) -> Result<UnitId, UsageError> {
    plan.unit_id(code).ok_or_else(|| {
        UsageError(
            msg!(
                "unknown unit `{code}`",
                "đơn vị `{code}` không có trong kế hoạch"
            )
            .then(&did_you_mean(
                code,
                plan.units.iter().map(|u| u.code.as_str()),
            )),
        )
    })
}
