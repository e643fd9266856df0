//! # identity-contract
//!
//! The port contract suite: the behaviour every storage adapter of
//! `identity-domain` must show, written once against the ports and run on
//! each adapter (in memory, SQLite, PostgreSQL). The cases drive the real
//! use cases ([`identity_domain::IdentityService`]) over the adapter under
//! test, so they check what users depend on: unique emails under
//! concurrency, optimistic locking, all-or-nothing units of work, practice
//! isolation, single-use links, and users-list paging — and the rules that
//! hold across records under concurrency (the last Super Admin, the Super
//! Admin cap, failure counting, the hourly recovery limit, reassignment on
//! deactivation), with the racing units of work made to overlap up to
//! their commits ([`FaultyStore::meet_at_commit`]).
//!
//! An adapter's tests call [`contract_suite!`] with an async function that
//! returns a fresh [`Subject`] (or `None` to skip, e.g. when no PostgreSQL
//! server is configured):
//!
//! ```
//! use identity_memory::MemoryStore;
//! use std::sync::Arc;
//!
//! async fn fresh() -> Option<identity_contract::Subject> {
//!     Some(identity_contract::Subject::new(Arc::new(MemoryStore::new())))
//! }
//! identity_contract::contract_suite!(fresh);
//! # fn main() {}
//! ```

// A test suite: a failed unwrap is a failed contract, reported by the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases;
mod factors;
mod faulty;
mod fixture;
mod listing;
mod paging;
mod portal;
mod portal_factors;

pub use cases::*;
pub use factors::*;
pub use faulty::FaultyStore;
pub use fixture::{Fixture, PASSWORD};
pub use listing::*;
pub use paging::{
    PAGING_CASES, users_list_paging_property, users_list_paging_walks_every_match_once_in_order,
};
pub use portal::*;
pub use portal_factors::*;

use identity_domain::Store;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A store under test and what to do once the case is over (drop a test
/// database, remove a file).
pub struct Subject {
    /// The store.
    pub store: Arc<dyn Store>,
    cleanup: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Subject {
    /// A subject that needs no cleanup.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, cleanup: None }
    }

    /// Runs `cleanup` after the case, whether it passed or not.
    #[must_use]
    pub fn with_cleanup(mut self, cleanup: impl Future<Output = ()> + Send + 'static) -> Self {
        self.cleanup = Some(Box::pin(cleanup));
        self
    }

    /// Runs `case` on this subject, then the cleanup, then re-raises a
    /// failure of the case.
    pub async fn run<F, Fut>(self, case: F)
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::spawn(case(self.store.clone())).await;
        if let Some(cleanup) = self.cleanup {
            cleanup.await;
        }
        if let Err(failure) = outcome {
            if failure.is_panic() {
                std::panic::resume_unwind(failure.into_panic());
            }
            panic!("contract case was cancelled: {failure}");
        }
    }
}

/// Expands to one `#[tokio::test]` per contract case, each on a fresh
/// subject from `$fresh` (an async fn returning `Option<Subject>`; `None`
/// skips the case with a message), and one for the users-list paging
/// property, which runs [`PAGING_CASES`] random cases in one subject unless
/// `paging_cases = N` says otherwise (fewer for a database).
#[macro_export]
macro_rules! contract_suite {
    ($fresh:path) => {
        $crate::contract_suite!($fresh, paging_cases = $crate::PAGING_CASES);
    };
    ($fresh:path, paging_cases = $cases:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn users_list_paging_walks_every_match_once_in_order() {
            match $fresh().await {
                Some(subject) => {
                    subject.run(|store| $crate::users_list_paging_property(store, $cases)).await;
                }
                None => eprintln!("skipped: users-list paging property (no store available)"),
            }
        }
        $crate::contract_suite!(@cases $fresh;
            concurrent_creates_of_one_email_leave_one_user_and_one_conflict,
            concurrent_edits_of_one_user_let_one_win,
            reassign_and_deactivate_is_all_or_nothing,
            bulk_reassign_is_all_or_nothing,
            emails_of_deactivated_or_renamed_users_are_refused,
            audit_and_outbox_exist_exactly_when_the_change_does,
            records_of_another_practice_are_invisible,
            a_link_is_used_once_under_concurrent_submissions,
            users_list_pages_agree_with_the_reference_order,
            users_list_rows_show_sign_in_memberships_and_invitation,
            sessions_credentials_and_links_round_trip,
            a_session_check_sees_every_change_at_once,
            the_audit_log_pages_newest_first,
            roles_profiles_sites_and_parties_round_trip,
            cases_are_found_by_a_folded_part_of_their_title,
            names_are_unique_per_practice,
            the_outbox_counts_pages_filters_and_retries_failed_emails,
            portal_records_round_trip,
            portal_emails_are_reserved_for_ever,
            a_party_invitation_is_accepted_once_under_concurrent_submissions,
            portal_sign_in_locks_at_one_hundred_failures,
            a_party_s_time_zone_is_their_own_else_their_site_s_else_the_practice_s,
            portal_and_staff_sessions_never_cross,
            deactivating_portal_access_ends_sessions,
            a_revoked_party_invitation_cannot_be_accepted,
            a_party_uses_the_portal,
            a_party_recovers_their_portal_password,
            crossed_deactivations_of_super_admins_leave_one,
            concurrent_grants_of_super_admin_keep_the_cap,
            concurrent_wrong_passwords_are_each_counted,
            concurrent_recovery_requests_keep_the_hourly_limit,
            crossed_deactivations_with_reassignment_leave_no_case_orphaned,
            second_factors_round_trip_and_stay_in_their_practice,
            passkeys_register_once_and_ceremonies_are_taken_once,
            an_update_keeps_search_and_memberships_true_to_what_changed,
            sign_in_takes_the_password_then_the_factor,
            a_code_is_used_once_under_concurrent_submissions,
            a_party_s_factors_are_kept_apart,
            a_party_signs_in_with_a_second_factor,
            a_party_s_code_is_used_once_under_concurrent_submissions,
        );
    };
    (@cases $fresh:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                match $fresh().await {
                    Some(subject) => subject.run($crate::$case).await,
                    None => eprintln!("skipped: {} (no store available)", stringify!($case)),
                }
            }
        )*
    };
}
