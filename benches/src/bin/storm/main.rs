//! The storm: what retries do to a dependency of finite capacity that fails, simulated on
//! tokio's paused clock, for wait-or-die and the crates users would pick instead.
//!
//! `cargo run --release -p wait-or-die-benches --bin storm [-- --only abcdef] [--svg-dir DIR | --no-svg]`
//!
//! Scenarios: (a) a full outage, (b) failure rates from 0 to 100 %, (c) three nested retry
//! layers over a dead dependency, (d) a 10 s outage at 75 % of capacity, then the time to
//! recover, (e) a dependency that flaps (down 5 s, up 5 s), (f) a dependency with a slow tail,
//! with and without hedging, and one that stops answering. It prints markdown tables and
//! writes `storm_failure_rate.svg` and `storm_metastable.svg` (to the repository's `docs/` unless told otherwise). Each run is
//! deterministic: a seeded random stream, a paused clock and a current-thread runtime, so two
//! invocations print the same numbers. The models are documented in `dependency.rs` and
//! `scenarios.rs`.

mod contender;
mod dependency;
mod plots;
mod report;
mod scenarios;
mod sim;
mod svg;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use contender::Kind;
use scenarios::{CALLS_PER_S, FAILURE_RATES_PCT};

const SCENARIOS: &str = "abcdef";

struct Options {
    only: String,
    svg_dir: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        only: SCENARIOS.into(),
        svg_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs")),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => {
                let only = args.next().unwrap_or_default();
                if only.is_empty() || !only.chars().all(|c| SCENARIOS.contains(c)) {
                    return Err(format!(
                        "`--only {only}` names no scenario; expected letters of `{SCENARIOS}`"
                    ));
                }
                options.only = only;
            }
            "--svg-dir" => match args.next() {
                Some(dir) => options.svg_dir = Some(dir.into()),
                None => return Err("`--svg-dir` needs a directory".into()),
            },
            "--no-svg" => options.svg_dir = None,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; expected `--only LETTERS`, `--svg-dir DIR` or `--no-svg`"
                ))
            }
        }
    }
    Ok(options)
}

/// Runs `measure` for every contender, logging each run's wall time to stderr.
fn each<T>(scenario: &str, measure: impl Fn(Kind) -> T) -> Vec<(Kind, T)> {
    each_of(&Kind::ALL, scenario, measure)
}

/// Runs `measure` for each of `kinds`, logging each run's wall time to stderr.
fn each_of<T>(kinds: &[Kind], scenario: &str, measure: impl Fn(Kind) -> T) -> Vec<(Kind, T)> {
    kinds
        .iter()
        .map(|&kind| {
            let started = Instant::now();
            let result = measure(kind);
            eprintln!("({scenario}) {}: {:.1?}", kind.label(), started.elapsed());
            (kind, result)
        })
        .collect()
}

fn write_svg(dir: &Option<PathBuf>, name: &str, svg: String) -> Result<(), String> {
    let Some(dir) = dir else { return Ok(()) };
    let path = dir.join(name);
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, svg))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn run(options: &Options) -> Result<(), String> {
    println!(
        "Storm at {CALLS_PER_S} calls/s, seed {:#x}.\n",
        scenarios::SEED
    );
    if options.only.contains('a') {
        let rows = each("a", scenarios::outage);
        println!("### (a) Full outage\n\n{}", report::outage(&rows));
    }
    if options.only.contains('b') {
        let columns = each("b", |kind| {
            FAILURE_RATES_PCT
                .iter()
                .map(|&pct| scenarios::failure_rate(kind, pct))
                .collect()
        });
        println!("### (b) Failure rate\n\n{}", report::failure_rate(&columns));
        let opened: Vec<(u32, u64)> = FAILURE_RATES_PCT
            .iter()
            .filter_map(|&pct| {
                scenarios::breaker_opened(Kind::WaitOrDieBreaker, &format!("b{pct}"))
                    .map(|n| (pct, n))
            })
            .collect();
        println!("\n{}", report::breaker_opened(&opened));
        write_svg(
            &options.svg_dir,
            "storm_failure_rate.svg",
            plots::failure_rate(&columns),
        )?;
    }
    if options.only.contains('c') {
        let rows = each("c", scenarios::nested);
        println!(
            "### (c) Three nested layers, dead dependency\n\n{}",
            report::nested(&rows)
        );
    }
    if options.only.contains('d') {
        let rows = each("d", scenarios::metastable);
        println!(
            "### (d) Metastable failure\n\n{}",
            report::metastable(&rows)
        );
        write_svg(
            &options.svg_dir,
            "storm_metastable.svg",
            plots::metastable(&rows),
        )?;
    }
    if options.only.contains('e') {
        let rows: Vec<_> = each("e", scenarios::flapping)
            .into_iter()
            .map(|(kind, totals)| (kind, totals, scenarios::breaker_opened(kind, "e")))
            .collect();
        println!(
            "### (e) Flapping dependency: down 5 s, up 5 s\n\n{}",
            report::flapping(&rows)
        );
    }
    if options.only.contains('f') {
        let tails = [
            (
                "98 % in 4–6 ms, 2 % in 1 s",
                scenarios::BIMODAL_TAIL,
                "f-bimodal",
            ),
            (
                "log-normal, median 5 ms, σ 1.5",
                scenarios::LOG_NORMAL_TAIL,
                "f-lognormal",
            ),
        ];
        for (what, latency, run) in tails {
            let rows = each_of(&Kind::TAIL, "f", |kind| scenarios::tail(kind, latency, run));
            println!("### (f) Tail latency: {what}\n\n{}", report::tail(&rows));
        }
        let rows = each_of(&Kind::TAIL, "f", scenarios::hanging_outage);
        println!(
            "### (f) Hedging in an outage: every request hangs until the client's 1 s timeout (calls of {} s)\n\n{}",
            scenarios::OUTAGE_WINDOW.as_secs(),
            report::hanging_outage(&rows)
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let outcome = parse(std::env::args().skip(1)).and_then(|options| run(&options));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("storm: {message}");
            ExitCode::from(2)
        }
    }
}
