//! Which ZeroMQ endpoints are reachable only from this machine.
//!
//! The gateway refuses to bind anything else without a shared key: an unsigned order port open to
//! a network is an open trading account.

/// Whether `endpoint` can only be reached from this host: `tcp://` on a loopback address, or the
/// host-local `ipc://` and `inproc://` transports. Wildcards (`*`, `0.0.0.0`) and every other
/// address or transport count as exposed.
///
/// ```
/// use gateway_example::transport::is_local_only;
///
/// assert!(is_local_only("tcp://127.0.0.1:5555"));
/// assert!(!is_local_only("tcp://*:5555"));
/// ```
pub fn is_local_only(endpoint: &str) -> bool {
    if endpoint.starts_with("ipc://") || endpoint.starts_with("inproc://") {
        return true;
    }
    let Some(rest) = endpoint.strip_prefix("tcp://") else {
        return false;
    };
    // `tcp://host:port`, `tcp://[::1]:port`, or `tcp://iface;host:port` for a bound source.
    let Some((host, _port)) = rest.rsplit_once(':') else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The endpoint libzmq should bind for `endpoint`: `tcp://localhost:PORT` becomes
/// `tcp://127.0.0.1:PORT`, because libzmq reads the host of a TCP bind as an interface name or
/// an IP address, never as a host name to resolve (`localhost` fails with "No such device").
/// Every other endpoint is returned unchanged.
///
/// ```
/// use gateway_example::transport::bind_endpoint;
///
/// assert_eq!(bind_endpoint("tcp://localhost:5555"), "tcp://127.0.0.1:5555");
/// assert_eq!(bind_endpoint("tcp://127.0.0.1:*"), "tcp://127.0.0.1:*");
/// ```
pub fn bind_endpoint(endpoint: &str) -> String {
    match endpoint.strip_prefix("tcp://localhost:") {
        Some(port) => format!("tcp://127.0.0.1:{port}"),
        None => endpoint.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_localhost_is_rewritten() {
        assert_eq!(bind_endpoint("tcp://localhost:*"), "tcp://127.0.0.1:*");
        for unchanged in [
            "tcp://[::1]:1",
            "tcp://lo:1",
            "ipc:///tmp/localhost:1",
            "inproc://x",
        ] {
            assert_eq!(bind_endpoint(unchanged), unchanged);
        }
    }

    #[test]
    fn loopback_and_host_local_endpoints_are_local() {
        for local in [
            "tcp://127.0.0.1:5555",
            "tcp://127.0.0.2:1",
            "tcp://localhost:5555",
            "tcp://[::1]:5555",
            "tcp://127.0.0.1:*",
            "ipc:///tmp/gw.sock",
            "inproc://gw",
        ] {
            assert!(is_local_only(local), "{local}");
        }
    }

    #[test]
    fn wildcards_and_other_addresses_are_exposed() {
        for exposed in [
            "tcp://*:5555",
            "tcp://0.0.0.0:5555",
            "tcp://192.168.1.5:5555",
            "tcp://eth0:5555",
            "tcp://[::]:5555",
            "udp://127.0.0.1:5555",
            "garbage",
        ] {
            assert!(!is_local_only(exposed), "{exposed}");
        }
    }
}
