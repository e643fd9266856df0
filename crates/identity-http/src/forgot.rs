//! "Forgot password" after the answer: a bounded queue of requests, worked
//! by a few tasks, so that the answer (202, or the console's "check your
//! email" page) is sent before anything is looked up, and takes the same
//! time whether the practice and the email exist, the account is active,
//! inactive or locked.
//!
//! The composition root starts one queue and hands it to both front doors.
//! It carries staff requests and the party portal's alike.
//! When the queue is full, the request still gets the same answer; the
//! request is dropped and a warning is logged (no email or practice in it).
//! A dropped request is one the person can send again; the per-account cap
//! of recovery emails and the per-address budget bound the work anyway.

use identity_domain::{ForgotPassword, IdentityService};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, Notify, mpsc};

/// The queue. Cheap to clone; clones share it.
#[derive(Clone)]
pub struct ForgotQueue {
    sender: mpsc::Sender<Forgot>,
    pending: Arc<Pending>,
}

/// A queued request, and whose password it is about.
enum Forgot {
    /// A staff user's.
    Staff(ForgotPassword),
    /// A party's portal password.
    Portal(ForgotPassword),
}

#[derive(Default)]
struct Pending {
    count: AtomicUsize,
    idle: Notify,
}

impl Pending {
    fn done(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

impl ForgotQueue {
    /// A queue of at most `capacity` waiting requests, worked by `workers`
    /// tasks on the current tokio runtime, which end when every clone of
    /// the queue is dropped.
    pub fn start(service: IdentityService, capacity: NonZeroUsize, workers: NonZeroUsize) -> Self {
        let (sender, receiver) = mpsc::channel::<Forgot>(capacity.get());
        let receiver = Arc::new(Mutex::new(receiver));
        let pending = Arc::new(Pending::default());
        for _ in 0..workers.get() {
            let (receiver, pending, service) = (receiver.clone(), pending.clone(), service.clone());
            tokio::spawn(async move {
                loop {
                    let next = receiver.lock().await.recv().await;
                    let Some(request) = next else { break };
                    let worked = match request {
                        Forgot::Staff(request) => {
                            let request_id = request.request_id.clone();
                            service.forgot_password(request).await.map_err(|e| (e, request_id))
                        }
                        Forgot::Portal(request) => {
                            let request_id = request.request_id.clone();
                            service.portal_forgot_password(request).await.map_err(|e| (e, request_id))
                        }
                    };
                    if let Err((e, request_id)) = worked {
                        tracing::warn!(error = %e, request_id = request_id.as_ref().map(|r| r.as_str()),
                            "a forgot-password request could not be completed");
                    }
                    pending.done();
                }
            });
        }
        Self { sender, pending }
    }

    /// Queues a request without waiting; when the queue is full the
    /// request is dropped and logged (`false`). The caller answers the
    /// same either way.
    pub fn submit(&self, request: ForgotPassword) -> bool {
        self.enqueue(Forgot::Staff(request))
    }

    /// Queues a party portal's "forgot password" request, as
    /// [`ForgotQueue::submit`] does a staff user's.
    pub fn submit_portal(&self, request: ForgotPassword) -> bool {
        self.enqueue(Forgot::Portal(request))
    }

    fn enqueue(&self, request: Forgot) -> bool {
        self.pending.count.fetch_add(1, Ordering::SeqCst);
        let request_id = match &request {
            Forgot::Staff(r) | Forgot::Portal(r) => r.request_id.clone(),
        };
        if self.sender.try_send(request).is_ok() {
            return true;
        }
        self.pending.done();
        tracing::warn!(
            request_id = request_id.as_ref().map(|r| r.as_str()),
            "the forgot-password queue is full: a request was dropped"
        );
        false
    }

    /// Requests waiting for a worker (not those being worked).
    pub fn waiting(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// Waits until every queued request has been worked (for tests, and
    /// for a stopping server).
    pub async fn settled(&self) {
        loop {
            let idle = self.pending.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.pending.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}
