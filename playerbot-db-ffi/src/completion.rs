//! The completion queue: asynchronous calls submit work to the runtime and return at once;
//! `pbdb_poll` hands their results back, meant to be called once per world tick.
//!
//! It is bounded by `completion_capacity`: a slot is taken at submission and given back when
//! the completion is polled, so calls submitted and not yet polled never exceed it, and a
//! submission past it returns `PBDB_QUEUE_FULL` having started nothing.

use std::collections::VecDeque;
use std::ffi::c_char;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{entry, Failure, Outcome};
use crate::handle::{open_of, Open, PbdbDb};
use crate::result::PbdbResult;
use crate::runtime::CatchPanic;
use crate::status::{PbdbStatus, PBDB_INTERNAL, PBDB_OK, PBDB_QUEUE_FULL};
use crate::strings;

/// One finished asynchronous call, as `pbdb_poll` returns it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbCompletion {
    /// The token the call was submitted with.
    pub token: u64,
    /// How it ended; `PBDB_NOT_FOUND` for a load of a missing key.
    pub status: PbdbStatus,
    /// A read's rows, now the caller's: free it with `pbdb_result_free`. NULL for writes and
    /// for failures.
    pub result: *mut PbdbResult,
    /// Empty when `status` is `PBDB_OK`; otherwise why, NUL-terminated (cut, at a
    /// character's end, to fit). Held in the struct itself: it needs no freeing and stays
    /// valid as long as the struct does.
    pub message: [c_char; PBDB_MESSAGE_CAPACITY],
}

/// The bytes `PbdbCompletion.message` holds, its terminating NUL included.
pub const PBDB_MESSAGE_CAPACITY: usize = 256;

/// `message` as a NUL-terminated C string that fits a completion.
fn message_field(message: &str) -> [c_char; PBDB_MESSAGE_CAPACITY] {
    let mut field = [0 as c_char; PBDB_MESSAGE_CAPACITY];
    let mut end = message.len().min(PBDB_MESSAGE_CAPACITY - 1);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    for (slot, byte) in field.iter_mut().zip(&message.as_bytes()[..end]) {
        // An interior NUL would end the C string early: shown as a space.
        *slot = if *byte == 0 { b' ' } else { *byte } as c_char;
    }
    field
}

/// A finished call waiting to be polled; its result is freed with it if never polled.
#[derive(Debug)]
struct Done {
    token: u64,
    outcome: Outcome<Option<Box<PbdbResult>>>,
}

/// The bounded queue of one handle.
#[derive(Debug)]
pub(crate) struct Completions {
    capacity: usize,
    /// Calls submitted and not yet polled.
    taken: AtomicUsize,
    done: Mutex<VecDeque<Done>>,
}

impl Completions {
    pub(crate) fn new(capacity: usize) -> Completions {
        Completions {
            capacity,
            taken: AtomicUsize::new(0),
            done: Mutex::new(VecDeque::new()),
        }
    }

    /// Calls submitted and not yet polled.
    pub(crate) fn outstanding(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }

    /// Takes a slot, or `PBDB_QUEUE_FULL` when all are taken.
    fn take_slot(&self) -> Outcome {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < self.capacity).then_some(taken + 1)
            })
            .map(|_| ())
            .map_err(|_| {
                Failure::new(
                    PBDB_QUEUE_FULL,
                    format!(
                        "the completion queue holds its {} calls (submitted and not yet \
                         polled): poll before submitting more",
                        self.capacity
                    ),
                )
            })
    }

    fn push(&self, done: Done) {
        self.done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(done);
    }

    /// Up to `max` finished calls, oldest first; their slots are given back.
    fn take_done(&self, max: usize) -> Vec<Done> {
        let mut queue = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        let count = queue.len().min(max);
        let taken: Vec<Done> = queue.drain(..count).collect();
        drop(queue);
        self.taken.fetch_sub(taken.len(), Ordering::AcqRel);
        taken
    }
}

/// Submits `call` on `open`'s runtime under `token`; returns once it is started (or
/// refused with `PBDB_QUEUE_FULL`).
pub(crate) fn submit<F>(open: &Open, token: u64, call: F) -> Outcome
where
    F: Future<Output = Outcome<Option<Box<PbdbResult>>>> + Send + 'static,
{
    open.completions.take_slot()?;
    let completions = Arc::clone(&open.completions);
    open.runtime().spawn(async move {
        let outcome = match CatchPanic(Box::pin(call)).await {
            Ok(outcome) => outcome,
            Err(message) => Err(Failure::new(PBDB_INTERNAL, message)),
        };
        completions.push(Done { token, outcome });
    });
    Ok(())
}

/// Moves up to `capacity` finished asynchronous calls into `completions[0..]`, oldest
/// first, and sets `*count` to how many. Never blocks (it takes a short lock). Each
/// completion's `result` is the caller's to free.
///
/// # Safety
/// `db` is NULL or a live handle; `completions` is NULL (with `capacity` 0) or points at
/// `capacity` writable `PbdbCompletion`s; `count` points at a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn pbdb_poll(
    db: *const PbdbDb,
    completions: *mut PbdbCompletion,
    capacity: usize,
    count: *mut usize,
) -> PbdbStatus {
    entry(|| {
        strings::require_out(count, "count")?;
        if completions.is_null() && capacity > 0 {
            return Err(Failure::argument(format!(
                "completions is NULL with capacity {capacity}"
            )));
        }
        if !completions.is_aligned() {
            return Err(Failure::argument("completions is not aligned"));
        }
        // SAFETY: the caller's promise about `db`.
        let open = unsafe { open_of(db) }?;
        let done = open.completions.take_done(capacity);
        let written = done.len();
        for (index, done) in done.into_iter().enumerate() {
            let (status, result, message) = match done.outcome {
                Ok(result) => (
                    PBDB_OK,
                    result.map_or(std::ptr::null_mut(), Box::into_raw),
                    message_field(""),
                ),
                Err(failure) => (
                    failure.status,
                    std::ptr::null_mut(),
                    message_field(&failure.message),
                ),
            };
            let completion = PbdbCompletion {
                token: done.token,
                status,
                result,
                message,
            };
            // SAFETY: index < capacity (take_done took at most that many), and the caller
            // promised `capacity` writable, aligned elements at `completions`.
            unsafe { completions.add(index).write(completion) };
        }
        // SAFETY: checked non-null above; writable by the caller's promise.
        unsafe { strings::write(count, written, "count") }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_at_a_character_end_and_terminated() {
        let long = "é".repeat(300);
        let field = message_field(&long);
        let text = field
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect::<Vec<u8>>();
        assert_eq!(
            text.len(),
            254,
            "127 two-byte characters fit before the NUL"
        );
        assert!(std::str::from_utf8(&text).is_ok());
        assert_eq!(field[PBDB_MESSAGE_CAPACITY - 1], 0);
    }
}
