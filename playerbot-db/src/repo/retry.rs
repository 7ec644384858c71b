//! Running a call's attempts: the error the call reports after them ([`settled`]) and the
//! pause before each new one ([`backoff`]). Which errors are worth another attempt is the
//! error module's to say (`Error::worth_another_attempt`), not this one's.

use std::time::Duration;

use crate::Error;

/// The error a call reports: its last attempt's, unless an earlier attempt's outcome was
/// unknown (`unknown`) and the last one's is known — then the earlier one's, since that
/// attempt may have landed and the caller must not read "nothing was written".
pub(crate) fn settled(last: Error, unknown: Option<Error>) -> Error {
    match unknown {
        Some(earlier) if !last.outcome_unknown() => {
            tracing::debug!(last = %last, "a retry failed after an attempt whose outcome is unknown");
            earlier
        }
        _ => last,
    }
}

/// `base · 2^(attempt-1)`, scaled by a random factor in [0.5, 1.5) so that two transactions
/// that deadlocked do not collide again on the same schedule.
pub(crate) fn backoff(base: Duration, attempt: u32) -> Duration {
    let exponential = base.saturating_mul(1 << attempt.saturating_sub(1).min(10));
    exponential.mul_f64(0.5 + jitter())
}

/// A number in [0, 1) from a per-thread xorshift generator; good enough to spread retries.
fn jitter() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
            nanos | 1
        });
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_jitter_bounds() {
        let base = Duration::from_millis(10);
        for attempt in 1..6 {
            let nominal = base * (1 << (attempt - 1));
            for _ in 0..100 {
                let delay = backoff(base, attempt);
                assert!(
                    delay >= nominal / 2 && delay < nominal * 3 / 2,
                    "{delay:?} for attempt {attempt}"
                );
            }
        }
    }
}
