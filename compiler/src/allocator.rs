//! Allocator settings for a compile process (`provd-compile`, the benchmark
//! harness), which link mimalloc as their global allocator.

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (v2 and v3 alike);
/// libmimalloc-sys names no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps memory the rendering threads free for reuse instead of returning
/// it to the system. By default mimalloc purges (`madvise`) freed pages
/// after a second, and a compile then pays a page fault and the kernel's
/// zeroing to touch them again; a compile is short-lived and its peak is
/// reached early, so holding on costs no extra memory at the peak.
/// Call first thing in `main`.
pub fn tune_for_compile() {
    // SAFETY: sets an option by its documented index; mimalloc reads its
    // options atomically and accepts a change at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
