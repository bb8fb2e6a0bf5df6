//! The language of tables, Markdown and messages to people (`--lang`,
//! else the locale): every user-facing word is chosen through `Lang::pick`.
//! Machine output (CSV, JSON) keeps English keys and codes.

/// Vietnamese or English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    /// `vi` when `LC_ALL`, `LC_MESSAGES` or `LANG` (the first one set)
    /// names a Vietnamese locale, else English.
    pub fn from_env() -> Lang {
        Lang::from_locale(|name| std::env::var(name).ok())
    }

    fn from_locale(var: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()))
            .unwrap_or_default();
        if locale.to_ascii_lowercase().starts_with("vi") {
            Lang::Vi
        } else {
            Lang::En
        }
    }

    /// The English or the Vietnamese wording.
    pub fn pick<'a>(self, en: &'a str, vi: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Vi => vi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_locale_variable_set_decides() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Lang::from_locale(env(&[("LANG", "vi_VN.UTF-8")])), Lang::Vi);
        assert_eq!(
            Lang::from_locale(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "vi_VN.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale(env(&[("LC_ALL", ""), ("LANG", "vi_VN")])),
            Lang::Vi
        );
        assert_eq!(Lang::from_locale(env(&[])), Lang::En);
    }
}
