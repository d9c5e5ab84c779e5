//! A small crate for offload's cargo framework: unit tests, an
//! integration test, a doc test and an ignored test.

/// Adds two numbers.
///
/// ```
/// assert_eq!(offload_example::add(1, 2), 3);
/// ```
pub fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn fails_on_request() {
        assert!(std::env::var("EXAMPLE_FAIL").is_err(), "EXAMPLE_FAIL is set");
    }

    #[test]
    #[ignore]
    fn slow_and_ignored() {}
}
