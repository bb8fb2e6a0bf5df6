//! `track report`: every objective's target against its actual, then the
//! warnings, in the chosen format.

use anyhow::Result;

use super::{evaluate, objective_id, print_data_warnings, unit_id};
use crate::cli::{Breakdown, ReportArgs};
use crate::evaluate::Warning;
use crate::model::ObjectiveId;
use crate::render::{self, ReportView};
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &ReportArgs) -> Result<u8> {
    let plan = settings.store.load_plan()?;
    let objectives = args
        .objective
        .iter()
        .map(|c| objective_id(&plan, c))
        .collect::<Result<Vec<_>, _>>()?;
    let units = args
        .unit
        .iter()
        .map(|c| unit_id(&plan, c))
        .collect::<Result<Vec<_>, _>>()?;
    let (outcome, scan) = evaluate(settings, &plan, &units, None)?;
    print_data_warnings(&scan.warnings);

    let selected = |id: ObjectiveId| {
        let objective = plan.objective(id);
        let evaluation = outcome
            .evaluation(id)
            .expect("every objective is evaluated");
        (objectives.is_empty() || objectives.contains(&id))
            && (args.status.is_empty() || args.status.contains(&evaluation.status))
            && (units.is_empty()
                || objective.measure.indicators().iter().any(|&i| {
                    plan.indicator(i)
                        .reporters
                        .iter()
                        .any(|u| units.contains(u))
                })
                || !evaluation.by_unit.is_empty())
    };
    let shown = outcome
        .evaluations
        .iter()
        .filter(|e| selected(e.objective))
        .collect();
    let warnings = outcome
        .warnings
        .iter()
        .filter(|w| match w {
            Warning::Objective(id) | Warning::Year { objective: id, .. } => selected(*id),
        })
        .collect();
    let view = ReportView {
        plan: &plan,
        outcome: &outcome,
        shown,
        warnings,
        by_unit: args.by == Some(Breakdown::Unit),
    };
    settings.write(|out| render::report(settings.format, &view, settings.style, out))?;
    Ok(0)
}
