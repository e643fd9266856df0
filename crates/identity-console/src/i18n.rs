//! The console's words in English and French, and dates in a person's time
//! zone.
//!
//! Every text is a field of [`Text`]; [`EN`] and [`FR`] fill every field, so
//! a text missing in one language does not compile. Texts with blanks name
//! them in braces (`{count}`) and are filled by [`fill`].

mod audit;
pub mod names;

pub use audit::audit_action;

use chrono::{DateTime, Datelike, Timelike, Utc};
use identity_domain::{Language, TimeZone};

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English, for every language but French.
    En,
    /// French (`fr`, `fr-CA`, …).
    Fr,
}

impl Lang {
    /// The console language for a user's preferred language.
    pub fn of(language: &Language) -> Self {
        if language.primary() == "fr" { Self::Fr } else { Self::En }
    }

    /// The first English or French language in an `Accept-Language` header
    /// (English when neither is there).
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let mut ranked: Vec<(f32, &str)> = header
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                    .unwrap_or(1.0);
                Some((quality, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked
            .into_iter()
            .find_map(|(_, tag)| {
                let primary = tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
                match primary.as_str() {
                    "fr" => Some(Self::Fr),
                    "en" => Some(Self::En),
                    _ => None,
                }
            })
            .unwrap_or(Self::En)
    }

    /// The texts of this language.
    pub fn text(self) -> &'static Text {
        match self {
            Self::En => &EN,
            Self::Fr => &FR,
        }
    }

    /// The `lang` attribute of pages.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }
}

/// Fills the `{name}` blanks of `text`.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_owned(), |acc, (name, value)| acc.replace(&format!("{{{name}}}"), value))
}

const MONTHS_EN: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_FR: [&str; 12] =
    ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];

/// A moment as a person reads it: in their time zone and language, with
/// the zone's abbreviation (`Nov 25, 2026, 10:40 EST`;
/// `25 nov. 2026, 10 h 40 EST`).
pub fn date_time(at: DateTime<Utc>, zone: TimeZone, lang: Lang) -> String {
    let local = at.with_timezone(&zone.tz());
    let month = usize::try_from(local.month0()).unwrap_or_default();
    let abbreviation = local.format("%Z");
    match lang {
        Lang::En => format!(
            "{} {}, {}, {:02}:{:02} {abbreviation}",
            MONTHS_EN[month % 12],
            local.day(),
            local.year(),
            local.hour(),
            local.minute()
        ),
        Lang::Fr => format!(
            "{} {} {}, {} h {:02} {abbreviation}",
            local.day(),
            MONTHS_FR[month % 12],
            local.year(),
            local.hour(),
            local.minute()
        ),
    }
}

/// A count as a person reads it: `1,637` in English, `1 637` in French
/// (a narrow no-break space between groups of three).
pub fn number(n: u64, lang: Lang) -> String {
    let separator = match lang {
        Lang::En => ",",
        Lang::Fr => "\u{202f}",
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

macro_rules! texts {
    ($($key:ident: $en:literal, $fr:literal;)*) => {
        /// Every text of the console, in one language.
        #[derive(Debug)]
        pub struct Text {
            $(#[doc = $en] pub $key: &'static str,)*
        }

        /// The English texts.
        pub static EN: Text = Text { $($key: $en,)* };

        /// The French texts.
        pub static FR: Text = Text { $($key: $fr,)* };
    };
}

texts! {
    app_name: "Practice identity", "Identité du cabinet";
    skip_to_content: "Skip to content", "Aller au contenu";
    nav_label: "Settings", "Paramètres";
    nav_users: "Users", "Utilisateurs";
    nav_sites: "Sites", "Sites";
    nav_roles: "Roles and profiles", "Rôles et profils";
    nav_audit: "Audit log", "Journal d'audit";
    signed_in_as: "Signed in as", "Connecté en tant que";
    sign_out: "Sign out", "Se déconnecter";
    change_password_link: "Change password", "Changer le mot de passe";

    sign_in_title: "Sign in", "Connexion";
    practice: "Practice", "Cabinet";
    practice_hint: "The short name of your practice, e.g. maple-law", "Le nom court de votre cabinet, par ex. maple-law";
    email: "Email", "Courriel";
    password: "Password", "Mot de passe";
    sign_in_button: "Sign in", "Se connecter";
    sign_in_failed: "The practice, email or password is not correct.", "Le cabinet, le courriel ou le mot de passe est incorrect.";
    forgot_link: "Forgot your password?", "Mot de passe oublié ?";
    signed_out: "You are signed out.", "Vous êtes déconnecté.";
    session_ended: "Your session has ended. Sign in again.", "Votre session a pris fin. Reconnectez-vous.";

    must_change_title: "Change your password", "Changez votre mot de passe";
    must_change_intro: "You signed in with a one-time password. Choose your own password to continue.", "Vous vous êtes connecté avec un mot de passe à usage unique. Choisissez votre propre mot de passe pour continuer.";
    change_password_intro: "Type your current password, then the new one.", "Saisissez votre mot de passe actuel, puis le nouveau.";
    current_password: "Current password", "Mot de passe actuel";
    new_password: "New password", "Nouveau mot de passe";
    new_password_hint: "A long passphrase of several words is easy to remember; you are told if it is too short, too common or too close to your name.", "Une longue phrase de plusieurs mots est facile à retenir ; on vous dira si elle est trop courte, trop courante ou trop proche de votre nom.";
    save_password: "Save the password", "Enregistrer le mot de passe";
    password_changed: "Your password is changed.", "Votre mot de passe est changé.";
    wrong_current_password: "The current password is not correct.", "Le mot de passe actuel est incorrect.";

    mfa_nav: "Second factors", "Seconds facteurs";
    second_step_title: "Second step", "Deuxième étape";
    second_step_intro: "Type the 6-digit code your authenticator app shows, or one of your recovery codes.", "Saisissez le code à 6 chiffres affiché par votre application d’authentification, ou l’un de vos codes de récupération.";
    mfa_code: "Code", "Code";
    mfa_continue: "Continue", "Continuer";
    mfa_step_failed: "The code is not correct, or this sign-in has expired (after 5 minutes). Type the current code, or sign in again.", "Le code est incorrect, ou cette connexion a expiré (après 5 minutes). Saisissez le code actuel, ou reconnectez-vous.";
    mfa_sign_in_again: "Sign in again", "Se reconnecter";
    enrol_required_intro: "Your practice requires a second factor for your account: add an authenticator app or a passkey to continue.", "Votre cabinet exige un second facteur pour votre compte : ajoutez une application d’authentification ou une clé d’accès pour continuer.";
    mfa_intro: "A second factor protects your account if your password leaks: after the password, signing in asks for a code from your phone or for your passkey.", "Un second facteur protège votre compte si votre mot de passe fuite : après le mot de passe, la connexion demande un code de votre téléphone ou votre clé d’accès.";
    mfa_kind_totp: "Authenticator app", "Application d’authentification";
    mfa_kind_passkey: "Passkey", "Clé d’accès";
    mfa_confirm_title: "Confirm your password", "Confirmez votre mot de passe";
    mfa_confirm_intro: "To see or change your second factors, type your password again.", "Pour voir ou modifier vos seconds facteurs, saisissez de nouveau votre mot de passe.";
    mfa_confirm_button: "Confirm", "Confirmer";
    mfa_confirm_first: "Confirm your password first.", "Confirmez d’abord votre mot de passe.";
    mfa_none: "You have no second factor yet.", "Vous n’avez pas encore de second facteur.";
    mfa_required: "Your practice requires a second factor for your account.", "Votre cabinet exige un second facteur pour votre compte.";
    mfa_codes_left: "Recovery codes left: {count} of 10.", "Codes de récupération restants : {count} sur 10.";
    mfa_add_totp: "Add an authenticator app", "Ajouter une application d’authentification";
    mfa_name: "Name", "Nom";
    mfa_name_hint: "To tell your devices apart, such as “Work phone”.", "Pour distinguer vos appareils, par exemple « Téléphone du bureau ».";
    mfa_name_invalid: "Give a name of 1 to 60 characters.", "Donnez un nom de 1 à 60 caractères.";
    mfa_totp_intro: "Scan this code with your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…), then type the 6-digit code it shows.", "Scannez ce code avec votre application d’authentification (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…), puis saisissez le code à 6 chiffres qu’elle affiche.";
    mfa_qr_label: "QR code of the key for your authenticator app", "Code QR de la clé pour votre application d’authentification";
    mfa_key: "Or type this key into the app", "Ou saisissez cette clé dans l’application";
    mfa_totp_button: "Add the authenticator", "Ajouter l’application";
    mfa_wrong_code: "The code is not correct. Check that your device shows the right time, and type the current code.", "Le code est incorrect. Vérifiez l’heure de votre appareil et saisissez le code actuel.";
    mfa_enrolment_gone: "This enrolment is no longer in progress: start again.", "Cet ajout n’est plus en cours : recommencez.";
    mfa_codes_title: "Your recovery codes", "Vos codes de récupération";
    mfa_codes_intro: "Keep these codes somewhere safe, apart from your phone. Each works once instead of a code from the app, if you lose your device. They are shown only now.", "Gardez ces codes en lieu sûr, à l’écart de votre téléphone. Chacun remplace une fois un code de l’application si vous perdez votre appareil. Ils ne sont affichés que maintenant.";
    mfa_codes_done: "I have kept them: continue", "Je les ai conservés : continuer";
    mfa_regenerate: "Make new recovery codes", "Générer de nouveaux codes de récupération";
    mfa_regenerate_hint: "The codes you have now stop working.", "Les codes actuels cesseront de fonctionner.";
    mfa_rename: "Rename", "Renommer";
    mfa_remove: "Remove", "Retirer";
    mfa_added: "Added", "Ajouté";
    mfa_last_used: "Last used", "Dernière utilisation";
    mfa_never: "Never", "Jamais";
    mfa_added_notice: "The authenticator is added.", "L’application d’authentification est ajoutée.";
    mfa_removed_notice: "The second factor is removed.", "Le second facteur est retiré.";
    mfa_renamed_notice: "The second factor is renamed.", "Le second facteur est renommé.";
    mfa_too_many: "You already have 10 second factors: remove one first.", "Vous avez déjà 10 seconds facteurs : retirez-en un d’abord.";
    mfa_no_factor: "Recovery codes come with a second factor: add one first.", "Les codes de récupération accompagnent un second facteur : ajoutez-en un d’abord.";
    mfa_factor_gone: "This second factor no longer exists.", "Ce second facteur n’existe plus.";
    mfa_user_none: "No second factor.", "Aucun second facteur.";
    mfa_user_required: "Required by their role or practice.", "Exigé par son rôle ou son cabinet.";
    mfa_reset: "Reset second factors", "Réinitialiser les seconds facteurs";
    mfa_reset_confirm: "Reset the second factors of {name}? Their factors and recovery codes are removed, they are signed out everywhere and emailed.", "Réinitialiser les seconds facteurs de {name} ? Ses facteurs et codes de récupération sont retirés, toutes ses sessions se terminent et un courriel lui est envoyé.";
    mfa_reset_done: "The second factors are reset: the user is signed out everywhere and emailed.", "Les seconds facteurs sont réinitialisés : toutes les sessions de l’utilisateur sont terminées et un courriel lui est envoyé.";
    mfa_role_required: "Requires a second factor", "Exige un second facteur";
    mfa_role_save: "Save", "Enregistrer";
    mfa_add_passkey: "Add a passkey", "Ajouter une clé d’accès";
    mfa_passkey_intro: "Your browser asks a security key, your phone or this computer to make a passkey for this site. You may be asked for its PIN or your fingerprint.", "Votre navigateur demande à une clé de sécurité, à votre téléphone ou à cet ordinateur de créer une clé d’accès pour ce site. Son code PIN ou votre empreinte peuvent vous être demandés.";
    mfa_passkey_button: "Make a passkey", "Créer une clé d’accès";
    mfa_passkey_use: "Use a passkey", "Utiliser une clé d’accès";
    mfa_passkey_or: "Or use a passkey you added.", "Ou utilisez une clé d’accès que vous avez ajoutée.";
    mfa_passkey_failed: "The passkey was not used: it was cancelled, timed out, or is not one of yours. Try again.", "La clé d’accès n’a pas été utilisée : annulée, expirée, ou ce n’est pas l’une des vôtres. Réessayez.";
    mfa_passkey_script: "Passkeys need JavaScript in your browser.", "Les clés d’accès nécessitent JavaScript dans votre navigateur.";
    mfa_passkey_refused: "The passkey could not be verified (or it is already registered): start again.", "La clé d’accès n’a pas pu être vérifiée (ou elle est déjà enregistrée) : recommencez.";
    mfa_passkey_gone: "No passkey enrolment is in progress, or it expired: start again.", "Aucun ajout de clé d’accès n’est en cours, ou il a expiré : recommencez.";
    mfa_passkeys_unavailable: "Passkeys are not offered on this server.", "Les clés d’accès ne sont pas proposées sur ce serveur.";
    mfa_passkey_added_notice: "The passkey is added.", "La clé d’accès est ajoutée.";

    forgot_title: "Forgot your password", "Mot de passe oublié";
    forgot_intro: "Type your practice and email. If they match an account, we email you a link to choose a new password.", "Saisissez votre cabinet et votre courriel. S'ils correspondent à un compte, nous vous envoyons un lien pour choisir un nouveau mot de passe.";
    forgot_button: "Email me a link", "M'envoyer un lien";
    forgot_sent: "If the practice and email match an account, a link is on its way. It works for one hour.", "Si le cabinet et le courriel correspondent à un compte, un lien vous a été envoyé. Il est valable une heure.";
    back_to_sign_in: "Back to sign in", "Retour à la connexion";

    recover_title: "Choose a new password", "Choisissez un nouveau mot de passe";
    recover_intro: "Choose the password you will sign in with from now on.", "Choisissez le mot de passe avec lequel vous vous connecterez désormais.";
    recover_done: "Your password is set. Sign in with it.", "Votre mot de passe est enregistré. Connectez-vous avec lui.";
    join_title: "Join your practice", "Rejoindre votre cabinet";
    join_intro: "You were invited. Choose your password to activate your account.", "Vous avez été invité. Choisissez votre mot de passe pour activer votre compte.";
    join_button: "Activate my account", "Activer mon compte";
    link_for: "For {name} ({email}) at the practice {practice}.", "Pour {name} ({email}) au cabinet {practice}.";
    portal_link_for: "For {email} at the practice {practice}.", "Pour {email} au cabinet {practice}.";
    join_done: "Your account is active. Sign in with your new password.", "Votre compte est actif. Connectez-vous avec votre nouveau mot de passe.";
    link_invalid: "This link is not valid any more (used, replaced or expired). Ask for a new one.", "Ce lien n'est plus valide (utilisé, remplacé ou expiré). Demandez-en un nouveau.";

    users_title: "Users", "Utilisateurs";
    new_user: "New user", "Nouvel utilisateur";
    search_label: "Search by name or email", "Rechercher par nom ou courriel";
    search_button: "Search", "Rechercher";
    filter: "Filter", "Filtrer";
    apply: "Apply", "Appliquer";
    clear_filters: "Clear all filters", "Effacer tous les filtres";
    second_factor: "Second factor", "Second facteur";
    with_second_factor: "Has a second factor", "A un second facteur";
    without_second_factor: "No second factor", "Sans second facteur";
    columns: "Columns", "Colonnes";
    save_columns: "Show these columns", "Afficher ces colonnes";
    download_csv: "Download CSV", "Télécharger en CSV";
    any: "Any", "Tous";
    status: "Status", "Statut";
    role: "Role", "Rôle";
    profile: "Profile", "Profil";
    profiles: "Profiles", "Profils";
    site: "Site", "Site";
    sites: "Sites", "Sites";
    language: "Language", "Langue";
    time_zone: "Time zone", "Fuseau horaire";
    created_at: "Created", "Créé";
    updated_at: "Updated", "Modifié";
    name: "Full name", "Nom complet";
    phone: "Phone", "Téléphone";
    job_title: "Job title", "Fonction";
    notes: "Notes (visible to administrators only)", "Notes (visibles par les administrateurs seulement)";
    next_page: "Next page", "Page suivante";
    previous_page: "Previous page", "Page précédente";
    no_users: "No user matches.", "Aucun utilisateur ne correspond.";
    users_range: "{first}–{last} of {total}", "{first}–{last} sur {total}";
    last_sign_in: "Last sign-in", "Dernière connexion";
    invitation: "Invitation", "Invitation";
    not_invited: "Not invited", "Non invité";
    invitation_not_sent: "Not sent yet", "Pas encore envoyée";
    invitation_pending: "Sent {sent}; expires {expires}", "Envoyée le {sent} ; expire le {expires}";
    invitation_accepted: "Accepted {at}", "Acceptée le {at}";
    invitation_expired: "Expired {at} (sent {sent})", "Expirée le {at} (envoyée le {sent})";
    invitation_withdrawn: "Withdrawn {at}", "Retirée le {at}";
    rows_per_page: "Rows per page", "Lignes par page";
    err_page_size: "Rows per page can be 25, 50 or 100: 25 are shown.", "Le nombre de lignes par page peut être 25, 50 ou 100 : 25 sont affichées.";
    active_filters: "Filters in force", "Filtres appliqués";
    chip: "{name}: {value}", "{name} : {value}";
    remove_filter: "Remove the filter {filter}", "Retirer le filtre {filter}";
    status_invited: "Invited", "Invité";
    status_active: "Active", "Actif";
    status_inactive: "Inactive", "Inactif";

    create_user_title: "New user", "Nouvel utilisateur";
    initial_password: "Initial password", "Mot de passe initial";
    generate_password: "Generate a random password", "Générer un mot de passe aléatoire";
    define_password: "Define the password", "Définir le mot de passe";
    must_change_note: "The user must change it at first sign-in; it stops working after 24 hours unused.", "L'utilisateur devra le changer à la première connexion ; il cesse de fonctionner après 24 heures sans usage.";
    save: "Save", "Enregistrer";
    send_invite: "Send invite", "Envoyer l'invitation";
    save_help: "Save creates the user with the password above and emails sign-in instructions. Send invite emails a link to choose a password instead.", "Enregistrer crée l'utilisateur avec le mot de passe ci-dessus et envoie les instructions de connexion. Envoyer l'invitation envoie plutôt un lien pour choisir un mot de passe.";
    cancel: "Cancel", "Annuler";
    optional: "optional", "facultatif";
    not_set: "Not set", "Non précisée";
    created_with_password: "{name} is created. Their one-time password is shown this once:", "{name} est créé. Son mot de passe à usage unique n'est affiché qu'une fois :";
    created_password_note: "Give it to them by a safe channel. A welcome email with sign-in instructions is on its way.", "Transmettez-le par un moyen sûr. Un courriel de bienvenue avec les instructions de connexion est en route.";
    open_user: "Open the user", "Ouvrir l'utilisateur";

    tab_details: "Details", "Détails";
    tab_cases: "Assigned cases", "Dossiers assignés";
    edit: "Edit", "Modifier";
    actions: "Actions", "Actions";
    reset_generate: "Reset password: generate a random one and email it", "Réinitialiser : générer un mot de passe aléatoire et l'envoyer par courriel";
    reset_link: "Reset password: email a recovery link", "Réinitialiser : envoyer un lien de récupération";
    reset_temporary: "Reset password: define a temporary password", "Réinitialiser : définir un mot de passe temporaire";
    sign_out_all: "Sign out all sessions", "Déconnecter toutes les sessions";
    resend_invitation: "Resend the invitation", "Renvoyer l'invitation";
    revoke_invitation: "Revoke the invitation", "Révoquer l'invitation";
    confirm_title: "Please confirm", "Veuillez confirmer";
    refused_title: "Not done", "Non effectué";
    failed_title: "Something went wrong", "Une erreur est survenue";
    confirm: "Confirm", "Confirmer";
    button_reset_generate: "Email {name} a random password", "Envoyer à {name} un mot de passe aléatoire";
    button_reset_link: "Email {name} a recovery link", "Envoyer à {name} un lien de récupération";
    button_reset_temporary: "Set the temporary password of {name}", "Définir le mot de passe temporaire de {name}";
    button_sign_out_all: "Sign {name} out everywhere", "Déconnecter {name} partout";
    button_resend: "Resend the invitation to {name}", "Renvoyer l'invitation à {name}";
    button_revoke: "Revoke the invitation of {name}", "Révoquer l'invitation de {name}";
    confirm_deactivate_title: "Deactivate {name}?", "Désactiver {name} ?";
    confirm_deactivate: "{name} will no longer be able to sign in: their sessions end now and their pending invitation and reset links stop working. Every record keeps pointing at them, and they can be reactivated later.", "{name} ne pourra plus se connecter : ses sessions prennent fin maintenant et ses liens d'invitation ou de réinitialisation en attente cessent de fonctionner. Tous les dossiers continuent de le désigner, et il pourra être réactivé plus tard.";
    confirm_deactivate_cases: "Their {count} open case(s) move to {to} in the same step.", "Ses {count} dossier(s) ouvert(s) passent à {to} dans la même opération.";
    deactivate_button: "Deactivate {name}", "Désactiver {name}";
    confirm_super_admin_title: "Make {name} a Super Admin?", "Faire de {name} un super administrateur ?";
    confirm_super_admin: "A Super Admin passes every permission check in the practice: {name} will be able to act on every account, other Super Admins included, change every role and the Super Admin cap. Only a Super Admin can undo this.", "Un super administrateur passe toutes les vérifications de permission du cabinet : {name} pourra agir sur tous les comptes, y compris ceux des autres super administrateurs, et changer tous les rôles ainsi que la limite de super administrateurs. Seul un super administrateur peut l'annuler.";
    super_admin_button: "Make {name} a Super Admin", "Faire de {name} un super administrateur";
    status_invited_note: "Invited: {name} has not joined yet. Resend or revoke the invitation from the actions menu.", "Invité : {name} n'a pas encore rejoint. Renvoyez ou révoquez l'invitation depuis le menu des actions.";
    confirm_reset_generate: "A new random password will be emailed to {name}. Their sessions end and earlier links stop working.", "Un nouveau mot de passe aléatoire sera envoyé à {name}. Ses sessions prennent fin et les liens précédents cessent de fonctionner.";
    confirm_reset_link: "A recovery link will be emailed to {name}. Their sessions end and earlier links stop working.", "Un lien de récupération sera envoyé à {name}. Ses sessions prennent fin et les liens précédents cessent de fonctionner.";
    confirm_reset_temporary: "{name} will sign in with this temporary password and must change it then. Their sessions end.", "{name} se connectera avec ce mot de passe temporaire et devra le changer. Ses sessions prennent fin.";
    confirm_sign_out_all: "{name} will be signed out on every device and must sign in again.", "{name} sera déconnecté sur tous ses appareils et devra se reconnecter.";
    confirm_resend: "A new invitation will be emailed to {name}; the previous link stops working.", "Une nouvelle invitation sera envoyée à {name} ; le lien précédent cesse de fonctionner.";
    confirm_revoke: "The invitation of {name} stops working and the user becomes inactive.", "L'invitation de {name} cesse de fonctionner et l'utilisateur devient inactif.";
    temporary_password: "Temporary password", "Mot de passe temporaire";
    done_reset: "The password is reset.", "Le mot de passe est réinitialisé.";
    done_reset_emailed: "The password is reset: a new random password is on its way by email. Their sessions have ended.", "Le mot de passe est réinitialisé : un nouveau mot de passe aléatoire est envoyé par courriel. Ses sessions ont pris fin.";
    done_reset_link: "A recovery link is on its way by email; the password changes when it is used. Their sessions have ended.", "Un lien de récupération est envoyé par courriel ; le mot de passe change lorsqu'il est utilisé. Ses sessions ont pris fin.";
    done_sign_out_all: "Every session of the user has ended.", "Toutes les sessions de l'utilisateur ont pris fin.";
    done_resend: "A new invitation is on its way.", "Une nouvelle invitation est en route.";
    done_revoke: "The invitation is revoked.", "L'invitation est révoquée.";
    done_saved: "Saved.", "Enregistré.";
    done_invited: "Saved; the invitation is on its way.", "Enregistré ; l'invitation est en route.";
    done_reassigned: "The cases are reassigned.", "Les dossiers sont réassignés.";
    done_deactivated: "The user is deactivated.", "L'utilisateur est désactivé.";
    done_reactivated: "The user is reactivated.", "L'utilisateur est réactivé.";
    done_email: "The email is changed; a notice went to the old address.", "Le courriel est changé ; un avis a été envoyé à l'ancienne adresse.";

    active_toggle: "Active (can sign in)", "Actif (peut se connecter)";
    active_toggle_help: "Untick to deactivate: the user can no longer sign in, and every record keeps pointing at them.", "Décochez pour désactiver : l'utilisateur ne peut plus se connecter, et tous les dossiers continuent de le désigner.";
    reassign_first: "Reassign their open cases to", "Réassigner ses dossiers ouverts à";
    choose_user: "Choose a user", "Choisir un utilisateur";
    choose_one: "Choose one", "Choisir";
    update: "Update", "Mettre à jour";
    access_title: "Role and profiles", "Rôle et profils";
    save_access: "Save role and profiles", "Enregistrer le rôle et les profils";
    change_email_title: "Change email", "Changer le courriel";
    change_email_warning: "The email is the sign-in name. The old address stays in the user's history and can never be given to anyone else; a notice goes to it. To fix a mistake made at onboarding, prefer deactivating this user and creating a new one.", "Le courriel est l'identifiant de connexion. L'ancienne adresse reste dans l'historique et ne pourra jamais être donnée à quelqu'un d'autre ; un avis lui est envoyé. Pour corriger une erreur faite à la création, préférez désactiver cet utilisateur et en créer un nouveau.";
    new_email: "New email", "Nouveau courriel";
    your_password: "Your password (needed to change your own email)", "Votre mot de passe (requis pour changer votre propre courriel)";
    change_email_button: "Change the email", "Changer le courriel";
    email_history: "Email history", "Historique des courriels";

    cases_intro: "Open cases owned by {name}.", "Dossiers ouverts dont {name} est responsable.";
    case_title: "Case", "Dossier";
    select_all: "Select all open cases", "Sélectionner tous les dossiers ouverts";
    reassign_to: "Reassign to…", "Réassigner à…";
    reassign_button: "Reassign", "Réassigner";
    find: "Find", "Chercher";
    unsaved_other_form: "The other form on this page has changes that are not saved; they would be lost. Save them first, or press this button again to leave them out.", "L'autre formulaire de cette page contient des modifications non enregistrées, qui seraient perdues. Enregistrez-les d'abord, ou appuyez de nouveau sur ce bouton pour les abandonner.";
    scroll_table: "Table (scrolls sideways)", "Tableau (défile horizontalement)";
    picker_hint: "Type part of a name or email, then choose the person.", "Tapez une partie du nom ou du courriel, puis choisissez la personne.";
    picker_choose: "Matching people", "Personnes trouvées";
    picker_none: "No one matches; try fewer letters.", "Personne ne correspond ; essayez moins de lettres.";
    picker_more: "More people match: type more of the name or email to narrow the list.", "D'autres personnes correspondent : tapez davantage du nom ou du courriel pour réduire la liste.";
    picker_count: "{count} people found.", "{count} personne(s) trouvée(s).";
    err_picker_purpose: "The picker's purpose must be owner or anyone.", "Le sélecteur doit servir à « owner » ou « anyone ».";
    no_cases: "No open case.", "Aucun dossier ouvert.";
    closed_cases: "Closed cases", "Dossiers fermés";
    choose_cases: "Select at least one case.", "Sélectionnez au moins un dossier.";

    sites_title: "Sites", "Sites";
    new_site: "New site", "Nouveau site";
    site_name: "Site name", "Nom du site";
    address: "Address", "Adresse";
    create_site: "Create the site", "Créer le site";
    save_site: "Save the site", "Enregistrer le site";
    no_sites: "No site yet.", "Aucun site pour l'instant.";
    parties_title: "Individuals", "Personnes";
    new_party: "New individual", "Nouvelle personne";
    kind: "Kind", "Type";
    kind_student: "Student", "Élève";
    kind_witness: "Witness", "Témoin";
    kind_faculty: "Faculty", "Enseignant";
    kind_staff: "Staff", "Personnel";
    kind_client: "Client", "Client";
    kind_other: "Other", "Autre";
    date_of_birth: "Date of birth", "Date de naissance";
    gender: "Gender", "Genre";
    grade_or_position: "Grade or position", "Niveau ou poste";
    portal: "Portal", "Portail";
    portal_invited: "Invited", "Invité";
    portal_not_invited: "Not invited", "Non invité";
    no_parties: "No individual recorded at this site.", "Aucune personne enregistrée sur ce site.";
    party_saved: "The individual is saved.", "La personne est enregistrée.";
    party_invited: "The individual is saved and invited.", "La personne est enregistrée et invitée.";
    party_needs_email: "Type an email to send an invitation.", "Saisissez un courriel pour envoyer une invitation.";
    party_portal_email_taken: "Another individual's portal account holds or held this email. Use another email.", "Le compte de portail d'une autre personne détient ou a détenu ce courriel. Utilisez un autre courriel.";
    party_portal_open: "This individual has already joined the portal; there is no invitation to send.", "Cette personne a déjà rejoint le portail ; il n'y a pas d'invitation à envoyer.";

    roles_title: "Roles and profiles", "Rôles et profils";
    roles_intro: "Each user has one role; profiles add permissions on top of it.", "Chaque utilisateur a un rôle ; les profils ajoutent des permissions.";
    roles_heading: "Roles", "Rôles";
    profiles_heading: "Profiles", "Profils";
    permissions: "Permissions", "Permissions";
    builtin: "built-in", "intégré";
    bypass: "passes every permission check", "passe toutes les vérifications de permission";
    new_role: "New role", "Nouveau rôle";
    new_profile: "New profile", "Nouveau profil";
    kind_role: "Role", "Rôle";
    kind_profile: "Profile", "Profil";
    grant_name: "Name", "Nom";
    create_grant: "Create", "Créer";
    save_grant: "Save", "Enregistrer";

    audit_title: "Audit log", "Journal d'audit";
    audit_action: "Action", "Action";
    audit_actor: "Who", "Qui";
    audit_target: "About", "Concerne";
    audit_when: "When", "Quand";
    audit_since: "From (date)", "Du (date)";
    audit_until: "Until (date)", "Au (date)";
    audit_details: "Details", "Détails";
    audit_practice: "The practice", "Le cabinet";
    audit_party: "Individual", "Personne";
    audit_case: "Case", "Dossier";
    audit_changed_to: "changed to", "remplacé par";
    yes: "yes", "oui";
    no: "no", "non";
    actor_system: "the system", "le système";
    actor_anonymous: "someone not signed in", "une personne non connectée";
    no_entries: "No entry matches.", "Aucune entrée ne correspond.";
    older: "Older entries", "Entrées plus anciennes";
    newest: "Newest entries", "Entrées les plus récentes";

    nav_outbox: "Outbox", "Courriels sortants";
    outbox_title: "Outbox", "Courriels sortants";
    outbox_pending: "Waiting", "En attente";
    outbox_sent: "Sent", "Envoyés";
    outbox_failed: "Failed", "En échec";
    outbox_status: "State", "État";
    outbox_recipient: "Recipient", "Destinataire";
    outbox_kind: "Kind", "Type";
    outbox_queued: "Queued", "Mis en file";
    outbox_attempts: "Attempts", "Tentatives";
    outbox_error: "Last error", "Dernière erreur";
    outbox_retry: "Retry", "Réessayer";
    outbox_retry_all: "Retry every failed email", "Réessayer tous les courriels en échec";
    outbox_new_secret: "Send a new invitation or reset: its link or password was removed when it failed.", "Envoyez une nouvelle invitation ou réinitialisation : son lien ou mot de passe a été supprimé lors de l'échec.";
    outbox_none: "No email matches.", "Aucun courriel ne correspond.";
    outbox_older: "Older emails", "Courriels plus anciens";
    outbox_newest: "Newest emails", "Courriels les plus récents";
    outbox_retried: "{count} emails will be sent again; {left} need a new invitation or reset.", "{count} courriels seront renvoyés ; {left} demandent une nouvelle invitation ou réinitialisation.";
    outbox_banner: "{count} emails could not be delivered.", "{count} courriels n'ont pas pu être remis.";
    outbox_banner_link: "See the outbox", "Voir les courriels sortants";
    err_not_failed: "Only a failed email can be retried.", "Seul un courriel en échec peut être réessayé.";

    err_required: "Fill in this field.", "Remplissez ce champ.";
    err_too_long: "This is too long (at most {max} characters).", "C'est trop long ({max} caractères au plus).";
    err_control: "Line breaks and control characters are not allowed here.", "Les sauts de ligne et caractères de contrôle ne sont pas permis ici.";
    err_invisible: "The invisible formatting character {code} is not allowed here.", "Le caractère de mise en forme invisible {code} n'est pas permis ici.";
    err_email: "This is not a valid email address.", "Ce n'est pas une adresse courriel valide.";
    err_language: "Use a language tag such as en, fr or fr-CA.", "Utilisez une étiquette de langue comme en, fr ou fr-CA.";
    err_time_zone: "Use a time zone such as America/Toronto.", "Utilisez un fuseau horaire comme America/Toronto.";
    err_phone: "A phone number has 4 to 20 digits and only + ( ) - . spaces and an extension.", "Un numéro a de 4 à 20 chiffres et seulement + ( ) - . espaces et un poste.";
    err_date: "Use a date such as 2010-05-31.", "Utilisez une date comme 2010-05-31.";
    err_choose: "Choose one.", "Choisissez-en un.";
    err_email_used: "This email belongs or belonged to {holder} ({status}). An email is never given to another user: reactivate them instead, or use another email.", "Ce courriel appartient ou a appartenu à {holder} ({status}). Un courriel n'est jamais donné à un autre utilisateur : réactivez plutôt cette personne, ou utilisez un autre courriel.";
    err_open_cases: "{name} still owns {count} open case(s). Reassign them first: choose who takes them below.", "{name} est encore responsable de {count} dossier(s) ouvert(s). Réassignez-les d'abord : choisissez ci-dessous qui les reprend.";
    err_super_admin_cap: "The practice already has its maximum of {cap} Super Admins.", "Le cabinet a déjà son maximum de {cap} super administrateurs.";
    err_super_admin_only: "Only a Super Admin can grant or remove the Super Admin role.", "Seul un super administrateur peut donner ou retirer le rôle Super administrateur.";
    err_target_super_admin: "Only a Super Admin can act on a Super Admin's account.", "Seul un super administrateur peut agir sur le compte d'un super administrateur.";
    err_target_outranks: "This user holds permissions you do not ({missing}): you cannot act on their account.", "Cet utilisateur détient des permissions que vous n'avez pas ({missing}) : vous ne pouvez pas agir sur son compte.";
    err_use_self_service: "Not on your own account: change your own password, email or access through your profile, or ask another administrator.", "Pas sur votre propre compte : changez votre mot de passe, votre courriel ou vos accès depuis votre profil, ou demandez à un autre administrateur.";
    err_too_many_attempts: "Too many wrong passwords: try again in a moment.", "Trop de mots de passe erronés : réessayez dans un instant.";
    err_last_super_admin: "The last active Super Admin cannot be demoted, deactivated or locked out.", "Le dernier super administrateur actif ne peut être rétrogradé, désactivé ni bloqué.";
    err_cannot_grant: "You cannot grant permissions you do not hold: {missing}.", "Vous ne pouvez pas donner des permissions que vous n'avez pas : {missing}.";
    err_unknown_role: "This role does not exist any more.", "Ce rôle n'existe plus.";
    err_unknown_profile: "A chosen profile does not exist any more.", "Un profil choisi n'existe plus.";
    err_unknown_site: "A chosen site does not exist any more.", "Un site choisi n'existe plus.";
    err_self_deactivation: "You cannot deactivate yourself.", "Vous ne pouvez pas vous désactiver vous-même.";
    err_transition: "A user cannot go from {from} to {to}.", "Un utilisateur ne peut passer de {from} à {to}.";
    err_not_invited: "The user is {status}, not invited.", "L'utilisateur est {status}, pas invité.";
    err_not_active: "Only active users' passwords can be reset; this user is {status}.", "Seul le mot de passe d'un utilisateur actif peut être réinitialisé ; celui-ci est {status}.";
    err_assignee_not_found: "The chosen user does not exist.", "L'utilisateur choisi n'existe pas.";
    err_assignee_not_active: "Cases can only go to active users; the chosen one is {status}.", "Les dossiers ne peuvent aller qu'à des utilisateurs actifs ; celui-ci est {status}.";
    err_assignee_cannot_own: "The chosen user's role does not allow owning cases.", "Le rôle de l'utilisateur choisi ne permet pas d'être responsable de dossiers.";
    err_assignee_same: "Choose someone other than the current owner.", "Choisissez une autre personne que le responsable actuel.";
    err_case_not_open: "A selected case is no longer an open case of this user; reload the page.", "Un dossier choisi n'est plus un dossier ouvert de cet utilisateur ; rechargez la page.";
    err_version: "Someone else changed this user meanwhile. Reload the page and make your change again.", "Quelqu'un d'autre a modifié cet utilisateur entre-temps. Rechargez la page et refaites votre modification.";
    err_wrong_password: "The password is not correct.", "Le mot de passe est incorrect.";
    err_forbidden: "You need the {permission} permission for this.", "Il vous faut la permission {permission} pour cela.";
    err_not_found: "This page does not exist, or not in your practice.", "Cette page n'existe pas, ou pas dans votre cabinet.";
    err_name_taken: "This name is already taken.", "Ce nom est déjà pris.";
    err_builtin: "Built-in roles and profiles cannot be changed.", "Les rôles et profils intégrés ne peuvent être modifiés.";
    err_busy: "The server is busy. Try again in a moment.", "Le serveur est occupé. Réessayez dans un instant.";
    err_unavailable: "The practice's records cannot be reached just now. Try again in a moment.", "Les dossiers du cabinet sont injoignables pour le moment. Réessayez dans un instant.";
    err_bad_filter: "A filter or the search holds a value that is not valid (an unknown status, role, profile, site or language, or a control character in the search): nobody is listed. Change it or clear the filters.", "Un filtre ou la recherche contient une valeur non valide (statut, rôle, profil, site ou langue inconnus, ou caractère de contrôle dans la recherche) : personne n’est listé. Modifiez-le ou effacez les filtres.";
    err_unexpected: "Something went wrong on our side. Try again; if it goes on, tell your administrator.", "Un problème est survenu de notre côté. Réessayez ; si cela continue, prévenez votre administrateur.";
    err_csrf: "This form expired. Reload the page and send it again.", "Ce formulaire a expiré. Rechargez la page et renvoyez-le.";
    pw_too_short: "The password must have at least {min} characters.", "Le mot de passe doit avoir au moins {min} caractères.";
    pw_too_long: "The password must have at most 128 characters.", "Le mot de passe doit avoir au plus 128 caractères.";
    pw_common: "This is one of the most common passwords; choose another.", "C'est l'un des mots de passe les plus courants ; choisissez-en un autre.";
    pw_repeated: "The password repeats the same word or character; choose another.", "Le mot de passe répète le même mot ou caractère ; choisissez-en un autre.";
    pw_keyboard_row: "The password follows a row of the keyboard; choose another.", "Le mot de passe suit une rangée du clavier ; choisissez-en un autre.";
    pw_sequence: "The password is a sequence of letters or digits; choose another.", "Le mot de passe est une suite de lettres ou de chiffres ; choisissez-en un autre.";
    pw_practice_name: "The password must not contain the practice's name.", "Le mot de passe ne doit pas contenir le nom du cabinet.";
    pw_email: "The password must not contain the user's email.", "Le mot de passe ne doit pas contenir le courriel de l'utilisateur.";
    pw_name: "The password must not contain the user's name.", "Le mot de passe ne doit pas contenir le nom de l'utilisateur.";
    pw_same: "The new password must differ from the current one.", "Le nouveau mot de passe doit être différent de l'actuel.";
    not_found_title: "Not found", "Introuvable";
    forbidden_title: "Not allowed", "Non permis";
    back_to_console: "Back to the console", "Retour à la console";
    too_large_title: "Too large", "Trop volumineux";
    err_too_large: "What you sent is larger than the server accepts. Shorten it and send it again.", "Ce que vous avez envoyé dépasse ce que le serveur accepte. Raccourcissez-le et renvoyez-le.";
    rate_limited_title: "Too many attempts", "Trop de tentatives";
    err_rate_limited: "Too many attempts from your address. Wait {seconds} seconds, then try again.", "Trop de tentatives depuis votre adresse. Attendez {seconds} secondes, puis réessayez.";
    unavailable_title: "Try again shortly", "Réessayez sous peu";

    case_reference: "Reference", "Référence";
    party_portal_title: "Portal access", "Accès au portail";
    portal_active: "Active", "Actif";
    portal_inactive: "Inactive", "Inactif";
    portal_sent_at: "Invitation sent", "Invitation envoyée";
    portal_expires_at: "Link expires", "Le lien expire";
    portal_expired: "The link expired unused: send the invitation again.", "Le lien a expiré sans être utilisé : renvoyez l'invitation.";
    portal_sign_in_email: "Sign-in email", "Courriel de connexion";
    portal_last_sign_in: "Last sign-in", "Dernière connexion";
    never: "Never", "Jamais";
    portal_locked: "Sign-in is locked after too many wrong passwords; a recovery link unlocks it.", "La connexion est bloquée après trop de mots de passe erronés ; un lien de récupération la débloque.";
    party_invite: "Send invite", "Envoyer l'invitation";
    party_recovery: "Send a recovery link", "Envoyer un lien de récupération";
    party_end_sessions: "End portal sessions", "Mettre fin aux sessions du portail";
    party_deactivate: "Deactivate portal access", "Désactiver l'accès au portail";
    party_reactivate: "Reactivate portal access", "Réactiver l'accès au portail";
    confirm_party_resend: "A new invitation will be emailed to {name}; the previous link stops working.", "Une nouvelle invitation sera envoyée à {name} ; le lien précédent cesse de fonctionner.";
    confirm_party_revoke: "The invitation of {name} stops working; they show as not invited until invited again.", "L'invitation de {name} cesse de fonctionner ; la personne apparaît comme non invitée jusqu'à une nouvelle invitation.";
    confirm_party_recovery: "A recovery link will be emailed to {name}; their earlier links stop working. Their password works until the link is used.", "Un lien de récupération sera envoyé à {name} ; ses liens précédents cessent de fonctionner. Son mot de passe fonctionne jusqu'à l'utilisation du lien.";
    confirm_party_end_sessions: "{name} will be signed out of the portal on every device.", "{name} sera déconnecté du portail sur tous ses appareils.";
    confirm_party_reset_factors: "The second factors and recovery codes of {name} will be removed; they will be signed out of the portal on every device and emailed. Their next sign-in asks only for their password.", "Les seconds facteurs et codes de récupération de {name} seront retirés ; la personne sera déconnectée du portail sur tous ses appareils et recevra un courriel. Sa prochaine connexion ne demandera que son mot de passe.";
    confirm_party_deactivate: "{name} will no longer be able to sign in to the portal; their sessions end and their links stop working.", "{name} ne pourra plus se connecter au portail ; ses sessions prennent fin et ses liens cessent de fonctionner.";
    confirm_case_remove: "{name} will no longer take part in the case {case}.", "{name} ne participera plus au dossier {case}.";
    done_party_recovery: "A recovery link is on its way.", "Un lien de récupération est en route.";
    done_party_sessions: "Portal sessions ended: {count}.", "Sessions du portail terminées : {count}.";
    done_party_factors_reset: "Second factors removed: {count}. The individual is signed out of the portal and emailed.", "Seconds facteurs retirés : {count}. La personne est déconnectée du portail et un courriel lui est envoyé.";
    done_party_deactivated: "Portal access is deactivated.", "L'accès au portail est désactivé.";
    done_party_reactivated: "Portal access is reactivated.", "L'accès au portail est réactivé.";
    done_case_added: "The individual is added to the case.", "La personne est ajoutée au dossier.";
    done_case_removed: "The individual is taken off the case.", "La personne est retirée du dossier.";
    party_cases_title: "Cases", "Dossiers";
    party_no_cases: "This individual takes part in no case.", "Cette personne ne participe à aucun dossier.";
    case_part: "Part", "Rôle";
    case_status: "Status", "Statut";
    case_open: "Open", "Ouvert";
    case_closed: "Closed", "Fermé";
    part_student: "Student", "Élève";
    part_complainant: "Complainant", "Plaignant";
    part_witness: "Witness", "Témoin";
    part_client: "Client", "Client";
    part_other: "Other", "Autre";
    add_to_case: "Add to a case", "Ajouter à un dossier";
    case_reference_hint: "The case's reference, shown in its owner's Assigned cases tab.", "La référence du dossier, affichée dans l'onglet Dossiers assignés de son responsable.";
    add_button: "Add", "Ajouter";
    remove: "Remove", "Retirer";
    back_to_site: "Back to the site", "Retour au site";
    err_case_reference: "No case has this reference in your practice.", "Aucun dossier n'a cette référence dans votre cabinet.";
    err_already_on_case: "This individual already takes part in this case.", "Cette personne participe déjà à ce dossier.";
    err_not_on_case: "This individual does not take part in this case any more; reload the page.", "Cette personne ne participe plus à ce dossier ; rechargez la page.";
    err_party_no_portal: "This individual has no portal account: invite them first.", "Cette personne n'a pas de compte de portail : invitez-la d'abord.";
    err_party_not_pending: "Only a pending invitation can be revoked; portal access is {status}.", "Seule une invitation en attente peut être révoquée ; l'accès au portail est {status}.";
    err_party_not_active: "Only active portal access gets a recovery link; it is {status}.", "Seul un accès au portail actif reçoit un lien de récupération ; il est {status}.";
    err_portal_transition: "Portal access cannot go from {from} to {to}.", "L'accès au portail ne peut passer de {from} à {to}.";

    portal_app_name: "Case portal", "Portail des dossiers";
    portal_nav_label: "Portal", "Portail";
    portal_nav_cases: "My cases", "Mes dossiers";
    portal_nav_profile: "My details", "Mes coordonnées";
    portal_nav_password: "Password", "Mot de passe";
    portal_sign_in_intro: "Sign in to follow the cases you take part in.", "Connectez-vous pour suivre les dossiers auxquels vous participez.";
    portal_join_title: "Create your portal account", "Créez votre compte du portail";
    portal_join_intro: "You were invited to the case portal. Choose your password to activate your account.", "Vous avez été invité au portail des dossiers. Choisissez votre mot de passe pour activer votre compte.";
    portal_join_done: "Your portal account is active. Sign in with your new password.", "Votre compte du portail est actif. Connectez-vous avec votre nouveau mot de passe.";
    portal_home_title: "My cases", "Mes dossiers";
    portal_welcome: "Welcome, {name}.", "Bienvenue, {name}.";
    portal_no_cases: "You take part in no case yet.", "Vous ne participez encore à aucun dossier.";
    portal_your_part: "Your part", "Votre rôle";
    portal_profile_title: "My details", "Mes coordonnées";
    portal_profile_intro: "Your practice sees these details. Your name and email are changed by the practice.", "Votre cabinet voit ces coordonnées. Votre nom et votre courriel sont modifiés par le cabinet.";
    portal_profile_saved: "Your details are saved.", "Vos coordonnées sont enregistrées.";
    portal_password_changed: "Your password is changed. Your other sessions have ended.", "Votre mot de passe est changé. Vos autres sessions ont pris fin.";
    portal_choose_language: "Language", "Langue";
    portal_language_hint: "en for English, fr or fr-CA for French.", "en pour l'anglais, fr ou fr-CA pour le français.";
    time_zone_optional: "Time zone (optional)", "Fuseau horaire (facultatif)";
    case_search: "Find a case by its title", "Trouver un dossier par son titre";
    case_search_hint: "Any part of the title, in any case, with or without accents.", "Toute partie du titre, en majuscules ou minuscules, avec ou sans accents.";
    case_search_button: "Find", "Trouver";
    case_search_none: "No case title contains this.", "Aucun titre de dossier ne contient ce texte.";
    case_search_more: "More cases match: type more of the title to narrow the list.", "D'autres dossiers correspondent : tapez davantage du titre pour réduire la liste.";
    case_pick: "Case", "Dossier";
    site_time_zone_hint: "The individuals of the site get it unless they choose their own.", "Les personnes du site le reçoivent, sauf si elles choisissent le leur.";
    site_practice_time_zone: "The practice's", "Celui du cabinet";
    created_password_shown: "{name} is created. Their one-time password was shown once and is not shown again: if it was not noted, reset their password from their page.", "{name} est créé. Son mot de passe à usage unique a été affiché une fois et ne l'est plus : s'il n'a pas été noté, réinitialisez son mot de passe depuis sa fiche.";
    link_dead_title: "This link no longer works", "Ce lien ne fonctionne plus";
    link_dead_text: "It was already used, replaced by a newer one, or it expired. Nothing was changed.", "Il a déjà été utilisé, a été remplacé par un plus récent ou a expiré. Rien n'a été modifié.";
    link_dead_join_next: "Ask your administrator to send you a new invitation. If you already chose your password, sign in with it.", "Demandez à votre administrateur de vous envoyer une nouvelle invitation. Si vous avez déjà choisi votre mot de passe, connectez-vous avec lui.";
    link_dead_portal_join_next: "Ask the practice that invited you to send a new invitation. If you already chose your password, sign in with it.", "Demandez au cabinet qui vous a invité d'envoyer une nouvelle invitation. Si vous avez déjà choisi votre mot de passe, connectez-vous avec lui.";
    link_dead_recover_next: "Request a new link: it comes by email, works once and for a limited time.", "Demandez un nouveau lien : il arrive par courriel, ne fonctionne qu'une fois et pour un temps limité.";
    request_new_link: "Request a new link", "Demander un nouveau lien";
    sign_in_link: "Sign in", "Se connecter";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands_in_each_language() {
        assert_eq!(number(0, Lang::En), "0");
        assert_eq!(number(999, Lang::En), "999");
        assert_eq!(number(1_637, Lang::En), "1,637");
        assert_eq!(number(100_000, Lang::En), "100,000");
        assert_eq!(number(1_234_567, Lang::Fr), "1\u{202f}234\u{202f}567");
        let total = number(1_637, Lang::Fr);
        assert_eq!(
            fill(FR.users_range, &[("first", "1"), ("last", "25"), ("total", &total)]),
            "1–25 sur 1\u{202f}637"
        );
    }

    #[test]
    fn french_is_chosen_for_french_variants_and_english_otherwise() {
        assert_eq!(Lang::of(&Language::parse("fr-CA").unwrap()), Lang::Fr);
        assert_eq!(Lang::of(&Language::parse("en").unwrap()), Lang::En);
        assert_eq!(Lang::of(&Language::parse("de").unwrap()), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("de-DE,fr-CA;q=0.8,en;q=0.5")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("en;q=0.9,fr;q=0.3")), Lang::En);
        assert_eq!(Lang::from_accept_language(None), Lang::En);
    }

    #[test]
    fn dates_are_shown_in_the_person_s_zone_and_language() {
        let at: DateTime<Utc> = "2026-01-15T15:05:00Z".parse().unwrap();
        let toronto = TimeZone::parse("America/Toronto").unwrap();
        assert_eq!(date_time(at, toronto, Lang::En), "Jan 15, 2026, 10:05 EST");
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        assert_eq!(date_time(at, paris, Lang::Fr), "15 janv. 2026, 16 h 05 CET");
    }

    #[test]
    fn blanks_are_filled_by_name() {
        assert_eq!(
            fill(FR.err_open_cases, &[("name", "Léa"), ("count", "2")]),
            "Léa est encore responsable de 2 dossier(s) ouvert(s). Réassignez-les d'abord : choisissez ci-dessous qui les reprend."
        );
        assert!(!fill(EN.err_open_cases, &[("name", "Lea"), ("count", "2")]).contains('{'));
    }
}
