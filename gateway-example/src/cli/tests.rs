//! The command line's values and options, parsed as a user would type them.

use super::values::*;
use super::*;

#[test]
fn out_of_range_values_are_refused_with_what_is_allowed() {
    assert_eq!(parse_fraction("0.2"), Ok(0.2));
    assert_eq!(parse_fraction("1.5"), Err(ArgError::Fraction("1.5".into())));
    assert_eq!(parse_time_scale("0"), Err(ArgError::TimeScale("0".into())));
    assert_eq!(parse_frame_limit("65536"), Ok(65536));
    let too_big = parse_frame_limit("4000000000").unwrap_err();
    assert!(too_big.to_string().contains("67108864 bytes"), "{too_big}");
    assert_eq!(parse_seconds("2.5"), Ok(Duration::from_millis(2500)));
    assert!(parse_seconds("-1").is_err() && parse_seconds("nan").is_err());
    assert!(parse_order_type("OP_HODL").is_err());
    assert_eq!(parse_timeout("0.25"), Ok(0.25));
    assert!(parse_timeout("0").is_err());
}

#[test]
fn simulator_options_pass_through_to_a_terminal_process() {
    let demo = DemoArgs::parse_from([
        "demo",
        "--seed",
        "9",
        "--script",
        "requote,latency-40,executed-then-slow-reply-900",
        "--sim-history-lag-ms",
        "250",
        "--rewrite-comments",
        "#{ticket}",
        "--balance",
        "1e6",
    ]);
    let args = demo.sim.to_args(0.3);
    let terminal =
        TerminalOnly::parse_from(std::iter::once("terminal".to_owned()).chain(args)).args;
    assert_eq!(terminal.sim.fault_rate, Some(0.3));
    assert_eq!(terminal.sim.seed, 9);
    assert_eq!(terminal.sim.script, demo.sim.script);
    let options = terminal.sim.simulator_options(0.0);
    assert_eq!(options.history_lag, Duration::from_millis(250));
    assert_eq!(options.rewrite_comments.as_deref(), Some("#{ticket}"));
    assert_eq!(options.balance, 1e6);
    assert!(parse_balance("0").is_err() && parse_balance("inf").is_err());
}

#[test]
fn every_command_line_is_well_formed() {
    // clap's own checks: among them, no two options of one command share a name.
    use clap::CommandFactory;
    Cli::command().debug_assert();
    let serve = Cli::parse_from(["gateway-example", "serve", "--history-lag-ms", "300"]);
    assert!(matches!(serve.command, Some(Command::Serve(s)) if s.history_lag_ms == Some(300)));
}

#[derive(Parser)]
struct TerminalOnly {
    #[command(flatten)]
    args: TerminalArgs,
}
