//! The permission matrix: every route, called by a user of every built-in
//! role and without a session. Whether each call may pass is computed from
//! the built-in roles' permission catalogue (`BUILTIN_ROLES`); a denied call
//! must be 403 `forbidden` naming the missing permission (401
//! `unauthenticated` without a session), an allowed one anything but 401
//! or 403.

use crate::routes::{self, Need};
use super::*;
use identity_domain::role::{BUILTIN_ROLES, Builtin, SUPER_ADMIN};

/// Whether a caller with `role` (or no session) may pass the route's check.
fn allowed(role: Option<&Builtin>, need: Need) -> bool {
    match (need, role) {
        (Need::Anonymous, _) => true,
        (_, None) => false,
        (Need::Session, Some(_)) => true,
        (Need::All(permissions), Some(role)) => {
            role.bypass || permissions.iter().all(|p| role.permission_set().contains(*p))
        }
    }
}

#[tokio::test]
async fn every_route_by_every_built_in_role_and_without_a_session() {
    let Some(app) = spawn_app_with(without_rate_limits()).await else { return };
    let records = routes::records(&app).await;
    let mut callers: Vec<(Option<&Builtin>, Option<String>)> = vec![(None, None)];
    for role in BUILTIN_ROLES {
        let token = if role.name == SUPER_ADMIN {
            app.admin.clone()
        } else {
            let email = format!("{}@maple.example", role.name.to_lowercase().replace(' ', "."));
            app.add_user(&email, role.name).await.1
        };
        callers.push((Some(role), Some(token)));
    }
    let table = routes::all();
    let mut checked = 0;
    for (role, token) in &callers {
        let who = role.map_or("no session", |r| r.name);
        for route in &table {
            let body = route.body.map(|b| b(&records));
            let answer = app.call(route.method(), &route.url(&records), token.as_deref(), body).await;
            let status = answer.status.as_u16();
            let label = format!("{who}: {} {}", route.method, route.path);
            assert!(status < 500, "{label}: {:#}", answer.body);
            if allowed(*role, route.need) {
                assert!(status != 401 && status != 403, "{label} should be allowed: {:#}", answer.body);
            } else if role.is_none() {
                answer.assert_problem(401, "unauthenticated");
            } else {
                answer.assert_problem(403, "forbidden");
                let Need::All(needed) = route.need else { unreachable!() };
                let named = answer.body["permission"].as_str().unwrap();
                assert!(needed.iter().any(|p| p.as_str() == named), "{label} names {named}");
                assert!(
                    !role.unwrap().permission_set().contains(named.parse().unwrap()),
                    "{label} names {named}, which the role holds"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, table.len() * (BUILTIN_ROLES.len() + 1));
}

#[test]
fn the_matrix_tests_both_ways() {
    // Each built-in role below Super Admin is allowed something beyond the
    // session routes, and the roles together are denied plenty.
    let table = routes::all();
    let needing: Vec<_> = table.iter().filter(|r| matches!(r.need, Need::All(_))).collect();
    let mut denied = 0;
    for role in BUILTIN_ROLES.iter().filter(|r| !r.bypass) {
        assert!(needing.iter().any(|r| allowed(Some(role), r.need)), "{}", role.name);
        denied += needing.iter().filter(|r| !allowed(Some(role), r.need)).count();
    }
    assert!(denied >= 50, "only {denied} denials");
}
