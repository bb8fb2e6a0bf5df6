//! `track report`: every objective's target against its actual, then the
//! warnings (objectives, then reports due and not sent), in the chosen
//! format.

use anyhow::Result;

use super::{evaluate, objective_id, print_data_warnings, unit_id};
use crate::cli::{Breakdown, ReportArgs};
use crate::evaluate::{Evaluation, Warning};
use crate::model::{IndicatorId, ObjectiveId};
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
    // Each unit's part is kept only where it is shown or selects objectives.
    let by_unit = args.by == Some(Breakdown::Unit) || !units.is_empty();
    let (outcome, completeness, scan) = evaluate(settings, &plan, &units, by_unit)?;
    print_data_warnings(&scan.warnings, settings.style.lang);

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
    let shown: Vec<&Evaluation> = outcome
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
    // Missing reports follow the filters: the units asked for, and under
    // an objective or status filter, the indicators the shown objectives
    // are measured by.
    let measured: Option<Vec<IndicatorId>> =
        (!args.objective.is_empty() || !args.status.is_empty()).then(|| {
            shown
                .iter()
                .flat_map(|e: &&Evaluation| plan.objective(e.objective).measure.indicators())
                .collect()
        });
    let missing = completeness
        .overdue_for(&units, measured.as_deref())
        .collect();
    let view = ReportView {
        plan: &plan,
        outcome: &outcome,
        shown,
        warnings,
        missing,
        by_unit: args.by == Some(Breakdown::Unit),
    };
    settings.write(|out| render::report(settings.format, &view, settings.style, out))?;
    Ok(0)
}
