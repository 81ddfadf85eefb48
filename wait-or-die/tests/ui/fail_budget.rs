use wait_or_die::wait_or_die;

// Rules of the engine, each reported at its argument.
#[wait_or_die(budget_ratio = 1.5, budget_window = 0, budget = "")]
async fn above_one_zero_window_and_empty_name() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(budget_ratio = -0.1, budget_window = "10s")]
fn negative_ratio() -> std::io::Result<()> {
    Ok(())
}

// Forms of the values.
#[wait_or_die(budget = none, budget_min_per_second = -1, budget_window = "10 days", budget_ratio = "0.2")]
fn wrong_forms() -> std::io::Result<()> {
    Ok(())
}

// A budget turned off cannot be tuned.
#[wait_or_die(budget = "none", budget_ratio = 0.2, budget_min_per_second = 10)]
fn tuned_but_off() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
