//! The plan file as written: TOML shapes with their source spans, before
//! any code is checked. `model::Plan::from_input` turns this into the plan
//! the rest of the program trusts.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

/// The whole `plan.toml`, keys in the order the plan lists them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub plan: PlanHeader,
    #[serde(default)]
    pub units: IndexMap<Spanned<String>, UnitShape>,
    #[serde(default)]
    pub indicators: IndexMap<Spanned<String>, IndicatorShape>,
    #[serde(default)]
    pub objectives: IndexMap<Spanned<String>, ObjectiveShape>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanHeader {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub source: Option<String>,
    pub start: Spanned<Datetime>,
    pub tolerance: Option<Spanned<String>>,
    pub cadence: Option<Cadence>,
    pub due_days: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitShape {
    pub name: String,
    pub name_en: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndicatorKindShape {
    Flow,
    Stock,
    Ordinal,
    Text,
}

/// How often a unit reports an indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cadence {
    Year,
    HalfYear,
    Quarter,
    Month,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorShape {
    pub kind: IndicatorKindShape,
    pub title: String,
    pub title_en: String,
    pub counted_in: Option<String>,
    pub counted_in_en: Option<String>,
    pub section: Option<String>,
    #[serde(default)]
    pub reporters: Vec<Spanned<String>>,
    pub cadence: Option<Cadence>,
    pub levels: Option<Spanned<Vec<LevelShape>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelShape {
    pub code: Spanned<String>,
    pub title: String,
    pub title_en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveShape {
    pub title: String,
    pub title_en: String,
    pub section: Option<String>,
    pub measure: Spanned<String>,
    pub target: Spanned<String>,
    pub by: Spanned<Deadline>,
    pub from: Option<Spanned<Datetime>>,
}

/// `by = 2025` (its 31 December) or `by = 2025-06-30`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Deadline {
    Year(i64),
    Date(Datetime),
}

impl PlanFile {
    /// Parses the TOML text; on failure, the byte span of the problem and
    /// the parser's message.
    pub fn parse(text: &str) -> Result<PlanFile, (Option<std::ops::Range<usize>>, String)> {
        toml::from_str(text).map_err(|e: toml::de::Error| (e.span(), e.message().to_string()))
    }
}
