//! The routes under `/api/v1`, one module per area.
//!
//! Each handler's `#[utoipa::path]` lists its successes and the error enums
//! it answers with (`Answers<E>`); [`with_generic_problems`] then adds to
//! every operation the problems of the HTTP layer that apply to it (bodies,
//! path ids, `If-Match`, sessions, rate limits, time-outs), so the document
//! names every status and problem kind a route can answer.

mod cases;
mod factors;
mod logs;
mod outbox;
mod portal;
mod portal_admin;
mod portal_factors;
mod roles;
pub(crate) mod sessions;
mod sites;
mod users;

use crate::ApiState;
use crate::error::{KINDS_EXTENSION, ProblemKind, kind_of_slug, problem_responses};
use std::collections::BTreeSet;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa_axum::router::OpenApiRouter;

/// Every route of the API.
pub fn all() -> OpenApiRouter<ApiState> {
    let mut router = OpenApiRouter::new()
        .merge(sessions::routes())
        .merge(factors::routes())
        .merge(users::routes())
        .merge(cases::routes())
        .merge(roles::routes())
        .merge(sites::routes())
        .merge(logs::routes())
        .merge(outbox::routes())
        .merge(portal::routes())
        .merge(portal_admin::routes())
        .merge(portal_factors::routes());
    with_generic_problems(router.get_openapi_mut());
    router
}

/// Adds to every operation the problems of the HTTP layer that apply to
/// it, merged per status with the problems its handler lists.
fn with_generic_problems(doc: &mut OpenApi) {
    for (path, item) in &mut doc.paths.paths {
        let operations = [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("PATCH", &mut item.patch),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                let limited = crate::limits::API_ROUTES
                    .iter()
                    .any(|(m, p)| *m == method && p.strip_prefix("/api/v1") == Some(path.as_str()));
                add_problems(operation, method, limited);
            }
        }
    }
}

fn add_problems(operation: &mut Operation, method: &str, rate_limited: bool) {
    use ProblemKind as K;
    let mut kinds: BTreeSet<ProblemKind> = [K::Internal, K::Timeout].into();
    let responses = &mut operation.responses.responses;
    let failures: Vec<String> = responses.keys().filter(|s| !s.starts_with('2')).cloned().collect();
    for status in failures {
        if let Some(RefOr::T(response)) = responses.remove(&status) {
            let listed = response.extensions.as_ref().and_then(|e| e.get(KINDS_EXTENSION)).cloned();
            let slugs: Vec<String> = listed.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
            kinds.extend(slugs.iter().filter_map(|s| kind_of_slug(s)));
        }
    }
    if let Some(security) = operation.security.as_ref().filter(|s| !s.is_empty()) {
        kinds.extend([K::Unauthenticated, K::StorageUnavailable]);
        // Portal routes take a bearer token only: no cookie to forge.
        let portal = serde_json::to_value(security).is_ok_and(|v| v.to_string().contains("\"portal\""));
        if method != "GET" && !portal {
            kinds.insert(K::CrossSiteRequest);
        }
    }
    if operation.request_body.is_some() {
        kinds.extend([
            K::MalformedJson,
            K::UnreadableBody,
            K::BodyTooLarge,
            K::UnsupportedMediaType,
            K::InvalidField,
        ]);
    }
    for parameter in operation.parameters.iter().flatten() {
        let RefOr::T(parameter) = parameter else { continue };
        match parameter.parameter_in {
            ParameterIn::Path => {
                kinds.insert(K::InvalidPath);
            }
            ParameterIn::Query => {
                kinds.insert(K::InvalidField);
            }
            ParameterIn::Header if parameter.name.eq_ignore_ascii_case("if-match") => {
                kinds.insert(K::InvalidIfMatch);
            }
            _ => {}
        }
    }
    if rate_limited {
        // Past the budget; or the budget could not be counted (it fails closed).
        kinds.extend([K::RateLimited, K::StorageUnavailable]);
    }
    let kinds: Vec<ProblemKind> = kinds.into_iter().collect();
    operation.responses.responses.extend(problem_responses(&kinds));
}
