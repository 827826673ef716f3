//! Buffers handed to the kernel: response heads we wrote, and bodies that
//! are slices of the LMDB memory map, kept valid by the snapshot (read
//! transaction) they came from. Nothing copies a file into user space.

use std::rc::Rc;

use monoio::buf::{IoBuf, IoVecBuf};

use crate::snapshot::Snapshot;

/// A served file's bytes, borrowed from the map.
#[derive(Clone)]
pub(crate) struct Body {
    _snapshot: Rc<Snapshot>,
    ptr: *const u8,
    len: usize,
}

impl Body {
    /// A body of `bytes`, kept readable by holding `snapshot`.
    ///
    /// # Safety
    ///
    /// `bytes` must have been read in `snapshot`'s read transaction
    /// (`snapshot.txn`): they then lie in the LMDB map, which stays mapped
    /// and unchanged while that transaction is open, and the Body keeps it
    /// open by holding the snapshot. Bytes from anywhere else may be freed
    /// or overwritten while the Body still points at them.
    pub(crate) unsafe fn new(snapshot: Rc<Snapshot>, bytes: &[u8]) -> Body {
        Body { ptr: bytes.as_ptr(), len: bytes.len(), _snapshot: snapshot }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: the bytes live in the LMDB map, pinned by the read
        // transaction this Body holds through its snapshot.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The bytes in `range` of this body, holding the same snapshot.
    pub(crate) fn slice(&self, range: std::ops::Range<usize>) -> Body {
        let s = &self.as_slice()[range];
        Body { _snapshot: self._snapshot.clone(), ptr: s.as_ptr(), len: s.len() }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

// SAFETY: the pointer and length stay valid and unchanged for the Body's
// life (see as_slice).
unsafe impl IoBuf for Body {
    fn read_ptr(&self) -> *const u8 {
        self.ptr
    }
    fn bytes_init(&self) -> usize {
        self.len
    }
}

/// A response as one vectored write: the head, then the body slice. Made
/// once per connection and reused: the iovecs live on the heap because the
/// runtime moves the value after taking their address (io_uring reads them
/// at submission), and one allocation per connection keeps requests free
/// of any.
pub(crate) struct Response {
    /// The head being written, then sent before the body.
    pub(crate) head: Vec<u8>,
    body: Option<Body>,
    iov: Box<[libc::iovec; 2]>,
    first: usize,
}

const NO_IOVEC: libc::iovec = libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 };

impl Response {
    pub(crate) fn new(head: Vec<u8>) -> Response {
        Response { head, body: None, iov: Box::new([NO_IOVEC; 2]), first: 0 }
    }

    /// Points the iovecs at the head as written and at `body`.
    pub(crate) fn prepare(&mut self, body: Option<Body>) {
        self.body = body;
        self.iov[0] = libc::iovec { iov_base: self.head.as_ptr() as *mut _, iov_len: self.head.len() };
        self.iov[1] = match &self.body {
            Some(b) => libc::iovec { iov_base: b.ptr as *mut _, iov_len: b.len },
            None => NO_IOVEC,
        };
        self.first = 0;
    }

    /// Ready for the next response: the body (and its snapshot) released.
    pub(crate) fn reset(&mut self) {
        self.body = None;
        self.head.clear();
        *self.iov = [NO_IOVEC; 2];
        self.first = 0;
    }

    /// Bytes of the head and body the kernel has not taken yet.
    pub(crate) fn remaining(&self) -> usize {
        self.iov[self.first..].iter().map(|v| v.iov_len).sum()
    }

    /// Accounts for `n` bytes the kernel took.
    pub(crate) fn advance(&mut self, mut n: usize) {
        while n > 0 && self.first < 2 {
            let v = &mut self.iov[self.first];
            if n >= v.iov_len {
                n -= v.iov_len;
                v.iov_len = 0;
                self.first += 1;
            } else {
                // SAFETY: stays within the same buffer.
                v.iov_base = unsafe { (v.iov_base as *mut u8).add(n) } as *mut _;
                v.iov_len -= n;
                n = 0;
            }
        }
        while self.first < 2 && self.iov[self.first].iov_len == 0 {
            self.first += 1;
        }
    }
}

// SAFETY: the iovec array is boxed (its address survives moves of the
// Response) and points into `head` (Vec storage is stable while we own it)
// and `body` (pinned map pages), both owned by self.
unsafe impl IoVecBuf for Response {
    fn read_iovec_ptr(&self) -> *const libc::iovec {
        self.iov[self.first.min(1)..].as_ptr()
    }
    fn read_iovec_len(&self) -> usize {
        2_usize.saturating_sub(self.first)
    }
}
