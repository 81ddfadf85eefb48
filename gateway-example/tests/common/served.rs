//! A `serve` process of the binary, as an operator runs it: spawned with arguments and an
//! environment, asked over ZeroMQ and HTTP, killed when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gateway_example::gateway::GatewayStats;
use serde_json::json;
use uuid::Uuid;

const BINARY: &str = env!("CARGO_BIN_EXE_gateway-example");

/// A serving gateway process.
pub struct Served {
    pub child: Child,
    /// The ZeroMQ endpoint it listens on.
    pub endpoint: String,
    /// `host:port` of its `/metrics`, when started with `--metrics`.
    pub metrics: Option<String>,
    /// Its stderr, written to a file so that a chatty log never blocks it.
    pub stderr: PathBuf,
    _data_dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `serve` on a free loopback port with `args` and `env`, and waits until it listens.
    pub fn start(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Served {
        let data_dir = tempfile::tempdir().unwrap();
        let stderr = data_dir.path().join("stderr.log");
        let mut child = Command::new(BINARY)
            .arg("serve")
            .args(["--bind", "tcp://127.0.0.1:0", "--log-level", "info"])
            .arg("--data-dir")
            .arg(data_dir.path())
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("spawn the gateway binary");
        let mut metrics = None;
        let stdout = BufReader::new(child.stdout.take().unwrap());
        for line in stdout.lines() {
            let line = line.unwrap();
            if let Some(url) = line.strip_prefix("metrics on http://") {
                metrics = Some(url.trim_end_matches("/metrics").to_owned());
            }
            if let Some(endpoint) = line.strip_prefix("listening on ") {
                return Served {
                    child,
                    endpoint: endpoint.to_owned(),
                    metrics,
                    stderr,
                    _data_dir: data_dir,
                };
            }
        }
        let _ = child.wait();
        panic!(
            "serve {args:?} did not start: {}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
    }

    /// One request on a fresh REQ socket; the reply's JSON.
    pub fn ask(&self, request: &serde_json::Value) -> serde_json::Value {
        let context = zmq::Context::new();
        let socket = context.socket(zmq::REQ).unwrap();
        socket.set_linger(0).unwrap();
        socket.connect(&self.endpoint).unwrap();
        socket.send(request.to_string().as_bytes(), 0).unwrap();
        let ready = socket.poll(zmq::POLLIN, 10_000).unwrap();
        assert_eq!(ready, 1, "no reply to {request} within 10 s");
        let frames = socket.recv_multipart(0).unwrap();
        serde_json::from_slice(&frames[0]).unwrap()
    }

    /// The gateway's `STATS`.
    pub fn stats(&self) -> GatewayStats {
        let reply = self.ask(&json!({"action": "STATS", "req_id": Uuid::new_v4()}));
        assert_eq!(reply["ok"], true, "{reply}");
        serde_json::from_value(reply["result"].clone()).unwrap()
    }

    /// `GET /metrics` as a scraper without an `Accept` header sends it: status line and body.
    pub fn scrape(&self) -> (String, String) {
        let address = self.metrics.as_deref().expect("started with --metrics");
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(stream, "GET /metrics HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        (
            head.lines().next().unwrap_or_default().to_owned(),
            body.to_owned(),
        )
    }

    /// Sends SIGHUP to the process.
    pub fn hang_up(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// What it wrote on stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

/// An `ORDER_SEND` of 0.01 lot, with a fresh `req_id`.
pub fn order() -> serde_json::Value {
    json!({"action": "ORDER_SEND", "req_id": Uuid::new_v4(),
           "payload": {"symbol": "EURUSD", "type": "OP_BUY", "volume": 0.01}})
}
