//! The binary's `serve` and `send` as an operator runs them: endpoints and limits they accept
//! must work as written, and `send` must say what it is doing and stop when told.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;

use common::free_port;

const BINARY: &str = env!("CARGO_BIN_EXE_gateway-example");

/// A `serve` process, killed when dropped.
struct Served {
    child: Child,
    _data_dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` with `args` and waits until it listens; panics with its stderr if it exits.
fn serve(args: &[&str]) -> Served {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BINARY)
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir.path())
        .args(["--log-level", "error"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the gateway binary");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        if line.unwrap().starts_with("listening on ") {
            return Served {
                child,
                _data_dir: data_dir,
            };
        }
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let _ = child.wait();
    panic!("serve {args:?} did not start: {stderr}");
}

/// One request on a fresh REQ socket; the reply's JSON, or `None` after `wait`.
fn ask(endpoint: &str, body: &[u8], wait: Duration) -> Option<serde_json::Value> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(endpoint).unwrap();
    socket.send(body, 0).unwrap();
    if socket.poll(zmq::POLLIN, wait.as_millis() as i64).unwrap() == 0 {
        return None;
    }
    let frames = socket.recv_multipart(0).unwrap();
    Some(serde_json::from_slice(&frames[0]).unwrap())
}

fn ping() -> Vec<u8> {
    json!({"action": "PING", "req_id": Uuid::new_v4()})
        .to_string()
        .into_bytes()
}

#[test]
fn localhost_is_served_as_loopback() {
    let port = free_port();
    let _gateway = serve(&["--bind", &format!("tcp://localhost:{port}")]);
    let pong = ask(
        &format!("tcp://127.0.0.1:{port}"),
        &ping(),
        Duration::from_secs(5),
    );
    assert_eq!(pong.expect("a reply")["ok"], true);
}

#[test]
fn a_frame_limit_above_a_mebibyte_is_honoured_by_the_transport() {
    let port = free_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let _gateway = serve(&["--bind", &endpoint, "--max-frame-bytes", "4000000"]);
    // 2 MB: under the limit the operator set, over libzmq's default 1 MiB.
    let big = json!({"action": "SYMBOL_INFO", "req_id": Uuid::new_v4(),
                     "payload": {"symbol": "X".repeat(2_000_000)}});
    let reply = ask(
        &endpoint,
        big.to_string().as_bytes(),
        Duration::from_secs(5),
    )
    .expect("a frame under --max-frame-bytes gets a reply");
    assert_eq!(reply["error"]["code"], "unknown_symbol", "{reply}");
}

#[test]
fn an_absurd_frame_limit_is_refused_at_start() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BINARY)
        .args(["serve", "--max-frame-bytes", "4000000000", "--data-dir"])
        .arg(data_dir.path())
        .args(["--bind", &format!("tcp://127.0.0.1:{}", free_port())])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve accepted --max-frame-bytes 4000000000 and started");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("--max-frame-bytes"), "{stderr}");
}

#[test]
fn send_to_a_dead_endpoint_shows_progress_and_stops_at_its_timeout() {
    let dead = format!("tcp://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let output = Command::new(BINARY)
        .args(["send", "--connect", &dead, "--timeout", "2"])
        .args(["--reply-timeout-ms", "300"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("attempt 1 of"), "{stderr}");
    assert!(stderr.contains("next try in"), "{stderr}");
    assert!(stderr.contains("gave up"), "{stderr}");
    // No reply is no answer: the order may have executed, and the way to find out is named.
    assert!(stderr.contains("outcome of req_id"), "{stderr}");
    assert!(stderr.contains("--req-id"), "{stderr}");
    // A hang guard, far above the 2 s asked for (without --timeout it took 61 s).
    let bound = Duration::from_secs(20);
    assert!(
        took < bound,
        "send took {took:?}, over the hang guard's bound of {bound:?}"
    );
}

/// Runs `send` with `args` against `endpoint`; its reply (stdout) and whether it succeeded.
fn send(endpoint: &str, args: &[&str]) -> (serde_json::Value, bool, String) {
    let output = Command::new(BINARY)
        .args(["send", "--connect", endpoint, "--timeout", "20"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let reply = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (reply, output.status.success(), stderr)
}

/// `send --action` reaches every action: a position opened with the order flags is listed by
/// POSITIONS and closed by POSITION_CLOSE with its ticket, and a payload the gateway would
/// refuse is refused by `send` itself, naming the field, before anything is sent.
#[test]
fn send_reaches_every_action_and_refuses_a_bad_payload_before_sending() {
    let port = free_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let _gateway = serve(&["--bind", &endpoint]);
    let (opened, ok, stderr) = send(&endpoint, &["--symbol", "EURUSD", "--volume", "0.02"]);
    assert!(ok, "{stderr}");
    let position = opened["result"]["position"]
        .as_u64()
        .expect("a position ticket");
    let (listed, ok, _) = send(&endpoint, &["--action", "POSITIONS"]);
    assert!(ok);
    assert!(
        listed.to_string().contains(&position.to_string()),
        "{listed}"
    );

    let (_, ok, stderr) = send(
        &endpoint,
        &[
            "--action",
            "POSITION_CLOSE",
            "--payload",
            r#"{"ticket": 1}"#,
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("unknown field `ticket`"), "{stderr}");
    assert!(!stderr.contains("sending to"), "nothing was sent: {stderr}");

    let close = json!({"position": position, "volume": 0.02}).to_string();
    let (closed, ok, stderr) = send(
        &endpoint,
        &["--action", "POSITION_CLOSE", "--payload", &close],
    );
    assert!(ok, "{stderr}");
    assert_eq!(closed["result"]["status"], "closed", "{closed}");
    let (account, ok, _) = send(&endpoint, &["--action", "ACCOUNT_INFO"]);
    assert!(ok && account["result"]["balance"].is_number(), "{account}");
}

fn journal(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .arg("journal")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// `journal pending` lists a stopped gateway's pending intents and `journal settle` settles
/// one by hand with exactly one verdict; a running gateway's journal is refused, saying why.
#[test]
fn journal_lists_and_settles_pending_intents_of_a_stopped_gateway() {
    use gateway_example::execution::TradeIntent;
    use gateway_example::journal::{Journal, DEFAULT_JOURNAL_TTL};
    use gateway_example::protocol::OrderSpec;
    use gateway_example::terminal::OrderType;

    let dir = tempfile::tempdir().unwrap();
    let req_id = Uuid::new_v4();
    {
        let journal = Journal::open(Some(dir.path()), DEFAULT_JOURNAL_TTL).unwrap();
        let open = TradeIntent::Open(OrderSpec::market("EURUSD", OrderType::Buy, 0.01));
        journal.begin(req_id, &open, None, 1).unwrap();
    }
    let listed = journal(dir.path(), &["pending"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{listed:?}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains(&req_id.to_string()), "{stdout}");

    let id = req_id.to_string();
    let no_verdict = journal(dir.path(), &["settle", "--req-id", &id]);
    assert!(!no_verdict.status.success());
    let both = [
        "settle",
        "--req-id",
        &id,
        "--not-executed",
        "--executed-order",
        "5",
    ];
    assert!(!journal(dir.path(), &both).status.success());

    let settled = journal(dir.path(), &["settle", "--req-id", &id, "--not-executed"]);
    assert!(settled.status.success(), "{settled:?}");
    let reply: serde_json::Value = serde_json::from_slice(&settled.stdout).unwrap();
    assert_eq!(reply["error"]["retryable"], true, "{reply}");
    assert!(journal(dir.path(), &["pending"]).stdout.is_empty());

    let port = free_port();
    let mut running = Command::new(BINARY)
        .arg("serve")
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "--bind",
            &format!("tcp://127.0.0.1:{port}"),
            "--log-level",
            "error",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(running.stdout.take().unwrap());
    assert!(stdout
        .lines()
        .any(|l| l.unwrap().starts_with("listening on ")));
    let refused = journal(dir.path(), &["pending"]);
    let _ = running.kill();
    let _ = running.wait();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("stop it first"), "{stderr}");
}
