//! Dates and times as a reader expects them, in their own time zone and
//! language: "Monday, January 12, 2026 at 4:00 AM" or
//! "lundi 12 janvier 2026 à 4 h 00".

use super::Lang;
use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use identity_domain::TimeZone;

/// `at`, shown in `zone`, with the zone's name so the reader knows which.
pub(super) fn date_time(at: DateTime<Utc>, zone: TimeZone, lang: Lang) -> String {
    let local = at.with_timezone(&zone.tz());
    let (day, month, year) = (local.day(), local.month0() as usize, local.year());
    let (hour, minute) = (local.hour(), local.minute());
    match lang {
        Lang::En => {
            let (h12, meridiem) = match hour {
                0 => (12, "AM"),
                1..=11 => (hour, "AM"),
                12 => (12, "PM"),
                _ => (hour - 12, "PM"),
            };
            let weekday = english_weekday(local.weekday());
            let month = EN_MONTHS.get(month).copied().unwrap_or_default();
            format!(
                "{weekday}, {month} {day}, {year} at {h12}:{minute:02} {meridiem} (time zone: {})",
                zone.name()
            )
        }
        Lang::Fr => {
            let weekday = french_weekday(local.weekday());
            let month = FR_MONTHS.get(month).copied().unwrap_or_default();
            let day = if day == 1 { "1er".to_owned() } else { day.to_string() };
            format!(
                "{weekday} {day} {month} {year} à {hour} h {minute:02} (fuseau horaire : {})",
                zone.name()
            )
        }
    }
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn english_weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn french_weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn shows_the_readers_zone_and_language() {
        let at = Utc.with_ymd_and_hms(2026, 1, 12, 9, 0, 0).unwrap();
        let toronto = TimeZone::parse("America/Toronto").unwrap();
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        assert_eq!(
            date_time(at, toronto, Lang::En),
            "Monday, January 12, 2026 at 4:00 AM (time zone: America/Toronto)"
        );
        assert_eq!(
            date_time(at, paris, Lang::Fr),
            "lundi 12 janvier 2026 à 10 h 00 (fuseau horaire : Europe/Paris)"
        );
    }

    #[test]
    fn midnight_noon_and_the_first_of_the_month() {
        let utc = TimeZone::utc();
        let midnight = Utc.with_ymd_and_hms(2026, 3, 1, 0, 5, 0).unwrap();
        let noon = Utc.with_ymd_and_hms(2026, 3, 1, 12, 30, 0).unwrap();
        assert_eq!(date_time(midnight, utc, Lang::En), "Sunday, March 1, 2026 at 12:05 AM (time zone: UTC)");
        assert_eq!(date_time(noon, utc, Lang::En), "Sunday, March 1, 2026 at 12:30 PM (time zone: UTC)");
        assert_eq!(
            date_time(midnight, utc, Lang::Fr),
            "dimanche 1er mars 2026 à 0 h 05 (fuseau horaire : UTC)"
        );
    }
}
