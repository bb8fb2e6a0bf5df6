//! The command line as clap sees it ("low" arguments): definitions only.
//! `settings.rs` turns them into the validated settings the commands use.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::evaluate::Status;
use crate::input::report_file::Encoding;
use crate::lang::Lang;
use crate::render::Format;

/// Track a plan's targets from the reports its units send in.
///
/// `track` reads the plan (DIR/plan.toml) and the stored unit reports
/// (DIR/reports/*.csv), and shows each objective's target against what was
/// reported: actual, expected by now, gap and status.
#[derive(Debug, Parser)]
#[command(name = "track", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The data folder, holding plan.toml and reports/
    #[arg(
        long,
        global = true,
        env = "TRACK_DATA",
        default_value = "data",
        value_name = "DIR"
    )]
    pub data: PathBuf,

    /// Judge as of this date, or the end of this period (2025-12-31, 2025-Q4, 2025-H2, 2025) [default: today]
    #[arg(long, global = true, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(long, short = 'f', global = true, value_enum)]
    pub format: Option<Format>,

    /// Write to FILE (replaced whole, never half-written) instead of standard output
    #[arg(long = "output", short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Language of tables and messages [default: vi when LC_ALL/LC_MESSAGES/LANG is Vietnamese, else en]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,

    /// Colour the status column: auto colours a terminal unless NO_COLOR is set
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Encoding of report files without a byte-order mark
    #[arg(long, global = true, value_enum, default_value_t = Encoding::Auto)]
    pub encoding: Encoding,

    /// Threads reading the reports [default: one per core]
    #[arg(long, global = true, env = "TRACK_THREADS", value_name = "N")]
    pub threads: Option<std::num::NonZeroUsize>,

    /// Neither read nor write the cache of values read (`.cache/` in the data folder)
    #[arg(long, global = true, env = "TRACK_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,

    /// Draw tables, gauges and marks with ASCII only [default: when the locale is not UTF-8]
    #[arg(long, global = true)]
    pub ascii: bool,

    /// CSV for Excel in a Vietnamese locale: UTF-8 with BOM, `;` delimiter, decimal comma (implies --format csv)
    #[arg(long, global = true)]
    pub excel: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Target-versus-actual table of every objective, then the warnings
    Report(ReportArgs),
    /// For cron: one line and exit 0 when all is well; else the warnings and exit 1 (warning) or 2 (critical); 3 when the check cannot run
    Check(CheckArgs),
    /// How one objective's figure was reached: formula, thresholds and every value
    Explain(ExplainArgs),
    /// Check the plan and the stored reports (or the given files); write nothing
    Validate(ValidateArgs),
    /// Which units have and have not reported which indicators, per period, with reporting rates
    Completeness(CompletenessArgs),
    /// A blank CSV report for a unit to fill in for a period (or one per unit with --all)
    Template(TemplateArgs),
    /// Shell completions for bash, zsh, fish, elvish or PowerShell, to standard output
    Completions(CompletionsArgs),
    /// The manual page (roff), to standard output
    Man,
    /// Check report files against the plan and the stored reports, then store them; all or nothing
    Ingest(IngestArgs),
    /// Every stored value in force as one CSV: unit,indicator,period,value,note,file,line
    Export(ExportArgs),
}

impl Command {
    /// The one format a command writes, when it has only one: `--format`
    /// and the `-o` file's extension then decide nothing.
    pub fn fixed_format(&self) -> Option<Format> {
        match self {
            Command::Template(_) => Some(Format::Csv),
            _ => None,
        }
    }

    /// Whether the command can write CSV, the only output `--excel` shapes.
    pub fn writes_csv(&self) -> bool {
        match self {
            Command::Report(_)
            | Command::Explain(_)
            | Command::Completeness(_)
            | Command::Template(_)
            | Command::Export(_) => true,
            Command::Check(_)
            | Command::Validate(_)
            | Command::Ingest(_)
            | Command::Completions(_)
            | Command::Man => false,
        }
    }

    /// The subcommand's name as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Report(_) => "report",
            Command::Check(_) => "check",
            Command::Explain(_) => "explain",
            Command::Validate(_) => "validate",
            Command::Completeness(_) => "completeness",
            Command::Template(_) => "template",
            Command::Completions(_) => "completions",
            Command::Man => "man",
            Command::Ingest(_) => "ingest",
            Command::Export(_) => "export",
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only these objectives (codes, comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub objective: Vec<String>,

    /// Only objectives with these statuses
    #[arg(long, value_delimiter = ',', value_enum, value_name = "STATUS")]
    pub status: Vec<Status>,

    /// Count only these units' values, and show the objectives they report on
    #[arg(long, value_delimiter = ',', value_name = "UNIT")]
    pub unit: Vec<String>,

    /// Break each actual down by reporting unit
    #[arg(long, value_enum, value_name = "WHAT")]
    pub by: Option<Breakdown>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Breakdown {
    Unit,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print nothing when all is well
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The objective's code, e.g. tasks-provincial-2025
    pub objective: String,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Report files to check against the plan [default: the stored reports]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletenessArgs {
    /// Only these units (codes, comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "UNIT")]
    pub unit: Vec<String>,

    /// Only these indicators (codes, comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub indicator: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The unit that owes the report, e.g. SKHCN
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub unit: Option<String>,

    /// The period it reports on, e.g. 2025-H1 (its indicators of that cadence are listed)
    #[arg(long, value_name = "PERIOD")]
    pub period: String,

    /// One file per unit that owes a report for the period, into a folder (--dir DIR or -o DIR)
    #[arg(long)]
    pub all: bool,

    // `requires = "all"` would never fire: a flag counts as present through
    // its default `false`. Without `--all`, `--unit` is required, so
    // conflicting with it means "only with `--all`".
    /// The folder for --all [default: the -o path]
    #[arg(long, value_name = "DIR", conflicts_with = "unit")]
    pub dir: Option<PathBuf>,

    /// With --all, write over files of the same names in the folder (which may be returns units filled in)
    #[arg(long, conflicts_with = "unit")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Report files as received (CSV or Excel's "Unicode text")
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Check the files and say what would be stored and replaced; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Let the new values supersede stored values for the same unit, indicator and period (the old ones stay on record)
    #[arg(long)]
    pub replace: bool,

    /// When the files were received, if not now (2025-07-14) [default: now]
    #[arg(long, value_name = "DATE")]
    pub received: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Also the superseded values, with columns `in_force` and `superseded_by`
    #[arg(long)]
    pub all: bool,
}
