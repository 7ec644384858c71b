//! `--metrics ADDR`: the library's counters (pool, cache, write-behind, flush durations) in
//! Prometheus' text format over plain HTTP. The library records through the `metrics`
//! facade; this installs the Prometheus recorder and answers every request on the address
//! with a fresh rendering, so a game server can do the same with its own exporter.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use playerbot_db::cluster::Cluster;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::Error;

/// `9187` means 127.0.0.1:9187 (loopback unless an address says otherwise).
pub(crate) fn parse_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not a port or an address like 127.0.0.1:9187"))
}

/// The recorder, installed, and the socket it will answer on.
pub(crate) struct MetricsServer {
    handle: PrometheusHandle,
    listener: TcpListener,
    address: SocketAddr,
}

/// Installs the Prometheus recorder for this process and binds `address`.
pub(crate) async fn install(address: SocketAddr) -> Result<MetricsServer, Error> {
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .map_err(|err| Error::Failed(format!("installing the metrics recorder: {err}")))?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| Error::Bind { address, source })?;
    let address = listener.local_addr().unwrap_or(address);
    Ok(MetricsServer {
        handle,
        listener,
        address,
    })
}

impl MetricsServer {
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    /// Answers requests until the process ends; each answer exports `cluster`'s snapshot
    /// (every shard added up) first.
    pub(crate) fn serve(self, cluster: Cluster) {
        let MetricsServer {
            handle, listener, ..
        } = self;
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    continue;
                };
                cluster.export_metrics();
                let body = handle.render();
                tokio::spawn(async move {
                    // The request itself does not matter: every path gets the metrics.
                    let mut request = [0u8; 1024];
                    let _ = stream.read(&mut request).await;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
    }
}
