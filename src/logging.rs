//! Where the process's log goes and how it is written: lines for people
//! (`--log-format text`, the default) or one JSON object per event for a log
//! pipeline (`--log-format json`), on standard error; `RUST_LOG` picks what is
//! logged.

use clap::ValueEnum;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::traces::{self, Exporting};

/// How log events are written.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One line per event, for a terminal.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields`
    /// (`message` among them) and the spans the event happened in.
    Json,
}

/// Installs the process-wide subscriber; call once, before anything logs. With
/// an OTLP endpoint set, spans are exported too (see `traces`): keep what this
/// returns until the process ends, so the last spans are sent.
pub fn init(format: LogFormat) -> Option<Exporting> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("blogql=info,tower_http=info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let log = match format {
        LogFormat::Text => fmt.boxed(),
        LogFormat::Json => fmt.json().with_current_span(true).boxed(),
    };
    let registry = tracing_subscriber::registry().with(log.with_filter(filter));
    match traces::layer() {
        Some((export, exporting)) => {
            registry.with(export).init();
            Some(exporting)
        }
        None => {
            registry.init();
            None
        }
    }
}
