//! The client address of a request.
//!
//! The client address is the TCP peer. Only when the peer is a configured
//! trusted proxy is `X-Forwarded-For` read: its right-most address that is
//! not itself a trusted proxy (each proxy appends the address it got the
//! request from, so hops to the left of the last untrusted one may be
//! forged). A forged header from anyone else changes nothing.

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The TCP peer of a request, from the `ConnectInfo` the server adds;
/// `0.0.0.0` when there is none (a router called without a socket).
pub fn peer(extensions: &Extensions) -> IpAddr {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// The client address of a request that came from `peer`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    for hop in forwarded.into_iter().rev() {
        match hop {
            Some(ip) if trusted_proxies.contains(&ip) => {}
            Some(ip) => return ip,
            // A hop that is not an address: nothing left of it is believed.
            None => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies() -> Vec<IpAddr> {
        vec!["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()]
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_address(peer, &forwarded("198.51.100.1"), &proxies()), peer);
    }

    #[test]
    fn a_trusted_proxy_passes_on_the_right_most_untrusted_hop() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "198.51.100.7".parse().unwrap();
        let headers = forwarded("1.2.3.4, 198.51.100.7");
        assert_eq!(client_address(proxy, &headers, &proxies()), client);
        let through_two = forwarded("1.2.3.4, 198.51.100.7, 10.0.0.2");
        assert_eq!(client_address(proxy, &through_two, &proxies()), client);
        assert_eq!(client_address(proxy, &HeaderMap::new(), &proxies()), proxy);
        assert_eq!(client_address(proxy, &forwarded("1.2.3.4, garbage"), &proxies()), proxy);
    }
}
