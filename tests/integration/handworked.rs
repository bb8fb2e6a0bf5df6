//! Answers worked out by hand (from SPEC section 4, independently of the
//! code) against `track report --format json`: the seed plan's sample
//! reports at three dates, and the district example at one.

use serde_json::Value;

use super::track;

/// (objective, actual rounded to 2 decimals or a level code, gap, status).
type Row = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

fn check(data: &str, as_of: &str, expected: &[Row]) {
    let out = track()
        .args([
            "--data", data, "report", "--format", "json", "--as-of", as_of,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let objectives = json["objectives"].as_array().unwrap();
    assert_eq!(objectives.len(), expected.len(), "{data} at {as_of}");
    let shown = |v: &Value| match v {
        Value::Null => None,
        Value::Number(n) => Some(
            format!("{:.2}", n.as_f64().unwrap())
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
        ),
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    for (o, (code, actual, gap, status)) in objectives.iter().zip(expected) {
        assert_eq!(o["objective"], *code);
        let context = format!("{code} at {as_of}");
        assert_eq!(o["status"], *status, "{context}");
        if o["status"] != "info" {
            assert_eq!(shown(&o["actual"]).as_deref(), *actual, "{context}: actual");
        }
        assert_eq!(shown(&o["gap"]).as_deref(), *gap, "{context}: gap");
    }
}

#[test]
fn seed_samples_mid_2025() {
    check(
        "data",
        "2025-06-30",
        &[
            ("legal-docs-2025", Some("83.33"), Some("16.67"), "at-risk"),
            ("tasks-national-2025", Some("2"), Some("0"), "met"),
            ("tasks-provincial-2025", Some("13"), Some("2"), "on-track"),
            ("tasks-transfer-2025", Some("34"), Some("16"), "at-risk"),
            ("tasks-applied-2025", Some("53.33"), Some("6.67"), "at-risk"),
            ("st-orgs-2025", Some("7"), Some("0"), "met"),
            ("startup-ideas-2025", Some("4"), Some("1"), "on-track"),
            ("startup-loans-2025", Some("0"), Some("2"), "off-track"),
            ("geo-indications-2025", Some("1"), Some("1"), "off-track"),
            ("marks-abroad-2025", None, None, "no-data"),
            ("ip-support-2025", Some("16"), Some("4"), "on-track"),
            ("productivity-2025", Some("10"), Some("10"), "off-track"),
            ("autonomy-2025", None, None, "info"),
            ("grdp-group-2030", Some("yeu"), Some("2"), "off-track"),
            ("tasks-applied-2030", Some("53.33"), Some("6.67"), "at-risk"),
            (
                "quality-tools-2030",
                Some("1.22"),
                Some("0.78"),
                "off-track",
            ),
            ("startup-projects-2030", Some("2"), Some("3"), "at-risk"),
            (
                "key-products-ip-2030",
                Some("52.17"),
                Some("7.83"),
                "at-risk",
            ),
            ("ocop-ip-2030", Some("56.72"), Some("43.28"), "off-track"),
        ],
    );
}

#[test]
fn seed_samples_end_of_2025() {
    check(
        "data",
        "2025-12-31",
        &[
            ("legal-docs-2025", Some("100"), Some("0"), "met"),
            ("tasks-national-2025", Some("3"), Some("0"), "met"),
            ("tasks-provincial-2025", Some("18"), Some("0"), "met"),
            ("tasks-transfer-2025", Some("44"), Some("6"), "at-risk"),
            ("tasks-applied-2025", Some("65"), Some("0"), "met"),
            ("st-orgs-2025", Some("12"), Some("0"), "met"),
            ("startup-ideas-2025", Some("7"), Some("0"), "met"),
            ("startup-loans-2025", Some("1"), Some("1"), "off-track"),
            ("geo-indications-2025", Some("2"), Some("0"), "met"),
            ("marks-abroad-2025", None, None, "no-data"),
            ("ip-support-2025", Some("22"), Some("0"), "met"),
            ("productivity-2025", Some("15"), Some("5"), "off-track"),
            ("autonomy-2025", None, None, "info"),
            ("grdp-group-2030", Some("trung-binh"), Some("1"), "at-risk"),
            ("tasks-applied-2030", Some("65"), Some("0"), "met"),
            ("quality-tools-2030", Some("1.72"), Some("0.28"), "at-risk"),
            ("startup-projects-2030", Some("6"), Some("0"), "met"),
            (
                "key-products-ip-2030",
                Some("58.33"),
                Some("1.67"),
                "at-risk",
            ),
            ("ocop-ip-2030", Some("55.56"), Some("44.44"), "off-track"),
        ],
    );
}

#[test]
fn seed_samples_mid_2026() {
    check(
        "data",
        "2026-06-30",
        &[
            ("legal-docs-2025", Some("100"), Some("0"), "met"),
            ("tasks-national-2025", Some("3"), Some("0"), "met"),
            ("tasks-provincial-2025", Some("18"), Some("0"), "met"),
            ("tasks-transfer-2025", Some("44"), Some("6"), "missed"),
            ("tasks-applied-2025", Some("65"), Some("0"), "met"),
            ("st-orgs-2025", Some("12"), Some("0"), "met"),
            ("startup-ideas-2025", Some("7"), Some("0"), "met"),
            ("startup-loans-2025", Some("1"), Some("1"), "missed"),
            ("geo-indications-2025", Some("2"), Some("0"), "met"),
            ("marks-abroad-2025", None, None, "no-data"),
            ("ip-support-2025", Some("22"), Some("0"), "met"),
            ("productivity-2025", Some("15"), Some("5"), "missed"),
            ("autonomy-2025", None, None, "info"),
            ("grdp-group-2030", Some("trung-binh"), Some("1"), "at-risk"),
            ("tasks-applied-2030", Some("53.85"), Some("6.15"), "at-risk"),
            ("quality-tools-2030", Some("2.14"), Some("0"), "met"),
            ("startup-projects-2030", Some("3"), Some("2"), "on-track"),
            ("key-products-ip-2030", Some("75"), Some("0"), "met"),
            ("ocop-ip-2030", Some("78.95"), Some("21.05"), "off-track"),
        ],
    );
}

#[test]
fn district_example_early_2026() {
    check(
        "examples/district-digital",
        "2026-03-31",
        &[
            (
                "cashless-merchants-2026h1",
                Some("852"),
                Some("148"),
                "on-track",
            ),
            ("fibre-coverage-2025", Some("82.27"), Some("2.73"), "missed"),
            (
                "fibre-coverage-2027",
                Some("84.69"),
                Some("5.31"),
                "at-risk",
            ),
            ("wifi-hotspots-2027", Some("52"), Some("0"), "met"),
            ("skills-courses-yearly", Some("1"), Some("3"), "on-track"),
            (
                "portal-articles-2026h1",
                Some("125"),
                Some("115"),
                "off-track",
            ),
            ("dti-level-2027", Some("muc-2"), Some("1"), "at-risk"),
            ("dx-assessment-2027", None, None, "info"),
        ],
    );
}
