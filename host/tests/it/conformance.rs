//! The conformance runner itself, on the committed vectors (data: the test kit checks they
//! are what its generator writes): the runner notices what it must notice — a wrong
//! expectation, a case whose configuration does not load, an unknown format — so a green run
//! means something.

use std::sync::Arc;

use xaa_host::conformance::run::{junit, table, Outcome, Runner};
use xaa_host::{Limits, Runtime};
use xaa_vectors::{Expect, Input, Suite};

use crate::common::committed_suite;

fn runtime() -> Arc<Runtime> {
    Arc::new(Runtime::embedded(Limits::default()).unwrap())
}

fn exports() -> Vec<String> {
    vec![
        "xaa:token/validator@0.2.0".into(),
        "xaa:token/client@0.2.0".into(),
    ]
}

/// The committed suite, read as data: what `xaa conformance run` runs, and where the catalog
/// rows without a test of their own in `catalog.rs` are written.
#[test]
fn the_committed_suite_passes_on_both_verifier_paths() {
    let s = committed_suite();
    for native in [true, false] {
        let runner = Runner::new(runtime(), &s, native, exports()).unwrap();
        let failed: Vec<String> = s
            .cases
            .iter()
            .filter_map(|case| match runner.run_case(&s, case).outcome {
                Outcome::Pass => None,
                other => Some(format!("{}: {other:?}", case.id)),
            })
            .collect();
        assert!(
            failed.is_empty(),
            "native verifier: {native}; {} of {} cases fail:\n{}",
            failed.len(),
            s.cases.len(),
            failed.join("\n")
        );
    }
}

fn small_suite() -> Suite {
    let mut s = committed_suite();
    s.cases.retain(|c| c.section == "baseline");
    assert!(!s.cases.is_empty());
    s
}

#[test]
fn a_wrong_expectation_fails_and_is_reported() {
    let mut s = small_suite();
    let runner = Runner::new(runtime(), &s, true, exports()).unwrap();
    for case in &s.cases {
        assert_eq!(
            runner.run_case(&s, case).outcome,
            Outcome::Pass,
            "{}",
            case.id
        );
    }
    // The replay case with the replay expected to pass: the runner must say so.
    let case = s
        .cases
        .iter_mut()
        .find(|c| c.steps.len() == 2)
        .expect("a two-step case");
    case.steps[1].expect = Expect::verdict("valid");
    let case = case.clone();
    let result = runner.run_case(&s, &case);
    match &result.outcome {
        Outcome::Fail(why) => assert!(why.contains("step 2") && why.contains("replayed"), "{why}"),
        other => panic!("{other:?}"),
    }
    let report = table(std::slice::from_ref(&result));
    assert!(
        report.contains("FAIL") && report.contains(&case.id),
        "{report}"
    );
    let xml = junit(std::slice::from_ref(&result));
    assert!(
        xml.contains("<failure message=") && xml.contains("failures=\"1\""),
        "{xml}"
    );
}

#[test]
fn a_configuration_that_does_not_load_fails_every_case_using_it() {
    let mut s = small_suite();
    for files in s.configs.values_mut() {
        files.toml.push_str("\nunknown_key = 1\n");
    }
    let runner = Runner::new(runtime(), &s, true, exports()).unwrap();
    for case in &s.cases {
        assert!(
            matches!(runner.run_case(&s, case).outcome, Outcome::Fail(_)),
            "{}",
            case.id
        );
    }
}

#[test]
fn a_component_without_the_validator_is_not_applicable_and_other_formats_are_refused() {
    let s = small_suite();
    let runner = Runner::new(runtime(), &s, true, vec!["xaa:token/client@0.2.0".into()]).unwrap();
    let result = runner.run_case(&s, &s.cases[0]);
    assert!(matches!(result.outcome, Outcome::NotApplicable(_)));
    let mut other = s.clone();
    other.format = "xaa-conformance/0".into();
    assert!(Runner::new(runtime(), &other, true, exports()).is_err());
}

/// A `client` step: a wrong expected output fails, and so does a call the runner cannot make
/// (an unknown function, a missing argument), instead of passing or panicking.
#[test]
fn client_steps_fail_on_a_wrong_output_and_on_a_malformed_call() {
    let mut s = committed_suite();
    s.cases
        .retain(|c| c.id == "client-basic-authorization-plain");
    let runner = Runner::new(runtime(), &s, true, exports()).unwrap();
    assert_eq!(runner.run_case(&s, &s.cases[0]).outcome, Outcome::Pass);
    let broken = |change: &dyn Fn(&mut Input, &mut Expect)| {
        let mut case = s.cases[0].clone();
        let step = &mut case.steps[0];
        change(&mut step.input, &mut step.expect);
        match runner.run_case(&s, &case).outcome {
            Outcome::Fail(why) => why,
            other => panic!("{other:?}"),
        }
    };
    let why = broken(&|_, expect| {
        if let Expect::Output { output, .. } = expect {
            *output = serde_json::json!("Basic other");
        }
    });
    assert!(why.contains("expected output"), "{why}");
    let why = broken(&|input, _| {
        if let Input::Client { function, .. } = input {
            *function = "no-such-function".into();
        }
    });
    assert!(why.contains("no-such-function"), "{why}");
    let why = broken(&|input, _| {
        if let Input::Client { args, .. } = input {
            args.remove("client_secret");
        }
    });
    assert!(why.contains("arguments"), "{why}");
}
