//! The demo's terminal: a `gateway-example terminal` child process, as an operator would run
//! it, killed when the demo ends.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// What the terminal prints on stdout once it listens, before its endpoint.
pub const LISTENING: &str = "terminal listening on ";

/// Why the terminal process could not be started.
#[derive(Debug, thiserror::Error)]
pub enum TerminalProcessError {
    /// The binary could not be found or run.
    #[error("cannot run `{0} terminal`: {1}")]
    Spawn(String, #[source] std::io::Error),
    /// It exited, or closed its stdout, before it listened.
    #[error("the terminal process stopped before it listened (its stderr says why)")]
    NotListening,
}

/// A running terminal process; killed (SIGKILL) and reaped when dropped.
pub struct TerminalProcess {
    child: Child,
    endpoint: String,
}

impl TerminalProcess {
    /// Starts this very binary as `terminal` on a free loopback port, keeping its books in
    /// `data_dir`, with `sim_args` (see [`SimArgs::to_args`](crate::cli::SimArgs::to_args)),
    /// and waits until it listens. Its log goes to the demo's stderr.
    pub fn spawn(
        data_dir: &Path,
        log_level: &str,
        sim_args: &[String],
    ) -> Result<TerminalProcess, TerminalProcessError> {
        let binary = std::env::current_exe()
            .map_err(|e| TerminalProcessError::Spawn("gateway-example".into(), e))?;
        let mut child = Command::new(&binary)
            .args([
                "terminal",
                "--listen",
                "tcp://127.0.0.1:*",
                "--log-level",
                log_level,
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--until-stdin-closes")
            .args(sim_args)
            // Held open by this process alone (in `child`): when it ends, however it ends, the
            // terminal sees its stdin close and stops too.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| TerminalProcessError::Spawn(binary.display().to_string(), e))?;
        let stdout = child
            .stdout
            .take()
            .ok_or(TerminalProcessError::NotListening)?;
        let listening = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix(LISTENING).map(str::to_owned));
        let Some(endpoint) = listening else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(TerminalProcessError::NotListening);
        };
        Ok(TerminalProcess { child, endpoint })
    }

    /// Where it listens.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for TerminalProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
