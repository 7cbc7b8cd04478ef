//! The corpus committed under tests/vectors/ (differential.json): its generator rewrites
//! the file when `XAA_UPDATE_VECTORS=1`, and otherwise fails unless the
//! committed file is byte for byte what it generates.

use std::path::PathBuf;

use serde_json::Value;

/// `tests/vectors/<name>` at the workspace root.
pub fn path(name: &str) -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap().join("tests/vectors").join(name)
}

/// Whether this run rewrites the committed corpora (`XAA_UPDATE_VECTORS=1`).
pub fn updating() -> bool {
    std::env::var("XAA_UPDATE_VECTORS").as_deref() == Ok("1")
}

/// Writes `corpus` (pretty JSON and a newline) to `tests/vectors/<name>` when updating;
/// otherwise panics unless the committed file equals it, naming the first line that differs,
/// the command that regenerates it and what to run again after reviewing the diff.
pub fn write_or_compare(name: &str, corpus: &Value, cases: usize, regenerate: &str, then: &str) {
    let mut text = serde_json::to_string_pretty(corpus).unwrap();
    text.push('\n');
    let path = path(name);
    if updating() {
        // Write then rename, so a replaying test never reads a half-written file.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, &text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        eprintln!("wrote {} ({cases} cases)", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != text {
        let first_diff = committed
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "length differs".to_owned(),
                |i| format!("first difference at line {}", i + 1),
            );
        panic!(
            "{} is out of date or missing ({first_diff}).\n\
             If the change is intended, regenerate it with:\n    {regenerate}\n\
             and review the diff (then re-run {then}).",
            path.display()
        );
    }
}

/// Asserts that every pinned case is in `cases` with `member` (its verdict) as written by
/// hand in `pinned`: what guards a generator against silently rewriting its corpus.
pub fn assert_pinned(cases: &[Value], member: &str, pinned: &[(&str, &str)]) {
    for (id, expected) in pinned {
        let case = cases
            .iter()
            .find(|c| c["id"] == *id)
            .unwrap_or_else(|| panic!("pinned case {id} missing"));
        assert_eq!(case[member], *expected, "pinned case {id}");
    }
}
