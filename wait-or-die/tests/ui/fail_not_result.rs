use wait_or_die::wait_or_die;

#[wait_or_die]
async fn returns_nothing() {}

#[wait_or_die]
fn returns_option() -> Option<u8> {
    None
}

#[wait_or_die]
fn returns_tuple() -> (u8, std::io::Error) {
    unimplemented!()
}

#[wait_or_die]
async fn returns_reference(s: &str) -> &str {
    s
}

type Count = u32;

// An alias cannot be seen through by the macro: the engine's `Result` parameter reports it.
#[wait_or_die]
fn returns_an_alias_of_a_number() -> Count {
    1
}

fn main() {}
