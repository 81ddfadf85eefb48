//! Chaos soak: thousands of orders and position lifecycles (open, modify SL/TP, close part,
//! close the rest; place, move, cancel) from many clients through every fault kind at once, on
//! every call kind, with a lagging history, bounded in time: every request gets a reply, and
//! the books hold every acknowledged intent exactly once and nothing else. Clients resend the
//! same `req_id` until a final answer, also after a retryable refusal and after no reply at all
//! (their round trips' retry budget refusing resends, as it does on a slow machine). It prints
//! every site's table, the clients' and the gateway's; nothing in it depends on how fast the
//! machine is, short of the bounds that say so when they fail.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{client, options, until_final, TestGateway};
use gateway_example::demo::{audit, jobs, IntentKind};
use gateway_example::remote::AuditView;

const JOBS: usize = 4000;
const CLIENTS: usize = 16;
/// The soak fails rather than hang: far above its wall time on a machine 4× slower than a
/// loaded 2-core one (17 s there; 35 s on one loaded core).
const WALL_LIMIT: Duration = Duration::from_secs(300);

#[test]
fn thousands_of_orders_through_every_fault_survive_exactly_once() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut opts = options(Some(data_dir.path().to_owned()), 0.3, 2026);
    opts.router.reply_drop_rate = 0.05;
    opts.router.seed = 2027;
    // Thousands of positions stay open: an account deep enough that margin never refuses them.
    opts.simulator.balance = 1e9;
    // The history shows deals and finished orders a few ms late, within the gateway's bound.
    opts.simulator.history_lag = opts.gateway.history_lag / 2;
    let gateway = TestGateway::start(&opts);
    let jobs = jobs(JOBS, 2028);
    let next = AtomicUsize::new(0);
    let records = Mutex::new(Vec::with_capacity(JOBS * 2));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                let mut client = client(
                    &gateway.context,
                    &gateway.endpoint(),
                    Duration::from_millis(100),
                );
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    assert!(
                        started.elapsed() < WALL_LIMIT,
                        "the soak's wall-time bound of {WALL_LIMIT:?} passed: a bound on how \
                         slow the machine may be, not a lost order"
                    );
                    let done = job
                        .run_with(&mut |req_id, action| until_final(&mut client, req_id, action));
                    records.lock().unwrap().extend(done);
                }
            });
        }
    });
    let wall = started.elapsed();
    let records = records.into_inner().unwrap();
    let terminal = &gateway.running.terminal;
    let audit = audit(&records, &AuditView::of(terminal));
    let counters = gateway.running.gateway.counters().snapshot();
    eprintln!(
        "soak: {JOBS} jobs, {} requests, {CLIENTS} clients, {:.1} s; filled {} partial {} placed {} refused {:?} gave up {:?}; \
         by kind {:?}; terminal faults {}, {counters:?}",
        records.len(),
        wall.as_secs_f64(),
        audit.filled,
        audit.partial,
        audit.placed,
        audit.refused,
        audit.gave_up,
        audit.kinds,
        terminal.faults_injected(),
    );
    eprintln!("{}", site_table());
    assert!(
        audit.lost.is_empty(),
        "lost: {:?}",
        &audit.lost[..audit.lost.len().min(5)]
    );
    assert!(
        audit.duplicated.is_empty(),
        "duplicated: {:?}",
        audit.duplicated
    );
    assert_eq!(audit.unexplained, 0);
    assert_eq!(audit.max_fills_per_req_id, 1);
    // Every kind of intent really ran, and mostly succeeded.
    for kind in IntentKind::ALL {
        let counts = audit.kind(kind);
        assert!(counts.done > counts.sent / 2, "{kind:?}: {counts:?}");
        // Resent until final: nothing is left at a retryable answer.
        assert!(counts.gave_up.is_empty(), "{kind:?}: {counts:?}");
    }
    assert!(
        audit.kind(IntentKind::Close).done > 500,
        "{:?}",
        audit.kinds
    );
    // The faults really happened, and really were survived.
    assert!(terminal.faults_injected() > JOBS as u64 / 5);
    assert!(counters.replies_dropped > 0 && counters.reconciled_found > 0);
    assert!(counters.duplicates_prevented() > 0);
    assert!(audit.filled + audit.partial + audit.placed > audit.sent * 3 / 4);
}

/// Every site of this process (the clients' and the gateway's): calls, retries, and why calls
/// gave up, with the budget's refusals apart.
fn site_table() -> String {
    let mut rows: Vec<_> = wait_or_die::stats::sites()
        .map(|site| site.snapshot())
        .filter(|s| s.calls > 0)
        .collect();
    rows.sort_by_key(|s| s.name);
    let mut table = format!(
        "{:<26} {:>7} {:>8} {:>8} {:>9} {:>9} {:>8} {:>7} {:>7}\n",
        "site",
        "calls",
        "retries",
        "recovered",
        "exhausted",
        "deadline",
        "budget",
        "nested",
        "final"
    );
    for s in rows {
        table += &format!(
            "{:<26} {:>7} {:>8} {:>8} {:>9} {:>9} {:>8} {:>7} {:>7}\n",
            s.name,
            s.calls,
            s.retries,
            s.recovered,
            s.died_exhausted,
            s.died_deadline,
            s.died_budget,
            s.died_nested,
            s.died_permanent
        );
    }
    table
}
