//! Text and bytes across the boundary as pointer + length, and the checked reads of the
//! caller's pointers every call makes before using them.

use std::ffi::c_char;

use crate::error::{Failure, Outcome};

/// Text as a pointer and a length in bytes (UTF-8, no terminating NUL needed).
///
/// On input it is the caller's, read during the call only. `ptr` may be NULL only with
/// `len` 0: an empty string, or, for an optional field, "no value". On output it points into
/// a `PbdbResult` and stays valid until that result is freed; NULL means "no value".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbStr {
    /// The first byte, or NULL.
    pub ptr: *const c_char,
    /// The length in bytes.
    pub len: usize,
}

/// Bytes as a pointer and a length; the same rules as [`PbdbStr`], without UTF-8.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PbdbBytes {
    /// The first byte, or NULL.
    pub ptr: *const u8,
    /// The length in bytes.
    pub len: usize,
}

impl PbdbStr {
    /// No value.
    pub(crate) const NONE: PbdbStr = PbdbStr {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// A view of `text`, valid while `text` is (never NULL: an empty string keeps a
    /// dangling, non-null pointer, so it is told apart from "no value").
    pub(crate) fn of(text: &str) -> PbdbStr {
        PbdbStr {
            ptr: text.as_ptr().cast(),
            len: text.len(),
        }
    }

    pub(crate) fn of_option(text: Option<&str>) -> PbdbStr {
        text.map_or(PbdbStr::NONE, PbdbStr::of)
    }

    /// The text, copied; `field` names it in the error.
    ///
    /// # Safety
    /// `ptr` is NULL or points at `len` readable bytes.
    pub(crate) unsafe fn read_string(self, field: &str) -> Outcome<String> {
        // SAFETY: the caller's promise, passed on.
        let bytes = unsafe { bytes(self.ptr.cast(), self.len, field) }?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(err) => Err(Failure::argument(format!("{field} is not UTF-8: {err}"))),
        }
    }

    /// `None` for a NULL pointer, else the text.
    ///
    /// # Safety
    /// As [`read_string`](Self::read_string).
    pub(crate) unsafe fn read_option(self, field: &str) -> Outcome<Option<String>> {
        if self.ptr.is_null() && self.len == 0 {
            return Ok(None);
        }
        // SAFETY: the caller's promise, passed on.
        unsafe { self.read_string(field) }.map(Some)
    }
}

impl PbdbBytes {
    pub(crate) const NONE: PbdbBytes = PbdbBytes {
        ptr: std::ptr::null(),
        len: 0,
    };

    pub(crate) fn of_option(data: Option<&[u8]>) -> PbdbBytes {
        data.map_or(PbdbBytes::NONE, |data| PbdbBytes {
            ptr: data.as_ptr(),
            len: data.len(),
        })
    }

    /// `None` for a NULL pointer, else the bytes, copied.
    ///
    /// # Safety
    /// `ptr` is NULL or points at `len` readable bytes.
    pub(crate) unsafe fn read_option(self, field: &str) -> Outcome<Option<Vec<u8>>> {
        if self.ptr.is_null() && self.len == 0 {
            return Ok(None);
        }
        // SAFETY: the caller's promise, passed on.
        unsafe { bytes(self.ptr, self.len, field) }.map(|b| Some(b.to_vec()))
    }
}

/// `len` bytes at `ptr` (NULL allowed for 0 bytes).
///
/// # Safety
/// `ptr` is NULL or points at `len` readable bytes that stay unchanged during the call.
unsafe fn bytes<'a>(ptr: *const u8, len: usize, field: &str) -> Outcome<&'a [u8]> {
    // SAFETY: the same promise, for `len` elements of one byte.
    unsafe { slice(ptr, len, field) }
}

/// The caller's `*ptr`, checked for NULL.
///
/// # Safety
/// `ptr` is NULL or points at a valid, aligned `T` that lives through the call.
pub(crate) unsafe fn read<'a, T>(ptr: *const T, what: &str) -> Outcome<&'a T> {
    if !ptr.is_aligned() {
        return Err(Failure::argument(format!("{what} is not aligned")));
    }
    // SAFETY: aligned (checked), not NULL (checked by as_ref), and valid by the caller's
    // promise.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::argument(format!("{what} is NULL")))
}

/// The caller's `*ptr`, checked for NULL, to change.
///
/// # Safety
/// `ptr` is NULL or points at a valid, aligned `T` that lives through the call and that
/// nothing else reads or writes meanwhile.
pub(crate) unsafe fn read_mut<'a, T>(ptr: *mut T, what: &str) -> Outcome<&'a mut T> {
    if !ptr.is_aligned() {
        return Err(Failure::argument(format!("{what} is not aligned")));
    }
    // SAFETY: aligned (checked), not NULL (checked by as_mut), valid and not shared by the
    // caller's promise.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::argument(format!("{what} is NULL")))
}

/// The caller's array of `len` `T`s at `ptr` (NULL allowed for an empty one), with its
/// length checked against what a slice may hold.
///
/// # Safety
/// `ptr` is NULL or points at `len` valid, aligned `T`s that live through the call.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, what: &str) -> Outcome<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::argument(format!(
            "{what} is NULL with length {len}"
        )));
    }
    let size = std::mem::size_of::<T>().max(1);
    if len > isize::MAX as usize / size {
        return Err(Failure::argument(format!(
            "{what} has length {len}, more than any array can hold"
        )));
    }
    if !ptr.is_aligned() {
        return Err(Failure::argument(format!("{what} is not aligned")));
    }
    // SAFETY: non-null, aligned and within isize::MAX bytes (checked above); `len` valid
    // elements by the caller's promise.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Stores `value` at the caller's `out`, checked for NULL.
///
/// # Safety
/// `out` is NULL or points at writable, aligned memory for a `T`.
pub(crate) unsafe fn write<T>(out: *mut T, value: T, what: &str) -> Outcome {
    if out.is_null() {
        return Err(Failure::argument(format!("{what} is NULL")));
    }
    // SAFETY: non-null, and writable by the caller's promise; `write` does not read (or
    // drop) whatever the caller left there.
    unsafe { out.write(value) };
    Ok(())
}

/// Checks that `out` can be written before any work starts, so a call with a NULL output
/// fails without side effects.
pub(crate) fn require_out<T>(out: *mut T, what: &str) -> Outcome {
    if out.is_null() {
        return Err(Failure::argument(format!("{what} is NULL")));
    }
    Ok(())
}
