//! Requests over the Lazy Pirate client: build the request, read the reply, and keep resending
//! the same `req_id` until the gateway gives a final answer.

use serde_json::json;
use uuid::Uuid;
use wait_or_die::{wait_or_die, Policy};

use super::{ClientError, LazyPirateClient};
use crate::protocol::{Action, ErrorCode, OrderSpec, Reply};

/// How long to keep asking about an order whose outcome the gateway could not yet establish:
/// 5 more tries, 1 s → 5 s, within 60 s.
pub const OUTCOME_POLICY: Policy = Policy::builder()
    .timeout(std::time::Duration::from_secs(60))
    .max_retries(5)
    .initial_wait(std::time::Duration::from_secs(1))
    .max_wait(std::time::Duration::from_secs(5))
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
    fn may_resend(&self) -> bool {
        !matches!(self, OrderClientError::BadReply(_))
    }
}

/// A client that sends requests as JSON and reads [`Reply`]s.
pub struct OrderClient {
    transport: LazyPirateClient,
    outcome_policy: Policy,
}

impl OrderClient {
    /// Wraps a Lazy Pirate client.
    pub fn new(transport: LazyPirateClient, outcome_policy: Policy) -> OrderClient {
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

    /// Sends any action under `req_id` and returns its final reply, resending the same `req_id`
    /// while the gateway answers `outcome_unknown` or the socket retries run out. This outer
    /// budget (60 s by default) outlasts the gateway's 30 s execution budget, so a client never
    /// gives up on a request the gateway is still working on.
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
