//! Names the pages choose from or show: the languages the product writes
//! in, each labelled in itself ("Français (Canada)"); every IANA time zone;
//! and the built-in roles and profiles in the reader's language (their
//! stored names stay as they are: only the label is translated).

use super::Lang;
use identity_domain::{Profile, Role, TimeZone};

/// The languages offered, each labelled in itself: the product writes
/// English and French (emails, console, portal); the regional variants
/// choose how dates and numbers read.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("en-CA", "English (Canada)"),
    ("en-GB", "English (United Kingdom)"),
    ("en-US", "English (United States)"),
    ("fr", "Français"),
    ("fr-CA", "Français (Canada)"),
    ("fr-FR", "Français (France)"),
];

/// One option of a picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectOption {
    /// What the form sends.
    pub value: String,
    /// What the reader sees.
    pub label: String,
    /// The `lang` of the label (a language named in itself), if any.
    pub lang: &'static str,
    /// Whether it is the current value.
    pub selected: bool,
}

/// A `<select>` of a form: its field, label, hint and options.
#[derive(Debug, Clone)]
pub struct SelectField {
    /// The form field's name (and the key of its problem).
    pub name: &'static str,
    /// The element's id.
    pub id: &'static str,
    /// The label.
    pub label: &'static str,
    /// A hint under the label (none when empty).
    pub hint: &'static str,
    /// The options, the current value selected.
    pub options: Vec<SelectOption>,
}

impl SelectField {
    /// The required language picker of a person's form (`f-language`).
    pub fn language(label: &'static str, current: &str) -> Self {
        Self { name: "language", id: "f-language", label, hint: "", options: languages(current, None) }
    }

    /// The required time zone picker of a person's form (`f-time_zone`).
    pub fn time_zone(label: &'static str, current: &str) -> Self {
        Self { name: "time_zone", id: "f-time_zone", label, hint: "", options: time_zones(current, None) }
    }

    /// A language picker that may stay empty (`blank` labels the empty
    /// choice).
    pub fn optional_language(label: &'static str, blank: &str, current: &str) -> Self {
        Self { name: "language", id: "f-language", label, hint: "", options: languages(current, Some(blank)) }
    }

    /// A time zone picker that may stay empty, with its own id and hint.
    pub fn optional_time_zone(
        id: &'static str,
        label: &'static str,
        hint: &'static str,
        blank: &str,
        current: &str,
    ) -> Self {
        Self { name: "time_zone", id, label, hint, options: time_zones(current, Some(blank)) }
    }
}

/// The options of a picker over `known` (value, label, label's `lang`):
/// `blank` first when the field may be left empty, and the current value
/// kept as an option of its own when it is not a known one (a value typed
/// through the API, or refused and shown again).
fn choices(
    known: impl Iterator<Item = (&'static str, &'static str, &'static str)>,
    current: &str,
    blank: Option<&str>,
) -> Vec<SelectOption> {
    let current = current.trim();
    let mut options: Vec<SelectOption> = blank
        .map(|label| SelectOption {
            value: String::new(),
            label: label.to_owned(),
            lang: "",
            selected: current.is_empty(),
        })
        .into_iter()
        .collect();
    let mut found = false;
    for (value, label, lang) in known {
        let selected = value == current;
        found |= selected;
        options.push(SelectOption { value: value.to_owned(), label: label.to_owned(), lang, selected });
    }
    if !found && !current.is_empty() {
        options.push(SelectOption {
            value: current.to_owned(),
            label: current.to_owned(),
            lang: "",
            selected: true,
        });
    }
    options
}

/// The language picker's options, `current` selected; `blank` labels an
/// empty first option for a field that may stay empty.
pub fn languages(current: &str, blank: Option<&str>) -> Vec<SelectOption> {
    let lang_of = |code: &'static str| code.split('-').next().unwrap_or(code);
    choices(LANGUAGES.iter().map(|(code, label)| (*code, *label, lang_of(code))), current, blank)
}

/// The time zone picker's options: every IANA name, `current` selected;
/// `blank` labels an empty first option for a field that may stay empty.
pub fn time_zones(current: &str, blank: Option<&str>) -> Vec<SelectOption> {
    choices(TimeZone::names().map(|name| (name, name, "")), current, blank)
}

/// The French names of the built-in roles and profiles, by stored name.
const BUILTINS_FR: &[(&str, &str)] = &[
    ("Super Admin", "Super administrateur"),
    ("Administrator", "Administrateur"),
    ("RCIC Consultant", "Consultant CRIC"),
    ("Paralegal", "Parajuriste"),
    ("Accountant", "Comptable"),
    ("Collections", "Recouvrement"),
];

/// A built-in role's or profile's name in `lang` (the stored name in
/// English, or when none is known).
pub fn builtin(lang: Lang, stored: &str) -> String {
    let translated = match lang {
        Lang::En => None,
        Lang::Fr => BUILTINS_FR.iter().find(|(en, _)| *en == stored).map(|(_, fr)| *fr),
    };
    translated.unwrap_or(stored).to_owned()
}

/// A role's name as `lang` reads it: translated when built in, as stored
/// otherwise.
pub fn role(lang: Lang, role: &Role) -> String {
    if role.builtin { builtin(lang, role.name.as_str()) } else { role.name.as_str().to_owned() }
}

/// A profile's name as `lang` reads it: translated when built in, as
/// stored otherwise.
pub fn profile(lang: Lang, profile: &Profile) -> String {
    if profile.builtin { builtin(lang, profile.name.as_str()) } else { profile.name.as_str().to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use identity_domain::role::{BUILTIN_PROFILES, BUILTIN_ROLES};

    #[test]
    fn every_built_in_has_a_french_name_of_its_own() {
        let all: Vec<&str> = BUILTIN_ROLES.iter().chain(BUILTIN_PROFILES).map(|b| b.name).collect();
        let french: std::collections::BTreeSet<String> = all.iter().map(|n| builtin(Lang::Fr, n)).collect();
        assert_eq!(french.len(), all.len());
        assert!(all.iter().all(|n| !french.contains(*n)), "{french:?}");
        assert_eq!(builtin(Lang::En, "Paralegal"), "Paralegal");
        assert_eq!(builtin(Lang::Fr, "Paralegal"), "Parajuriste");
        assert_eq!(builtin(Lang::Fr, "Immigration intake"), "Immigration intake");
    }

    #[test]
    fn languages_are_named_in_themselves_and_an_unknown_current_one_is_kept() {
        let options = languages("fr-CA", None);
        let chosen: Vec<&SelectOption> = options.iter().filter(|c| c.selected).collect();
        assert_eq!(chosen.len(), 1);
        assert_eq!((chosen[0].label.as_str(), chosen[0].lang), ("Français (Canada)", "fr"));
        let options = languages("de-AT", Some("—"));
        assert_eq!(options[0].value, "");
        assert_eq!(options.last().map(|c| (c.value.as_str(), c.selected)), Some(("de-AT", true)));
        assert!(languages("", Some("—"))[0].selected);
    }

    #[test]
    fn every_time_zone_is_offered_and_each_parses() {
        let options = time_zones("America/Toronto", None);
        assert!(options.len() > 400, "{}", options.len());
        assert!(options.iter().all(|c| TimeZone::parse(&c.value).is_ok()));
        assert_eq!(options.iter().filter(|c| c.selected).count(), 1);
        assert!(options.windows(2).all(|w| w[0].value < w[1].value));
    }
}
