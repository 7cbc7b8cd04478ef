//! `xaa-suite generate [--check] [--out FILE]`: writes the conformance suite (deterministic:
//! fixed keys, pinned clock) to `tests/vectors/conformance/suite.json`, or with `--check`
//! exits 1 when the committed file differs from what would be written. `xaa conformance run`
//! reads the file; it does not carry the generator.

use std::path::PathBuf;
use std::process::ExitCode;

use xaa_testkit::cases::suite;
use xaa_testkit::SUITE_PATH;

const USAGE: &str = "usage: xaa-suite generate [--check] [--out FILE]";

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
    // The committed file, wherever the command is run from.
    let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(SUITE_PATH);
    let mut check = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => out = args.next().map(PathBuf::from).ok_or(USAGE)?,
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        }
    }
    let suite = suite()?;
    let text = suite.to_json()?;
    if check {
        let committed = std::fs::read_to_string(&out).unwrap_or_default();
        if committed != text {
            eprintln!(
                "{} is stale: run `cargo run --release -p xaa-testkit --bin xaa-suite -- generate` and commit the result",
                out.display()
            );
            return Ok(ExitCode::from(1));
        }
        eprintln!("{} is up to date", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(&out, &text).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("wrote {} cases to {}", suite.cases.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
