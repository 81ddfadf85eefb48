use std::io;

use backon::{ExponentialBuilder, Retryable};

async fn fetch(n: u32) -> io::Result<u32> {
    Ok(n)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let policy = ExponentialBuilder::default().with_max_times(10).with_jitter();
    println!("{:?}", (|| fetch(1)).retry(policy).await);
}
