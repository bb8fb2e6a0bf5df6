//! The user's files as they are, before validation: the plan's TOML shapes
//! and report rows with their line and column numbers.

pub mod plan_file;
pub mod records;
pub mod report_file;
