//! The assigned-cases tab of one user, with select-all and "Reassign to…".

use super::*;

pub(super) struct CaseRow {
    id: String,
    ticked: bool,
    title: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "user_cases.html")]
pub(super) struct CasesPage {
    t: &'static Text,
    chrome: Chrome,
    head: Head,
    done: Option<&'static str>,
    intro: String,
    open: Vec<CaseRow>,
    closed: Vec<CaseRow>,
    picker: Picker,
    all_ticked: bool,
    may_assign: bool,
    errors: Errors,
}

pub(super) async fn cases_page(
    state: &ConsoleState,
    viewer: &Viewer,
    user: &User,
    done: Option<&'static str>,
    form: (Picker, &[String], bool),
    errors: Errors,
) -> Response {
    let (picker, ticked, all_ticked) = form;
    let t = viewer.lang.text();
    let all = match state.service.list_cases(&viewer.caller, user.id, None).await {
        Ok(cases) => cases,
        Err(e) => return crate::pages::failure_for(viewer, e),
    };
    let row = |c: &Case| CaseRow {
        ticked: ticked.contains(&c.id.to_string()),
        id: c.id.to_string(),
        title: c.title.as_str().to_owned(),
        updated: date_time(c.updated_at, viewer.user.time_zone, viewer.lang),
    };
    let open = all.iter().filter(|c| c.status == CaseStatus::Open).map(row).collect();
    let closed = all.iter().filter(|c| c.status == CaseStatus::Closed).map(row).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CasesPage {
        t,
        chrome: viewer.chrome("users"),
        head: Head::of(viewer, user, "cases"),
        done,
        intro: fill(t.cases_intro, &[("name", user.name.as_str())]),
        open,
        closed,
        picker,
        all_ticked,
        may_assign: viewer.caller.may(Permission::CasesAssign),
        errors,
    };
    render(status, &page)
}

/// `GET /console/users/{id}/cases`: the assigned-cases tab.
pub async fn cases(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let done = done_text(viewer.lang.text(), &done.done);
    let picker = Picker::new("reassign_to", Purpose::Owner, Some(user.id));
    cases_page(&state, &viewer, &user, done, (picker, &[], false), Errors::default()).await
}

/// The reassign form: every selected case (or all open ones) and who takes them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReassignForm {
    all: Option<String>,
    cases: Vec<String>,
    reassign_to: String,
    reassign_to_q: String,
    find: String,
}

/// `POST /console/users/{id}/cases/reassign`.
pub async fn reassign(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: SignedForm<ReassignForm>,
) -> Response {
    let SignedForm { viewer, form } = posted;
    let t = viewer.lang.text();
    let user = match load(&state, &viewer, &id).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let mut errors = Errors::default();
    let submitted =
        Submitted { id: &form.reassign_to, term: &form.reassign_to_q, finding: form.find == "reassign_to" };
    let (picker, picked) =
        Picker::new("reassign_to", Purpose::Owner, Some(user.id)).read(&state, &viewer, submitted).await;
    if submitted.finding {
        if let Err(problem) = picked {
            errors.add(problem);
        }
        return cases_page(&state, &viewer, &user, None, (picker, &form.cases, form.all.is_some()), errors)
            .await;
    }
    let to = match picked {
        Ok(Some(to)) => Some(to),
        Ok(None) => {
            errors.add(Problem::at("reassign_to", t.err_choose));
            None
        }
        Err(problem) => {
            errors.add(problem);
            None
        }
    };
    let selection = if form.all.is_some() {
        Some(CaseSelection::AllOpen)
    } else {
        let ids: Vec<CaseId> = form.cases.iter().filter_map(|c| c.parse().ok()).collect();
        if ids.is_empty() {
            errors.add(Problem::at("cases", t.choose_cases));
            None
        } else {
            Some(CaseSelection::Only(ids))
        }
    };
    if let (Some(to), Some(selection)) = (to, selection) {
        match state.service.reassign_cases(&viewer.caller, user.id, to, selection).await {
            Ok(_) => {
                return Redirect::to(&format!("{}/cases?done=reassigned", user_href(user.id)))
                    .into_response();
            }
            Err(e) => errors.add(e.describe(t)),
        }
    }
    cases_page(&state, &viewer, &user, None, (picker, &form.cases, form.all.is_some()), errors).await
}
