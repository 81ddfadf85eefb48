//! The keys of `[sites."name".chaos]` in the configuration file, each declared once.

use crate::config::keys::{Form, Value};
use crate::strategy::chaos::Chaos;

/// One key of a site's `chaos` table.
pub(crate) struct ChaosKey {
    pub(crate) name: &'static str,
    pub(crate) form: Form,
    pub(crate) set: fn(&mut Chaos, Value),
}

/// `fail = 0.2`, `latency = "50ms"`, `latency_share = 0.5`.
pub(crate) const CHAOS_KEYS: &[ChaosKey] = &[
    ChaosKey {
        name: "fail",
        form: Form::Share,
        set: |c, v| {
            if let Value::Number(x) = v {
                c.fail = x;
            }
        },
    },
    ChaosKey {
        name: "latency",
        form: Form::Duration,
        set: |c, v| {
            if let Value::Duration(Some(d)) = v {
                c.latency = d;
            }
        },
    },
    ChaosKey {
        name: "latency_share",
        form: Form::Share,
        set: |c, v| {
            if let Value::Number(x) = v {
                c.latency_share = x;
            }
        },
    },
];
