//! `gateway-example`: run the demo (default), serve the gateway, or send one order.

use std::process::ExitCode;

use clap::Parser;
use gateway_example::cli::{Cli, Command, DemoArgs};
use gateway_example::{commands, demo};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli
        .command
        .unwrap_or_else(|| Command::Demo(DemoArgs::default()))
    {
        Command::Demo(args) => {
            commands::init_logging(&args.log_level);
            demo::run(&args)
                .map(|audit| audit.is_clean())
                .map_err(commands::CommandError::from)
        }
        Command::Serve(args) => commands::serve(&args),
        Command::Terminal(args) => commands::terminal(&args),
        Command::Send(args) => commands::send(&args),
        Command::Stats(args) => commands::stats(&args),
        Command::Journal(args) => commands::journal(&args),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("gateway-example: {error}");
            ExitCode::from(2)
        }
    }
}
