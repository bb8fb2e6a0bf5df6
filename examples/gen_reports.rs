//! Benchmark data: writes a national-scale data folder (a plan with
//! thousands of communes and objectives of every kind, and monthly reports
//! as units send them, one file per unit and year) that `track --data DIR`
//! reads like ingested reports. Deterministic: the same arguments give the
//! same bytes.
//!
//! ```sh
//! cargo run --release --example gen_reports -- --rows 10000000 --out /tmp/national
//! ```

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Indicators by kind; every unit reports every indicator every month.
const FLOWS: usize = 30;
const STOCKS: usize = 6;
const ORDINALS: usize = 2;
const TEXTS: usize = 2;
const INDICATORS: usize = FLOWS + STOCKS + ORDINALS + TEXTS;
/// Ratio objectives divide flow 2k+2 by flow 2k+1.
const RATIOS: usize = 10;
const FIRST_YEAR: u16 = 2024;
const YEARS: u16 = 7;

const NOTES: [&str; 6] = [
    "Số liệu tổng hợp từ các thôn",
    "\"Đã rà soát, đối chiếu với sổ theo dõi\"",
    "Theo báo cáo tháng",
    "\"Ước thực hiện, chưa chốt số liệu\"",
    "Đã kiểm tra",
    "\"Gồm cả hộ kinh doanh, hợp tác xã\"",
];
const ASSESSMENTS: [&str; 3] = [
    "\"Tiến độ đạt yêu cầu, cần đẩy mạnh truyền thông\"",
    "Chưa đạt do thiếu kinh phí",
    "\"Đạt, vượt kế hoạch tháng\"",
];
const LEVELS: [&str; 4] = ["yeu", "trung-binh", "kha", "tot"];

/// A small deterministic generator (SplitMix64): enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Args {
    rows: u64,
    out: PathBuf,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut rows = None;
    let mut out = None;
    let mut seed = 69;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--rows" => {
                rows = Some(
                    value()?
                        .replace('_', "")
                        .parse()
                        .map_err(|e| format!("--rows: {e}"))?,
                )
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; expected --rows N --out DIR [--seed S]"
                ));
            }
        }
    }
    Ok(Args {
        rows: rows.ok_or("--rows N is required")?,
        out: out.ok_or("--out DIR is required")?,
        seed,
    })
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("gen_reports: {e}");
        std::process::exit(2);
    });
    let per_unit = (INDICATORS as u64) * u64::from(YEARS) * 12;
    let units = args.rows.div_ceil(per_unit).max(1) as usize;
    fs::create_dir_all(args.out.join("reports")).expect("create the output folder");
    fs::write(args.out.join("plan.toml"), plan(units)).expect("write plan.toml");

    let mut rng = Rng(args.seed);
    let mut written = 0u64;
    let mut last_flow = 0;
    let mut line = String::new();
    'units: for unit in 0..units {
        for year in FIRST_YEAR..FIRST_YEAR + YEARS {
            if written >= args.rows {
                break 'units;
            }
            let path = args
                .out
                .join("reports")
                .join(format!("{}-{year}.csv", unit_code(unit)));
            let mut out = BufWriter::new(fs::File::create(&path).expect("create a report file"));
            out.write_all(b"unit,indicator,period,value,note\n")
                .unwrap();
            for month in 1..=12u64 {
                for indicator in 0..INDICATORS {
                    if written >= args.rows {
                        break;
                    }
                    line.clear();
                    let code = indicator_code(indicator);
                    write!(line, "{},{code},{year}-{month:02},", unit_code(unit)).unwrap();
                    match indicator {
                        // Ratio pairs (see `plan`): the numerator, an odd
                        // flow, never exceeds the even flow before it.
                        i if i < 2 * RATIOS && i % 2 == 1 => {
                            write!(line, "{}", rng.below(last_flow + 1)).unwrap()
                        }
                        i if i < FLOWS => {
                            last_flow = rng.below(40);
                            write!(line, "{last_flow}").unwrap()
                        }
                        // The second stock (a part of the first) stays below it.
                        i if i == FLOWS + 1 => {
                            write!(line, "{}", last_flow - rng.below(last_flow / 10)).unwrap()
                        }
                        i if i < FLOWS + STOCKS => {
                            last_flow = 500 + rng.below(500) + month;
                            write!(line, "{last_flow}").unwrap()
                        }
                        i if i < FLOWS + STOCKS + ORDINALS => {
                            line.push_str(LEVELS[rng.below(4) as usize])
                        }
                        _ => line.push_str(ASSESSMENTS[rng.below(3) as usize]),
                    }
                    line.push(',');
                    if rng.below(4) == 0 {
                        line.push_str(NOTES[rng.below(NOTES.len() as u64) as usize]);
                    }
                    line.push('\n');
                    out.write_all(line.as_bytes()).unwrap();
                    written += 1;
                }
            }
            out.flush().unwrap();
        }
    }
    eprintln!(
        "gen_reports: {written} rows from {units} units in {}",
        args.out.display()
    );
}

fn unit_code(unit: usize) -> String {
    format!("XA-{unit:05}")
}

fn indicator_code(indicator: usize) -> String {
    match indicator {
        i if i < FLOWS => format!("flow-{:02}", i + 1),
        i if i < FLOWS + STOCKS => format!("stock-{:02}", i - FLOWS + 1),
        i if i < FLOWS + STOCKS + ORDINALS => format!("level-{:02}", i - FLOWS - STOCKS + 1),
        i => format!("text-{:02}", i - FLOWS - STOCKS - ORDINALS + 1),
    }
}

/// The plan: every unit reports every indicator monthly; objectives of
/// every kind of SPEC section 4 (counts of flows and stocks, ratios of
/// flows and of stocks, per-year, ordinal, qualitative) with 2025 and 2030
/// deadlines.
fn plan(units: usize) -> String {
    let mut p = String::from(
        "# Generated by `cargo run --example gen_reports`: a national-scale benchmark plan.\n\
         [plan]\ncode = \"national-benchmark\"\ntitle = \"Kế hoạch thử nghiệm quy mô toàn quốc\"\n\
         title_en = \"National-scale benchmark plan\"\nstart = 2024-01-01\ncadence = \"month\"\n\n[units]\n",
    );
    for unit in 0..units {
        writeln!(
            p,
            "{} = {{ name = \"Xã số {unit}\", name_en = \"Commune {unit}\" }}",
            unit_code(unit)
        )
        .unwrap();
    }
    // Every commune reports every indicator.
    let reporters = "[\"*\"]";
    for indicator in 0..INDICATORS {
        let code = indicator_code(indicator);
        let kind = match indicator {
            i if i < FLOWS => "flow",
            i if i < FLOWS + STOCKS => "stock",
            i if i < FLOWS + STOCKS + ORDINALS => "ordinal",
            _ => "text",
        };
        writeln!(p, "\n[indicators.{code}]\nkind = \"{kind}\"\ntitle = \"Chỉ tiêu {code}\"\ntitle_en = \"Indicator {code}\"\nreporters = {reporters}").unwrap();
        if kind == "ordinal" {
            p.push_str("levels = [\n  { code = \"yeu\", title = \"Yếu\" },\n  { code = \"trung-binh\", title = \"Trung bình\" },\n  { code = \"kha\", title = \"Khá\" },\n  { code = \"tot\", title = \"Tốt\" },\n]\n");
        }
    }
    let scale = units as u64;
    let mut objective = |code: String, measure: String, target: String, by: u16| {
        writeln!(p, "\n[objectives.{code}]\ntitle = \"Mục tiêu {code}\"\ntitle_en = \"Objective {code}\"\nmeasure = \"{measure}\"\ntarget = \"{target}\"\nby = {by}").unwrap();
    };
    for i in 1..=FLOWS {
        let by = if i % 2 == 0 { 2025 } else { 2030 };
        let months = if by == 2025 { 24 } else { 84 };
        let low = scale * 20 * months;
        objective(
            format!("count-{i:02}"),
            indicator_code(i - 1),
            format!("{low}-{}", low * 3 / 2),
            by,
        );
    }
    for i in 1..=STOCKS {
        objective(
            format!("stock-{i:02}-2030"),
            indicator_code(FLOWS + i - 1),
            format!(">= {}", scale * 800),
            2030,
        );
    }
    for i in 1..=RATIOS {
        let (num, den) = (indicator_code(2 * i - 1), indicator_code(2 * i - 2));
        objective(
            format!("ratio-{i:02}"),
            format!("{num} / {den}"),
            ">= 90%".into(),
            2030,
        );
    }
    objective(
        "ratio-stocks".into(),
        format!("{} / {}", indicator_code(FLOWS + 1), indicator_code(FLOWS)),
        "> 95%".into(),
        2030,
    );
    objective(
        "per-year".into(),
        indicator_code(0),
        format!("{}-{} per year", scale * 200, scale * 300),
        2030,
    );
    objective(
        "level-2030".into(),
        indicator_code(FLOWS + STOCKS),
        ">= kha".into(),
        2030,
    );
    objective(
        "assessment-2030".into(),
        indicator_code(FLOWS + STOCKS + ORDINALS),
        "qualitative".into(),
        2030,
    );
    p
}
