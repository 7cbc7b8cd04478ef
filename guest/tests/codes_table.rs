//! The verdict-code table in README.md lists exactly the codes the component can return
//! (plus the host's `internal_error`), in the same order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use xaa_guest::Code;

#[test]
fn readme_table_equals_the_code_enum() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Verdict codes")
        .nth(1)
        .expect("README has a Verdict codes section");
    let documented: Vec<&str> = section
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|l| l.split('`').next().unwrap())
        .collect();
    let mut expected: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    expected.push("internal_error");
    assert_eq!(documented, expected);
}

#[test]
fn codes_are_unique_snake_case() {
    let mut seen = std::collections::HashSet::new();
    for code in Code::ALL {
        let s = code.as_str();
        assert!(
            s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{s}"
        );
        assert!(seen.insert(s), "{s} twice");
        assert!(!code.summary().contains('"') && !code.summary().contains('\\'));
    }
}
