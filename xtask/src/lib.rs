//! The composition root as a library, so that tests boot the very server
//! the binary runs: [`config`] reads the settings, [`serve::build`] wires
//! the store, the domain, the mail worker and the HTTP service.

pub mod config;
pub mod serve;
pub mod skips;
