//! Settings derived from the command line and the environment ("high"
//! arguments): the data folder, the as-of date, the output and how it may
//! look. Commands see only these.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use jiff::civil::Date;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::lang::Lang;
use crate::period::parse_as_of;
use crate::render::{Format, Style};
use crate::store::{ReadOptions, Store};

/// A mistake in how `track` was called (exit 2; 3 for `track check`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

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
    pub fn from_args(args: &GlobalArgs) -> Result<Settings> {
        let as_of = match &args.as_of {
            Some(text) => parse_as_of(text).map_err(|e| UsageError(format!("--as-of: {e}")))?,
            None => jiff::ZonedDateTime::now().date(),
        };
        let format = match (args.format, &args.output) {
            (Some(format), _) => format,
            (None, Some(path)) => Format::from_path(path).ok_or_else(|| {
                UsageError(format!(
                    "cannot tell the format from `{}`; name the file .csv, .json, .md or .txt, or add --format",
                    path.display()
                ))
            })?,
            (None, None) => Format::Table,
        };
        let to_terminal = args.output.is_none() && io::stdout().is_terminal();
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let wanted = anstyle_query::clicolor_force()
                    || (to_terminal
                        && !anstyle_query::no_color()
                        && anstyle_query::clicolor() != Some(false));
                wanted && format == Format::Table
            }
        };
        let width = if to_terminal {
            terminal_size::terminal_size().map(|(w, _)| w.0)
        } else {
            None
        };
        Ok(Settings {
            store: Store::new(&args.data),
            as_of,
            format,
            output: args.output.clone(),
            style: Style {
                lang: args.lang.unwrap_or_else(Lang::from_env),
                color,
                width,
            },
            read: ReadOptions {
                encoding: args.encoding,
            },
        })
    }

    /// Runs `render` into the output: standard output, or a temporary file
    /// beside the target that replaces it only once complete.
    pub fn write(&self, render: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
        match &self.output {
            None => {
                let mut out = io::BufWriter::new(Stdout(io::stdout().lock()));
                render(&mut out)?;
                out.flush()?;
                Ok(())
            }
            Some(path) => write_atomically(path, render),
        }
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
/// old file (if any) untouched.
pub fn write_atomically(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in `{}`", dir.display()))?;
    {
        let mut out = io::BufWriter::new(temp.as_file_mut());
        render(&mut out)?;
        out.flush()?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}
