//! An attempt's I/O in tests that count allocations: pending once, then ready.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Pending once, then ready: what any attempt that waits for I/O does at least.
pub struct PendingOnce(pub bool);

impl Future for PendingOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
