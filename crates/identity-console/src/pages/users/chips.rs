//! The filters in force above the users table, each a chip with a link
//! that removes it: a plain link to the same table without that filter
//! (sort and page size kept, back to the first page), so it works without
//! JavaScript and is reached by the keyboard like any link.

use super::table::TableQuery;
use super::{Catalogue, status_name};
use crate::i18n::{Lang, Text, fill, names};
use crate::paths;
use identity_domain::UserStatus;

/// One filter in force.
pub(super) struct Chip {
    /// What it filters on, as people read it (`Role: Paralegal`).
    pub(super) label: String,
    /// The table without it.
    pub(super) remove: String,
    /// The remove link's name for screen readers (`Remove the filter Role: Paralegal`).
    pub(super) remove_label: String,
}

/// The chips of the filters and search in `query`; `rest` is what every
/// remove link keeps besides the other filters (sort and direction). A
/// value that is not valid (an unknown status) gets its chip too, so that
/// it can be removed as easily.
pub(super) fn chips(
    lang: Lang,
    query: &TableQuery,
    catalogue: &Catalogue,
    rest: &[(&'static str, String)],
) -> Vec<Chip> {
    let t = lang.text();
    let filters = query.filters();
    let mut chips = Vec::new();
    for (index, (key, value)) in filters.iter().enumerate() {
        let others = || filters.iter().enumerate().filter(move |(i, _)| *i != index).map(|(_, p)| p.clone());
        if *key == "status" {
            // One chip per status of a list (`active,invited`).
            let statuses: Vec<&str> = value.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            for (i, status) in statuses.iter().enumerate() {
                let left: Vec<&str> =
                    statuses.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| *s).collect();
                let mut pairs: Vec<(&'static str, String)> = others().collect();
                if !left.is_empty() {
                    pairs.insert(index.min(pairs.len()), ("status", left.join(",")));
                }
                let shown = UserStatus::parse(status)
                    .map_or_else(|| (*status).to_owned(), |s| status_name(t, s).to_owned());
                chips.push(chip(t, t.status, &shown, pairs, query, rest));
            }
            continue;
        }
        let (name, shown) = match *key {
            "role" => (
                t.role,
                named(value, catalogue.roles.iter().map(|r| (r.id.to_string(), names::role(lang, r)))),
            ),
            "profile" => (
                t.profile,
                named(value, catalogue.profiles.iter().map(|p| (p.id.to_string(), names::profile(lang, p)))),
            ),
            "site" => (
                t.site,
                named(value, catalogue.sites.iter().map(|s| (s.id.to_string(), s.name.as_str().to_owned()))),
            ),
            "language" => (t.language, value.clone()),
            "second_factor" => (
                t.second_factor,
                match value.as_str() {
                    "true" => t.with_second_factor.to_owned(),
                    "false" => t.without_second_factor.to_owned(),
                    other => other.to_owned(),
                },
            ),
            _ => (t.search_button, format!("“{value}”")),
        };
        chips.push(chip(t, name, &shown, others().collect(), query, rest));
    }
    chips
}

/// The name of the one of `known` whose id is `value`, else `value`.
fn named(value: &str, mut known: impl Iterator<Item = (String, String)>) -> String {
    known.find(|(id, _)| id == value).map_or_else(|| value.to_owned(), |(_, name)| name)
}

fn chip(
    t: &Text,
    name: &str,
    shown: &str,
    mut pairs: Vec<(&'static str, String)>,
    query: &TableQuery,
    rest: &[(&'static str, String)],
) -> Chip {
    pairs.extend(rest.iter().cloned());
    pairs.extend(query.kept_size().map(|n| ("size", n.to_string())));
    let label = fill(t.chip, &[("name", name), ("value", shown)]);
    Chip {
        remove: format!("{}?{}", paths::USERS, TableQuery::query_string(&pairs)),
        remove_label: fill(t.remove_filter, &[("filter", &label)]),
        label,
    }
}
