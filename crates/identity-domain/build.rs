//! Builds the bundled list of common passwords (`data/common-passwords.txt`,
//! one a line, see `data/README.md`) into an `fst` set in `OUT_DIR`, which
//! `src/password.rs` includes as bytes: nothing is parsed at start-up.
//!
//! Each line is lower-cased with the same function the check applies to a
//! candidate (`str::to_lowercase`), so the list and the check agree even if
//! a line was committed in another case.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::{env, fs, process};

const LIST: &str = "data/common-passwords.txt";

fn main() {
    println!("cargo::rerun-if-changed={LIST}");
    if let Err(e) = build() {
        eprintln!("identity-domain build: {e}");
        process::exit(1);
    }
}

fn build() -> Result<(), String> {
    let text = fs::read_to_string(LIST).map_err(|e| format!("cannot read {LIST}: {e}"))?;
    let words: BTreeSet<String> =
        text.lines().map(str::to_lowercase).filter(|line| !line.is_empty()).collect();
    let set = fst::Set::from_iter(words.iter()).map_err(|e| format!("cannot build the set: {e}"))?;
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let path = out.join("common-passwords.fst");
    fs::write(&path, set.as_fst().as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
