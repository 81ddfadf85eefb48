//! Kill soak: a terminal process and a gateway process, faults on, a lagging history and a
//! broker that rewrites comments, eight clients running orders on several symbols with one magic
//! and lifecycles (open, modify, close part, close the rest; place, move, cancel), and a seeded
//! killer that `kill -9`s the gateway and the terminal in turn, mid-request, restarting each on
//! its data directory.
//!
//! Clients resend the same `req_id` until a final reply (success, or `retryable: false`), and
//! now and then once more after it: every copy of a final answer must be the same. Trading must
//! resume after every restart: the requests sent after it are answered within a bound, none
//! left at `key_busy`. At the end the terminal's books are read through the link's fault-free
//! audit call: no intent of any kind lost or duplicated.
//! Every step waits on something observable (a log line, a count of answers, a request in
//! flight) with a generous deadline; no fixed sleep decides an outcome.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::processes::{books, gateway as start_gateway, terminal as start_terminal, wait_until};
use common::until_final;
use gateway_example::demo::{audit, jobs, ClientRecord, IntentKind};
use gateway_example::transport::{ClientOptions, LazyPirateClient, OrderClient};
use rand::{rngs::StdRng, Rng, SeedableRng};
use wait_or_die::Policy;

const SEED: u64 = 2029;
const JOBS: usize = 400;
const CLIENTS: usize = 8;
/// One final answer in this many is asked for again, to compare the copies.
const RESEND_FINAL_ONE_IN: u32 = 4;
/// Every request sent after a restart is answered within this: generous, for a machine four
/// times slower than a developer's (a halted key would leave its requests at `key_busy` for
/// the clients' whole 30 s resend window).
const PROGRESS_BOUND: Duration = Duration::from_secs(20);
/// Kills, alternating between the two processes, the first drawn from the seed.
const KILLS: usize = 6;
/// The soak fails rather than hang.
const WALL_LIMIT: Duration = Duration::from_secs(150);

/// The terminal: 10 % faults, up to 60 ms of latency (so that intents queue on their keys and
/// a kill finds some sent and others journaled behind them), history 40 ms late, comments
/// rewritten by the broker.
const TERMINAL_ARGS: [&str; 12] = [
    "--fault-rate",
    "0.1",
    "--seed",
    "2029",
    "--max-latency-ms",
    "60",
    "--sim-history-lag-ms",
    "40",
    "--rewrite-comments",
    "#{ticket}",
    "--balance",
    "1e9",
];

/// The gateway: the seed's schedules 10 times faster, a history-lag bound above the terminal's
/// delay, short link timeouts so that a dead terminal is noticed within the budget.
const GATEWAY_ARGS: [&str; 12] = [
    "--time-scale",
    "0.1",
    "--history-lag-ms",
    "150",
    "--terminal-order-timeout",
    "1",
    "--terminal-query-timeout",
    "0.5",
    "--fault-rate",
    "0.1",
    "--seed",
    "2030",
];

/// A client that keeps resending the same `req_id` across restarts, for up to a minute.
fn patient_client(context: &zmq::Context, endpoint: &str) -> OrderClient {
    let patient = |retries| {
        Policy::builder()
            .max_retries(retries)
            .timeout(Duration::from_secs(60))
            .initial_wait(Duration::from_millis(20))
            .max_wait(Duration::from_millis(300))
            .build()
            .unwrap()
    };
    let options = ClientOptions {
        reply_timeout: Duration::from_millis(1500),
        policy: patient(400),
        ..ClientOptions::new(endpoint)
    };
    OrderClient::new(LazyPirateClient::new(context, options), patient(100))
}

/// A final answer: a success, or a refusal that says a resend cannot help.
fn is_final(record: &ClientRecord) -> bool {
    record
        .reply
        .as_ref()
        .is_ok_and(|reply| reply.error.as_ref().is_none_or(|e| !e.retryable))
}

#[test]
fn kill_9_of_either_process_mid_request_loses_and_duplicates_no_intent() {
    let dir = tempfile::tempdir().unwrap();
    let port = || format!("tcp://127.0.0.1:{}", common::free_port());
    let (terminal_at, gateway_at) = (port(), port());
    let mut terminal = start_terminal(&terminal_at, dir.path(), &TERMINAL_ARGS);
    let (mut gateway, _) = start_gateway(&gateway_at, &terminal_at, dir.path(), &GATEWAY_ARGS);
    let context = zmq::Context::new();
    let jobs = jobs(JOBS, SEED);
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let in_flight = AtomicUsize::new(0);
    let records = Mutex::new(Vec::new());
    let differing = Mutex::new(Vec::new());
    let mut kills: Vec<(&str, Instant, Instant)> = Vec::new();
    let mut killer = StdRng::seed_from_u64(SEED);
    let started = Instant::now();

    let (gateway, _terminal) = std::thread::scope(|scope| {
        for client_seed in 0..CLIENTS as u64 {
            let (context, gateway_at, jobs, next) = (&context, &gateway_at, &jobs, &next);
            let (in_flight, records, finished, differing) =
                (&in_flight, &records, &finished, &differing);
            scope.spawn(move || {
                let mut client = patient_client(context, gateway_at);
                let mut again = StdRng::seed_from_u64(SEED ^ client_seed);
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    assert!(started.elapsed() < WALL_LIMIT, "soak over its time bound");
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    let done = job.run_with(&mut |req_id, action| {
                        let last = until_final(&mut client, req_id, action.clone());
                        if is_final(&last) && again.random_ratio(1, RESEND_FINAL_ONE_IN) {
                            let copy = ClientRecord::send(&mut client, req_id, action);
                            if copy.reply.as_ref().ok() != last.reply.as_ref().ok() {
                                differing.lock().unwrap().push((req_id, copy.reply));
                            }
                        }
                        last
                    });
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    records.lock().unwrap().extend(done);
                    finished.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let gateway_first = killer.random_bool(0.5);
        for kill in 0..KILLS {
            // Spread over the run, each at a seeded point of its slice.
            let slice = JOBS / (KILLS + 1);
            let target = slice * (kill + 1) + killer.random_range(0..slice / 2);
            wait_until("the clients got this far", || {
                finished.load(Ordering::Relaxed) >= target
            });
            wait_until("a request is in flight", || {
                in_flight.load(Ordering::SeqCst) > 0
            });
            let which = if (kill % 2 == 0) == gateway_first {
                "gateway"
            } else {
                "terminal"
            };
            let killed_at = Instant::now();
            if which == "gateway" {
                gateway.kill_9();
                let restarted = start_gateway(&gateway_at, &terminal_at, dir.path(), &GATEWAY_ARGS);
                eprintln!("gateway restarted, recovered {}", restarted.1);
                gateway = restarted.0;
            } else {
                terminal.kill_9();
                terminal = start_terminal(&terminal_at, dir.path(), &TERMINAL_ARGS);
            }
            kills.push((which, killed_at, Instant::now()));
        }
        (gateway, terminal)
    });
    let wall = started.elapsed();
    let books = books(&context, &terminal_at);
    gateway.kill_9();
    let records = records.into_inner().unwrap();
    let audit = audit(&records, &books);
    let acknowledged = |status: &str| {
        records
            .iter()
            .filter_map(|r| r.reply.as_ref().ok()?.result.as_ref())
            .filter(|result| result["status"] == status)
            .count()
    };
    eprintln!(
        "books: {} deals, {} open positions, {} pending orders; acknowledged: {} filled, {} \
         partial, {} placed, {} closed, {} partially closed, {} cancelled",
        books.deals.len(),
        books.positions.len(),
        books.orders.len(),
        acknowledged("filled"),
        acknowledged("partial"),
        acknowledged("placed"),
        acknowledged("closed"),
        acknowledged("partially_closed"),
        acknowledged("cancelled"),
    );
    eprintln!(
        "kill soak: {JOBS} jobs, {} requests, {CLIENTS} clients, {:.1} s, kills {:?}; by kind {:?}; \
         terminal faults {}; lost {:?}; duplicated {:?}",
        records.len(),
        wall.as_secs_f64(),
        kills.iter().map(|k| k.0).collect::<Vec<_>>(),
        audit.kinds,
        books.faults_injected,
        &audit.lost[..audit.lost.len().min(5)],
        audit.duplicated,
    );

    // Both processes died at least twice, each while a request was under way: sent before the
    // kill, answered after it (most are answered after the restart too; printed below).
    let spans: Vec<(Instant, Instant)> = records
        .iter()
        .filter(|r| r.action.is_some())
        .map(|r| (r.sent, r.sent + r.latency))
        .collect();
    for which in ["gateway", "terminal"] {
        assert!(
            kills.iter().filter(|k| k.0 == which).count() >= 2,
            "{kills:?}"
        );
    }
    for (which, killed, restarted) in &kills {
        let across = |after: &Instant| {
            spans
                .iter()
                .filter(|(sent, answered)| sent < killed && answered > after)
                .count()
        };
        // Trading resumed: every request sent after the restart was answered within the bound.
        let after: Vec<&(Instant, Instant)> =
            spans.iter().filter(|(sent, _)| sent > restarted).collect();
        let first_answer = after.iter().map(|(_, answered)| *answered).min();
        let slowest = after.iter().map(|(sent, answered)| *answered - *sent).max();
        eprintln!(
            "{which} kill: {} requests under way, {} answered after the restart; restart took \
             {:.2} s; after it {} requests sent, the first answered {:.2} s after the restart, \
             the slowest in {:.2} s",
            across(killed),
            across(restarted),
            (*restarted - *killed).as_secs_f64(),
            after.len(),
            first_answer.map_or(f64::NAN, |t| (t - *restarted).as_secs_f64()),
            slowest.map_or(f64::NAN, |d| d.as_secs_f64()),
        );
        assert!(
            across(killed) > 0,
            "no request under way at the {which} kill"
        );
        assert!(!after.is_empty(), "nothing sent after the {which} restart");
        assert!(
            slowest < Some(PROGRESS_BOUND),
            "a request sent after the {which} restart took {slowest:?}"
        );
    }
    // Every copy of a final answer was the same.
    let differing = differing.into_inner().unwrap();
    assert!(differing.is_empty(), "{differing:?}");
    // 0 lost, 0 duplicated, of every kind, by the books.
    assert!(audit.lost.is_empty(), "lost: {:?}", audit.lost);
    assert!(audit.duplicated.is_empty(), "{:?}", audit.duplicated);
    assert_eq!(audit.unexplained, 0, "opened but nobody ordered");
    for kind in IntentKind::ALL {
        let counts = audit.kind(kind);
        assert!(counts.done > 0, "{kind:?} never done: {counts:?}");
        // Resent until final: nothing is left at a retryable answer.
        assert!(counts.gave_up.is_empty(), "{kind:?}: {counts:?}");
    }
    assert!(books.faults_injected > 0);
}
