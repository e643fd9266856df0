//! Validated values that describe a person: name, language, time zone,
//! phone, and free text such as notes or an address.

mod locale;
mod text;

pub use locale::*;
pub use text::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_are_accepted_and_trimmed() {
        assert_eq!(PersonName::parse("  Zoë Ó Briain ").unwrap().as_str(), "Zoë Ó Briain");
        assert!(PersonName::parse("王秀英").is_ok());
        assert_eq!(PersonName::parse("  "), Err(TextError::Empty));
        assert_eq!(PersonName::parse("a\nb"), Err(TextError::ControlCharacter));
        assert!(PersonName::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn invisible_format_characters_are_refused_in_names_and_labels() {
        for (typed, hidden) in [
            ("Ana\u{200B} Silva", '\u{200B}'),         // zero-width space
            ("Ana\u{200D}Silva", '\u{200D}'),          // zero-width joiner between Latin letters
            ("An\u{200C}a Silva", '\u{200C}'),         // zero-width non-joiner between Latin letters
            ("\u{202E}avliS anA", '\u{202E}'),         // right-to-left override
            ("Ana \u{2066}Silva\u{2069}", '\u{2066}'), // left-to-right isolate
            ("Ana Sil\u{AD}va", '\u{AD}'),             // soft hyphen
            ("\u{FEFF}Ana Silva", '\u{FEFF}'),         // byte-order mark
            ("Ana Silva\u{E0041}", '\u{E0041}'),       // tag character
        ] {
            assert_eq!(PersonName::parse(typed), Err(TextError::InvisibleCharacter(hidden)), "{typed:?}");
            assert_eq!(Label::parse(typed), Err(TextError::InvisibleCharacter(hidden)), "{typed:?}");
        }
        let refused = PersonName::parse("Ana\u{200B}Silva").unwrap_err();
        assert_eq!(refused.to_string(), "must not contain the invisible formatting character U+200B");
    }

    #[test]
    fn joiners_stay_where_a_script_needs_them() {
        // Persian: a zero-width non-joiner between Arabic letters.
        assert!(PersonName::parse("زین\u{200C}العابدین").is_ok());
        // Malayalam and Devanagari: joiners after a virama.
        assert!(PersonName::parse("ന്\u{200D}").is_ok());
        assert!(PersonName::parse("क्\u{200C}ष").is_ok());
        // …but not at the start of a name, nor between Latin and Arabic.
        assert!(PersonName::parse("\u{200C}زین").is_err());
        assert!(PersonName::parse("a\u{200C}ز").is_err());
    }

    #[test]
    fn line_and_paragraph_separators_break_a_single_line() {
        for typed in ["Ana\u{2028}Silva", "Ana\u{2029}Silva", "Ana\u{85}Silva", "Ana\u{0}"] {
            assert_eq!(PersonName::parse(typed), Err(TextError::ControlCharacter), "{typed:?}");
        }
    }

    #[test]
    fn lookalike_letters_of_other_scripts_are_names_of_their_own() {
        // The first letter is Cyrillic: allowed, and a different name.
        let cyrillic = PersonName::parse("Аna Silva").unwrap();
        assert_ne!(cyrillic, PersonName::parse("Ana Silva").unwrap());
    }

    #[test]
    fn language_tags_are_canonicalised() {
        assert_eq!(Language::parse("FR-ca").unwrap().as_str(), "fr-CA");
        assert_eq!(Language::parse("fr-CA").unwrap().primary(), "fr");
        assert!(Language::parse("not a tag").is_err());
        assert!(Language::parse("").is_err());
        assert!(Language::parse("und").is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(TimeZone::parse("America/Toronto").unwrap().name(), "America/Toronto");
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn phones_allow_common_punctuation_only() {
        assert!(Phone::parse("+1 (514) 555-0199 x12").is_ok());
        assert!(Phone::parse("555-0199").is_ok());
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("12").is_err());
    }

    #[test]
    fn notes_keep_line_breaks_but_not_other_controls() {
        assert!(Note::parse("line one\nline two").is_ok());
        assert_eq!(Note::parse("bad\u{0}"), Err(TextError::ControlCharacter));
    }
}
