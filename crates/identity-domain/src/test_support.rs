//! Fixtures for tests of this crate and of the crates built on it, behind
//! the `test-support` feature (enable it in `[dev-dependencies]` only):
//! the example practice every suite starts from, written once.
//!
//! ```toml
//! [dev-dependencies]
//! identity-domain = { path = "../identity-domain", features = ["test-support"] }
//! ```

use crate::email::EmailAddress;
use crate::person::{Label, Language, PersonName, TimeZone};
use crate::practice::{PracticeSettings, PracticeSlug};
use crate::service::NewPractice;

impl NewPractice {
    /// The example practice: `maple-law`, "Maple Immigration Law", default
    /// settings on `America/Toronto` time, its first Super Admin Olivia Owner
    /// `<owner@maple.example>`, in English, on the same time. A test that needs another
    /// name or language changes that field:
    /// `NewPractice { admin_language: …, ..NewPractice::example() }`.
    ///
    /// # Panics
    /// Never: every value is valid.
    #[allow(clippy::unwrap_used)]
    pub fn example() -> Self {
        let toronto = TimeZone::parse("America/Toronto").unwrap();
        Self {
            slug: PracticeSlug::parse("maple-law").unwrap(),
            name: Label::parse("Maple Immigration Law").unwrap(),
            settings: PracticeSettings { time_zone: toronto, ..PracticeSettings::default() },
            admin_email: EmailAddress::parse("owner@maple.example").unwrap(),
            admin_name: PersonName::parse("Olivia Owner").unwrap(),
            admin_language: Language::english(),
            admin_time_zone: toronto,
            second_factor_for_admins: false,
        }
    }

    /// The example practice under another `slug` (a valid slug such as
    /// `birch`): named "`slug` practice", its Super Admin Olivia Owner
    /// `<owner@slug.example>`. For tests that need a second practice.
    ///
    /// # Panics
    /// When `slug` is not a valid practice slug.
    #[allow(clippy::unwrap_used)]
    pub fn example_at(slug: &str) -> Self {
        Self {
            slug: PracticeSlug::parse(slug).unwrap(),
            name: Label::parse(&format!("{slug} practice")).unwrap(),
            admin_email: EmailAddress::parse(&format!("owner@{slug}.example")).unwrap(),
            ..Self::example()
        }
    }
}
