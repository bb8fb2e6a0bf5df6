//! `track explain OBJECTIVE`: the formula, target, thresholds and every
//! value behind one objective's figure.

use anyhow::Result;

use super::{evaluate_traced, objective_id, print_data_warnings};
use crate::cli::ExplainArgs;
use crate::render::explain::{ExplainView, render};
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &ExplainArgs) -> Result<u8> {
    let plan = settings.store.load_plan()?;
    let id = objective_id(&plan, &args.objective)?;
    let (outcome, scan) = evaluate_traced(settings, &plan, id)?;
    print_data_warnings(&scan.warnings, settings.style.lang);
    let evaluation = outcome
        .evaluation(id)
        .expect("every objective is evaluated");
    let view = ExplainView {
        plan: &plan,
        outcome: &outcome,
        evaluation,
        files: &scan.files,
    };
    settings.write(|out| render(settings.format, &view, settings.style, out))?;
    Ok(0)
}
