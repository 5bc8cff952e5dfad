//! The event envelope: what is stored around each event (identity, position, time, and the
//! context it happened in).

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The stream of one aggregate instance: its type (`Invoice`) and its id (`2026-0042`).
///
/// Both parts are stored verbatim: any string without NUL characters, quotes, unicode and SQL
/// fragments included.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamId {
    /// The aggregate type (its `Aggregate::NAME` when created through a repository).
    pub category: String,
    /// The instance's id within its category.
    pub id: String,
}

impl StreamId {
    /// The stream of instance `id` of aggregate type `category`. Neither may contain NUL.
    pub fn new(category: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            category: category.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.category, self.id)
    }
}

/// An instant in UTC with microsecond precision, as stored with every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Self = Self(0);

    /// Now, from the system clock.
    #[must_use]
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// The instant `micros` microseconds after the Unix epoch (negative: before).
    #[must_use]
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// Microseconds since the Unix epoch.
    #[must_use]
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Converts a `SystemTime`, truncated to the microsecond and saturated to the range of `i64`.
    #[must_use]
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Self(i64::try_from(after.as_micros()).unwrap_or(i64::MAX)),
            Err(before) => {
                Self(i64::try_from(before.duration().as_micros()).map_or(i64::MIN, |m| -m))
            }
        }
    }

    /// This instant as a `SystemTime`.
    #[must_use]
    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_micros(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }

    /// `duration` earlier.
    #[must_use]
    pub fn minus(self, duration: Duration) -> Self {
        Self(
            self.0
                .saturating_sub(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)),
        )
    }

    /// `duration` later.
    #[must_use]
    pub fn plus(self, duration: Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)),
        )
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with microseconds: `2026-11-26T15:04:05.123456Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.0.rem_euclid(1_000_000);
        let seconds = self.0.div_euclid(1_000_000);
        let days = seconds.div_euclid(86_400);
        let second_of_day = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60
        )
    }
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The context an event happened in: who, why, and whatever the request carried.
///
/// ```
/// use lsaa_runtime::Metadata;
/// let metadata = Metadata::new()
///     .actor("alice@example.com")
///     .with("request_id", "req-7f3a")
///     .with("ip", "203.0.113.9")
///     .with("referrer", "https://example.com/pricing");
/// assert_eq!(metadata.context["ip"], "203.0.113.9");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The conversation this event belongs to: shared by everything one request set off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
    /// What directly caused this event: the command's id or a triggering event's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    /// Who asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Free-form context: request id, IP, user agent, referrer, experiment flags, ...
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, String>,
}

impl Metadata {
    /// Empty metadata.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets who asked.
    #[must_use]
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Adds one context entry.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    /// Sets the correlation id.
    #[must_use]
    pub fn correlation_id(mut self, id: Uuid) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// Sets the causation id.
    #[must_use]
    pub fn causation_id(mut self, id: Uuid) -> Self {
        self.causation_id = Some(id);
        self
    }

    /// Metadata for what `event` sets off: caused by it, in its conversation, by its actor.
    #[must_use]
    pub fn caused_by(event: &RecordedEvent) -> Self {
        Self {
            correlation_id: event.metadata.correlation_id.or(Some(event.id)),
            causation_id: Some(event.id),
            actor: event.metadata.actor.clone(),
            context: BTreeMap::new(),
        }
    }
}

/// An event ready to be appended: the store assigns version, position and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// A new UUID v7 (time-ordered).
    pub id: Uuid,
    /// The stable event name.
    pub name: String,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The payload as JSON text.
    pub payload: String,
    /// The context it happened in.
    pub metadata: Metadata,
}

impl NewEvent {
    /// A new event with a fresh id.
    pub fn new(
        name: impl Into<String>,
        schema_version: u32,
        payload: impl Into<String>,
        metadata: Metadata,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            name: name.into(),
            schema_version,
            payload: payload.into(),
            metadata,
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// Its id (UUID v7).
    pub id: Uuid,
    /// Its stream.
    pub stream: StreamId,
    /// Its version in the stream: gap-free, from 1.
    pub version: u64,
    /// Its position in the whole store: increasing in commit order (gaps are possible).
    pub position: u64,
    /// When it was appended (UTC, microseconds).
    pub recorded_at: Timestamp,
    /// The stable event name.
    pub name: String,
    /// The payload's schema version as stored.
    pub schema_version: u32,
    /// The payload as JSON text, exactly as appended.
    pub payload: String,
    /// The context it happened in.
    pub metadata: Metadata,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339() {
        assert_eq!(Timestamp::EPOCH.to_string(), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            Timestamp::from_micros(1_795_705_445_123_456).to_string(),
            "2026-11-26T15:04:05.123456Z"
        );
        assert_eq!(
            Timestamp::from_micros(-1).to_string(),
            "1969-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            Timestamp::from_micros(951_782_400_000_000).to_string(),
            "2000-02-29T00:00:00.000000Z"
        );
    }

    #[test]
    fn timestamps_round_trip_through_system_time() {
        let now = Timestamp::now();
        assert_eq!(Timestamp::from_system_time(now.to_system_time()), now);
        let before = Timestamp::from_micros(-5_000_123);
        assert_eq!(Timestamp::from_system_time(before.to_system_time()), before);
        assert_eq!(
            now.minus(Duration::from_secs(1)).as_micros(),
            now.as_micros() - 1_000_000
        );
    }

    #[test]
    fn caused_by_continues_the_conversation() {
        let event = RecordedEvent {
            id: Uuid::now_v7(),
            stream: StreamId::new("A", "1"),
            version: 1,
            position: 1,
            recorded_at: Timestamp::EPOCH,
            name: "a".into(),
            schema_version: 1,
            payload: "null".into(),
            metadata: Metadata::new().actor("bob"),
        };
        let next = Metadata::caused_by(&event);
        assert_eq!(next.causation_id, Some(event.id));
        assert_eq!(next.correlation_id, Some(event.id));
        assert_eq!(next.actor.as_deref(), Some("bob"));
    }
}
