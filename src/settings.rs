//! Settings derived from the command line and the environment ("high"
//! arguments): the data folder, the as-of date, the output and how it may
//! look. Commands see only these.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use jiff::civil::Date;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::diagnostic::{Said, cannot_create, cannot_write, cannot_write_in};
use crate::lang::{Lang, Message};
use crate::msg;
use crate::period::parse_as_of;
use crate::render::csv::Dialect as CsvDialect;
use crate::render::{Format, Style};
use crate::store::{ReadOptions, Store};

/// A mistake in how `track` was called (exit 2; 3 for `track check`),
/// said in both languages.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub Message);

#[derive(Debug)]
pub struct Settings {
    pub store: Store,
    pub as_of: Date,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub style: Style,
    pub read: ReadOptions,
}

impl Settings {
    /// `fixed` is the one format of a command that writes only one
    /// (`Command::fixed_format`).
    pub fn from_args(args: &GlobalArgs, fixed: Option<Format>) -> Result<Settings> {
        let as_of = match &args.as_of {
            Some(text) => parse_as_of(text)
                .map_err(|e| UsageError(msg!("--as-of: ", "--as-of: ").then(&e)))?,
            None => jiff::ZonedDateTime::now().date(),
        };
        let format = match (fixed, args.format, &args.output) {
            (Some(fixed), Some(asked), _) if asked != fixed => {
                return Err(UsageError(msg!(
                    "this command writes {} only; leave out `--format`",
                    "lệnh này chỉ xuất {}; hãy bỏ `--format`",
                    fixed.name()
                ))
                .into());
            }
            (Some(fixed), _, _) => fixed,
            (None, Some(format), _) => format,
            (None, None, Some(path)) => Format::from_path(path).ok_or_else(|| {
                UsageError(msg!(
                    "cannot tell the format from `{}`; name the file .csv, .json, .md or .txt, or add --format",
                    "không biết định dạng từ tên `{}`; hãy đặt tên tệp .csv, .json, .md hoặc .txt, hoặc thêm --format",
                    path.display()
                ))
            })?,
            // `--excel` is a kind of CSV, so it asks for CSV by itself.
            (None, None, None) if args.excel => Format::Csv,
            (None, None, None) => Format::Table,
        };
        if args.excel && format != Format::Csv {
            return Err(UsageError(msg!(
                "`--excel` shapes CSV output; it does not apply to {}",
                "`--excel` chỉ dùng cho đầu ra CSV; không áp dụng cho {}",
                format.name()
            ))
            .into());
        }
        let to_terminal = args.output.is_none() && io::stdout().is_terminal();
        let color = format == Format::Table
            && wants_color(
                args.color,
                to_terminal,
                ColorEnv {
                    no_color: anstyle_query::no_color(),
                    clicolor_force: anstyle_query::clicolor_force(),
                    clicolor: anstyle_query::clicolor(),
                    dumb: !anstyle_query::term_supports_color(),
                },
            );
        // `COLUMNS`, when set, wins over the terminal's own width, as it
        // does for `ls`; neither applies when the output is not a terminal.
        let width = if to_terminal {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse::<u16>().ok())
                .filter(|&c| c > 0)
                .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0))
        } else {
            None
        };
        let lang = args.lang.unwrap_or_else(Lang::from_env);
        // A progress bar only for a person watching standard error.
        let progress =
            io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        Ok(Settings {
            store: Store::new(&args.data),
            as_of,
            format,
            output: args.output.clone(),
            style: Style {
                lang,
                color,
                width,
                ascii: args.ascii || !locale_is_utf8(|name| std::env::var(name).ok()),
                csv: if args.excel {
                    CsvDialect::ExcelVi
                } else {
                    CsvDialect::Standard
                },
            },
            read: ReadOptions {
                encoding: args.encoding,
                progress: progress.then(|| lang.pick("reading reports", "đang đọc báo cáo")),
                verify: false,
                cache: !args.no_cache,
                threads: args
                    .threads
                    .or_else(|| std::thread::available_parallelism().ok())
                    .map_or(1, |n| n.get()),
            },
        })
    }

    /// Runs `render` into the output: standard output, or a temporary file
    /// beside the target that replaces it only once complete.
    pub fn write(&self, render: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
        write_output(self.output.as_deref(), render)
    }
}

/// What the environment says about colour.
#[derive(Clone, Copy, Debug, Default)]
pub struct ColorEnv {
    /// `NO_COLOR` is set (and not empty).
    pub no_color: bool,
    /// `CLICOLOR_FORCE` is set (and not `0`).
    pub clicolor_force: bool,
    /// `CLICOLOR`: `Some(false)` when `0`.
    pub clicolor: Option<bool>,
    /// `TERM` is `dumb` (or unset outside Windows).
    pub dumb: bool,
}

/// Whether to colour: `--color always` or `never` decides; with `auto`,
/// as anstream decides, `NO_COLOR` turns colour off, then
/// `CLICOLOR_FORCE` on (even into a pipe), then `CLICOLOR=0` off; else
/// colour only a terminal that can show it.
pub fn wants_color(choice: ColorChoice, to_terminal: bool, env: ColorEnv) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto if env.clicolor_force => true,
        ColorChoice::Auto if env.clicolor == Some(false) => false,
        ColorChoice::Auto => to_terminal && !env.dumb,
    }
}

/// Whether the locale's character set is UTF-8: the first of `LC_ALL`,
/// `LC_CTYPE` and `LANG` that is set decides (`vi_VN.UTF-8` yes, `C` or
/// `vi_VN.TCVN` no). With none set, as on Windows, in many containers and
/// under cron, yes: terminals today are UTF-8, and `--ascii` is there for
/// those that are not.
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    let Some(locale) = ["LC_ALL", "LC_CTYPE", "LANG"]
        .into_iter()
        .find_map(|name| var(name).filter(|v| !v.is_empty()))
    else {
        return true;
    };
    let lower = locale.to_ascii_lowercase();
    lower.contains("utf-8") || lower.contains("utf8")
}

/// Runs `render` into `output`, or standard output (noting a reader that
/// went away) when there is none; for commands without `Settings`.
pub fn write_output(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match output {
        None => {
            let mut out = io::BufWriter::new(Stdout(io::stdout().lock()));
            render(&mut out)?;
            out.flush()?;
            Ok(())
        }
        Some(path) => write_atomically(path, render),
    }
}

/// Set once standard output's reader has gone away (`track report | head`).
static READER_GONE: AtomicBool = AtomicBool::new(false);

/// Whether a failure came from the reader of standard output going away,
/// which is no failure at all. Serialisers wrap the I/O error in their
/// own, so the error chain alone cannot tell.
pub fn reader_gone() -> bool {
    READER_GONE.load(Ordering::Relaxed)
}

/// Standard output that notes a broken pipe.
struct Stdout<'a>(io::StdoutLock<'a>);

impl Stdout<'_> {
    fn note<T>(result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            READER_GONE.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Self::note(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Self::note(self.0.flush())
    }
}

/// Writes a whole file or nothing: a crash or an error mid-way leaves the
/// old file (if any) untouched. Something that is not a file (`/dev/null`,
/// a named pipe, a terminal) is written to as it is: renaming a temporary
/// file over it would replace it.
pub fn write_atomically(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = fs::OpenOptions::new()
            .write(true)
            .open(path)
            .said(|| cannot_write(path.display()))?;
        let mut out = io::BufWriter::new(file);
        render(&mut out)?;
        out.flush()?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).said(|| cannot_create(dir.display()))?;
    let mut temp = crate::store::temp_file_in(dir, ".track-", ".tmp")
        .said(|| cannot_write_in(dir.display()))?;
    {
        let mut out = io::BufWriter::new(temp.as_file_mut());
        render(&mut out)?;
        out.flush()?;
    }
    // A file written over keeps its permissions, as an editor keeps them
    // (where the file system has any: a failure there is no error).
    #[cfg(unix)]
    if let Ok(meta) = fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        let _ = temp
            .as_file()
            .set_permissions(fs::Permissions::from_mode(mode));
    }
    temp.as_file().sync_all()?;
    temp.persist(path).said(|| cannot_write(path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_then_no_color_clicolor_and_the_terminal() {
        let env = ColorEnv::default();
        let no_color = ColorEnv {
            no_color: true,
            ..env
        };
        let forced = ColorEnv {
            clicolor_force: true,
            ..env
        };
        let off = ColorEnv {
            clicolor: Some(false),
            ..env
        };
        let dumb = ColorEnv { dumb: true, ..env };
        let auto = ColorChoice::Auto;
        assert!(wants_color(auto, true, env));
        assert!(!wants_color(auto, false, env), "a pipe gets no colour");
        assert!(!wants_color(auto, true, no_color));
        assert!(!wants_color(auto, true, off));
        assert!(!wants_color(auto, true, dumb));
        assert!(
            wants_color(auto, false, forced),
            "CLICOLOR_FORCE colours a pipe"
        );
        assert!(!wants_color(
            auto,
            true,
            ColorEnv {
                no_color: true,
                ..forced
            }
        ));
        assert!(wants_color(ColorChoice::Always, false, no_color));
        assert!(!wants_color(ColorChoice::Never, true, forced));
    }

    #[test]
    fn ascii_unless_the_locale_is_utf8() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(locale_is_utf8(env(&[("LANG", "vi_VN.UTF-8")])));
        assert!(locale_is_utf8(env(&[("LANG", "en_US.utf8")])));
        assert!(!locale_is_utf8(env(&[("LANG", "C")])));
        assert!(!locale_is_utf8(env(&[
            ("LC_ALL", "POSIX"),
            ("LANG", "vi_VN.UTF-8")
        ])));
        assert!(locale_is_utf8(env(&[("LC_ALL", ""), ("LANG", "C.UTF-8")])));
        assert!(locale_is_utf8(env(&[])));
    }
}
