//! `--metrics ADDR`: the library's counters (pool, cache, write-behind, flush durations) in
//! Prometheus' text format over HTTP/1.1. The library records through the `metrics` facade;
//! this installs the Prometheus recorder and serves `/metrics` with hyper, exporting the
//! cluster's snapshots before each rendering, as a game server does with its own exporter.

mod routes;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use playerbot_db::Db;
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

/// What `/metrics` shows: the cluster's snapshots (pool, caches, write-behind, replicas),
/// exported at the moment of the request, then everything the recorder holds.
#[derive(Clone)]
struct Exposition {
    cluster: Db,
    handle: PrometheusHandle,
}

impl Exposition {
    fn render(&self) -> String {
        self.cluster.export_metrics();
        self.handle.render()
    }
}

impl MetricsServer {
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    /// Answers requests until the process ends, each connection in a task of its own and
    /// kept alive for as many requests as the client sends.
    pub(crate) fn serve(self, cluster: Db) {
        let MetricsServer {
            handle, listener, ..
        } = self;
        let exposition = Exposition { cluster, handle };
        tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors, say: retrying at once would only spin.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let exposition = exposition.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let response = routes::answer(&request, || exposition.render());
                        async move { Ok::<_, Infallible>(response) }
                    });
                    // The timer lets hyper close a connection that sends no request head
                    // (30 s, its default). A client that hangs up or sends garbage ends only
                    // its own connection, so the error is dropped.
                    let _ = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }
}
