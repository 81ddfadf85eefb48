//! A body on one line (`{ Ok(1) }`) draws no `unused_braces` warning in any shape.
#![deny(warnings)]

use std::io;

use wait_or_die::wait_or_die;

#[wait_or_die]
fn blocking() -> io::Result<u8> { Ok(1) }

#[wait_or_die]
async fn asynchronous() -> io::Result<u8> { Ok(1) }

#[wait_or_die(timeout = "none")]
async fn uncancelled() -> io::Result<u8> { Ok(1) }

#[wait_or_die(retry_if = |e| e.kind() != io::ErrorKind::NotFound)]
fn with_a_predicate(x: u8) -> io::Result<u8> { Ok(x) }

#[tracing::instrument]
#[wait_or_die]
async fn instrumented() -> io::Result<u8> { Ok(1) }

#[tracing::instrument]
#[wait_or_die]
fn instrumented_blocking() -> io::Result<u8> { Ok(1) }

struct Port;

impl Port {
    #[wait_or_die]
    fn read(&mut self) -> io::Result<u8> { Ok(1) }

    #[wait_or_die]
    async fn read_async(&self) -> io::Result<u8> { Ok(1) }
}

#[async_trait::async_trait]
trait Source {
    async fn read(&self) -> io::Result<u8>;
}

#[async_trait::async_trait]
impl Source for Port {
    #[wait_or_die]
    async fn read(&self) -> io::Result<u8> { Ok(1) }
}

fn main() {
    let _ = blocking();
    let _ = asynchronous();
    let _ = uncancelled();
    let _ = with_a_predicate(1);
    let _ = instrumented();
    let _ = instrumented_blocking();
    let _ = Port.read();
    let _ = Port.read_async();
    let _ = Source::read(&Port);
}
