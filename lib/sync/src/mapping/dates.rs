//! Intacct dates are calendar days in the company's time zone; Invoiced stores instants. Both
//! directions convert in the connection's zone, so a company east or west of UTC, or a
//! timestamp near midnight, keeps its day.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The company's calendar day of an instant.
pub fn company_day(zone: Tz, instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// The instant an Intacct day becomes in Invoiced: noon of that day in the company's zone (noon
/// keeps the day for readers a few hours either side of it, and is never in a DST gap).
pub fn company_noon(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    let noon = day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    zone.from_local_datetime(&noon)
        .earliest()
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&noon))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("RFC 3339")
    }

    #[test]
    fn timestamps_near_midnight_keep_the_companys_day() {
        let kiritimati: Tz = "Pacific/Kiritimati".parse().expect("UTC+14");
        let baker: Tz = "Etc/GMT+12".parse().expect("UTC-12");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        // 10:30 UTC on the 30th is already 00:30 on the 1st at UTC+14…
        assert_eq!(
            company_day(kiritimati, at("2026-11-30T10:30:00Z")),
            day(2026, 12, 1)
        );
        // …and 11:30 UTC on the 30th is still 23:30 on the 29th at UTC−12.
        assert_eq!(
            company_day(baker, at("2026-11-30T11:30:00Z")),
            day(2026, 11, 29)
        );
        assert_eq!(
            company_day(Tz::UTC, at("2026-11-30T23:59:59Z")),
            day(2026, 11, 30)
        );
        // An Intacct day becomes the company's noon: 22:00 UTC the day before at UTC+14.
        assert_eq!(
            company_noon(kiritimati, day(2026, 12, 1)),
            at("2026-11-30T22:00:00Z")
        );
        assert_eq!(
            company_noon(baker, day(2026, 12, 1)),
            at("2026-12-02T00:00:00Z")
        );
    }

    proptest! {
        #[test]
        fn a_day_survives_the_round_trip_in_every_zone(
            days in 0i64..20_000,
            zone in prop::sample::select(vec![
                "Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Auckland", "America/Los_Angeles",
                "Europe/Berlin", "Asia/Kolkata", "UTC",
            ]),
        ) {
            let zone: Tz = zone.parse().expect("zone");
            let day = NaiveDate::from_ymd_opt(1990, 1, 1).expect("date") + chrono::Days::new(days as u64);
            prop_assert_eq!(company_day(zone, company_noon(zone, day)), day);
        }
    }
}
