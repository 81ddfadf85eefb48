//! A `terminal` process and a `serve --terminal` gateway process, as an operator runs them on
//! fixed ports, so that either can be killed with SIGKILL and restarted where it was.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gateway_example::execution::order_comment;
use gateway_example::remote::{AuditView, RemoteOptions, RemoteTerminal};
use gateway_example::terminal::Deal;
use uuid::Uuid;

const BINARY: &str = env!("CARGO_BIN_EXE_gateway-example");
/// Generous: a loaded 2-core machine may take seconds where an idle one takes milliseconds.
const EVENT_DEADLINE: Duration = Duration::from_secs(30);

/// Polls `done` until it holds, failing the test after [`EVENT_DEADLINE`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + EVENT_DEADLINE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A process of the binary, killed (SIGKILL) when dropped; its stderr goes to a file.
pub struct Process {
    child: Child,
    stderr: PathBuf,
}

impl Process {
    /// Starts the binary with `args`, logging to `stderr`, and waits for the stdout line that
    /// starts with `ready`; returns the process and every line up to that one.
    fn spawn(
        args: &[String],
        env: &[(&str, &Path)],
        stderr: PathBuf,
        ready: &str,
    ) -> (Process, Vec<String>) {
        let mut child = Command::new(BINARY)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("spawn the binary");
        let mut seen = Vec::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let done = line.starts_with(ready);
            seen.push(line);
            if done {
                return (Process { child, stderr }, seen);
            }
        }
        let _ = child.wait();
        panic!(
            "{args:?} did not start: {}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
    }

    /// SIGKILL, then reap: no destructor, no flush.
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Its stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `terminal` on `endpoint`, its books in `dir`, with `extra` options.
pub fn terminal(endpoint: &str, dir: &Path, extra: &[&str]) -> Process {
    let mut args: Vec<String> = ["terminal", "--listen", endpoint, "--log-level", "info"]
        .map(String::from)
        .to_vec();
    args.extend(["--data-dir".into(), dir.join("books").display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let log = dir.join(format!("terminal-{}.log", Uuid::new_v4()));
    Process::spawn(&args, &[], log, "terminal listening on ").0
}

/// Starts `serve --terminal terminal` on `endpoint`, its journal in `dir`, with `extra`
/// options; returns it and its start-up recovery report.
pub fn gateway(
    endpoint: &str,
    terminal: &str,
    dir: &Path,
    extra: &[&str],
) -> (Process, serde_json::Value) {
    configured_gateway(endpoint, terminal, dir, extra, None)
}

/// [`gateway`], with the retry configuration file `config` (`WAIT_OR_DIE_CONFIG`) if given.
pub fn configured_gateway(
    endpoint: &str,
    terminal: &str,
    dir: &Path,
    extra: &[&str],
    config: Option<&Path>,
) -> (Process, serde_json::Value) {
    let mut args: Vec<String> = ["serve", "--bind", endpoint, "--terminal", terminal]
        .map(String::from)
        .to_vec();
    args.extend(["--log-level".into(), "info".into()]);
    args.extend([
        "--data-dir".into(),
        dir.join("journal").display().to_string(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let log = dir.join(format!("gateway-{}.log", Uuid::new_v4()));
    let env: Vec<(&str, &Path)> = config
        .map(|c| ("WAIT_OR_DIE_CONFIG", c))
        .into_iter()
        .collect();
    let (process, lines) = Process::spawn(&args, &env, log, "listening on ");
    let recovered = lines
        .iter()
        .find_map(|line| line.strip_prefix("recovered "))
        .expect("a recovery report");
    (process, serde_json::from_str(recovered).unwrap())
}

/// The terminal's whole books, read with the link's fault-free audit call.
pub fn books(context: &zmq::Context, terminal: &str) -> AuditView {
    let remote = RemoteTerminal::connect(context, RemoteOptions::new(terminal)).unwrap();
    let mut books = None;
    wait_until("the terminal answered the audit", || {
        books = remote.audit().ok();
        books.is_some()
    });
    books.unwrap()
}

/// The deals on the terminal's books made for `req_id`, read with the link's audit call.
pub fn deals_for(context: &zmq::Context, terminal: &str, req_id: Uuid) -> Vec<Deal> {
    let comment = order_comment(req_id);
    books(context, terminal)
        .deals
        .into_iter()
        .filter(|deal| deal.comment == comment)
        .collect()
}
