//! Every key of the configuration file, each declared once with the form of its value and what
//! it sets: parsing, messages ("expected one of") and the docs' table all read this table.

use core::time::Duration;

use crate::control::{BreakerChoice, BudgetChoice, Override};
use crate::jitter::Jitter;

/// The value that turns an optional setting off (`timeout = "none"`, `budget = "none"`).
pub(crate) const NONE: &str = "none";
/// The kill switch's values: `retries = "off"` engages it, `"on"` says so explicitly.
pub(crate) const SWITCH: [(&str, bool); 2] = [("off", true), ("on", false)];

/// What a key's value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A whole number from 0 to `u32::MAX`.
    Count,
    /// Seconds as a number, or a string with a unit.
    Duration,
    /// A duration, or `"none"`.
    DurationOrNone,
    /// A number from 0 to 1.
    Share,
    /// A jitter name.
    Jitter,
    /// `"off"` or `"on"`.
    Switch,
    /// `"none"`, or the name of a shared budget.
    Budget,
    /// `true` (a breaker of the site's own), `false` (none), or the name of a shared breaker.
    Breaker,
    /// A duration, `"p"` and a percentile (`"p95"`), or `"none"`.
    HedgeAfter,
    /// A table of its own keys.
    #[cfg(feature = "chaos")]
    Chaos,
}

/// A value read from the file, in its [`Form`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value {
    Count(u32),
    Duration(Option<Duration>),
    Number(f64),
    Jitter(Jitter),
    Off(bool),
    Budget(BudgetChoice),
    Breaker(BreakerChoice),
    Hedge(Option<crate::policy::HedgeAfter>),
    #[cfg(feature = "chaos")]
    Chaos(crate::strategy::chaos::Chaos),
}

/// One key of a site's table.
pub(crate) struct Key {
    pub(crate) name: &'static str,
    pub(crate) form: Form,
    /// Puts the value, already read in `form`, into the override.
    pub(crate) set: fn(&mut Override, Value),
}

/// The keys of `[sites."name"]`, in the order the docs list them.
pub(crate) const SITE_KEYS: &[Key] = &[
    Key {
        name: "max_retries",
        form: Form::Count,
        set: |o, v| o.max_retries = count(v),
    },
    Key {
        name: "timeout",
        form: Form::DurationOrNone,
        set: |o, v| o.timeout = Some(duration(v)),
    },
    Key {
        name: "initial_wait",
        form: Form::Duration,
        set: |o, v| o.initial_wait = duration(v),
    },
    Key {
        name: "max_wait",
        form: Form::Duration,
        set: |o, v| o.max_wait = duration(v),
    },
    Key {
        name: "jitter",
        form: Form::Jitter,
        set: |o, v| {
            if let Value::Jitter(j) = v {
                o.jitter = Some(j);
            }
        },
    },
    Key {
        name: "retries",
        form: Form::Switch,
        set: |o, v| o.retries_off = v == Value::Off(true),
    },
    Key {
        name: "budget",
        form: Form::Budget,
        set: |o, v| {
            if let Value::Budget(b) = v {
                o.budget = Some(b);
            }
        },
    },
    Key {
        name: "budget_ratio",
        form: Form::Share,
        set: |o, v| o.budget_ratio = number(v),
    },
    Key {
        name: "budget_min_per_second",
        form: Form::Count,
        set: |o, v| o.budget_min_per_second = count(v),
    },
    Key {
        name: "budget_window",
        form: Form::Duration,
        set: |o, v| o.budget_window = duration(v),
    },
    Key {
        name: "breaker",
        form: Form::Breaker,
        set: |o, v| {
            if let Value::Breaker(b) = v {
                o.breaker.choice = Some(b);
            }
        },
    },
    Key {
        name: "breaker_failure_ratio",
        form: Form::Share,
        set: |o, v| o.breaker.failure_ratio = number(v),
    },
    Key {
        name: "breaker_min_calls",
        form: Form::Count,
        set: |o, v| o.breaker.min_calls = count(v),
    },
    Key {
        name: "breaker_window",
        form: Form::Duration,
        set: |o, v| o.breaker.window = duration(v),
    },
    Key {
        name: "breaker_open_for",
        form: Form::Duration,
        set: |o, v| o.breaker.open_for = duration(v),
    },
    Key {
        name: "breaker_probes",
        form: Form::Count,
        set: |o, v| o.breaker.probes = count(v),
    },
    Key {
        name: "hedge_after",
        form: Form::HedgeAfter,
        set: |o, v| {
            if let Value::Hedge(h) = v {
                o.hedge_after = Some(h);
            }
        },
    },
    Key {
        name: "max_hedges",
        form: Form::Count,
        set: |o, v| o.max_hedges = count(v),
    },
    #[cfg(feature = "chaos")]
    Key {
        name: "chaos",
        form: Form::Chaos,
        set: |o, v| {
            if let Value::Chaos(c) = v {
                o.chaos = Some(c);
            }
        },
    },
];

/// The keys at the top of the file.
pub(crate) const TOP_KEYS: &[&str] = &["retries", "sites"];

pub(crate) fn site_key(name: &str) -> Option<&'static Key> {
    SITE_KEYS.iter().find(|k| k.name == name)
}

fn count(v: Value) -> Option<u32> {
    match v {
        Value::Count(n) => Some(n),
        _ => None,
    }
}

fn duration(v: Value) -> Option<Duration> {
    match v {
        Value::Duration(d) => d,
        _ => None,
    }
}

fn number(v: Value) -> Option<f64> {
    match v {
        Value::Number(x) => Some(x),
        _ => None,
    }
}

/// `` `a`, `b` or `c` ``, for "expected one of" messages.
pub(crate) fn one_of<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}
