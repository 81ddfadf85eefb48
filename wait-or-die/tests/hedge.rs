//! Hedging's rules through the public API, one test each, on tokio's paused clock.

use std::future::{pending, Future};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use tokio::time::{sleep, Instant};
use wait_or_die::stats::{self, Site, SiteStats};
use wait_or_die::{
    current, register_site, retry, wait_or_die, Jitter, Policy, PolicyBuilder, StopReason,
};

const DELAY: Duration = Duration::from_millis(50);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Hedges after [`DELAY`], retries at once, and no budget unless a test gives one.
const fn hedged() -> PolicyBuilder {
    Policy::builder()
        .hedge_after(DELAY)
        .initial_wait(Duration::ZERO)
        .jitter(Jitter::None)
        .no_budget()
}

/// Counts its drops: an attempt dropped before it ended was cancelled.
struct DropGuard<'a>(&'a AtomicU32);

impl Drop for DropGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Runs `attempt` with a guard that counts in `dropped` once the attempt's future is gone.
async fn guarded<T>(dropped: &AtomicU32, attempt: impl Future<Output = T>) -> T {
    let _guard = DropGuard(dropped);
    attempt.await
}

static EXACT: Site = Site::new("hedge.exact");
register_site!(EXACT);

#[tokio::test(start_paused = true)]
async fn a_hedge_starts_exactly_at_the_delay() {
    let policy = hedged().build().unwrap();
    let start = Instant::now();
    let got = retry(&policy, || async move {
        let call = current().unwrap();
        if call.is_hedge() {
            return Ok::<_, ()>((call.hedge(), start.elapsed()));
        }
        pending().await
    })
    .site(&EXACT)
    .await;
    assert_eq!(got.unwrap(), (1, DELAY));
    let stats = EXACT.snapshot();
    assert_eq!((stats.hedges, stats.hedge_wins, stats.retries), (1, 1, 0));
}

static FAST: Site = Site::new("hedge.fast");
register_site!(FAST);

#[tokio::test(start_paused = true)]
async fn an_attempt_done_before_the_delay_sends_no_hedge() {
    let policy = hedged().build().unwrap();
    let started = AtomicU32::new(0);
    let start = Instant::now();
    let got = retry(&policy, || {
        started.fetch_add(1, SeqCst);
        async {
            sleep(DELAY - ms(1)).await;
            Ok::<_, ()>(7)
        }
    })
    .site(&FAST)
    .await;
    assert_eq!((got.unwrap(), start.elapsed()), (7, DELAY - ms(1)));
    // Long past the delay: nothing was left armed to send one.
    sleep(DELAY * 4).await;
    assert_eq!(started.load(SeqCst), 1);
    let stats = FAST.snapshot();
    assert_eq!((stats.calls, stats.ok, stats.hedges), (1, 1, 0));
}

static WINS: Site = Site::new("hedge.wins");
register_site!(WINS);

#[tokio::test(start_paused = true)]
async fn the_first_success_wins_and_the_others_are_dropped() {
    let policy = hedged().max_hedges(2).build().unwrap();
    let dropped = AtomicU32::new(0);
    let start = Instant::now();
    // The attempt never ends, the first hedge ends 80 ms after it started, the second at once.
    let got = retry(&policy, || {
        guarded(&dropped, async {
            match current().unwrap().hedge() {
                0 => pending().await,
                1 => {
                    sleep(ms(80)).await;
                    Ok::<_, ()>(1)
                }
                n => Ok(n),
            }
        })
    })
    .site(&WINS)
    .await;
    assert_eq!((got.unwrap(), start.elapsed()), (2, DELAY * 2));
    // The second hedge ended on its own; the attempt and the first hedge were dropped.
    assert_eq!(dropped.load(SeqCst), 3);
    let stats = WINS.snapshot();
    assert_eq!((stats.hedges, stats.hedge_wins, stats.ok), (2, 1, 1));
}

static LOSES: Site = Site::new("hedge.loses");
register_site!(LOSES);

#[tokio::test(start_paused = true)]
async fn an_attempt_that_wins_drops_its_hedge_and_is_no_hedge_win() {
    let policy = hedged().build().unwrap();
    let dropped = AtomicU32::new(0);
    let start = Instant::now();
    let got = retry(&policy, || {
        guarded(&dropped, async {
            if current().unwrap().is_hedge() {
                return pending().await;
            }
            sleep(DELAY + ms(20)).await;
            Ok::<_, ()>("attempt")
        })
    })
    .site(&LOSES)
    .await;
    assert_eq!((got.unwrap(), start.elapsed()), ("attempt", DELAY + ms(20)));
    assert_eq!(dropped.load(SeqCst), 2);
    let stats = LOSES.snapshot();
    assert_eq!((stats.hedges, stats.hedge_wins), (1, 0));
}

static REFUSED: Site = Site::new("hedge.refused");
register_site!(REFUSED);

#[tokio::test(start_paused = true)]
async fn a_hedge_the_budget_refuses_is_not_sent() {
    // A budget that grants nothing: no share of calls, no floor.
    let policy = hedged()
        .budget_ratio(0.0)
        .budget_min_per_second(0)
        .build()
        .unwrap();
    let started = AtomicU32::new(0);
    let start = Instant::now();
    let got = retry(&policy, || {
        started.fetch_add(1, SeqCst);
        async {
            sleep(DELAY * 3).await;
            Ok::<_, ()>(3)
        }
    })
    .site(&REFUSED)
    .await;
    assert_eq!((got.unwrap(), start.elapsed()), (3, DELAY * 3));
    assert_eq!(started.load(SeqCst), 1);
    assert_eq!(REFUSED.snapshot().hedges, 0);
}

static SPENDS: Site = Site::new("hedge.spends");
register_site!(SPENDS);

#[tokio::test(start_paused = true)]
async fn every_hedge_sent_spends_the_retry_budget() {
    // A floor of one retry a second over a one-second window, and no share of calls.
    let policy = hedged()
        .budget_ratio(0.0)
        .budget_min_per_second(1)
        .budget_window(Duration::from_secs(1))
        .build()
        .unwrap();
    let hedges = AtomicU32::new(0);
    for _ in 0..3 {
        retry(&policy, || async {
            if current().unwrap().is_hedge() {
                hedges.fetch_add(1, SeqCst);
                return Ok::<_, ()>(());
            }
            sleep(DELAY * 2).await;
            Ok(())
        })
        .site(&SPENDS)
        .await
        .unwrap();
    }
    // The first call's hedge took the one retry the window grants; the others were refused.
    assert_eq!(hedges.load(SeqCst), 1);
    assert_eq!(SPENDS.snapshot().hedges, 1);
}

static DEADLINE: Site = Site::new("hedge.deadline");
register_site!(DEADLINE);

#[tokio::test(start_paused = true)]
async fn the_deadline_covers_the_attempt_and_its_hedges() {
    let policy = hedged().max_hedges(2).timeout(ms(200)).build().unwrap();
    let dropped = AtomicU32::new(0);
    let start = Instant::now();
    let err = retry(&policy, || guarded(&dropped, pending::<Result<(), ()>>()))
        .site(&DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(
        (err.reason(), start.elapsed()),
        (StopReason::Deadline, ms(200))
    );
    assert_eq!(
        dropped.load(SeqCst),
        3,
        "the attempt and both hedges are cancelled"
    );
    assert_eq!(DEADLINE.snapshot().hedges, 2);
}

static WAITS: Site = Site::new("hedge.waits_for_the_rest");
register_site!(WAITS);

#[tokio::test(start_paused = true)]
async fn a_failure_while_another_attempt_runs_starts_no_retry() {
    let policy = hedged().build().unwrap();
    let started = AtomicU32::new(0);
    let start = Instant::now();
    // The hedge fails at once; the attempt it was sent beside succeeds later.
    let got = retry(&policy, || {
        started.fetch_add(1, SeqCst);
        async {
            if current().unwrap().is_hedge() {
                return Err("hedge failed");
            }
            sleep(DELAY * 2).await;
            Ok(1)
        }
    })
    .site(&WAITS)
    .await;
    assert_eq!((got.unwrap(), start.elapsed()), (1, DELAY * 2));
    assert_eq!(
        started.load(SeqCst),
        2,
        "the attempt and its hedge, no retry"
    );
    assert_eq!(WAITS.snapshot().retries, 0);
}

static RETRIES: Site = Site::new("hedge.retries_when_all_failed");
register_site!(RETRIES);

#[tokio::test(start_paused = true)]
async fn a_retry_starts_once_the_attempt_and_its_hedges_all_failed() {
    let policy = hedged().max_retries(1).build().unwrap();
    let start = Instant::now();
    let got = retry(&policy, || async {
        let call = current().unwrap();
        match (call.attempt(), call.is_hedge()) {
            (1, true) => Err("hedge failed"),
            (1, false) => {
                sleep(DELAY * 2).await;
                Err("attempt failed")
            }
            (_, _) => Ok((call.attempt(), call.is_hedge())),
        }
    })
    .site(&RETRIES)
    .await;
    // The retry starts when the last of the first attempt's two ended, and wins at once.
    assert_eq!((got.unwrap(), start.elapsed()), ((2, false), DELAY * 2));
    let stats = RETRIES.snapshot();
    assert_eq!((stats.retries, stats.recovered, stats.hedges), (1, 1, 1));
}

static PERMANENT: Site = Site::new("hedge.permanent");
register_site!(PERMANENT);

#[tokio::test(start_paused = true)]
async fn a_permanent_error_ends_the_call_and_drops_the_rest() {
    let policy = hedged().build().unwrap();
    let dropped = AtomicU32::new(0);
    let start = Instant::now();
    let err = retry(&policy, || {
        guarded(&dropped, async {
            if current().unwrap().is_hedge() {
                return Err("bad request");
            }
            pending::<Result<(), _>>().await
        })
    })
    .when(|_| false)
    .site(&PERMANENT)
    .await
    .unwrap_err();
    assert_eq!(
        (err.reason(), start.elapsed()),
        (StopReason::Permanent, DELAY)
    );
    assert_eq!(dropped.load(SeqCst), 2);
}

static LEARNS: Site = Site::new("hedge.learns_p95");
register_site!(LEARNS);

/// The successes a site must have seen before it hedges at a percentile (documented on
/// `PolicyBuilder::hedge_at_percentile`).
const MIN_SAMPLES: u32 = 20;

#[tokio::test(start_paused = true)]
async fn a_percentile_does_not_hedge_before_the_minimum_samples() {
    let policy = hedged().hedge_at_percentile(95.0).build().unwrap();
    let hedges = AtomicU32::new(0);
    // Each call's attempt takes 100 ms; while the site learns, none is hedged.
    let slow = || async {
        if current().unwrap().is_hedge() {
            hedges.fetch_add(1, SeqCst);
            return Ok::<_, ()>(());
        }
        sleep(ms(100)).await;
        Ok(())
    };
    for _ in 0..MIN_SAMPLES {
        retry(&policy, slow).site(&LEARNS).await.unwrap();
        assert_eq!(hedges.load(SeqCst), 0);
    }
    // Learnt: p95 is 100 ms, and an attempt still pending then is hedged.
    let start = Instant::now();
    let got = retry(&policy, || async {
        if current().unwrap().is_hedge() {
            return Ok::<_, ()>("hedge");
        }
        pending().await
    })
    .site(&LEARNS)
    .await;
    assert_eq!((got.unwrap(), start.elapsed()), ("hedge", ms(100)));
    assert_eq!(LEARNS.snapshot().hedges, 1);
}

fn site_named(name: &str) -> SiteStats {
    stats::sites()
        .find(|s| s.name() == name)
        .unwrap()
        .snapshot()
}

/// The attempt waits for ever; its hedge answers at once.
#[wait_or_die(hedge_after = "50ms", name = "hedge.attribute")]
async fn quote(symbol: &str) -> std::io::Result<(String, u32)> {
    let call = current().unwrap();
    if !call.is_hedge() {
        pending::<()>().await;
    }
    Ok((symbol.to_owned(), call.hedge()))
}

#[tokio::test(start_paused = true)]
async fn the_attribute_hedges_an_async_fn() {
    let start = Instant::now();
    let got = quote("EURUSD").await.unwrap();
    assert_eq!((got, start.elapsed()), (("EURUSD".to_owned(), 1), DELAY));
    let stats = site_named("hedge.attribute");
    assert_eq!((stats.hedges, stats.hedge_wins), (1, 1));
}

/// Nothing answers: the deadline ends the attempt and its hedges together.
#[wait_or_die(
    hedge_after = "50ms",
    max_hedges = 2,
    timeout = "200ms",
    name = "hedge.attribute_deadline"
)]
async fn silent() -> std::io::Result<()> {
    pending().await
}

#[tokio::test(start_paused = true)]
async fn the_attribute_s_deadline_covers_the_hedges() {
    let start = Instant::now();
    let err = silent().await.unwrap_err();
    assert_eq!(
        (err.kind(), start.elapsed()),
        (std::io::ErrorKind::TimedOut, ms(200))
    );
    let stats = site_named("hedge.attribute_deadline");
    assert_eq!((stats.hedges, stats.died_deadline), (2, 1));
}

static CONTROLLED: Site = Site::new("hedge.controlled");
register_site!(CONTROLLED);

#[tokio::test(start_paused = true)]
async fn an_operator_turns_hedging_on_and_off_by_name() {
    use wait_or_die::control::{self, Override};
    let policy = Policy::builder().no_budget().build().unwrap();
    let slow_attempt = || async {
        if current().unwrap().is_hedge() {
            return Ok::<_, ()>("hedge");
        }
        sleep(DELAY * 2).await;
        Ok("attempt")
    };
    let on = Override::new().hedge_after(DELAY);
    control::set("hedge.controlled", on).unwrap();
    let got = retry(&policy, slow_attempt).site(&CONTROLLED).await;
    assert_eq!(got.unwrap(), "hedge");
    control::set("hedge.controlled", Override::new().no_hedging()).unwrap();
    let got = retry(&policy, slow_attempt).site(&CONTROLLED).await;
    assert_eq!(got.unwrap(), "attempt");
    control::clear("hedge.controlled").unwrap();
    assert_eq!(CONTROLLED.snapshot().hedges, 1);
}

static OUTAGE_PLAIN: Site = Site::new("hedge.outage_plain");
register_site!(OUTAGE_PLAIN);
static OUTAGE_HEDGED: Site = Site::new("hedge.outage_hedged");
register_site!(OUTAGE_HEDGED);

/// `calls` calls at once to a dependency whose every attempt fails after 100 ms: what it was
/// sent per call, attempts and hedges.
async fn outage(policy: &'static Policy, site: &'static Site, calls: usize) -> f64 {
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..calls {
        all.spawn(
            retry(policy, || async {
                sleep(ms(100)).await;
                Err::<(), _>("down")
            })
            .site(site),
        );
    }
    while let Some(done) = all.join_next().await {
        assert!(done.unwrap().is_err());
    }
    let stats = site.snapshot();
    assert_eq!(stats.calls, calls as u64);
    (stats.attempts + stats.hedges) as f64 / calls as f64
}

static PLAIN: Policy = Policy::builder()
    .initial_wait(Duration::from_millis(10))
    .jitter(Jitter::None)
    .build_const();
static HEDGED: Policy = PLAIN.to_builder().hedge_after(DELAY).build_const();

#[tokio::test(start_paused = true)]
async fn in_an_outage_hedging_adds_no_load_beyond_the_retry_budget() {
    // The default budget: 20 % of calls, plus a floor of 100 retries in its 10 s window.
    let plain = outage(&PLAIN, &OUTAGE_PLAIN, 2_000).await;
    let hedged = outage(&HEDGED, &OUTAGE_HEDGED, 2_000).await;
    // Hedges and retries draw on one budget: together no more than the budget alone allows.
    assert!(plain <= 1.25, "{plain}");
    assert!(hedged <= 1.25, "{hedged} (without hedging: {plain})");
    assert!(OUTAGE_HEDGED.snapshot().hedges > 0, "hedges were sent");
}
