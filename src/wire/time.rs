//! Calendar conversions every floor shares, from milliseconds since the Unix
//! epoch: the hub's RFC 3339 timestamps, logcat's `threadtime` stamp on the
//! simulated device and the vendors' China-time day for daily quotas.
//!
//! The calendar itself (leap years, month lengths, offsets) is `jiff`'s; this
//! module only says which offset and which layout each caller wants. `jiff`
//! covers the years -9999 to 9999; a millisecond count outside that range
//! (a saturated "never") is read as the nearest end of it.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;

/// China Standard Time, UTC+8 all year (no daylight saving).
const CHINA: Offset = Offset::constant(8);

/// The instant `ms` milliseconds after the epoch, clamped to `jiff`'s range.
fn instant(ms: i64) -> Timestamp {
    let ms = ms.clamp(
        Timestamp::MIN.as_millisecond(),
        Timestamp::MAX.as_millisecond(),
    );
    Timestamp::from_millisecond(ms).expect("clamped into jiff's range")
}

/// The wall-clock date and time at `offset`, `ms` milliseconds after the epoch.
fn civil(ms: i64, offset: Offset) -> DateTime {
    offset.to_datetime(instant(ms))
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-22T02:30:00.123Z`.
pub fn rfc3339_millis(ms: i64) -> String {
    civil(ms, Offset::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// logcat's `threadtime` stamp, `MM-DD HH:MM:SS.mmm`, in UTC (the simulated
/// device's timezone).
pub fn logcat_stamp(ms: u64) -> String {
    civil(i64::try_from(ms).unwrap_or(i64::MAX), Offset::UTC)
        .strftime("%m-%d %H:%M:%S%.3f")
        .to_string()
}

/// The day in China Standard Time, counted from 1970-01-01: the Chinese
/// vendors' daily quotas reset when it changes, at 00:00 Beijing time.
pub fn china_day(ms: i64) -> i64 {
    let date = civil(ms, CHINA).date();
    let days = Date::constant(1970, 1, 1)
        .until(date)
        .expect("a day count within jiff's range")
        .get_days();
    i64::from(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(logcat_stamp(1_795_314_600_123), "11-22 02:30:00.123");
        assert_eq!(logcat_stamp(1_709_251_199_999), "02-29 23:59:59.999");
    }

    #[test]
    fn the_china_day_turns_at_midnight_in_beijing() {
        // 2026-11-21T16:00:00Z is 2026-11-22T00:00:00+08:00.
        let midnight = 1_795_276_800_000;
        assert_eq!(china_day(midnight), china_day(midnight - 1) + 1);
        assert_eq!(china_day(midnight), 20_779);
        assert_eq!(china_day(0), 0);
        assert_eq!(china_day(-8 * 3_600_000), 0);
        assert_eq!(china_day(-8 * 3_600_000 - 1), -1);
    }

    proptest! {
        /// Within a day the count equals whole days since the epoch, shifted
        /// by eight hours: the arithmetic the quotas have always used.
        #[test]
        fn the_china_day_is_the_shifted_epoch_day(ms in -10_000_000_000_000i64..10_000_000_000_000) {
            prop_assert_eq!(china_day(ms), (ms + 8 * 3_600_000).div_euclid(86_400_000));
        }

        /// The time of day in a stamp is the remainder of whole days.
        #[test]
        fn stamps_keep_the_time_of_day(ms in 0u64..10_000_000_000_000) {
            let sod = ms % 86_400_000;
            let want = format!(
                "{:02}:{:02}:{:02}.{:03}",
                sod / 3_600_000,
                sod / 60_000 % 60,
                sod / 1000 % 60,
                sod % 1000
            );
            let rfc3339 = format!("T{want}Z");
            prop_assert!(logcat_stamp(ms).ends_with(&want), "{}", logcat_stamp(ms));
            prop_assert!(rfc3339_millis(ms as i64).ends_with(&rfc3339), "{}", rfc3339_millis(ms as i64));
        }
    }
}
