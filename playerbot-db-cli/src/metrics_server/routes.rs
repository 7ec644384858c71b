//! Which answer a request gets: the metrics for `GET /metrics` and `HEAD /metrics`, 405 for
//! any other method there, 404 for any other path. A HEAD answer carries the body a GET would
//! get: hyper sends its Content-Length and leaves the body out.

use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

/// The only path served.
const METRICS: &str = "/metrics";
/// Prometheus' text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4";

/// The answer to `request`; `render` is called only when the metrics are what it gets.
pub(super) fn answer<B>(request: &Request<B>, render: impl FnOnce() -> String) -> Response<String> {
    if request.uri().path() != METRICS {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: the metrics are on /metrics\n",
        );
    }
    match *request.method() {
        Method::GET | Method::HEAD => with(Response::new(render()), CONTENT_TYPE, TEXT_FORMAT),
        _ => with(
            plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed: /metrics answers GET and HEAD\n",
            ),
            ALLOW,
            "GET, HEAD",
        ),
    }
}

fn plain(status: StatusCode, text: &str) -> Response<String> {
    let mut response = with(
        Response::new(text.to_owned()),
        CONTENT_TYPE,
        "text/plain; charset=utf-8",
    );
    *response.status_mut() = status;
    response
}

fn with(
    mut response: Response<String>,
    name: hyper::header::HeaderName,
    value: &'static str,
) -> Response<String> {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, uri: &str) -> Request<()> {
        Request::builder().method(method).uri(uri).body(()).unwrap()
    }

    /// The answer, and whether it rendered the metrics.
    fn answered(method: Method, uri: &str) -> (Response<String>, bool) {
        let mut rendered = false;
        let response = answer(&request(method, uri), || {
            rendered = true;
            "playerbot_db_pool_open 1\n".to_owned()
        });
        (response, rendered)
    }

    #[test]
    fn get_and_head_on_metrics_render_the_text_format() {
        for method in [Method::GET, Method::HEAD] {
            let (response, rendered) = answered(method.clone(), "/metrics");
            assert_eq!(response.status(), StatusCode::OK, "{method}");
            assert!(rendered, "{method}");
            assert_eq!(response.headers()[CONTENT_TYPE], TEXT_FORMAT);
            assert_eq!(response.body(), "playerbot_db_pool_open 1\n");
        }
        // A query string does not change the path.
        let (response, _) = answered(Method::GET, "/metrics?debug=1");
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[test]
    fn other_methods_on_metrics_are_not_allowed_and_say_which_are() {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let (response, rendered) = answered(method.clone(), "/metrics");
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method}"
            );
            assert_eq!(response.headers()[ALLOW], "GET, HEAD");
            assert!(!rendered, "{method} rendered the metrics");
        }
    }

    #[test]
    fn every_other_path_is_not_found_whatever_the_method() {
        for (method, uri) in [
            (Method::GET, "/"),
            (Method::GET, "/other"),
            (Method::GET, "/metrics/"),
            (Method::GET, "/metricsx"),
            (Method::HEAD, "/health"),
            (Method::POST, "/other"),
        ] {
            let (response, rendered) = answered(method.clone(), uri);
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {uri}");
            assert!(!rendered, "{method} {uri} rendered the metrics");
        }
    }
}
