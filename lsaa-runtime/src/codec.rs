//! Between typed events and stored rows: JSON payloads, schema versions, and upcasters that
//! turn old payloads into the current shape on read.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::envelope::{Metadata, NewEvent, RecordedEvent};
use crate::event::EventSet;

/// Why a stored event cannot be turned into the aggregate's event type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot decode event `{name}` (schema v{schema_version}) at version {version} of stream `{stream}`: {reason}"
)]
pub struct DecodeError {
    /// The stream.
    pub stream: String,
    /// The event's version in the stream.
    pub version: u64,
    /// The stored name.
    pub name: String,
    /// The stored schema version.
    pub schema_version: u32,
    /// What is wrong.
    pub reason: String,
}

type UpcastFn = dyn Fn(Value) -> Result<Value, String> + Send + Sync;

/// Upcasters: each turns the payload of one event name from one schema version into the next.
///
/// ```
/// use lsaa_runtime::Upcasters;
/// use serde_json::json;
///
/// // v1 stored `{"cents": 50}`; v2 is `{"amount": {"cents": 50, "currency": "EUR"}}`.
/// let upcasters = Upcasters::new().register("coin-inserted", 1, |mut v| {
///     let cents = v.get_mut("cents").map(serde_json::Value::take).ok_or("no `cents`")?;
///     Ok(json!({ "amount": { "cents": cents, "currency": "EUR" } }))
/// });
/// let (version, payload) = upcasters
///     .upcast("coin-inserted", 1, 2, json!({ "cents": 50 }))
///     .unwrap();
/// assert_eq!(version, 2);
/// assert_eq!(payload["amount"]["currency"], "EUR");
/// ```
#[derive(Clone, Default)]
pub struct Upcasters {
    steps: HashMap<(String, u32), Arc<UpcastFn>>,
}

impl fmt::Debug for Upcasters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut steps: Vec<_> = self.steps.keys().collect();
        steps.sort();
        f.debug_struct("Upcasters").field("steps", &steps).finish()
    }
}

impl Upcasters {
    /// No upcasters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the step from schema version `from` to `from + 1` of the event stored as `name`.
    #[must_use]
    pub fn register(
        mut self,
        name: impl Into<String>,
        from: u32,
        step: impl Fn(Value) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.steps.insert((name.into(), from), Arc::new(step));
        self
    }

    /// Brings `payload` from schema version `from` up to `to`, one registered step at a time.
    pub fn upcast(
        &self,
        name: &str,
        from: u32,
        to: u32,
        mut payload: Value,
    ) -> Result<(u32, Value), String> {
        let mut version = from;
        while version < to {
            let step = self.steps.get(&(name.to_owned(), version)).ok_or_else(|| {
                format!(
                    "no upcaster from schema v{version} to v{} is registered for `{name}`",
                    version + 1
                )
            })?;
            payload = step(payload)?;
            version += 1;
        }
        Ok((version, payload))
    }
}

/// Serializes `event` into a row to append.
pub fn encode<E: EventSet>(event: &E, metadata: Metadata) -> Result<NewEvent, serde_json::Error> {
    let mut payload = Vec::with_capacity(64);
    event.serialize_payload(&mut serde_json::Serializer::new(&mut payload))?;
    // serde_json writes valid UTF-8 only.
    let payload = String::from_utf8(payload).map_err(|e| {
        <serde_json::Error as serde::ser::Error>::custom(format!("payload is not UTF-8: {e}"))
    })?;
    Ok(NewEvent::new(
        event.name(),
        event.version(),
        payload,
        metadata,
    ))
}

/// Deserializes a stored row into the aggregate's event type, upcasting old payloads.
pub fn decode<E: EventSet>(
    recorded: &RecordedEvent,
    upcasters: &Upcasters,
) -> Result<E, DecodeError> {
    let fail = |reason: String| DecodeError {
        stream: recorded.stream.to_string(),
        version: recorded.version,
        name: recorded.name.clone(),
        schema_version: recorded.schema_version,
        reason,
    };
    let Some(current) = E::version_of(&recorded.name) else {
        return Err(fail(format!(
            "no event of this aggregate is stored under that name (known: {})",
            E::NAMES.join(", ")
        )));
    };
    if recorded.schema_version == current {
        let mut deserializer = serde_json::Deserializer::from_str(&recorded.payload);
        let event = E::deserialize_payload(&recorded.name, &mut deserializer)
            .map_err(|e| fail(format!("payload does not match the current schema: {e}")))?;
        deserializer
            .end()
            .map_err(|e| fail(format!("trailing data after the payload: {e}")))?;
        return Ok(event);
    }
    if recorded.schema_version > current {
        return Err(fail(format!(
            "stored by a newer schema than this build knows (v{current})"
        )));
    }
    let payload: Value = serde_json::from_str(&recorded.payload)
        .map_err(|e| fail(format!("payload is not JSON: {e}")))?;
    let (_, upcast) = upcasters
        .upcast(&recorded.name, recorded.schema_version, current, payload)
        .map_err(fail)?;
    E::deserialize_payload(&recorded.name, upcast).map_err(|e| {
        fail(format!(
            "upcast payload does not match schema v{current}: {e}"
        ))
    })
}
