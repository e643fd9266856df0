//! The console's pages on the in-memory adapters (with the domain's fast
//! test hasher), the HTTP service wired by `xtask::serve::app`.

console_suite!(Memory);
