//! A request id: a UUID for identity, and the text the client sent, echoed back as it was.
//!
//! Clients spell UUIDs in many ways (upper case, braces, no hyphens, `urn:uuid:`). Every spelling
//! of one UUID is the same order to the gateway (the journal is keyed by the UUID), and every
//! reply carries the id exactly as that request spelled it, so a client can match replies by
//! string comparison.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// A request's `req_id`: its UUID, and its spelling on the wire.
///
/// ```
/// use gateway_example::protocol::ReqId;
///
/// let upper: ReqId = "550E8400-E29B-41D4-A716-446655440000".parse().unwrap();
/// let braced: ReqId = "{550e8400-e29b-41d4-a716-446655440000}".parse().unwrap();
/// assert_eq!(upper.uuid(), braced.uuid());
/// assert_eq!(upper.as_str(), "550E8400-E29B-41D4-A716-446655440000");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReqId {
    uuid: Uuid,
    text: String,
}

impl ReqId {
    /// The UUID: what identifies the request (and an order) to the gateway.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }

    /// The id as the client wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<Uuid> for ReqId {
    fn from(uuid: Uuid) -> ReqId {
        ReqId {
            uuid,
            text: uuid.to_string(),
        }
    }
}

impl std::str::FromStr for ReqId {
    type Err = uuid::Error;

    /// Any spelling the `uuid` crate reads: hyphenated, simple, braced or URN, any case.
    fn from_str(text: &str) -> Result<ReqId, uuid::Error> {
        Ok(ReqId {
            uuid: Uuid::parse_str(text)?,
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for ReqId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for ReqId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for ReqId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ReqId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_one_uuid_and_keeps_its_text() {
        let uuid = Uuid::new_v4();
        for text in [
            uuid.to_string(),
            uuid.to_string().to_uppercase(),
            uuid.simple().to_string(),
            uuid.braced().to_string(),
            uuid.urn().to_string(),
        ] {
            let id: ReqId = text.parse().unwrap();
            assert_eq!(id.uuid(), uuid);
            assert_eq!(serde_json::to_value(&id).unwrap(), text);
            let back: ReqId = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(back, id);
        }
        assert!("not-a-uuid".parse::<ReqId>().is_err());
    }
}
