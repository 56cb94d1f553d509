//! A moment in UTC, written as RFC 3339 (`2025-06-01T12:00:03.250Z`) and read back strictly.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(SystemTime);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp(SystemTime::now())
    }

    pub fn at(time: SystemTime) -> Self {
        Timestamp(time)
    }

    /// Seconds since the Unix epoch, for tests and fixtures.
    pub fn from_unix_ms(ms: u64) -> Self {
        Timestamp(UNIX_EPOCH + Duration::from_millis(ms))
    }

    pub fn system_time(self) -> SystemTime {
        self.0
    }

    /// `2025-06-01T12:00:03.250Z`.
    pub fn rfc3339(self) -> String {
        humantime::format_rfc3339_millis(self.0).to_string()
    }

    /// `2025-06-01 12:00:03 UTC`, for people.
    pub fn human(self) -> String {
        let text = humantime::format_rfc3339_seconds(self.0).to_string();
        format!("{} UTC", text.replacen('T', " ", 1).trim_end_matches('Z'))
    }

    /// `20250601-120003`, for file names.
    pub fn compact(self) -> String {
        let text = humantime::format_rfc3339_seconds(self.0).to_string();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let (date, time) = digits.split_at(digits.len().min(8));
        format!("{date}-{time}")
    }

    /// Milliseconds from `earlier` to this moment; negative when it is later.
    pub fn millis_since(self, earlier: Timestamp) -> f64 {
        match self.0.duration_since(earlier.0) {
            Ok(d) => d.as_secs_f64() * 1000.0,
            Err(e) => -e.duration().as_secs_f64() * 1000.0,
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_rfc3339(&text).map(Timestamp).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{}` is not an RFC 3339 UTC time like 2025-06-01T12:00:03Z ({e})",
                text.chars().take(40).collect::<String>()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_rfc3339_utc_and_read_back() {
        let t = Timestamp::from_unix_ms(1_748_779_203_250);
        assert_eq!(t.rfc3339(), "2025-06-01T12:00:03.250Z");
        assert_eq!(t.human(), "2025-06-01 12:00:03 UTC");
        assert_eq!(t.compact(), "20250601-120003");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"2025-06-01 12:00\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"2025-06-01T12:00:03+02:00\"").is_err());
    }
}
