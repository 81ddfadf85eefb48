//! The terminal link in one process: a `TerminalListener` serving a simulator, a
//! `RemoteTerminal` calling it. Replies go to the call that asked, a late reply to nobody, a
//! dead or restarted terminal never makes a call hang or panic, and bad frames are answered.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_example::remote::{
    read_call, RemoteOptions, RemoteTerminal, ReplyFrame, TerminalListener, WireError,
};
use gateway_example::terminal::{
    Fault, Filling, HistoryFilter, OrderType, Retcode, SimulatedTerminal, SimulatorOptions,
    Terminal, TerminalError, TradeAction, TradeRequest,
};

struct Link {
    listener: Option<TerminalListener>,
    simulator: Arc<SimulatedTerminal>,
    context: zmq::Context,
    runtime: tokio::runtime::Runtime,
}

impl Link {
    fn start(endpoint: &str) -> Link {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let context = zmq::Context::new();
        let simulator = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
        let listener = TerminalListener::start(
            &context,
            endpoint,
            Arc::clone(&simulator),
            runtime.handle().clone(),
        )
        .unwrap();
        Link {
            listener: Some(listener),
            simulator,
            context,
            runtime,
        }
    }

    fn endpoint(&self) -> String {
        self.listener.as_ref().unwrap().endpoint().to_owned()
    }

    fn remote(&self, order_timeout: Duration, query_timeout: Duration) -> RemoteTerminal {
        let options = RemoteOptions {
            order_timeout,
            query_timeout,
            ..RemoteOptions::new(self.endpoint())
        };
        RemoteTerminal::connect(&self.context, options).unwrap()
    }
}

fn buy(terminal: &dyn Terminal, comment: &str) -> TradeRequest {
    let info = terminal.symbol_info("EURUSD").unwrap().unwrap();
    TradeRequest {
        volume: 0.01,
        price: info.ask,
        deviation: 20,
        type_filling: Filling::Ioc,
        magic: 7,
        comment: comment.into(),
        ..TradeRequest::blank(TradeAction::Deal, "EURUSD", OrderType::Buy)
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_trait_call_crosses_the_link_and_comes_back_exact() {
    let link = Link::start("tcp://127.0.0.1:*");
    let remote = link.remote(Duration::from_secs(10), Duration::from_secs(10));
    let local: &dyn Terminal = &*link.simulator;
    assert_eq!(
        remote.symbol_info("EURUSD").unwrap().unwrap().name,
        "EURUSD"
    );
    assert_eq!(remote.symbol_info("NOPE").unwrap(), None);
    let result = remote.order_send(&buy(&remote, "one")).unwrap();
    assert_eq!(result.retcode, Retcode::DONE);
    let all = HistoryFilter::default();
    let deals = remote.history_deals_get(&all).unwrap();
    assert_eq!(deals, local.history_deals_get(&all).unwrap());
    assert_eq!(deals[0].ticket, result.deal);
    assert_eq!(deals[0].volume, 0.01, "f64s cross the link exactly");
    assert_eq!(
        remote.history_orders_get(&all).unwrap(),
        local.history_orders_get(&all).unwrap()
    );
    assert_eq!(
        remote.orders_get(&all).unwrap(),
        local.orders_get(&all).unwrap()
    );
    assert_eq!(
        remote.positions_get(&all).unwrap(),
        local.positions_get(&all).unwrap()
    );
    assert_eq!(
        remote.account_info().unwrap(),
        local.account_info().unwrap()
    );
    let audit = remote.audit().unwrap();
    assert_eq!(audit.deals, link.simulator.audit_deals());
}

#[test]
fn a_late_reply_is_discarded_and_never_given_to_another_call() {
    let link = Link::start("tcp://127.0.0.1:*");
    link.simulator
        .inject([Fault::Latency(Duration::from_millis(1500))]);
    let remote = link.remote(Duration::from_millis(250), Duration::from_secs(10));
    let request = buy(&remote, "slow");
    assert_eq!(remote.order_send(&request), Err(TerminalError::Timeout));
    // The abandoned order's answer comes to nobody.
    wait_until("the late reply arrived", || remote.discarded_replies() == 1);
    // Calls made after get their own answers.
    let info = remote.symbol_info("GBPUSD").unwrap().unwrap();
    assert_eq!(info.name, "GBPUSD");
    let second = remote.order_send(&buy(&remote, "fast")).unwrap();
    assert_eq!(second.retcode, Retcode::DONE);
    assert_eq!(remote.discarded_replies(), 1);
}

#[test]
fn concurrent_callers_each_get_their_own_answer() {
    let link = Link::start("tcp://127.0.0.1:*");
    let remote = link.remote(Duration::from_secs(20), Duration::from_secs(20));
    const THREADS: usize = 6;
    const ORDERS: usize = 10;
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let remote = &remote;
            scope.spawn(move || {
                for n in 0..ORDERS {
                    let comment = format!("t{thread}-{n}");
                    let result = remote.order_send(&buy(remote, &comment)).unwrap();
                    assert_eq!(result.retcode, Retcode::DONE, "{comment}");
                    let filter = HistoryFilter {
                        comment: Some(comment.clone()),
                        ..HistoryFilter::default()
                    };
                    let deals = remote.history_deals_get(&filter).unwrap();
                    assert_eq!(deals.len(), 1, "{comment}");
                    assert_eq!(deals[0].ticket, result.deal, "{comment}");
                }
            });
        }
    });
    assert_eq!(link.simulator.audit_deals().len(), THREADS * ORDERS);
    assert_eq!(remote.discarded_replies(), 0);
}

#[test]
fn a_dead_terminal_times_out_and_a_restarted_one_is_reached_again() {
    let endpoint = format!("tcp://127.0.0.1:{}", common::free_port());
    let mut link = Link::start(&endpoint);
    let remote = link.remote(Duration::from_millis(300), Duration::from_millis(300));
    wait_until("the link connected", || remote.account_info().is_ok());
    link.listener = None; // the terminal stops
    assert_eq!(remote.account_info(), Err(TerminalError::Timeout));
    let request = buy(&*link.simulator, "while down");
    assert_eq!(remote.order_send(&request), Err(TerminalError::Timeout));
    let restarted = TerminalListener::start(
        &link.context,
        &endpoint,
        Arc::clone(&link.simulator),
        link.runtime.handle().clone(),
    )
    .unwrap();
    wait_until("the link reconnected", || remote.account_info().is_ok());
    // The order sent while the terminal was down was never delivered to execute late.
    assert!(link.simulator.audit_deals().is_empty());
    drop(restarted);
}

#[test]
fn bad_frames_get_an_error_reply_and_the_terminal_keeps_serving() {
    let link = Link::start("tcp://127.0.0.1:*");
    let socket = link.context.socket(zmq::DEALER).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(&link.endpoint()).unwrap();
    let ask = |frames: &[&[u8]]| -> ReplyFrame {
        socket.send_multipart(frames, 0).unwrap();
        assert_eq!(socket.poll(zmq::POLLIN, 10_000).unwrap(), 1, "no reply");
        serde_json::from_slice(&socket.recv_bytes(0).unwrap()).unwrap()
    };
    let garbage = ask(&[b"\xff\x00 not json"]);
    assert_eq!(garbage.id, None);
    assert!(matches!(garbage.result, Err(WireError::BadFrame(_))));
    let unknown = ask(&[br#"{"id": 4, "deadline_ms": 99999999999999, "call": "order_close"}"#]);
    assert_eq!(unknown.id, Some(4));
    let Err(WireError::BadFrame(why)) = unknown.result else {
        panic!("{unknown:?}");
    };
    assert!(why.contains("order_send"), "says what is allowed: {why}");
    let extra = ask(&[br#"{"id": 5, "deadline_ms": 1, "call": "account_info", "x": 1}"#]);
    assert!(matches!(extra.result, Err(WireError::BadFrame(_))));
    let two = ask(&[b"{}", b"{}"]);
    assert!(matches!(two.result, Err(WireError::BadFrame(_))));
    let expired = ask(&[br#"{"id": 6, "deadline_ms": 1, "call": "account_info"}"#]);
    assert_eq!(expired.result, Err(WireError::Expired));
    assert!(read_call(br#"{"id": 6, "deadline_ms": 1, "call": "account_info"}"#).is_ok());
    let ok =
        ask(&[br#"{"id": 7, "deadline_ms": 99999999999999, "call": {"symbol_info": "EURUSD"}}"#]);
    assert_eq!(ok.id, Some(7));
    assert_eq!(ok.result.unwrap()["name"], "EURUSD");
}

#[test]
fn an_order_held_in_the_terminal_past_the_gateways_timeout_executes_once() {
    use gateway_example::execution::order_comment;
    use gateway_example::server::start_remote;

    let link = Link::start("tcp://127.0.0.1:*");
    // The terminal holds the first order well past the gateway's order_send timeout.
    link.simulator
        .inject([Fault::Latency(Duration::from_millis(1500))]);
    let remote = RemoteOptions {
        order_timeout: Duration::from_millis(300),
        query_timeout: Duration::from_secs(5),
        ..RemoteOptions::new(link.endpoint())
    };
    let options = common::options(None, 0.0, 1);
    let gateway = start_remote(
        &link.context,
        &options,
        remote,
        link.runtime.handle().clone(),
    )
    .unwrap();
    let req_id = uuid::Uuid::new_v4();
    let reply = common::client(&link.context, gateway.endpoint(), Duration::from_secs(5))
        .send_order(req_id, &common::market("EURUSD", OrderType::Buy, 0.01))
        .unwrap();
    assert!(reply.ok, "{reply:?}");
    // Wait until the held order has answered (to nobody): only then are the books final.
    wait_until("the held order finished", || {
        gateway.terminal.discarded_replies() >= 1
    });
    let tag = order_comment(req_id);
    let deals: Vec<_> = link
        .simulator
        .audit_deals()
        .into_iter()
        .filter(|deal| deal.comment == tag)
        .collect();
    assert_eq!(
        deals.len(),
        1,
        "one order, {} deals: {deals:?}",
        deals.len()
    );
    assert_eq!(reply.result.unwrap()["deal"], deals[0].ticket);
}

/// One attempt of a call with a 300 ms budget that sends an order over the link.
#[wait_or_die::wait_or_die(timeout = 0.3, max_retries = 0, budget = "none")]
fn order_send_within_300ms(
    remote: &RemoteTerminal,
    request: &TradeRequest,
) -> Result<gateway_example::terminal::TradeResult, TerminalError> {
    remote.order_send(request)
}

/// The link's own timeout (10 s here) never outlasts the retried call it serves: inside a call
/// with 300 ms left, an order the terminal holds for 1.5 s times out with the call's budget
/// instead of being waited for, and its late answer is discarded.
#[test]
fn a_call_waits_no_longer_than_the_retry_budget_it_runs_in() {
    let link = Link::start("tcp://127.0.0.1:*");
    link.simulator
        .inject([Fault::Latency(Duration::from_millis(1500))]);
    let remote = link.remote(Duration::from_secs(10), Duration::from_secs(10));
    let request = buy(&remote, "budgeted");
    assert_eq!(
        order_send_within_300ms(&remote, &request),
        Err(TerminalError::Timeout)
    );
    wait_until("the late reply arrived", || remote.discarded_replies() == 1);
    // Outside any retried call, the link's own timeout applies.
    assert_eq!(
        remote
            .order_send(&buy(&remote, "unbudgeted"))
            .unwrap()
            .retcode,
        Retcode::DONE
    );
}
