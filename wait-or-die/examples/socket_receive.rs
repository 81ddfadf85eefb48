//! The seed's socket receive: one attempt reads one JSON line from a server; the engine retries
//! a refused or dropped connection with capped exponential backoff inside a 30 s budget.
//!
//! The server here drops its first two connections, as a restarting peer would, then answers.
//!
//! ```sh
//! cargo run -p wait-or-die --example socket_receive
//! ```

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use wait_or_die::{current, stats, wait_or_die};

/// A client of one server; each call to [`Client::recv_line`] is one retried call.
struct Client {
    server: SocketAddr,
}

impl Client {
    /// Connects and reads one line. The seed's settings: 30 s in all, up to 10 retries, waits
    /// 0.5 s → 1 s → 2 s → 4 s → 5 s; `attempt_timeout` bounds one attempt so that a server
    /// that accepts and then says nothing costs 2 s, not the whole budget.
    #[wait_or_die(
        timeout = 30,
        max_retries = 10,
        initial_wait = 0.5,
        max_wait = 5.0,
        attempt_timeout = 2,
        name = "example.recv_line"
    )]
    async fn recv_line(&self) -> io::Result<String> {
        let call = current().expect("inside an annotated call");
        println!("attempt {} of {}", call.attempt(), call.max_attempts());
        let mut line = String::new();
        let read = BufReader::new(TcpStream::connect(self.server).await?)
            .read_line(&mut line)
            .await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end().to_owned())
    }
}

/// Accepts connections; drops the first `drops` of them unanswered, then answers each with a line.
async fn flaky_server(listener: TcpListener, drops: usize) -> io::Result<()> {
    for served in 0.. {
        let (mut peer, _) = listener.accept().await?;
        if served >= drops {
            peer.write_all(b"{\"status\":\"ok\"}\n").await?;
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = Client {
        server: listener.local_addr()?,
    };
    tokio::spawn(flaky_server(listener, 2));

    let reply = client.recv_line().await?;
    println!("received {reply}");
    assert_eq!(reply, r#"{"status":"ok"}"#);

    let site = stats::sites()
        .find(|s| s.name() == "example.recv_line")
        .expect("the annotated method is listed")
        .snapshot();
    println!(
        "site {}: {} call, {} attempts, {} recovered",
        site.name, site.calls, site.attempts, site.recovered
    );
    assert_eq!((site.attempts, site.recovered), (3, 1));
    Ok(())
}
