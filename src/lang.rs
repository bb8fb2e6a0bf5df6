//! The language of tables, Markdown and messages to people (`--lang`,
//! else the locale): every user-facing word is chosen through `Lang::pick`,
//! or carried in both languages as a `Message` until it is printed.
//! Machine output (CSV, JSON) keeps English keys and codes.

use std::fmt;

use jiff::civil::Date;

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

    /// A date as the language writes it: `2025-12-31`, `31/12/2025`.
    pub fn date(self, date: Date) -> String {
        match self {
            Lang::En => date.to_string(),
            Lang::Vi => format!("{:02}/{:02}/{}", date.day(), date.month(), date.year()),
        }
    }
}

/// Words for a person in both languages, chosen only when printed.
///
/// A problem is found where a file is read, before anything knows which
/// command will print it or in which language (a plan error is the same
/// for `report`, `check` and `validate`), so diagnostics and usage errors
/// carry both wordings; every printing site picks one with `get`. Display
/// is the English, as logs, tests and error chains expect.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Message {
    en: String,
    vi: String,
}

impl Message {
    pub fn new(en: impl Into<String>, vi: impl Into<String>) -> Message {
        Message {
            en: en.into(),
            vi: vi.into(),
        }
    }

    /// Text that reads the same in both languages: words that come from
    /// elsewhere (the TOML parser's, the system's), never our own.
    pub fn verbatim(text: impl Into<String>) -> Message {
        let text = text.into();
        Message {
            vi: text.clone(),
            en: text,
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.vi)
    }

    pub fn en(&self) -> &str {
        &self.en
    }

    pub fn vi(&self) -> &str {
        &self.vi
    }

    /// The message with `more` after it, in each language.
    pub fn then(mut self, more: &Message) -> Message {
        self.en.push_str(&more.en);
        self.vi.push_str(&more.vi);
        self
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// A `Message` from an English and a Vietnamese format string, each with
/// its own captured names: `msg!("unknown unit `{code}`", "đơn vị `{code}`
/// không có trong kế hoạch")`. Arguments after the two strings are shared
/// by both (codes and numbers, which read the same in either language).
#[macro_export]
macro_rules! msg {
    ($en:literal, $vi:literal $(,)?) => {
        $crate::lang::Message::new(format!($en), format!($vi))
    };
    ($en:literal, $vi:literal, $($arg:expr),+ $(,)?) => {
        $crate::lang::Message::new(format!($en, $($arg),+), format!($vi, $($arg),+))
    };
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

    #[test]
    fn a_message_carries_both_languages() {
        let code = "SKHC";
        let m = msg!(
            "unknown unit `{code}`",
            "đơn vị `{code}` không có trong kế hoạch"
        );
        assert_eq!(m.get(Lang::En), "unknown unit `SKHC`");
        assert_eq!(m.get(Lang::Vi), "đơn vị `SKHC` không có trong kế hoạch");
        assert_eq!(m.to_string(), "unknown unit `SKHC`");
        let m = m.then(&msg!(
            "; did you mean `{}`?",
            "; có phải là `{}` không?",
            "SKHCN"
        ));
        assert_eq!(
            m.vi(),
            "đơn vị `SKHC` không có trong kế hoạch; có phải là `SKHCN` không?"
        );
        assert_eq!(Lang::Vi.date(Date::constant(2025, 6, 30)), "30/06/2025");
    }
}
