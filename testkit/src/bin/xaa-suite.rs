//! `xaa-suite generate [--check] [--out FILE] [--differential-out FILE]`: writes the
//! conformance suite (deterministic: fixed keys, pinned clock) to
//! `tests/vectors/conformance/suite.json` and the differential corpus derived from it to
//! `tests/vectors/differential.json`, or with `--check` exits 1 when a committed file differs
//! from what would be written. `xaa conformance run` reads the suite and `scripts/differential`
//! the corpus; neither carries the generator.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xaa_testkit::cases::suite;
use xaa_testkit::differential::differential;
use xaa_testkit::{DIFFERENTIAL_PATH, SUITE_PATH};

const USAGE: &str = "usage: xaa-suite generate [--check] [--out FILE] [--differential-out FILE]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xaa-suite: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode, String> {
    let mut args = args.into_iter();
    if args.next().as_deref() != Some("generate") {
        return Err(USAGE.into());
    }
    // The committed files, wherever the command is run from.
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut out = root.join(SUITE_PATH);
    let mut differential_out = root.join(DIFFERENTIAL_PATH);
    let mut check = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => out = args.next().map(PathBuf::from).ok_or(USAGE)?,
            "--differential-out" => {
                differential_out = args.next().map(PathBuf::from).ok_or(USAGE)?;
            }
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        }
    }
    let suite = suite()?;
    let corpus = differential(&suite)?;
    let mut reasons = std::collections::BTreeMap::<&str, usize>::new();
    for reason in corpus.skipped.values() {
        *reasons.entry(reason).or_default() += 1;
    }
    eprintln!(
        "differential corpus: {} token steps; {} suite cases skipped (a configuration no JWT library's options express):",
        corpus.cases,
        corpus.skipped.len()
    );
    for (reason, count) in reasons {
        eprintln!("  {count} × {reason}");
    }
    let outputs = [
        (out, suite.to_json()?, suite.cases.len()),
        (differential_out, corpus.text, corpus.cases),
    ];
    if check {
        let mut stale = false;
        for (path, text, _) in &outputs {
            stale |= !is_current(path, text);
        }
        return Ok(if stale {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    for (path, text, cases) in &outputs {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {cases} cases to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the committed file at `path` is `text`, saying so either way.
fn is_current(path: &Path, text: &str) -> bool {
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != text {
        eprintln!(
            "{} is stale: run `cargo run --release -p xaa-testkit --bin xaa-suite -- generate` and commit the result",
            path.display()
        );
        return false;
    }
    eprintln!("{} is up to date", path.display());
    true
}
