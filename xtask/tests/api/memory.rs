//! The API suite on the in-memory adapters (with the domain's fast test
//! hasher), the HTTP service wired by `xtask::serve::app`.

api_suite!(Memory);
