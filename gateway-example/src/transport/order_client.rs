//! Requests over the Lazy Pirate client: build the request, read the reply, and keep resending
//! the same `req_id` until the gateway gives a final answer. A round trip that got no reply is
//! not an answer: the request is asked again later, however the round trip gave up.

use serde_json::json;
use uuid::Uuid;
use wait_or_die::{wait_or_die, Policy};

use super::{ClientError, LazyPirateClient};
use crate::protocol::{Action, ErrorCode, OrderSpec, Reply};

/// How long to keep asking about an order whose outcome is not known yet (the gateway answered
/// `outcome_unknown`, or the round trip ended without a reply): 5 more tries, 1 s → 5 s, within
/// 60 s. It retries after a round trip that gave up (`retry_nested`): its next attempt is a
/// later question, not a quick resend, and an [`OrderClient`] always asks it.
pub const OUTCOME_POLICY: Policy = Policy::builder()
    .timeout(std::time::Duration::from_secs(60))
    .max_retries(5)
    .initial_wait(std::time::Duration::from_secs(1))
    .max_wait(std::time::Duration::from_secs(5))
    .retry_nested()
    .build_const();

/// Why an order got no final reply.
#[derive(Debug, thiserror::Error)]
pub enum OrderClientError {
    /// Every round trip failed.
    #[error("no reply from the gateway: {0}")]
    Transport(#[from] ClientError),
    /// The reply frame was not a protocol reply.
    #[error("unreadable reply: {0}")]
    BadReply(String),
    /// The gateway still could not say whether the order executed.
    #[error("outcome still unknown")]
    OutcomeUnknown(Box<Reply>),
}

impl OrderClientError {
    /// Whether resending the same `req_id` may still get the final answer: always, except for a
    /// reply that could not be read. Resending is safe because the gateway is idempotent.
    ///
    /// When it is true the request's outcome is unknown, not failed: an order may be on the
    /// books. Keep its `req_id` and ask again later (the same request, or `ORDER_STATUS`),
    /// never under a new `req_id`.
    ///
    /// ```
    /// use gateway_example::transport::{ClientError, OrderClientError};
    ///
    /// let silent = OrderClientError::Transport(ClientError::ReplyTimeout(Default::default()));
    /// assert!(silent.may_resend());
    /// assert!(!OrderClientError::BadReply("not JSON".into()).may_resend());
    /// ```
    pub fn may_resend(&self) -> bool {
        !matches!(self, OrderClientError::BadReply(_))
    }
}

/// A client that sends requests as JSON and reads [`Reply`]s.
pub struct OrderClient {
    transport: LazyPirateClient,
    outcome_policy: Policy,
}

impl OrderClient {
    /// Wraps a Lazy Pirate client; `outcome_policy` paces [`send`](Self::send)'s later asks.
    ///
    /// The policy is made to retry after a round trip that gave up (`retry_nested`), whatever
    /// it says: a round trip's retries, time or retry budget running out leaves an order's
    /// outcome unknown, and asking again later is this layer's whole job.
    pub fn new(transport: LazyPirateClient, outcome_policy: Policy) -> OrderClient {
        let outcome_policy = outcome_policy
            .to_builder()
            .retry_nested()
            .build()
            .unwrap_or(outcome_policy);
        OrderClient {
            transport,
            outcome_policy,
        }
    }

    /// The transport underneath.
    pub fn transport(&self) -> &LazyPirateClient {
        &self.transport
    }

    /// Sends one request and reads its reply.
    pub fn call(&mut self, request: &serde_json::Value) -> Result<Reply, OrderClientError> {
        let body = serde_json::to_vec(request).expect("JSON values serialize");
        let frame = self.transport.request(&body)?;
        serde_json::from_slice(&frame).map_err(|e| OrderClientError::BadReply(e.to_string()))
    }

    /// Sends an order and returns its final reply: [`OrderClient::send`] of `ORDER_SEND`.
    pub fn send_order(
        &mut self,
        req_id: Uuid,
        order: &OrderSpec,
    ) -> Result<Reply, OrderClientError> {
        self.send(req_id, &Action::OrderSend(order.clone()))
    }

    /// Sends any action under `req_id` and returns its final reply, asking again with the same
    /// `req_id` after the outcome policy's wait while the gateway answers `outcome_unknown` or
    /// the round trip ends without a reply, whether its retries, its time or its retry budget
    /// ran out. The budget stops the round trip's quick resends when many go unanswered at once;
    /// these later asks are how the client still learns every outcome. This outer budget (60 s
    /// by default) outlasts the gateway's 30 s execution budget, so a client never gives up on
    /// a request the gateway is still working on; an error that
    /// [`may_resend`](OrderClientError::may_resend) leaves the outcome unknown, not failed.
    ///
    /// ```no_run
    /// use gateway_example::protocol::{Action, CloseSpec};
    /// use gateway_example::transport::{ClientOptions, LazyPirateClient, OrderClient, OUTCOME_POLICY};
    ///
    /// let context = zmq::Context::new();
    /// let transport = LazyPirateClient::new(&context, ClientOptions::new("tcp://127.0.0.1:5555"));
    /// let mut client = OrderClient::new(transport, OUTCOME_POLICY);
    /// let close: CloseSpec = serde_json::from_str(r#"{"position": 100000002}"#).unwrap();
    /// let reply = client.send(uuid::Uuid::new_v4(), &Action::PositionClose(close)).unwrap();
    /// println!("{}", reply.to_json());
    /// ```
    #[wait_or_die(
        policy = self.outcome_policy,
        retry_if = OrderClientError::may_resend,
        name = "client.await_outcome"
    )]
    pub fn send(&mut self, req_id: Uuid, action: &Action) -> Result<Reply, OrderClientError> {
        let mut request = serde_json::to_value(action).expect("actions serialize");
        request["req_id"] = json!(req_id);
        let reply = self.call(&request)?;
        if reply.error_code() == Some(ErrorCode::OutcomeUnknown.as_str()) {
            return Err(OrderClientError::OutcomeUnknown(Box::new(reply)));
        }
        Ok(reply)
    }
}
