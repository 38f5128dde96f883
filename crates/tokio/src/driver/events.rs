//! [`Events`]: what an engine reported, as a `Stream`.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::mpsc;

/// The events of a driver's engine ([`Event`](ipv4kit_gmp::Event) for a
/// host, [`RouterEvent`](ipv4kit_gmp::RouterEvent) for a querier), in
/// order, as a [`Stream`](futures_core::Stream) or with
/// [`recv`](Self::recv). The stream ends when the driver is dropped.
///
/// The driver never waits for this end: when [`EVENT_CAPACITY`](super::EVENT_CAPACITY)
/// events are waiting, new ones are dropped and counted in
/// [`dropped`](Self::dropped). Dropping `Events` is fine: the driver
/// carries on without it.
#[derive(Debug)]
pub struct Events<E> {
    rx: mpsc::Receiver<E>,
    dropped: Arc<AtomicU64>,
}

/// The driver's end.
#[derive(Debug)]
pub(crate) struct EventSink<E> {
    tx: mpsc::Sender<E>,
    dropped: Arc<AtomicU64>,
}

pub(crate) fn channel<E>() -> (EventSink<E>, Events<E>) {
    let (tx, rx) = mpsc::channel(super::EVENT_CAPACITY);
    let dropped = Arc::new(AtomicU64::new(0));
    (
        EventSink {
            tx,
            dropped: dropped.clone(),
        },
        Events { rx, dropped },
    )
}

impl<E> EventSink<E> {
    /// Hands `e` over without waiting; counts it when the channel is full.
    /// A closed channel (nobody listens) is not counted.
    pub(crate) fn send(&self, e: E) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(e) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl<E> Events<E> {
    /// The next event; `None` once the driver is gone and every event was
    /// read.
    ///
    /// **Cancellation**: safe; a dropped future has taken no event.
    pub async fn recv(&mut self) -> Option<E> {
        self.rx.recv().await
    }

    /// The next event if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<E> {
        self.rx.try_recv().ok()
    }

    /// Events dropped because this end fell [`EVENT_CAPACITY`](super::EVENT_CAPACITY)
    /// behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl<E> futures_core::Stream for Events<E> {
    type Item = E;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        self.rx.poll_recv(cx)
    }
}
