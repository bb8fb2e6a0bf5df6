//! `track completeness`: which units have and have not reported which
//! indicators, per period, with reporting rates; `completeness.rs` decides,
//! `render::completeness` shows.

use anyhow::Result;

use super::{indicator_id, print_data_warnings, unit_id};
use crate::cli::CompletenessArgs;
use crate::completeness::Tracker;
use crate::render::completeness::{CompletenessView, render};
use crate::settings::Settings;
use crate::store;

pub fn run(settings: &Settings, args: &CompletenessArgs) -> Result<u8> {
    let plan = settings.store.load_plan()?;
    let units = args
        .unit
        .iter()
        .map(|c| unit_id(&plan, c))
        .collect::<Result<Vec<_>, _>>()?;
    let indicators = args
        .indicator
        .iter()
        .map(|c| indicator_id(&plan, c))
        .collect::<Result<Vec<_>, _>>()?;
    let reports = settings.store.reports()?;
    let received = reports.received();
    let init = || Tracker::new(&plan, settings.as_of).only(&units, &indicators);
    let (parts, scan) =
        store::scan_parallel(&plan, &reports, settings.read, init, |tracker, obs| {
            tracker.add(
                obs,
                received.get(obs.source.file as usize).copied().flatten(),
            );
        })?;
    let mut parts = parts.into_iter();
    let mut tracker = parts.next().expect("at least one thread");
    for part in parts {
        tracker.merge(part);
    }
    print_data_warnings(&scan.warnings, settings.style.lang);
    let completeness = tracker.finish();
    let view = CompletenessView {
        plan: &plan,
        completeness: &completeness,
    };
    settings.write(|out| render(settings.format, &view, settings.style, out))?;
    Ok(0)
}
