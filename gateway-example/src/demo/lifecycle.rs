//! The demo's lifecycles: a market position opened, its SL/TP modified, part of it closed, then
//! the rest; and a pending order placed, its price modified, then cancelled.
//!
//! Each step has its own `req_id`, drawn from the seed with the lifecycle, and takes its ticket
//! from the previous step's reply, as a trading program does. A step whose predecessor got no
//! successful answer is not sent: it is recorded as skipped, so the audit counts it.

use std::time::Instant;

use uuid::Uuid;

use super::audit::ClientRecord;
use crate::protocol::{Action, CancelSpec, CloseSpec, ModifySpec, OrderSpec, Reply};
use crate::terminal::{OrderTime, OrderType};
use crate::transport::OrderClient;

/// How far from the opening price a lifecycle's stop loss and take profit go, as a fraction
/// of it: far enough that the market's random walk does not reach them during a run.
const STOPS_DISTANCE: f64 = 0.015;
/// How far a lifecycle's pending order moves when modified, as a fraction of its price.
const PENDING_MOVE: f64 = 0.01;

/// The kind of intent a request is, as the audit counts them.
///
/// ```
/// use gateway_example::demo::IntentKind;
/// use gateway_example::protocol::{Action, CancelSpec};
///
/// let cancel = Action::OrderCancel(CancelSpec { order: 7 });
/// assert_eq!(IntentKind::of(&cancel), Some(IntentKind::Cancel));
/// assert_eq!(IntentKind::Cancel.action_name(), "ORDER_CANCEL");
/// assert_eq!(IntentKind::of(&Action::Ping), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IntentKind {
    /// `ORDER_SEND`.
    Open,
    /// `ORDER_MODIFY`.
    Modify,
    /// `POSITION_CLOSE`.
    Close,
    /// `ORDER_CANCEL`.
    Cancel,
}

impl IntentKind {
    /// Every kind, in report order.
    pub const ALL: [IntentKind; 4] = [
        IntentKind::Open,
        IntentKind::Modify,
        IntentKind::Close,
        IntentKind::Cancel,
    ];

    /// The kind of a mutating action; `None` for the others.
    pub fn of(action: &Action) -> Option<IntentKind> {
        match action {
            Action::OrderSend(_) => Some(IntentKind::Open),
            Action::OrderModify(_) => Some(IntentKind::Modify),
            Action::PositionClose(_) => Some(IntentKind::Close),
            Action::OrderCancel(_) => Some(IntentKind::Cancel),
            _ => None,
        }
    }

    /// The action's name on the wire.
    pub fn action_name(self) -> &'static str {
        match self {
            IntentKind::Open => "ORDER_SEND",
            IntentKind::Modify => "ORDER_MODIFY",
            IntentKind::Close => "POSITION_CLOSE",
            IntentKind::Cancel => "ORDER_CANCEL",
        }
    }
}

/// One lifecycle of a run: what it opens, and the `req_id` of each of its steps.
///
/// ```
/// use gateway_example::demo::{jobs, DemoJob};
///
/// let lifecycle = jobs(40, 7).into_iter().find_map(|job| match job {
///     DemoJob::Lifecycle(lifecycle) => Some(lifecycle),
///     DemoJob::Order(_) => None,
/// });
/// let lifecycle = lifecycle.expect("a quarter of the jobs are lifecycles");
/// assert!(lifecycle.open.volume >= 0.02, "enough to close part of it");
/// assert_ne!(lifecycle.req_ids[0], lifecycle.req_ids[1]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    /// A market order (then modify SL/TP, close part, close the rest) or a pending order (then
    /// modify its price, cancel).
    pub open: OrderSpec,
    /// The symbol's price digits, to write the prices it computes as MT5 requires.
    pub digits: u32,
    /// One `req_id` per step, in order.
    pub req_ids: [Uuid; 4],
}

impl Lifecycle {
    /// Whether it starts with a pending order.
    pub fn is_pending(&self) -> bool {
        self.open.price.is_some()
    }

    /// Runs every step with `send`, each after the previous one's answer; returns a record per
    /// step, skipped ones included.
    pub fn run(&self, send: &mut dyn FnMut(Uuid, Action) -> ClientRecord) -> Vec<ClientRecord> {
        let mut records = Vec::with_capacity(4);
        let mut ids = self.req_ids.iter().copied();
        let mut next_id = || ids.next().expect("four req_ids");
        let open = send(next_id(), Action::OrderSend(self.open.clone()));
        let opened = Opened::from(&open, self.open.price);
        records.push(open);
        let steps: Vec<Step> = if self.is_pending() {
            vec![Step::MovePending, Step::Cancel]
        } else {
            vec![Step::SetStops, Step::ClosePart, Step::CloseRest]
        };
        let mut failed = opened.is_none();
        for step in steps {
            let req_id = next_id();
            let action = opened.as_ref().and_then(|o| self.action(step, o));
            let record = match action {
                Some(action) if !failed => send(req_id, action),
                _ => ClientRecord::skipped(req_id, step.kind()),
            };
            failed |= !record.succeeded();
            records.push(record);
        }
        records
    }

    /// The request of `step`, given what the opening step made; `None` when it has nothing to
    /// do (a position of one volume step cannot be closed in part).
    fn action(&self, step: Step, opened: &Opened) -> Option<Action> {
        let round = |price: f64| {
            let scale = 10f64.powi(self.digits as i32);
            (price * scale).round() / scale
        };
        let buy = matches!(self.open.order_type, OrderType::Buy | OrderType::BuyLimit);
        let away = |fraction: f64| if buy { 1.0 - fraction } else { 1.0 + fraction };
        Some(match step {
            Step::SetStops => Action::OrderModify(ModifySpec::Position {
                position: opened.ticket,
                sl: round(opened.price * away(STOPS_DISTANCE)),
                tp: round(opened.price * away(-STOPS_DISTANCE)),
            }),
            Step::ClosePart => {
                let lots = (opened.volume * 100.0).round() as u64;
                if lots < 2 {
                    return None;
                }
                Action::PositionClose(close(opened.ticket, Some((lots / 2) as f64 / 100.0)))
            }
            Step::CloseRest => Action::PositionClose(close(opened.ticket, None)),
            Step::MovePending => Action::OrderModify(ModifySpec::Order {
                order: opened.ticket,
                price: round(opened.price * away(-PENDING_MOVE)),
                stoplimit: 0.0,
                sl: 0.0,
                tp: 0.0,
                type_time: OrderTime::Gtc,
                expiration: 0,
            }),
            Step::Cancel => Action::OrderCancel(CancelSpec {
                order: opened.ticket,
            }),
        })
    }
}

fn close(position: u64, volume: Option<f64>) -> CloseSpec {
    CloseSpec {
        position,
        volume,
        deviation: crate::protocol::DEFAULT_DEVIATION_POINTS,
        type_filling: None,
        comment: None,
    }
}

/// A step after the opening one.
#[derive(Debug, Clone, Copy)]
enum Step {
    SetStops,
    ClosePart,
    CloseRest,
    MovePending,
    Cancel,
}

impl Step {
    fn kind(self) -> IntentKind {
        match self {
            Step::SetStops | Step::MovePending => IntentKind::Modify,
            Step::ClosePart | Step::CloseRest => IntentKind::Close,
            Step::Cancel => IntentKind::Cancel,
        }
    }
}

/// What the opening step made: the position's or the pending order's ticket, its volume and
/// its price.
struct Opened {
    ticket: u64,
    volume: f64,
    price: f64,
}

impl Opened {
    /// Read from the opening step's reply; a pending order's price is the one it was placed at.
    fn from(record: &ClientRecord, pending_price: Option<f64>) -> Option<Opened> {
        let result = record
            .reply
            .as_ref()
            .ok()
            .filter(|r| r.ok)?
            .result
            .as_ref()?;
        let field = |key: &str| result[key].as_f64().unwrap_or_default();
        let ticket = match result["status"].as_str()? {
            "filled" | "partial" => result["position"].as_u64()?,
            "placed" => result["order"].as_u64()?,
            _ => return None,
        };
        let price = pending_price.unwrap_or_else(|| field("price"));
        (ticket > 0 && price > 0.0).then(|| Opened {
            ticket,
            volume: field("volume"),
            price,
        })
    }
}

impl ClientRecord {
    /// Sends `action` (one of the four intents: any other is recorded as an open) under `req_id`
    /// through `client` and records what came back, and when.
    pub fn send(client: &mut OrderClient, req_id: Uuid, action: Action) -> ClientRecord {
        let sent = Instant::now();
        let reply = client.send(req_id, &action).map_err(|e| e.to_string());
        ClientRecord::answered(req_id, action, reply, sent)
    }

    /// What came back for `action` under `req_id`, first sent at `sent`, as of now: for a
    /// client that sends in its own way (resending until a final answer, say).
    ///
    /// ```
    /// use gateway_example::demo::{ClientRecord, IntentKind};
    /// use gateway_example::protocol::Action;
    ///
    /// let sent = std::time::Instant::now();
    /// let record = ClientRecord::answered(uuid::Uuid::nil(), Action::Ping, Err("no reply".into()), sent);
    /// assert_eq!(record.kind, IntentKind::Open);
    /// assert!(!record.succeeded());
    /// ```
    pub fn answered(
        req_id: Uuid,
        action: Action,
        reply: Result<Reply, String>,
        sent: Instant,
    ) -> ClientRecord {
        ClientRecord {
            req_id,
            kind: IntentKind::of(&action).unwrap_or(IntentKind::Open),
            action: Some(action),
            reply,
            sent,
            latency: sent.elapsed(),
        }
    }

    /// A step not sent because the one before it failed.
    pub fn skipped(req_id: Uuid, kind: IntentKind) -> ClientRecord {
        ClientRecord {
            req_id,
            kind,
            action: None,
            reply: Err("skipped".into()),
            sent: Instant::now(),
            latency: std::time::Duration::ZERO,
        }
    }

    /// Whether the gateway answered it with success.
    pub fn succeeded(&self) -> bool {
        self.reply.as_ref().is_ok_and(|reply| reply.ok)
    }
}
