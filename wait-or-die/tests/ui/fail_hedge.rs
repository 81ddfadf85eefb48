use wait_or_die::wait_or_die;

#[wait_or_die(hedge_after = "50ms", max_hedges = 2)]
fn hedged_blocking_fn() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(hedge_after = "p100")]
async fn percentile_out_of_range() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(hedge_after = "pfast")]
async fn not_a_percentile() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(hedge_after = 0, max_hedges = 0)]
async fn zero_delay_and_no_hedge() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(max_hedges = 2)]
async fn max_hedges_alone() -> std::io::Result<()> {
    Ok(())
}

struct Book;

impl Book {
    #[wait_or_die(hedge_after = "50ms")]
    async fn borrowed_mut(&mut self, out: &mut Vec<u8>, symbol: &str) -> std::io::Result<()> {
        out.extend_from_slice(symbol.as_bytes());
        Ok(())
    }
}

#[wait_or_die(hedge_after = "50ms", on_timeout = "last_error")]
async fn with_the_last_error() -> Result<(), String> {
    Ok(())
}

fn main() {}
