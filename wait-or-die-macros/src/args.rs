//! Every argument of `#[wait_or_die(...)]` and every jitter name, each declared once.
//!
//! Parsing (`attr.rs`), the "expected one of" and "did you mean" messages, the attribute-level
//! rules (`validate.rs`) and the expansion (`expand.rs`, `policy.rs`) all read these tables; no
//! other file names an argument. The defaults and the rules on values belong to the engine,
//! which checks them when the expansion builds the `static` policy.

/// How an argument's value is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Form {
    /// Seconds as a number or a string with a unit (`duration.rs`); with `or_none`, also
    /// `"none"`, which calls the setter's `unset`.
    Duration { or_none: bool },
    /// A whole number that fits a `u32`.
    Count,
    /// A number, whole or not (the engine checks its range).
    Number,
    /// `true` calls `set`, `false` calls `unset`.
    Flag,
    /// A duration, as [`Form::Duration`], for `set`; or `"p"` and a percentile (`"p95"`,
    /// `"p99.9"`), for the setter named `percentile`.
    DurationOrPercentile { percentile: &'static str },
    /// One of [`JITTERS`].
    Jitter,
    /// One of the given words.
    Choice(&'static [&'static str]),
    /// A string; with `or_none`, `"none"` calls the setter's `unset`.
    Text { or_none: bool },
    /// `true` calls `own` (a setting of the site's own), a string calls `set` with it (one
    /// shared by that name), `false` calls `unset`.
    Switch { own: &'static str },
    /// Any expression but a literal.
    Expr,
}

/// What the expansion does with an argument.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    /// A `PolicyBuilder` call on the `static` policy: `set` with the value, or `unset` with none.
    Setter {
        set: &'static str,
        unset: Option<&'static str>,
    },
    /// The predicate that classifies errors.
    RetryIf,
    /// The statistics site's name.
    SiteName,
    /// A run-time `Policy` in place of every `Setter`.
    Policy,
    /// What a call cut off at its deadline returns: one of [`ON_TIMEOUT`].
    OnTimeout,
}

/// Whether an argument may leave an async attempt cancelled, which needs `From<EngineError>`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Cancels {
    Never,
    /// Unless given as `"none"`: the engine's default is a budget.
    UnlessNone,
    /// Whenever given.
    WhenGiven,
    /// Whenever given and not turned off: it may refuse a call before its first attempt.
    WhenOn,
}

/// One argument: its name, how it is written and what it does.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) form: Form,
    pub(crate) role: Role,
    /// What the value means, for messages: "expects {expects}".
    pub(crate) expects: &'static str,
    pub(crate) cancels: Cancels,
    /// Whether, and why, a blocking attempt cannot honour it.
    pub(crate) async_only: AsyncOnly,
    /// The settings it belongs to: `"none"` for one argument of a group turns the group off,
    /// so no other argument of it may be given.
    pub(crate) group: Option<Group>,
}

/// Why an argument needs an `async fn`, for the message on a plain `fn`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum AsyncOnly {
    /// A blocking attempt honours it.
    No,
    /// It cuts an attempt off, and a blocking attempt cannot be interrupted.
    Interrupts,
    /// It runs attempts side by side, and a blocking attempt holds its thread until it ends.
    RunsBeside,
}

/// The argument that hedges: given, the expansion runs hedges beside a pending attempt.
pub(crate) const HEDGE_AFTER: &str = "hedge_after";

/// Arguments that configure one thing together.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Group {
    /// The retry budget: whether and how retries are rationed across calls.
    Budget,
    /// The circuit breaker: off unless its [`Form::Switch`] argument turns it on.
    Breaker,
}

impl Group {
    /// Whether the group is off unless one of its arguments turns it on.
    pub(crate) const fn off_by_default(self) -> bool {
        matches!(self, Group::Breaker)
    }
}

/// Builder arguments that take their value as is.
const fn setter(set: &'static str) -> Role {
    Role::Setter { set, unset: None }
}

/// Every argument, in the order the docs list them.
pub(crate) static ARGUMENTS: &[Spec] = &[
    Spec {
        name: "timeout",
        form: Form::Duration { or_none: true },
        role: Role::Setter {
            set: "timeout",
            unset: Some("no_timeout"),
        },
        expects: "the total budget of a call, or \"none\"",
        cancels: Cancels::UnlessNone,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "max_retries",
        form: Form::Count,
        role: setter("max_retries"),
        expects: "a whole number of retries after the first attempt, e.g. `max_retries = 3`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "initial_wait",
        form: Form::Duration { or_none: false },
        role: setter("initial_wait"),
        expects: "the first wait",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "max_wait",
        form: Form::Duration { or_none: false },
        role: setter("max_wait"),
        expects: "the longest single wait",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "exponential_backoff",
        form: Form::Flag,
        role: Role::Setter {
            set: "exponential",
            unset: Some("constant"),
        },
        expects: "`true` (each wait grows) or `false` (every wait is the first one)",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "multiplier",
        form: Form::Number,
        role: setter("multiplier"),
        expects: "a number of at least 1, e.g. `multiplier = 2.0`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "jitter",
        form: Form::Jitter,
        role: setter("jitter"),
        expects: "a string naming how waits are randomised",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "attempt_timeout",
        form: Form::Duration { or_none: false },
        role: setter("attempt_timeout"),
        expects: "the budget of one attempt",
        cancels: Cancels::WhenGiven,
        async_only: AsyncOnly::Interrupts,
        group: None,
    },
    Spec {
        name: "on_timeout",
        form: Form::Choice(ON_TIMEOUT),
        role: Role::OnTimeout,
        expects: "what a call whose attempt the deadline cut off returns: \"engine_error\" (the default; the error type needs `From<wait_or_die::EngineError>`) or \"last_error\" (the error of the attempt before, for an error type of another crate)",
        cancels: Cancels::Never,
        async_only: AsyncOnly::Interrupts,
        group: None,
    },
    Spec {
        name: HEDGE_AFTER,
        form: Form::DurationOrPercentile {
            percentile: "hedge_at_percentile",
        },
        role: setter("hedge_after"),
        expects: "how long an attempt may be pending before a hedge starts beside it: a delay, e.g. `hedge_after = \"50ms\"`, or the site's recent latency at a percentile, e.g. `hedge_after = \"p95\"`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::RunsBeside,
        group: None,
    },
    Spec {
        name: "max_hedges",
        form: Form::Count,
        role: setter("max_hedges"),
        expects: "a whole number of hedges that may run beside one attempt, e.g. `max_hedges = 2`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::RunsBeside,
        group: None,
    },
    Spec {
        name: "budget",
        form: Form::Text { or_none: true },
        role: Role::Setter {
            set: "shared_budget",
            unset: Some("no_budget"),
        },
        expects: "\"none\" to turn the retry budget off, or the name of a budget shared between sites, e.g. `budget = \"mt5\"`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Budget),
    },
    Spec {
        name: "budget_ratio",
        form: Form::Number,
        role: setter("budget_ratio"),
        expects: "the share of calls that may be retried, from 0 to 1, e.g. `budget_ratio = 0.2`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Budget),
    },
    Spec {
        name: "budget_min_per_second",
        form: Form::Count,
        role: setter("budget_min_per_second"),
        expects: "a whole number of retries per second always allowed, e.g. `budget_min_per_second = 10`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Budget),
    },
    Spec {
        name: "budget_window",
        form: Form::Duration { or_none: false },
        role: setter("budget_window"),
        expects: "the window over which calls and retries are counted",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Budget),
    },
    Spec {
        name: "breaker",
        form: Form::Switch { own: "breaker" },
        role: Role::Setter {
            set: "shared_breaker",
            unset: Some("no_breaker"),
        },
        expects: "`true` for a circuit breaker of the site's own, the name of one shared between sites, e.g. `breaker = \"mt5\"`, or `false` for none",
        cancels: Cancels::WhenOn,
        async_only: AsyncOnly::No,
        group: Some(Group::Breaker),
    },
    Spec {
        name: "breaker_failure_ratio",
        form: Form::Number,
        role: setter("breaker_failure_ratio"),
        expects: "the share of attempts in the window that must fail to open the breaker, above 0 and at most 1, e.g. `breaker_failure_ratio = 0.5`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Breaker),
    },
    Spec {
        name: "breaker_min_calls",
        form: Form::Count,
        role: setter("breaker_min_calls"),
        expects: "a whole number of attempts the window must hold before the breaker may open, e.g. `breaker_min_calls = 20`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Breaker),
    },
    Spec {
        name: "breaker_window",
        form: Form::Duration { or_none: false },
        role: setter("breaker_window"),
        expects: "the window over which attempts and failures are counted",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Breaker),
    },
    Spec {
        name: "breaker_open_for",
        form: Form::Duration { or_none: false },
        role: setter("breaker_open_for"),
        expects: "how long an open breaker refuses calls before it lets a probe through",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Breaker),
    },
    Spec {
        name: "breaker_probes",
        form: Form::Count,
        role: setter("breaker_probes"),
        expects: "a whole number of attempts a half-open breaker lets through at once, e.g. `breaker_probes = 1`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: Some(Group::Breaker),
    },
    Spec {
        name: "retry_nested",
        form: Form::Flag,
        role: Role::Setter {
            set: "retry_nested",
            unset: Some("defer_to_nested"),
        },
        expects: "`true` (also retry failures a nested annotated call already retried) or `false` (leave them to it)",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "retry_if",
        form: Form::Expr,
        role: Role::RetryIf,
        expects: "a predicate on the error, e.g. `retry_if = is_transient` where `fn is_transient(e: &MyError) -> bool`, or a closure `|e| ...`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "name",
        form: Form::Text { or_none: false },
        role: Role::SiteName,
        expects: "a string literal, e.g. `name = \"gateway::recv\"`",
        cancels: Cancels::Never,
        async_only: AsyncOnly::No,
        group: None,
    },
    Spec {
        name: "policy",
        form: Form::Expr,
        role: Role::Policy,
        expects: "an expression of type `wait_or_die::Policy`, e.g. `policy = SOCKET_POLICY`",
        cancels: Cancels::WhenGiven,
        async_only: AsyncOnly::No,
        group: None,
    },
];

/// The values of `on_timeout`: the default, then the one for foreign error types.
pub(crate) const ON_TIMEOUT: &[&str] = &[ON_TIMEOUT_ENGINE_ERROR, ON_TIMEOUT_LAST_ERROR];
/// `on_timeout = "engine_error"`: an attempt cut off returns `E::from(EngineError)`.
pub(crate) const ON_TIMEOUT_ENGINE_ERROR: &str = "engine_error";
/// `on_timeout = "last_error"`: an attempt cut off returns the error of the attempt before.
pub(crate) const ON_TIMEOUT_LAST_ERROR: &str = "last_error";

/// The value that turns an optional setting off (`timeout = "none"`).
pub(crate) const NONE: &str = "none";

/// Every jitter name accepted by `jitter = "..."`, with the engine's `Jitter` variant.
pub(crate) const JITTERS: &[(&str, &str)] = &[
    ("none", "None"),
    ("full", "Full"),
    ("equal", "Equal"),
    ("decorrelated", "Decorrelated"),
];

/// The argument called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Spec> {
    ARGUMENTS.iter().find(|spec| spec.name == name)
}

/// The argument with `role`, for the roles only one argument has.
pub(crate) fn with_role(role: Role) -> &'static Spec {
    ARGUMENTS
        .iter()
        .find(|spec| spec.role == role)
        .expect("each non-setter role has an argument")
}

/// Every argument name, in the table's order.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    ARGUMENTS.iter().map(|spec| spec.name)
}

/// Names quoted and joined for an "expected one of" message.
pub(crate) fn one_of<'a>(names: impl Iterator<Item = &'a str>, quote: &str) -> String {
    names
        .map(|n| format!("{quote}{n}{quote}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_declared_once() {
        let mut names: Vec<_> = names().collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ARGUMENTS.len());
        let mut jitters: Vec<_> = JITTERS.iter().map(|(n, _)| n).collect();
        jitters.dedup();
        assert_eq!(jitters.len(), JITTERS.len());
    }

    #[test]
    fn each_special_role_has_one_argument() {
        for role in [Role::RetryIf, Role::SiteName, Role::Policy, Role::OnTimeout] {
            let count = ARGUMENTS.iter().filter(|s| s.role == role).count();
            assert_eq!(count, 1, "{role:?}");
        }
    }

    #[test]
    fn values_that_may_be_none_have_a_setting_to_unset() {
        for spec in ARGUMENTS {
            let or_none = matches!(
                spec.form,
                Form::Duration { or_none: true }
                    | Form::Text { or_none: true }
                    | Form::Flag
                    | Form::Switch { .. }
            );
            let unset = matches!(spec.role, Role::Setter { unset: Some(_), .. });
            assert_eq!(or_none, unset, "{}", spec.name);
        }
    }

    /// The attribute's rustdoc and the README document every argument in their tables.
    #[test]
    fn the_docs_list_every_argument() {
        let docs = [
            ("the README", include_str!("../../README.md")),
            (
                "the attribute's rustdoc",
                include_str!("../../wait-or-die/src/attribute.md"),
            ),
        ];
        for (what, text) in docs {
            for name in names() {
                assert!(
                    text.contains(&format!("| `{name}` |")),
                    "{what} has no table row for `{name}`"
                );
            }
            for (jitter, _) in JITTERS {
                assert!(
                    text.contains(&format!("\"{jitter}\"")),
                    "{what} does not name the jitter {jitter:?}"
                );
            }
        }
    }
}
