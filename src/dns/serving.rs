//! The handle every part of a running server shares: the current [`Generation`], a number
//! that changes whenever it is replaced, and the stop flag.
//!
//! Serving threads read the number (one atomic load) before every packet they answer, and take
//! the lock only when it changed, so replacing a generation costs the hot path nothing in the
//! common case, a thread that slept through a reload never answers from the generation before,
//! and no query ever sees half of one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::control_board::ControlBoard;
use super::generation::Generation;

/// The current generation and the stop flag.
#[derive(Debug)]
pub struct Serving {
    current: RwLock<Arc<Generation>>,
    number: AtomicU64,
    stop: AtomicBool,
    /// The controller's last decisions, for the metrics endpoint.
    pub board: Mutex<ControlBoard>,
}

impl Serving {
    /// Starts serving `first`.
    pub fn new(first: Generation) -> Arc<Serving> {
        Arc::new(Serving {
            current: RwLock::new(Arc::new(first)),
            number: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            board: Mutex::new(ControlBoard::default()),
        })
    }

    /// The current generation and its number.
    pub fn current(&self) -> (u64, Arc<Generation>) {
        let g = self.current.read().unwrap_or_else(|e| e.into_inner());
        (self.number.load(Ordering::Acquire), Arc::clone(&g))
    }

    /// The current generation's number: compare with the one held to see if it changed.
    #[inline]
    pub fn number(&self) -> u64 {
        self.number.load(Ordering::Acquire)
    }

    /// Replaces the current generation.
    pub fn replace(&self, next: Generation) {
        let mut g = self.current.write().unwrap_or_else(|e| e.into_inner());
        *g = Arc::new(next);
        self.number.fetch_add(1, Ordering::Release);
    }

    /// Replaces the current generation if it is still number `number`; returns whether it was.
    pub fn replace_if(&self, number: u64, next: Generation) -> bool {
        let mut g = self.current.write().unwrap_or_else(|e| e.into_inner());
        if self.number.load(Ordering::Acquire) != number {
            return false;
        }
        *g = Arc::new(next);
        self.number.fetch_add(1, Ordering::Release);
        true
    }

    /// Asks every serving thread to finish what it holds and return.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Whether [`Serving::stop`] was called.
    #[inline]
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}
