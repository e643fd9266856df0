//! The audit log's actions as people read them, in each language.

use super::Lang;

/// An audit log action as people read it, in `lang` (every action has
/// both languages: the match is exhaustive).
pub fn audit_action(lang: Lang, action: identity_domain::AuditAction) -> &'static str {
    use identity_domain::AuditAction;
    let (en, fr) = match action {
        AuditAction::PracticeCreated => ("Practice created", "Cabinet créé"),
        AuditAction::SettingsChanged => ("Practice settings changed", "Paramètres du cabinet modifiés"),
        AuditAction::UserCreated => ("User created", "Utilisateur créé"),
        AuditAction::UserInvited => ("User invited", "Utilisateur invité"),
        AuditAction::InvitationResent => ("Invitation resent", "Invitation renvoyée"),
        AuditAction::InvitationRevoked => ("Invitation revoked", "Invitation révoquée"),
        AuditAction::InvitationAccepted => ("Invitation accepted", "Invitation acceptée"),
        AuditAction::UserUpdated => ("User details changed", "Coordonnées de l'utilisateur modifiées"),
        AuditAction::EmailChanged => ("Email changed", "Courriel modifié"),
        AuditAction::AccessChanged => ("Role or profiles changed", "Rôle ou profils modifiés"),
        AuditAction::UserDeactivated => ("User deactivated", "Utilisateur désactivé"),
        AuditAction::UserReactivated => ("User reactivated", "Utilisateur réactivé"),
        AuditAction::PasswordReset => {
            ("Password reset by an administrator", "Mot de passe réinitialisé par un administrateur")
        }
        AuditAction::PasswordChanged => ("Password changed", "Mot de passe changé"),
        AuditAction::RecoveryRequested => ("Recovery link requested", "Lien de récupération demandé"),
        AuditAction::PasswordRecovered => {
            ("Password set from a recovery link", "Mot de passe défini par lien de récupération")
        }
        AuditAction::SessionsEnded => ("Sessions ended", "Sessions terminées"),
        AuditAction::FactorAdded => ("Second factor added", "Second facteur ajouté"),
        AuditAction::FactorRenamed => ("Second factor renamed", "Second facteur renommé"),
        AuditAction::FactorRemoved => ("Second factor removed", "Second facteur retiré"),
        AuditAction::FactorsReset => (
            "Second factors reset by an administrator",
            "Seconds facteurs réinitialisés par un administrateur",
        ),
        AuditAction::RecoveryCodesRegenerated => ("New recovery codes", "Nouveaux codes de récupération"),
        AuditAction::PasswordAccepted => {
            ("Password accepted, second factor awaited", "Mot de passe accepté, second facteur attendu")
        }
        AuditAction::SignedIn => ("Signed in", "Connexion"),
        AuditAction::SignInFailed => ("Sign-in failed", "Échec de connexion"),
        AuditAction::SecondFactorFailed => ("Second factor refused", "Second facteur refusé"),
        AuditAction::RecoveryCodeUsed => ("Recovery code used", "Code de récupération utilisé"),
        AuditAction::SignedOut => ("Signed out", "Déconnexion"),
        AuditAction::UsersExported => ("Users downloaded (CSV)", "Utilisateurs téléchargés (CSV)"),
        AuditAction::UsersSeeded => ("Users added in bulk", "Utilisateurs ajoutés en masse"),
        AuditAction::RoleCreated => ("Role created", "Rôle créé"),
        AuditAction::RoleUpdated => ("Role changed", "Rôle modifié"),
        AuditAction::ProfileCreated => ("Profile created", "Profil créé"),
        AuditAction::ProfileUpdated => ("Profile changed", "Profil modifié"),
        AuditAction::SiteCreated => ("Site created", "Site créé"),
        AuditAction::SiteUpdated => ("Site changed", "Site modifié"),
        AuditAction::PartyCreated => ("Individual recorded", "Personne enregistrée"),
        AuditAction::PartyUpdated => ("Individual changed", "Personne modifiée"),
        AuditAction::PartyInvited => ("Individual invited to the portal", "Personne invitée au portail"),
        AuditAction::PortalInvitationRevoked => {
            ("Portal invitation revoked", "Invitation au portail révoquée")
        }
        AuditAction::PortalJoined => ("Joined the portal", "A rejoint le portail"),
        AuditAction::PortalDeactivated => ("Portal access deactivated", "Accès au portail désactivé"),
        AuditAction::PortalReactivated => ("Portal access reactivated", "Accès au portail réactivé"),
        AuditAction::PortalSessionsEnded => ("Portal sessions ended", "Sessions du portail terminées"),
        AuditAction::PortalDetailsChanged => {
            ("Contact details changed in the portal", "Coordonnées modifiées dans le portail")
        }
        AuditAction::PortalPasswordChanged => ("Portal password changed", "Mot de passe du portail changé"),
        AuditAction::PortalRecoveryRequested => {
            ("Portal recovery link requested", "Lien de récupération du portail demandé")
        }
        AuditAction::PortalRecoverySent => {
            ("Portal recovery link sent", "Lien de récupération du portail envoyé")
        }
        AuditAction::PortalPasswordRecovered => (
            "Portal password set from a recovery link",
            "Mot de passe du portail défini par lien de récupération",
        ),
        AuditAction::PortalSignedIn => ("Signed in to the portal", "Connexion au portail"),
        AuditAction::PortalSignInFailed => ("Portal sign-in failed", "Échec de connexion au portail"),
        AuditAction::PortalPasswordAccepted => (
            "Portal password accepted, second factor awaited",
            "Mot de passe du portail accepté, second facteur attendu",
        ),
        AuditAction::PortalSecondFactorFailed => {
            ("Portal second factor refused", "Second facteur refusé sur le portail")
        }
        AuditAction::PortalRecoveryCodeUsed => {
            ("Portal recovery code used", "Code de récupération utilisé sur le portail")
        }
        AuditAction::PortalFactorAdded => {
            ("Portal second factor added", "Second facteur ajouté sur le portail")
        }
        AuditAction::PortalFactorRenamed => {
            ("Portal second factor renamed", "Second facteur renommé sur le portail")
        }
        AuditAction::PortalFactorRemoved => {
            ("Portal second factor removed", "Second facteur retiré sur le portail")
        }
        AuditAction::PortalFactorsReset => {
            ("Portal second factors reset", "Seconds facteurs du portail réinitialisés")
        }
        AuditAction::PortalRecoveryCodesRegenerated => {
            ("New portal recovery codes", "Nouveaux codes de récupération du portail")
        }
        AuditAction::PortalSignedOut => ("Signed out of the portal", "Déconnexion du portail"),
        AuditAction::CasePartyAdded => ("Added to a case", "Ajouté à un dossier"),
        AuditAction::CasePartyRemoved => ("Removed from a case", "Retiré d'un dossier"),
        AuditAction::CaseCreated => ("Case created", "Dossier créé"),
        AuditAction::CaseAssigned => ("Case assigned", "Dossier assigné"),
        AuditAction::CasesReassigned => ("Cases reassigned", "Dossiers réassignés"),
        AuditAction::CaseClosed => ("Case closed", "Dossier fermé"),
        AuditAction::EmailsRetried => ("Failed emails retried", "Courriels en échec renvoyés"),
    };
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_action_has_its_own_label_in_each_language() {
        use identity_domain::AuditAction;
        for lang in [Lang::En, Lang::Fr] {
            let labels: std::collections::BTreeSet<&str> =
                AuditAction::ALL.iter().map(|a| audit_action(lang, *a)).collect();
            assert_eq!(labels.len(), AuditAction::ALL.len(), "{lang:?}: two actions share a label");
            assert!(AuditAction::ALL.iter().all(|a| audit_action(lang, *a) != a.as_str()), "{lang:?}");
        }
        assert_eq!(audit_action(Lang::Fr, AuditAction::UserDeactivated), "Utilisateur désactivé");
    }
}
