//! Putting a gateway together: terminal (simulated in this process, or reached in its own),
//! journal, recovery, then the socket.
//!
//! Used by `serve`, `demo` and the end-to-end tests, so all three run exactly the same assembly.
//! Recovery runs before the socket is bound: no client can reach the gateway while a pending
//! order is still unreconciled.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::gateway::{sweep_forever, Gateway, GatewayConfig, RecoveryReport};
use crate::journal::{Journal, JournalError, DEFAULT_JOURNAL_TTL};
use crate::remote::{LinkError, RemoteOptions, RemoteTerminal};
use crate::terminal::{LedgerError, SimulatedTerminal, SimulatorOptions, Terminal};
use crate::transport::{
    is_local_only, transport_limit_for, RouterOptions, RouterServer, TransportError,
};

/// The default endpoint: loopback only.
pub const DEFAULT_BIND: &str = "tcp://127.0.0.1:5555";
/// Folder of the simulated trade server's books inside the data directory.
pub const TERMINAL_SUBDIR: &str = "mt5-sim";
/// Share of the terminal fault rate that `demo` and `serve` also apply as dropped replies on the
/// socket, so that clients exercise their resends too.
pub const REPLY_DROP_SHARE: f64 = 0.25;

/// Everything needed to start a gateway.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Socket options, the endpoint among them.
    pub router: RouterOptions,
    /// Journal directory (and parent of the in-process terminal's); `None` keeps everything in
    /// memory.
    pub data_dir: Option<PathBuf>,
    /// The in-process simulated terminal; its `data_dir` is set from `data_dir`. Unused by
    /// [`start_remote`].
    pub simulator: SimulatorOptions,
    /// The gateway's behaviour.
    pub gateway: GatewayConfig,
}

/// Why a gateway did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A network-reachable endpoint without a shared key.
    #[error("refusing to bind {0} without a shared key: only loopback, ipc:// and inproc:// endpoints may be unsigned (pass --key-file)")]
    ExposedWithoutKey(String),
    /// The terminal's books.
    #[error("simulated terminal: {0}")]
    Terminal(#[from] LedgerError),
    /// The link to a terminal in another process.
    #[error("terminal link: {0}")]
    Link(#[from] LinkError),
    /// The journal.
    #[error("journal: {0}")]
    Journal(#[from] JournalError),
    /// The socket.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
}

/// A serving gateway; stops when dropped.
pub struct RunningGateway<T = SimulatedTerminal> {
    /// The request handler.
    pub gateway: Arc<Gateway>,
    /// The terminal behind it: the simulator itself, or the link to it.
    pub terminal: Arc<T>,
    /// What start-up recovery found.
    pub recovery: RecoveryReport,
    server: RouterServer,
    sweeper: tokio::task::JoinHandle<()>,
}

impl<T> Drop for RunningGateway<T> {
    fn drop(&mut self) {
        self.sweeper.abort();
    }
}

impl<T> RunningGateway<T> {
    /// The bound endpoint.
    pub fn endpoint(&self) -> &str {
        self.server.endpoint()
    }
}

/// The default data directory: `$XDG_STATE_HOME/wait-or-die-gateway`, else
/// `~/.local/state/wait-or-die-gateway`, else `./gateway-data`.
pub fn default_data_dir() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/state")));
    match state {
        Some(dir) => dir.join("wait-or-die-gateway"),
        None => PathBuf::from("gateway-data"),
    }
}

/// Opens the simulated terminal in this process and the journal, reconciles pending orders,
/// then binds and serves.
pub fn start(
    context: &zmq::Context,
    options: &ServerOptions,
    runtime: tokio::runtime::Handle,
) -> Result<RunningGateway, StartError> {
    refuse_exposed(options)?;
    let mut simulator = options.simulator.clone();
    simulator.data_dir = options.data_dir.as_ref().map(|d| d.join(TERMINAL_SUBDIR));
    let terminal = Arc::new(SimulatedTerminal::open(&simulator)?);
    let faults = Arc::clone(&terminal);
    serve_over(context, options, terminal, runtime, |gateway| {
        gateway.count_faults_with(Arc::new(move || faults.faults_injected()));
    })
}

/// Connects to a terminal in another process (`gateway-example terminal`), opens the journal,
/// reconciles pending orders against that terminal's books, then binds and serves.
pub fn start_remote(
    context: &zmq::Context,
    options: &ServerOptions,
    remote: RemoteOptions,
    runtime: tokio::runtime::Handle,
) -> Result<RunningGateway<RemoteTerminal>, StartError> {
    refuse_exposed(options)?;
    let terminal = Arc::new(RemoteTerminal::connect(context, remote)?);
    serve_over(context, options, terminal, runtime, |_| {})
}

fn refuse_exposed(options: &ServerOptions) -> Result<(), StartError> {
    if options.gateway.key.is_none() && !is_local_only(&options.router.endpoint) {
        return Err(StartError::ExposedWithoutKey(
            options.router.endpoint.clone(),
        ));
    }
    Ok(())
}

/// The assembly both terminals share: journal, gateway, recovery, socket, sweeper.
fn serve_over<T: Terminal + 'static>(
    context: &zmq::Context,
    options: &ServerOptions,
    terminal: Arc<T>,
    runtime: tokio::runtime::Handle,
    configure: impl FnOnce(&Gateway),
) -> Result<RunningGateway<T>, StartError> {
    let journal = Journal::open(options.data_dir.as_deref(), DEFAULT_JOURNAL_TTL)?;
    let gateway = Gateway::new(terminal.clone(), journal, options.gateway.clone());
    configure(&gateway);
    let recovery = gateway.recover()?;
    // libzmq must let through every frame the protocol accepts, or it would drop the sender of
    // a frame the operator allowed without a reply.
    let mut router = options.router.clone();
    router.max_msg_bytes = router
        .max_msg_bytes
        .max(transport_limit_for(options.gateway.max_frame_bytes));
    let server = RouterServer::start(context, &router, Arc::clone(&gateway), runtime.clone())?;
    let sweeper = runtime.spawn(sweep_forever(Arc::clone(&gateway)));
    Ok(RunningGateway {
        gateway,
        terminal,
        recovery,
        server,
        sweeper,
    })
}
