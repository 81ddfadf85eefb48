//! The ways a call to the simulated terminal can go wrong.
//!
//! Which calls draw which fault is the [`FaultPlan`](super::FaultPlan)'s job. Tests that need one
//! particular fault queue it with [`SimulatedTerminal::inject`](super::SimulatedTerminal::inject)
//! instead of relying on chance, and `--script` does the same from the command line.

use std::time::Duration;

/// One way a call to the terminal can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call is slow: it takes this much longer, then behaves normally.
    Latency(Duration),
    /// The dealer requotes: nothing executes.
    Requote,
    /// Prices moved before the order arrived: nothing executes.
    PriceChanged,
    /// No quotes for the symbol just now: nothing executes.
    PriceOff,
    /// The server throttles the account: nothing executes.
    TooManyRequests,
    /// The request is locked for processing: nothing executes.
    Locked,
    /// The link dropped before the request reached the server (`CONNECTION`): nothing executes,
    /// but the gateway cannot know that.
    ConnectionLostBeforeSend,
    /// The order executes, then the terminal answers `TIMEOUT`.
    ExecutedThenTimeoutRetcode,
    /// The order executes, then the terminal answers `ERROR`.
    ExecutedThenErrorRetcode,
    /// The order executes, then the reply is lost: the call returns no result at all.
    ExecutedThenReplyLost,
    /// The order executes, then the link drops: the call returns no result at all.
    ExecutedThenDisconnected,
    /// Only part of the volume fills (IOC): `DONE_PARTIAL`, the rest is cancelled.
    PartialFill,
    /// The order executes, then the answer takes this much longer: a terminal that dies in
    /// that time has booked the order but never answered. Only scripted, never drawn.
    ExecutedThenSlowReply(Duration),
}

/// Every fault with a fixed name, by its name on the command line (`--script`).
const NAMED_FAULTS: [(&str, Fault); 11] = [
    ("requote", Fault::Requote),
    ("price-changed", Fault::PriceChanged),
    ("price-off", Fault::PriceOff),
    ("too-many-requests", Fault::TooManyRequests),
    ("locked", Fault::Locked),
    ("connection-lost", Fault::ConnectionLostBeforeSend),
    ("executed-then-timeout", Fault::ExecutedThenTimeoutRetcode),
    ("executed-then-error", Fault::ExecutedThenErrorRetcode),
    ("executed-then-reply-lost", Fault::ExecutedThenReplyLost),
    (
        "executed-then-disconnected",
        Fault::ExecutedThenDisconnected,
    ),
    ("partial-fill", Fault::PartialFill),
];
const LATENCY_PREFIX: &str = "latency-";
const SLOW_REPLY_PREFIX: &str = "executed-then-slow-reply-";

/// A fault name that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultParseError {
    /// `latency-` (or `executed-then-slow-reply-`) followed by something that is not a number
    /// of milliseconds.
    #[error("`{0}`: a delay needs whole milliseconds, e.g. latency-500")]
    BadLatency(String),
    /// Not a fault's name.
    #[error("unknown fault `{0}`; expected one of {names}, latency-<ms> or executed-then-slow-reply-<ms>", names = fault_names())]
    Unknown(String),
}

fn fault_names() -> String {
    NAMED_FAULTS.map(|(name, _)| name).join(", ")
}

impl std::str::FromStr for Fault {
    type Err = FaultParseError;

    /// Parses a fault's kebab-case name (`executed-then-reply-lost`), or `latency-<ms>`.
    fn from_str(name: &str) -> Result<Fault, FaultParseError> {
        let delay = |ms: &str| {
            ms.parse()
                .map(Duration::from_millis)
                .map_err(|_| FaultParseError::BadLatency(name.to_owned()))
        };
        if let Some(ms) = name.strip_prefix(LATENCY_PREFIX) {
            return delay(ms).map(Fault::Latency);
        }
        if let Some(ms) = name.strip_prefix(SLOW_REPLY_PREFIX) {
            return delay(ms).map(Fault::ExecutedThenSlowReply);
        }
        NAMED_FAULTS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, fault)| fault)
            .ok_or_else(|| FaultParseError::Unknown(name.to_owned()))
    }
}

impl std::fmt::Display for Fault {
    /// The fault's name as `--script` reads it, so a parsed script can be passed on to another
    /// process.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Latency(delay) => write!(f, "{LATENCY_PREFIX}{}", delay.as_millis()),
            Fault::ExecutedThenSlowReply(delay) => {
                write!(f, "{SLOW_REPLY_PREFIX}{}", delay.as_millis())
            }
            named => {
                let name = NAMED_FAULTS
                    .iter()
                    .find(|(_, fault)| fault == named)
                    .map_or("unknown", |(name, _)| name);
                f.write_str(name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_from_their_names() {
        assert_eq!(
            "executed-then-reply-lost".parse(),
            Ok(Fault::ExecutedThenReplyLost)
        );
        assert_eq!(
            "latency-250".parse(),
            Ok(Fault::Latency(Duration::from_millis(250)))
        );
        assert!("latency-soon".parse::<Fault>().is_err());
        let unknown = "meteor".parse::<Fault>().unwrap_err();
        assert!(unknown.to_string().contains("partial-fill"), "{unknown}");
        for (name, fault) in NAMED_FAULTS {
            assert_eq!(name.parse(), Ok(fault));
            assert_eq!(fault.to_string(), name);
        }
        let slow = Fault::ExecutedThenSlowReply(Duration::from_millis(900));
        assert_eq!("executed-then-slow-reply-900".parse(), Ok(slow));
        assert_eq!(slow.to_string().parse(), Ok(slow));
        assert_eq!(
            "latency-7".parse::<Fault>().unwrap().to_string(),
            "latency-7"
        );
    }
}
