//! Intents executing right now, so that a resend arriving meanwhile waits for the first copy's
//! reply instead of racing it to the terminal.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use uuid::Uuid;

use crate::execution::TradeIntent;
use crate::protocol::Reply;

type Slots = Arc<Mutex<HashMap<Uuid, (TradeIntent, watch::Receiver<Option<Reply>>)>>>;

/// The set of `req_id`s being executed.
#[derive(Default, Clone)]
pub struct InFlight {
    slots: Slots,
}

/// The result of [`InFlight::claim`].
pub enum Claim {
    /// Nobody is executing this `req_id`: the caller does, and must [`Owner::finish`].
    Owner(Owner),
    /// Another request is executing it: wait on the receiver for its reply.
    Joined(TradeIntent, watch::Receiver<Option<Reply>>),
}

/// The right and duty to execute one `req_id`; dropping it unfinished frees the slot and wakes
/// the waiters with no reply.
pub struct Owner {
    req_id: Uuid,
    sender: watch::Sender<Option<Reply>>,
    slots: Slots,
}

impl InFlight {
    /// Claims `req_id` for execution, or joins the execution already under way.
    pub fn claim(&self, req_id: Uuid, intent: &TradeIntent) -> Claim {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((spec, receiver)) = slots.get(&req_id) {
            return Claim::Joined(spec.clone(), receiver.clone());
        }
        let (sender, receiver) = watch::channel(None);
        slots.insert(req_id, (intent.clone(), receiver));
        Claim::Owner(Owner {
            req_id,
            sender,
            slots: Arc::clone(&self.slots),
        })
    }

    /// Whether `req_id` is executing now.
    pub fn contains(&self, req_id: Uuid) -> bool {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.contains_key(&req_id)
    }
}

impl Owner {
    /// Publishes the reply to every waiter and frees the slot.
    pub fn finish(self, reply: &Reply) {
        self.sender.send_replace(Some(reply.clone()));
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.remove(&self.req_id);
    }
}

/// Waits for the owner's reply; `None` if it gave up without one.
pub async fn wait_for_reply(mut receiver: watch::Receiver<Option<Reply>>) -> Option<Reply> {
    if let Ok(reply) = receiver.wait_for(Option::is_some).await {
        return reply.clone();
    }
    // The owner is gone; it may still have published just before leaving.
    let last = receiver.borrow().clone();
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::OrderType;

    fn order() -> TradeIntent {
        TradeIntent::Open(crate::protocol::OrderSpec::market(
            "EURUSD",
            OrderType::Buy,
            0.01,
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn a_resend_waits_for_the_first_copy() {
        let in_flight = InFlight::default();
        let id = Uuid::new_v4();
        let Claim::Owner(owner) = in_flight.claim(id, &order()) else {
            panic!("first claim must own");
        };
        let Claim::Joined(_, receiver) = in_flight.claim(id, &order()) else {
            panic!("second claim must join");
        };
        let waiter = tokio::spawn(wait_for_reply(receiver));
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        assert!(!waiter.is_finished(), "no reply yet");
        let reply = Reply::success(id, serde_json::json!({"deal": 1}));
        owner.finish(&reply);
        assert_eq!(waiter.await.unwrap(), Some(reply));
        assert!(!in_flight.contains(id), "slot freed");
    }

    #[tokio::test]
    async fn an_abandoned_execution_wakes_waiters_empty() {
        let in_flight = InFlight::default();
        let id = Uuid::new_v4();
        let Claim::Owner(owner) = in_flight.claim(id, &order()) else {
            panic!()
        };
        let Claim::Joined(_, receiver) = in_flight.claim(id, &order()) else {
            panic!()
        };
        drop(owner);
        assert_eq!(wait_for_reply(receiver).await, None);
    }
}
