//! Names given at run time (shared budgets and breakers, sites named by operators), kept as
//! `&'static str` for the life of the process, once per distinct name.

use std::sync::{Mutex, PoisonError};

/// `name` as a `&'static str`, leaked once per distinct name (shared budget and breaker names).
pub(crate) fn intern_name(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = names.iter().find(|n| **n == name) {
        return found;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.push(leaked);
    leaked
}
