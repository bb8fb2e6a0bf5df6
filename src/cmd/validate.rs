//! `track validate [FILE…]`: checks the plan and the stored reports (or the
//! given files) and reports every problem; writes nothing.

use anyhow::Result;

use crate::cli::ValidateArgs;
use crate::settings::Settings;
use crate::store;

pub fn run(settings: &Settings, args: &ValidateArgs) -> Result<u8> {
    let plan = settings.store.load_plan()?;
    let files = if args.files.is_empty() {
        settings.store.report_files()?
    } else {
        args.files.clone()
    };
    let scan = store::scan(&plan, &files, settings.read, |_| {})?;
    for warning in scan.warnings.iter() {
        eprintln!("{warning}");
    }
    let lang = settings.style.lang;
    let warnings = if scan.warnings.is_empty() {
        String::new()
    } else {
        format!(
            ", {} {}",
            scan.warnings.warnings(),
            lang.pick("warning(s)", "cảnh báo")
        )
    };
    settings.write(|out| {
        writeln!(
            out,
            "{}: {} {}, {} {}, {} {}{warnings}",
            lang.pick("valid", "hợp lệ"),
            plan.objectives.len(),
            lang.pick("objectives", "mục tiêu"),
            scan.files.len(),
            lang.pick("report files", "tệp báo cáo"),
            scan.rows,
            lang.pick("values", "giá trị"),
        )?;
        Ok(())
    })?;
    Ok(0)
}
