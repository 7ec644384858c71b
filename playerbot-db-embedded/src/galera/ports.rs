//! Free loopback ports for a cluster's nodes: each node's clients', its group's, and its two
//! state transfers'.

use std::net::{Ipv4Addr, TcpListener};

use crate::EmbeddedError;

/// `count` distinct ports free right now (all held at once while choosing, so none repeats).
pub(crate) fn free_ports(count: usize) -> Result<Vec<u16>, EmbeddedError> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(EmbeddedError::io("finding a free port on", "127.0.0.1"))?;
        held.push(listener);
    }
    held.iter()
        .map(|listener| listener.local_addr().map(|address| address.port()))
        .collect::<Result<_, _>>()
        .map_err(EmbeddedError::io("finding a free port on", "127.0.0.1"))
}
