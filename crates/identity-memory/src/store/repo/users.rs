//! Users: create, read, update with their version, the email reservations,
//! and the filtered, sorted, paged list.

use crate::store::*;

impl MemoryUnitOfWork {
    fn role_name(&self, role: RoleId) -> String {
        self.working.roles.get(&role).map(|r| r.name.as_str().to_owned()).unwrap_or_default()
    }

    /// The rows of `users`: each with its last sign-in and its latest
    /// invitation, found in one pass over the links.
    fn listed(&self, users: Vec<User>) -> Vec<ListedUser> {
        let wanted: std::collections::HashSet<UserId> = users.iter().map(|u| u.id).collect();
        let mut latest: std::collections::HashMap<UserId, &Link> = std::collections::HashMap::new();
        for link in self.working.links.values() {
            let LinkSubject::User(user) = link.subject else { continue };
            if link.purpose != LinkPurpose::Invitation || !wanted.contains(&user) {
                continue;
            }
            let newer = latest.get(&user).is_none_or(|l| (l.created_at, l.id) < (link.created_at, link.id));
            if newer {
                latest.insert(user, link);
            }
        }
        users
            .into_iter()
            .map(|user| ListedUser {
                last_sign_in_at: self.working.credentials.get(&user.id).and_then(|c| c.last_sign_in_at),
                invitation: latest.get(&user.id).map(|l| Invitation {
                    sent_at: l.created_at,
                    expires_at: l.expires_at,
                    accepted_at: l.used_at,
                    withdrawn_at: l.voided_at,
                }),
                user,
            })
            .collect()
    }
}

#[async_trait]
impl UserRepository for MemoryUnitOfWork {
    async fn insert(&mut self, user: &User) -> Result<(), StoreError> {
        self.working.users.insert(user.id, user.clone());
        Ok(())
    }

    async fn get(&mut self, practice: PracticeId, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(owned(&self.working.users, &id, practice, |u| u.practice))
    }

    async fn update(&mut self, user: &User) -> Result<(), StoreError> {
        match self.working.users.get(&user.id) {
            Some(stored) if stored.practice == user.practice && stored.version + 1 == user.version => {
                self.working.users.insert(user.id, user.clone());
                Ok(())
            }
            _ => Err(Conflict::Stale.into()),
        }
    }

    async fn find_by_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<User>, StoreError> {
        // The reservation of an address names its holder: the user, if they
        // still hold it.
        let holder =
            self.working.reservations.get(&(practice, email.normalized().to_owned())).map(|r| r.user);
        Ok(holder.and_then(|id| self.working.users.get(&id)).filter(|u| &u.email == email).cloned())
    }

    async fn email_holder(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
    ) -> Result<Option<UserId>, StoreError> {
        Ok(self.working.reservations.get(&(practice, email.normalized().to_owned())).map(|r| r.user))
    }

    async fn reserve_email(
        &mut self,
        practice: PracticeId,
        email: &EmailAddress,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = (practice, email.normalized().to_owned());
        if self.working.reservations.contains_key(&key) {
            return Err(Conflict::EmailTaken.into());
        }
        let seq = self.working.reservations.len();
        self.working.reservations.insert(key, Reservation { user, email: email.clone(), since: at, seq });
        Ok(())
    }

    async fn email_history(
        &mut self,
        practice: PracticeId,
        user: UserId,
    ) -> Result<Vec<(EmailAddress, DateTime<Utc>)>, StoreError> {
        let mut held: Vec<&Reservation> = self
            .working
            .reservations
            .iter()
            .filter(|((p, _), r)| *p == practice && r.user == user)
            .map(|(_, r)| r)
            .collect();
        held.sort_by_key(|r| (r.since, r.seq));
        Ok(held.into_iter().map(|r| (r.email.clone(), r.since)).collect())
    }

    async fn list(
        &mut self,
        practice: PracticeId,
        query: &UserQuery,
    ) -> Result<Page<ListedUser, UserCursor>, StoreError> {
        let with_factor: std::collections::HashSet<UserId> = self
            .working
            .factors
            .values()
            .filter(|f| f.confirmed)
            .filter_map(|f| match f.holder {
                identity_domain::FactorHolder::User(user) => Some(user),
                identity_domain::FactorHolder::Party(_) => None,
            })
            .collect();
        let mut rows: Vec<(SortValue, User)> = self
            .working
            .users
            .values()
            .filter(|u| u.practice == practice && query.filter.matches(u, with_factor.contains(&u.id)))
            .map(|u| (SortValue::of(u, query.sort, &self.role_name(u.role)), u.clone()))
            .collect();
        rows.sort_by(|(va, a), (vb, b)| va.cmp(vb).then(a.id.cmp(&b.id)));
        if query.direction == Direction::Desc {
            rows.reverse();
        }
        let total = Some(rows.len() as u64);
        if let Some(after) = &query.after {
            let key = (&after.value, &after.id);
            rows.retain(|(v, u)| match query.direction {
                Direction::Asc => (v, &u.id) > key,
                Direction::Desc => (v, &u.id) < key,
            });
        }
        let limit = query.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(|(value, u)| UserCursor { value: value.clone(), id: u.id })
        } else {
            None
        };
        Ok(Page { items: self.listed(rows.into_iter().map(|(_, u)| u).collect()), next, total })
    }

    async fn count_with_roles(
        &mut self,
        practice: PracticeId,
        roles: &[RoleId],
        statuses: &[UserStatus],
    ) -> Result<u64, StoreError> {
        let count = self
            .working
            .users
            .values()
            .filter(|u| u.practice == practice && roles.contains(&u.role) && statuses.contains(&u.status))
            .count();
        Ok(count as u64)
    }
}
