//! The demo as a user runs it: its report names things for what they are, and a seeded run's
//! outcomes repeat.

use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_gateway-example");

/// A small, fast, faulty demo run; its stdout.
fn demo(seed: &str) -> String {
    let output = Command::new(BINARY)
        .args(["demo", "--orders", "120", "--clients", "4"])
        .args(["--time-scale", "0.1", "--fault-rate", "0.3"])
        .args(["--max-latency-ms", "5", "--seed", seed])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    stdout
}

/// The lines that say what became of the orders.
fn outcomes(report: &str) -> Vec<&str> {
    let start = report
        .lines()
        .position(|l| l.trim_start().starts_with("orders sent"))
        .expect("an outcome section");
    report
        .lines()
        .skip(start)
        .take_while(|l| !l.trim_start().starts_with("duplicated"))
        .collect()
}

#[test]
fn a_seeded_run_repeats_its_outcomes_and_the_report_names_them_plainly() {
    let first = demo("42");
    let second = demo("42");
    assert_eq!(
        outcomes(&first),
        outcomes(&second),
        "same seed, same outcomes\n{first}\n{second}"
    );
    // A refusal by the trade server is an answer, not a failure: nothing is called "died".
    assert!(!first.contains("died"), "{first}");
    let header = first
        .lines()
        .find(|l| l.trim_start().starts_with("site"))
        .expect("a retry table");
    assert!(
        header.contains("gave up") && header.contains("final"),
        "{header}"
    );
    assert!(
        first.contains("varies"),
        "the report says what varies: {first}"
    );
    // Advice per site, each with its evidence or the sample it lacks.
    let advice = first
        .lines()
        .skip_while(|l| !l.contains("retry advice by site"))
        .nth(1)
        .expect("an advice section");
    assert!(advice.contains("calls retried and ended"), "{first}");
}
