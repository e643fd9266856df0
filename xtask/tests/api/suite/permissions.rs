//! The permission matrix: every route, called by a user of every built-in
//! role, by a party signed in to the portal, and without a session.
//! Whether each call may pass is computed from the built-in roles'
//! permission catalogue (`BUILTIN_ROLES`); a denied staff call must be 403
//! `forbidden` naming the missing permission; a staff route called with a
//! portal session, a portal route called with a staff session, and any
//! route needing a session called without one must be 401
//! `unauthenticated`, as if no session were presented. An allowed call is
//! anything but 401 or 403.

use crate::routes::{self, Need};
use super::*;
use identity_domain::role::{BUILTIN_ROLES, Builtin, SUPER_ADMIN};

/// Who calls.
#[derive(Clone, Copy)]
enum Who<'a> {
    /// No session.
    Nobody,
    /// A staff user of this built-in role.
    Staff(&'a Builtin),
    /// A party signed in to the portal.
    Party,
}

/// Whether `who` may pass the route's check.
fn allowed(who: Who<'_>, need: Need) -> bool {
    match (need, who) {
        (Need::Anonymous, _) => true,
        (Need::Waiting, _) => false,
        (_, Who::Nobody) => false,
        (Need::Portal, Who::Party) => true,
        (Need::Portal, Who::Staff(_)) | (_, Who::Party) => false,
        (Need::Session, Who::Staff(_)) => true,
        (Need::All(permissions), Who::Staff(role)) => {
            role.bypass || permissions.iter().all(|p| role.permission_set().contains(*p))
        }
    }
}

#[tokio::test]
async fn every_route_by_every_built_in_role_by_a_portal_party_and_without_a_session() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let records = routes::records(&app).await;
    let mut callers: Vec<(Who<'_>, Option<String>)> = vec![(Who::Nobody, None)];
    for role in BUILTIN_ROLES {
        let token = if role.name == SUPER_ADMIN {
            app.admin.clone()
        } else {
            let email = format!("{}@maple.example", role.name.to_lowercase().replace(' ', "."));
            app.add_user(&email, role.name).await.1
        };
        callers.push((Who::Staff(role), Some(token)));
    }
    // Last: the staff walks change nothing of the member's portal access.
    callers.push((Who::Party, Some(records.portal.clone())));
    let table = routes::all();
    let mut checked = 0;
    for (who, token) in &callers {
        let name = match who {
            Who::Nobody => "no session",
            Who::Staff(role) => role.name,
            Who::Party => "portal party",
        };
        for route in &table {
            let body = route.body.map(|b| b(&records));
            let answer = app.call(route.method(), &route.url(&records), token.as_deref(), body).await;
            let status = answer.status.as_u16();
            let label = format!("{name}: {} {}", route.method, route.path);
            assert!(status < 500, "{label}: {:#}", answer.body);
            checked += 1;
            if allowed(*who, route.need) {
                assert!(status != 401 && status != 403, "{label} should be allowed: {:#}", answer.body);
                continue;
            }
            match (who, route.need) {
                (Who::Staff(role), Need::All(needed)) => {
                    answer.assert_problem(403, "forbidden");
                    let named = answer.body["permission"].as_str().unwrap();
                    assert!(needed.iter().any(|p| p.as_str() == named), "{label} names {named}");
                    assert!(
                        !role.permission_set().contains(named.parse().unwrap()),
                        "{label} names {named}, which the role holds"
                    );
                }
                (_, Need::Waiting) => {
                    // No caller here holds a waiting session: the step fails,
                    // or (without a token) the session is missing.
                    assert_eq!(status, 401, "{label}: {:#}", answer.body);
                    let kind = answer.problem_type();
                    assert!(kind.ends_with(":second-factor-failed") || kind.ends_with(":unauthenticated"), "{label}");
                }
                _ => {
                    // As if no session were presented: the same body as without one.
                    answer.assert_problem(401, "unauthenticated");
                    assert!(answer.headers.get("www-authenticate").is_some(), "{label}");
                }
            }
        }
    }
    assert_eq!(checked, table.len() * (BUILTIN_ROLES.len() + 2));
}

#[test]
fn the_matrix_tests_both_ways() {
    // Each built-in role below Super Admin is allowed something beyond the
    // session routes, and the roles together are denied plenty; the portal
    // party is allowed the portal routes and nothing that needs staff.
    let table = routes::all();
    let needing: Vec<_> = table.iter().filter(|r| matches!(r.need, Need::All(_))).collect();
    let mut denied = 0;
    for role in BUILTIN_ROLES.iter().filter(|r| !r.bypass) {
        assert!(needing.iter().any(|r| allowed(Who::Staff(role), r.need)), "{}", role.name);
        denied += needing.iter().filter(|r| !allowed(Who::Staff(role), r.need)).count();
    }
    assert!(denied >= 50, "only {denied} denials");
    let portal: Vec<_> = table.iter().filter(|r| matches!(r.need, Need::Portal)).collect();
    assert!(portal.len() >= 5, "the portal routes are in the table");
    for role in BUILTIN_ROLES {
        assert!(portal.iter().all(|r| !allowed(Who::Staff(role), r.need)), "{}", role.name);
    }
    let staff = table.iter().filter(|r| matches!(r.need, Need::Session | Need::All(_)));
    assert!(staff.clone().count() >= 40);
    assert!(staff.into_iter().all(|r| !allowed(Who::Party, r.need)));
}
