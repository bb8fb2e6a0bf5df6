//! `track ingest FILE… [--dry-run] [--replace]`: checks received report
//! files against the plan and the stored reports, then stores them, all or
//! nothing (the transaction itself is `Store::ingest`).

use std::io::Write;

use anyhow::Result;
use jiff::civil::Date;

use super::print_data_warnings;
use crate::cli::IngestArgs;
use crate::diagnostic::Invalid;
use crate::msg;
use crate::render::words::count;
use crate::settings::{Settings, UsageError};
use crate::store::{IngestOptions, Outcome};

pub fn run(settings: &Settings, args: &IngestArgs) -> Result<u8> {
    let received = match &args.received {
        Some(text) => text
            .trim()
            .parse::<Date>()
            .map_err(|_| {
                UsageError(msg!(
                    "--received: cannot read `{text}`; expected a date such as 2025-07-14",
                    "--received: không đọc được `{text}`; cần một ngày như 2025-07-14"
                ))
            })?
            .to_string(),
        None => jiff::ZonedDateTime::now()
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
    };
    let options = IngestOptions {
        read: settings.read,
        replace: args.replace,
        dry_run: args.dry_run,
        received,
        lang: settings.style.lang,
    };
    let ingested = match settings.store.ingest(&args.files, &options) {
        Ok(ingested) => ingested,
        Err(e) => {
            let Some(Invalid(diagnostics)) = e.downcast_ref::<Invalid>() else {
                return Err(e);
            };
            // Said here rather than in `lib.rs`: the analyst must know that
            // not one of the files was stored.
            let lang = settings.style.lang;
            let mut stderr = std::io::stderr().lock();
            for d in diagnostics.iter() {
                writeln!(stderr, "{}", d.shown(lang))?;
            }
            writeln!(
                stderr,
                "track: {}: {}; {}",
                lang.pick("stopped", "đã dừng"),
                diagnostics.summary(lang),
                lang.pick("nothing was stored", "chưa lưu tệp nào")
            )?;
            return Ok(1);
        }
    };
    let lang = settings.style.lang;
    print_data_warnings(&ingested.warnings, lang);

    let dir = settings.store.reports_dir();
    let (mut files, mut values, mut replaced) = (0usize, 0u64, 0usize);
    settings.write(|out| {
        for outcome in &ingested.outcomes {
            match outcome {
                Outcome::Stored {
                    given,
                    stored_as,
                    rows,
                    dialect,
                    replaced: values_replaced,
                } => {
                    files += 1;
                    values += rows;
                    replaced += values_replaced.len();
                    let verb = if args.dry_run {
                        lang.pick("would store", "sẽ lưu")
                    } else {
                        lang.pick("stored", "đã lưu")
                    };
                    writeln!(
                        out,
                        "{verb} `{given}` {} `{}`: {} ({dialect})",
                        lang.pick("as", "thành"),
                        dir.join(stored_as).display(),
                        count(lang, *rows as usize, "value", "values", "giá trị"),
                        dialect = dialect.get(lang),
                    )?;
                    for r in values_replaced {
                        let old_period = if r.value.period == r.period {
                            String::new()
                        } else {
                            format!("`{}`: ", r.value.period)
                        };
                        writeln!(
                            out,
                            "  `{}` `{}` `{}`: `{}` ({} {}) {} {old_period}`{}` ({}:{})",
                            r.value.unit,
                            r.value.indicator,
                            r.period,
                            r.new,
                            lang.pick("line", "dòng"),
                            r.line,
                            lang.pick("replaces", "thay cho"),
                            r.old,
                            dir.join(&r.value.file).display(),
                            r.value.line,
                        )?;
                    }
                }
                Outcome::AlreadyStored {
                    given,
                    stored_as,
                    received,
                } => {
                    let received = received
                        .as_deref()
                        .map(|r| {
                            // The manifest's timestamp, by its day, as the
                            // language writes a date.
                            let day = r.get(..10).unwrap_or(r);
                            let day = day
                                .parse::<Date>()
                                .map_or(day.to_string(), |d| lang.date(d));
                            format!(", {} {day}", lang.pick("received", "nhận ngày"))
                        })
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "`{given}` {} `{}`{received}; {}",
                        lang.pick("is already stored as", "đã được lưu thành"),
                        dir.join(stored_as).display(),
                        lang.pick("nothing to do", "không cần làm gì"),
                    )?;
                }
                Outcome::Repeated { given, same_as } => writeln!(
                    out,
                    "`{given}` {} `{same_as}`; {}",
                    lang.pick("has the same content as", "có nội dung giống"),
                    lang.pick("skipped", "bỏ qua"),
                )?,
            }
        }
        let replacing = if replaced > 0 {
            format!(
                ", {}",
                count(
                    lang,
                    replaced,
                    "stored value superseded",
                    "stored values superseded",
                    "giá trị đã lưu bị thay thế"
                )
            )
        } else {
            String::new()
        };
        if args.dry_run {
            writeln!(
                out,
                "{}: {}, {}{replacing}; {}",
                lang.pick("dry run", "chạy thử"),
                count(lang, files, "file to store", "files to store", "tệp sẽ lưu"),
                count(lang, values as usize, "value", "values", "giá trị"),
                lang.pick("nothing written", "chưa ghi gì"),
            )?;
        } else if ingested.written {
            writeln!(
                out,
                "{}: {}, {}{replacing}",
                lang.pick("ingested", "đã nhập"),
                count(lang, files, "file", "files", "tệp"),
                count(lang, values as usize, "value", "values", "giá trị"),
            )?;
        } else {
            writeln!(
                out,
                "{}",
                lang.pick(
                    "nothing to do: every file is already stored",
                    "không cần làm gì: mọi tệp đã được lưu"
                )
            )?;
        }
        Ok(())
    })?;
    Ok(0)
}
