//! OpenTelemetry traces, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: a `graphql.operation` span per
//! operation, with a child per loader batch and a grandchild per SQL statement.
//! The spans are `tracing`'s own at DEBUG level, so without an exporter nothing
//! records them; `tracing-opentelemetry` turns them into OTLP spans. The
//! standard `OTEL_*` variables apply: `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`,
//! the default, or `http/json`), `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`,
//! `OTEL_BSP_SCHEDULE_DELAY`, ...
//!
//! A request that carries W3C Trace Context (`traceparent`, `tracestate`) has its
//! operation's span continue the caller's trace, as a child of the caller's span.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::HeaderMap;
use opentelemetry::Context;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_http::HeaderExtractor;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::registry::LookupSpan;

/// Whether spans are exported, so that a request's headers are read for a parent.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// The exporting provider: dropping it sends the spans still queued.
pub struct Exporting(SdkTracerProvider);

impl Drop for Exporting {
    fn drop(&mut self) {
        // Flushes the batch queue; an unreachable collector only loses spans.
        if let Err(err) = self.0.shutdown() {
            eprintln!("blogql: exporting traces: {err}");
        }
    }
}

/// The layer that exports this process's spans, and the provider to keep alive;
/// None when no endpoint is set. Errors setting it up are printed, and the server
/// runs without traces.
pub fn layer<S>() -> Option<(impl Layer<S>, Exporting)>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let set = |name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if !set("OTEL_EXPORTER_OTLP_ENDPOINT") && !set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        return None;
    }
    let protocol = match std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
        Ok("http/json") => Protocol::HttpJson,
        Ok("http/protobuf") | Err(_) => Protocol::HttpBinary,
        Ok(other) => {
            eprintln!(
                "blogql: OTEL_EXPORTER_OTLP_PROTOCOL={other:?} is not supported (http/protobuf or http/json): no traces"
            );
            return None;
        }
    };
    let exporter = match SpanExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .build()
    {
        Ok(exporter) => exporter,
        Err(err) => {
            eprintln!("blogql: exporting traces: {err}: no traces");
            return None;
        }
    };
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "blogql".to_owned());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let tracer = provider.tracer("blogql");
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    EXPORTING.store(true, Ordering::Relaxed);
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // The server's own spans; the exporter's HTTP client logs nothing here,
        // so exporting cannot feed itself.
        .with_filter(Targets::new().with_target("blogql", LevelFilter::DEBUG));
    Some((layer, Exporting(provider)))
}

/// The caller's span, from a request's W3C `traceparent` (and `tracestate`): the
/// parent of the operation's span. None when spans are not exported, or the
/// headers carry no valid one (a malformed `traceparent` is ignored, as the
/// W3C spec asks: the operation starts a trace of its own).
pub fn remote_parent(headers: &HeaderMap) -> Option<Context> {
    if !EXPORTING.load(Ordering::Relaxed) || !headers.contains_key("traceparent") {
        return None;
    }
    let cx =
        opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)));
    cx.span().span_context().is_valid().then_some(cx)
}

/// A stream polled inside `span`, as `tracing::Instrument` does for a future: what
/// its items' work logs and sends is the span's.
pub struct InSpan<S> {
    stream: S,
    span: tracing::Span,
}

impl<S> InSpan<S> {
    pub fn new(stream: S, span: tracing::Span) -> Self {
        InSpan { stream, span }
    }
}

impl<S: futures_util::Stream + Unpin> futures_util::Stream for InSpan<S> {
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        let this = &mut *self;
        let _entered = this.span.enter();
        std::pin::Pin::new(&mut this.stream).poll_next(cx)
    }
}
