use wait_or_die::wait_or_die;

#[wait_or_die]
struct Gateway;

trait Fetch {
    #[wait_or_die]
    fn fetch(&self) -> std::io::Result<u8>;
}

#[wait_or_die]
const fn constant() -> std::io::Result<u8> {
    Ok(1)
}

fn main() {}
