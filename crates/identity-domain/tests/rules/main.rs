//! The rules of PRODUCT.md, each guarded by a test named after it, run on
//! the in-memory adapters. One test binary (see STYLE.md on test binaries).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod export;
mod factors;
mod failures;
mod lifecycle;
mod parties;
mod passkeys;
mod passwords;
mod portal_factors;
mod props;
mod roles;
mod seeds;
mod sessions;
mod support;
mod tenancy;
mod trust;
mod users;
