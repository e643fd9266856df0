//! What the new-user form and the pages of one user share: the person
//! fields and their parsing, the roles, profiles and sites to pick from,
//! the holder of a reused email, and the notices after an action.

use super::*;

/// A notice after a change, by its key in the address.
pub fn done_text(t: &'static Text, key: &str) -> Option<&'static str> {
    Some(match key {
        "password" => t.password_changed,
        "saved" => t.done_saved,
        "reset" => t.done_reset,
        "reset_emailed" => t.done_reset_emailed,
        "reset_link" => t.done_reset_link,
        "signed_out" => t.done_sign_out_all,
        "resent" => t.done_resend,
        "revoked" => t.done_revoke,
        "reassigned" => t.done_reassigned,
        "deactivated" => t.done_deactivated,
        "reactivated" => t.done_reactivated,
        "email" => t.done_email,
        "invited" => t.done_invited,
        "factors_reset" => t.mfa_reset_done,
        _ => return None,
    })
}

/// What the forms of the users pages choose from.
pub struct Catalogue {
    /// Roles.
    pub roles: Vec<Role>,
    /// Profiles.
    pub profiles: Vec<Profile>,
    /// Sites.
    pub sites: Vec<Site>,
}

impl Catalogue {
    /// Reads roles, profiles and sites.
    ///
    /// # Errors
    /// The page for a refusal or failure.
    pub async fn read(state: &ConsoleState, viewer: &Viewer) -> Result<Self, Response> {
        let service = &state.service;
        let fail = |p: Problem| crate::pages::refusal_for(viewer, p.status, &p.text);
        let t = viewer.lang.text();
        let roles = service.list_roles(&viewer.caller).await.map_err(|e| fail(e.describe(t)))?;
        let profiles = service.list_profiles(&viewer.caller).await.map_err(|e| fail(e.describe(t)))?;
        let sites = service.list_sites(&viewer.caller).await.map_err(|e| fail(e.describe(t)))?;
        Ok(Self { roles, profiles, sites })
    }

    /// The name of a role, as stored.
    pub fn role_name(&self, id: RoleId) -> String {
        self.roles.iter().find(|r| r.id == id).map(|r| r.name.as_str().to_owned()).unwrap_or_default()
    }

    /// The name of a role as `lang` reads it (built-in ones translated).
    pub fn role_label(&self, lang: crate::i18n::Lang, id: RoleId) -> String {
        self.roles.iter().find(|r| r.id == id).map(|r| crate::i18n::names::role(lang, r)).unwrap_or_default()
    }
}

/// Parses an optional field: blank is absent.
pub fn optional<T, E>(
    errors: &mut Errors,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
    problem: impl FnOnce(E) -> Problem,
) -> Option<T> {
    if raw.trim().is_empty() { None } else { errors.check(parse(raw).map_err(problem)) }
}

/// Parses ids picked in a form, dropping anything that is not one.
pub fn picked<T: From<uuid::Uuid> + Ord>(raw: &[String]) -> BTreeSet<T> {
    raw.iter().filter_map(|s| uuid::Uuid::parse_str(s).ok()).map(T::from).collect()
}

/// Reads the common fields of a person from a form.
pub struct PersonFields {
    /// Full name.
    pub name: Option<PersonName>,
    /// Language.
    pub language: Option<Language>,
    /// Time zone.
    pub time_zone: Option<TimeZone>,
    /// Phone (outer `None`: refused).
    pub phone: Option<Option<Phone>>,
    /// Title.
    pub title: Option<Option<Label>>,
    /// Notes.
    pub notes: Option<Option<Note>>,
}

impl PersonFields {
    /// Parses, recording every problem beside its field.
    pub fn parse(
        t: &Text,
        errors: &mut Errors,
        (name, language, time_zone): (&str, &str, &str),
        (phone, title, notes): (&str, &str, &str),
    ) -> Self {
        let name = errors.check(PersonName::parse(name).map_err(|e| text_problem(t, "name", &e)));
        let language =
            errors.check(Language::parse(language).map_err(|_| Problem::at("language", t.err_language)));
        let time_zone =
            errors.check(TimeZone::parse(time_zone).map_err(|_| Problem::at("time_zone", t.err_time_zone)));
        let mut refused = false;
        let phone = optional(errors, phone, Phone::parse, |_| {
            refused = true;
            Problem::at("phone", t.err_phone)
        });
        let phone = (!refused).then_some(phone);
        let mut refused = false;
        let title = optional(errors, title, Label::parse, |e| {
            refused = true;
            text_problem(t, "title", &e)
        });
        let title = (!refused).then_some(title);
        let mut refused = false;
        let notes = optional(errors, notes, Note::parse, |e| {
            refused = true;
            text_problem(t, "notes", &e)
        });
        let notes = (!refused).then_some(notes);
        Self { name, language, time_zone, phone, title, notes }
    }
}

/// Names the holder of a refused email: their name and page.
pub async fn holder_of(
    state: &ConsoleState,
    viewer: &Viewer,
    problem: &mut Problem,
) -> Option<(String, String)> {
    let holder = problem.holder?;
    let name = match state.service.get_user(&viewer.caller, holder).await {
        Ok(user) => user.name.as_str().to_owned(),
        Err(_) => holder.to_string(),
    };
    problem.text = crate::i18n::fill(&problem.text, &[("holder", &name)]);
    Some((name, format!("{}/{holder}", paths::USERS)))
}
