//! Money on the wire: major units, 2-decimal currency precision, JSON numbers.
//!
//! Amounts are held as [`Decimal`] from the moment they are parsed until they are written. Output
//! never goes through `f64`: the JSON writer in [`super::wire`] prints the decimal's own text as a
//! raw number token (serde_json without `arbitrary_precision` can only hold `f64`/`i64`/`u64`
//! numbers, so a `serde_json::Value` cannot carry a decimal exactly; we write our own tree).
//! Reading amounts from request bodies is [`super::input`]'s job.

use rust_decimal::{Decimal, RoundingStrategy};

/// Currency precision used by every supported currency in the simulator (usd, eur, gbp, cad …).
pub const CURRENCY_DP: u32 = 2;

/// Round half away from zero to currency precision, as the PHP backend does (`12.045` → `12.05`).
pub fn round_currency(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(CURRENCY_DP, RoundingStrategy::MidpointAwayFromZero)
}

/// The JSON number text for an amount: rounded to currency precision, trailing zeros dropped
/// (`45.00` → `45`, `51.10` → `51.1`), which is what PHP's `json_encode` of a float prints.
pub fn render(amount: Decimal) -> String {
    let text = round_currency(amount).normalize().to_string();
    if text == "-0" { "0".to_string() } else { text }
}

/// The JSON number text for a non-money decimal such as a quantity: full precision, normalised.
pub fn render_plain(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    #[test]
    fn rendering_drops_trailing_zeros_and_rounds_half_away_from_zero() {
        assert_eq!(render(dec("45.00")), "45");
        assert_eq!(render(dec("51.10")), "51.1");
        assert_eq!(render(dec("12.045")), "12.05");
        assert_eq!(render(dec("-0.001")), "0");
        assert_eq!(render(dec("12345678901234.99")), "12345678901234.99");
    }
}
