use std::io;

#[wait_or_die::wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
async fn fetch(n: u32) -> io::Result<u32> {
    Ok(n)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("{:?}", fetch(1).await);
}
