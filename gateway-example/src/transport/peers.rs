//! How many requests each client has in flight, so that one client cannot queue unbounded work.
//!
//! Only the socket thread touches it: it counts a request up when it hands it to a worker and down
//! when the reply comes back, keyed by the ROUTER's routing id of the client's connection.

use std::collections::HashMap;

/// Requests one connection may have in flight; more are refused at once with `busy`. A REQ
/// client (Lazy Pirate) has one; a pipelining DEALER client has up to this many.
pub const MAX_IN_FLIGHT_PER_PEER: u32 = 64;

/// Requests in flight per connection.
#[derive(Debug, Default)]
pub(super) struct PeersInFlight {
    counts: HashMap<Vec<u8>, u32>,
}

impl PeersInFlight {
    /// Counts a request of `peer` in, unless it already has `limit` in flight.
    pub(super) fn admit(&mut self, peer: &[u8], limit: u32) -> bool {
        if let Some(count) = self.counts.get_mut(peer) {
            if *count >= limit {
                return false;
            }
            *count += 1;
            return true;
        }
        self.counts.insert(peer.to_vec(), 1);
        true
    }

    /// Counts a reply to `peer` out; a connection with nothing in flight is forgotten, so the
    /// table holds only live work (Lazy Pirate clients get a new routing id on every reconnect).
    pub(super) fn release(&mut self, peer: &[u8]) {
        if let Some(count) = self.counts.get_mut(peer) {
            *count -= 1;
            if *count == 0 {
                self.counts.remove(peer);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.counts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_at_its_limit_is_refused_until_a_reply_goes_out() {
        let mut peers = PeersInFlight::default();
        assert!(peers.admit(b"a", 2) && peers.admit(b"a", 2));
        assert!(!peers.admit(b"a", 2), "third in flight");
        assert!(peers.admit(b"b", 2), "another peer is not affected");
        peers.release(b"a");
        assert!(peers.admit(b"a", 2));
        for peer in [b"a", b"a", b"b"] {
            peers.release(peer);
        }
        assert_eq!(peers.len(), 0, "idle peers are forgotten");
        peers.release(b"never-seen");
    }
}
