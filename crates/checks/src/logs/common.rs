//! Helpers shared by the `logs` checks: the one cached pass over the root's logs, and time
//! formatting for evidence.

use std::sync::Arc;

use huoyan_core::Timestamp;
use huoyan_logs::LogData;

use crate::Context;

/// The root's log data for the context's window (read once per run, shared by all checks).
pub fn data(ctx: &Context) -> Arc<LogData> {
    huoyan_logs::data_for(&ctx.root, ctx.window)
}

/// A time for JSON evidence (RFC 3339 UTC, or null).
pub fn ts(t: Option<Timestamp>) -> serde_json::Value {
    t.map(|t| serde_json::Value::String(huoyan_core::time::format_utc(t)))
        .unwrap_or(serde_json::Value::Null)
}

/// A time for a summary line.
pub fn short(t: Option<Timestamp>) -> String {
    t.map(huoyan_core::time::format_short)
        .unwrap_or_else(|| "unknown time".into())
}

/// The path of the file an event came from.
pub fn path_of(data: &LogData, file: usize) -> String {
    data.files
        .get(file)
        .map(|f| f.path.clone())
        .unwrap_or_default()
}
