//! The routes under `/api/v1`, one module per area.

mod cases;
mod logs;
mod outbox;
mod roles;
mod sessions;
mod sites;
mod users;

use crate::ApiState;
use utoipa_axum::router::OpenApiRouter;

/// Every route of the API.
pub fn all() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .merge(sessions::routes())
        .merge(users::routes())
        .merge(cases::routes())
        .merge(roles::routes())
        .merge(sites::routes())
        .merge(logs::routes())
        .merge(outbox::routes())
}
