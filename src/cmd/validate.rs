//! `track validate [FILE…]`: checks the plan and the stored reports (or the
//! given files) and reports every problem; writes nothing.

use anyhow::Result;

use super::print_data_warnings;
use crate::cli::ValidateArgs;
use crate::render::words::count;
use crate::settings::Settings;
use crate::store::{self, Reports};

pub fn run(settings: &Settings, args: &ValidateArgs) -> Result<u8> {
    let plan = settings.store.load_plan()?;
    let reports = if args.files.is_empty() {
        settings.store.reports()?
    } else {
        Reports::given(&args.files)
    };
    // Validation is the integrity check: it also hashes every stored file.
    let read = store::ReadOptions {
        verify: true,
        ..settings.read
    };
    let (_, scan) = store::scan_parallel(&plan, &reports, read, || (), |_, _| {})?;
    let lang = settings.style.lang;
    print_data_warnings(&scan.warnings, lang);
    let superseded = if scan.superseded == 0 {
        String::new()
    } else {
        format!(
            " ({} {})",
            scan.superseded,
            lang.pick(
                "superseded, kept on record",
                "giá trị đã được thay thế, vẫn lưu"
            )
        )
    };
    let warnings = if scan.warnings.is_empty() {
        String::new()
    } else {
        format!(
            ", {}",
            count(
                lang,
                scan.warnings.warnings(),
                "warning",
                "warnings",
                "cảnh báo"
            )
        )
    };
    settings.write(|out| {
        writeln!(
            out,
            "{}: {}, {}, {}{superseded}{warnings}",
            lang.pick("valid", "hợp lệ"),
            count(
                lang,
                plan.objectives.len(),
                "objective",
                "objectives",
                "mục tiêu"
            ),
            count(
                lang,
                scan.files.len(),
                "report file",
                "report files",
                "tệp báo cáo"
            ),
            count(lang, scan.rows as usize, "value", "values", "giá trị"),
        )?;
        Ok(())
    })?;
    Ok(0)
}
