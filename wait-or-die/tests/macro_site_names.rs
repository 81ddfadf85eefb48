//! The names `#[wait_or_die]` gives its statistics sites: methods of the same name in two
//! `impl` blocks of one module get distinct default names, and `name = "..."` overrides them.

use std::io;

use wait_or_die::{stats, wait_or_die};

struct Orders;
struct Quotes;

impl Orders {
    #[wait_or_die]
    fn send(&self) -> io::Result<u32> {
        // The line of the `fn`, which the default name carries.
        Ok(line!() - 2)
    }
}

impl Quotes {
    #[wait_or_die]
    fn send(&self) -> io::Result<u32> {
        Ok(line!() - 1)
    }

    #[wait_or_die(name = "quotes.refresh")]
    fn refresh(&self) -> io::Result<()> {
        Ok(())
    }
}

fn listed(prefix: &str) -> Vec<&'static str> {
    let mut names: Vec<_> = stats::sites()
        .map(|s| s.name())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort_unstable();
    names
}

#[test]
fn same_named_methods_of_two_impls_get_distinct_readable_names() {
    let orders_line = Orders.send().unwrap();
    let quotes_line = Quotes.send().unwrap();
    let orders = format!("macro_site_names::send@{orders_line}");
    let quotes = format!("macro_site_names::send@{quotes_line}");
    assert_eq!(listed("macro_site_names::send"), vec![orders, quotes]);
}

#[test]
fn an_explicit_name_is_used_as_written() {
    Quotes.refresh().unwrap();
    assert_eq!(listed("quotes."), vec!["quotes.refresh"]);
    assert!(listed("macro_site_names::refresh").is_empty());
}
