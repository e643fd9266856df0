//! The WebAuthn relying party of practice identity: passkeys as a second
//! factor, over [webauthn-rs](https://docs.rs/webauthn-rs) (Kanidm's
//! choice), behind the domain's [`PasskeyRelyingParty`] port.
//!
//! - **Relying party**: its id is the host of the server's public URL and
//!   its one origin is that URL's origin, so a passkey made for
//!   `https://identity.maple.example` answers nowhere else. WebAuthn needs a
//!   domain name (`localhost` included): [`WebauthnRelyingParty::new`]
//!   refuses a public URL whose host is an IP address.
//! - **Policy**: a passkey here follows a password, so it is webauthn-rs's
//!   "security key" ceremony: attestation `none` (any authenticator), user
//!   verification *preferred* (a PIN or fingerprint when the authenticator
//!   has one, and then always required of that passkey), a signature
//!   counter that must move on, and the signature algorithms webauthn-rs
//!   deems secure. The options sent to the browser carry no "security key" hint, so phones
//!   and platform authenticators are offered alike.
//! - **State**: what webauthn-rs keeps between challenge and answer is
//!   serialised into the domain's [`CeremonyState`], which the store keeps
//!   on the session that asked and hands over once, so any server process
//!   may take the answer.
//!
//! ```
//! use identity_webauthn::WebauthnRelyingParty;
//!
//! let party = WebauthnRelyingParty::new("https://identity.maple.example", "Practice identity");
//! assert!(party.is_ok());
//! // An IP address is no relying party id.
//! assert!(WebauthnRelyingParty::new("http://127.0.0.1:8080", "Practice identity").is_err());
//! ```

use identity_domain::factor::CEREMONY_MINUTES;
use identity_domain::{
    CeremonyState, CredentialId, PasskeyAssertion, PasskeyChallenge, PasskeyError, PasskeyHolder,
    PasskeyRelyingParty, RegisteredPasskey, StoredPasskey,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;
use webauthn_rs::prelude::{
    CredentialID, PublicKeyCredential, RegisterPublicKeyCredential, SecurityKey, SecurityKeyAuthentication,
    SecurityKeyRegistration, Url,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

/// Why a relying party could not be set up from a public URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// Not a URL.
    #[error("the public URL is not a URL: {0}")]
    NotAUrl(String),
    /// Its host is an IP address or missing: WebAuthn binds passkeys to a
    /// domain name.
    #[error("passkeys need the public URL's host to be a domain name (localhost will do), not {0}")]
    NotADomain(String),
    /// webauthn-rs refused the configuration.
    #[error("the WebAuthn relying party could not be set up: {0}")]
    Refused(String),
}

/// The relying party of one server: its public URL's host and origin.
pub struct WebauthnRelyingParty {
    webauthn: Webauthn,
    origin: String,
}

impl fmt::Debug for WebauthnRelyingParty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebauthnRelyingParty").field("origin", &self.origin).finish_non_exhaustive()
    }
}

impl WebauthnRelyingParty {
    /// The relying party of the server at `public_url`, shown to people as
    /// `name` by their authenticators.
    ///
    /// # Errors
    /// [`SetupError`]: not a URL, or its host is no domain name.
    pub fn new(public_url: &str, name: &str) -> Result<Self, SetupError> {
        let url = Url::parse(public_url).map_err(|e| SetupError::NotAUrl(e.to_string()))?;
        let Some(domain) = url.domain().map(str::to_owned) else {
            return Err(SetupError::NotADomain(url.host_str().unwrap_or("no host").to_owned()));
        };
        let origin = url.origin().ascii_serialization();
        let origin_url = Url::parse(&origin).map_err(|e| SetupError::NotAUrl(e.to_string()))?;
        let seconds = u64::try_from(CEREMONY_MINUTES * 60).unwrap_or(300);
        let webauthn = WebauthnBuilder::new(&domain, &origin_url)
            .and_then(|b| b.rp_name(name).timeout(Duration::from_secs(seconds)).build())
            .map_err(|e| SetupError::Refused(e.to_string()))?;
        Ok(Self { webauthn, origin })
    }

    /// The one origin passkeys are accepted from.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// What a sign-in ceremony keeps: webauthn-rs's state, and the passkeys it
/// allowed (to hand back the one that signed, its counter moved on).
#[derive(Serialize, Deserialize)]
struct SignInState {
    state: SecurityKeyAuthentication,
    keys: Vec<SecurityKey>,
}

fn refused(what: &str, e: impl fmt::Display) -> PasskeyError {
    PasskeyError::Refused(format!("{what}: {e}"))
}

/// The `publicKey` member of a challenge, without two things webauthn-rs's
/// security-key ceremony adds:
///
/// - the "security-key" hint, which would steer browsers away from phones
///   and platform authenticators;
/// - the `credProtect` request (user verification required, not
///   enforced), which Chromium refuses outright for a credential that is
///   not discoverable when user verification is only preferred
///   ("Requested protection policy is inconsistent"). With attestation
///   `none` the answer's extensions are not checked against the request,
///   and the server holds a passkey made with user verification to it on
///   every use (webauthn-rs's rule for "preferred"), which is the
///   protection `credProtect` would have asked of the authenticator.
fn public_key_options(challenge: &impl Serialize) -> Result<serde_json::Value, PasskeyError> {
    let mut value = serde_json::to_value(challenge).map_err(|e| refused("options", e))?;
    let mut options = value.get_mut("publicKey").map(serde_json::Value::take).unwrap_or_default();
    if let Some(object) = options.as_object_mut() {
        object.remove("hints");
        if let Some(extensions) = object.get_mut("extensions").and_then(serde_json::Value::as_object_mut) {
            extensions.remove("credentialProtectionPolicy");
            extensions.remove("enforceCredentialProtectionPolicy");
        }
    }
    Ok(options)
}

impl PasskeyRelyingParty for WebauthnRelyingParty {
    fn start_registration(
        &self,
        holder: &PasskeyHolder,
        exclude: &[CredentialId],
    ) -> Result<PasskeyChallenge, PasskeyError> {
        let exclude: Vec<CredentialID> =
            exclude.iter().map(|id| CredentialID::from(id.as_bytes().to_vec())).collect();
        let (challenge, state) = self
            .webauthn
            .start_securitykey_registration(
                holder.handle,
                &holder.name,
                &holder.display_name,
                Some(exclude),
                None,
                None,
            )
            .map_err(|e| refused("registration challenge", e))?;
        let state = serde_json::to_string(&state).map_err(|e| refused("registration state", e))?;
        Ok(PasskeyChallenge { options: public_key_options(&challenge)?, state: CeremonyState::new(state) })
    }

    fn finish_registration(
        &self,
        state: &CeremonyState,
        response: &str,
    ) -> Result<RegisteredPasskey, PasskeyError> {
        let state: SecurityKeyRegistration =
            serde_json::from_str(state.as_str()).map_err(|e| refused("registration state", e))?;
        let answer: RegisterPublicKeyCredential =
            serde_json::from_str(response).map_err(|e| refused("registration answer", e))?;
        let key = self
            .webauthn
            .finish_securitykey_registration(&answer, &state)
            .map_err(|e| refused("registration", e))?;
        let credential_id = CredentialId::new(key.cred_id().to_vec())
            .ok_or_else(|| refused("credential id", "out of bounds"))?;
        let credential = serde_json::to_string(&key).map_err(|e| refused("passkey", e))?;
        Ok(RegisteredPasskey { credential_id, credential: StoredPasskey::new(credential) })
    }

    fn start_sign_in(&self, passkeys: &[StoredPasskey]) -> Result<PasskeyChallenge, PasskeyError> {
        let keys: Vec<SecurityKey> = passkeys
            .iter()
            .map(|p| serde_json::from_str(p.as_str()))
            .collect::<Result<_, _>>()
            .map_err(|e| refused("stored passkey", e))?;
        let (challenge, state) = self
            .webauthn
            .start_securitykey_authentication(&keys)
            .map_err(|e| refused("sign-in challenge", e))?;
        let state =
            serde_json::to_string(&SignInState { state, keys }).map_err(|e| refused("sign-in state", e))?;
        Ok(PasskeyChallenge { options: public_key_options(&challenge)?, state: CeremonyState::new(state) })
    }

    fn finish_sign_in(
        &self,
        state: &CeremonyState,
        response: &str,
    ) -> Result<PasskeyAssertion, PasskeyError> {
        let SignInState { state, mut keys } =
            serde_json::from_str(state.as_str()).map_err(|e| refused("sign-in state", e))?;
        let answer: PublicKeyCredential =
            serde_json::from_str(response).map_err(|e| refused("sign-in answer", e))?;
        let result = self
            .webauthn
            .finish_securitykey_authentication(&answer, &state)
            .map_err(|e| refused("sign-in", e))?;
        let key = keys
            .iter_mut()
            .find(|k| k.cred_id() == result.cred_id())
            .ok_or_else(|| refused("sign-in", "a credential that was not allowed"))?;
        key.update_credential(&result);
        let credential_id = CredentialId::new(key.cred_id().to_vec())
            .ok_or_else(|| refused("credential id", "out of bounds"))?;
        let credential = serde_json::to_string(&key).map_err(|e| refused("passkey", e))?;
        Ok(PasskeyAssertion { credential_id, credential: StoredPasskey::new(credential) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webauthn_rs::prelude::Uuid;

    fn party() -> Result<WebauthnRelyingParty, SetupError> {
        WebauthnRelyingParty::new("https://identity.maple.example/", "Maple Law")
    }

    #[test]
    fn the_relying_party_is_the_public_urls_host_and_origin() {
        let party = party();
        assert!(party.is_ok(), "{party:?}");
        let Ok(party) = party else { return };
        assert_eq!(party.origin(), "https://identity.maple.example");
        let holder = PasskeyHolder {
            handle: Uuid::from_u128(7),
            name: "olivia@maple.example".to_owned(),
            display_name: "Olivia Martin".to_owned(),
        };
        let challenge = party.start_registration(&holder, &[]);
        assert!(challenge.is_ok(), "{challenge:?}");
        let Ok(challenge) = challenge else { return };
        let options = &challenge.options;
        assert_eq!(options["rp"]["id"], "identity.maple.example");
        assert_eq!(options["attestation"], "none");
        assert_eq!(options["authenticatorSelection"]["userVerification"], "preferred");
        assert_eq!(options["user"]["name"], "olivia@maple.example");
        assert!(options.get("hints").is_none(), "no security-key hint: {options}");
        assert!(options["extensions"].get("credentialProtectionPolicy").is_none(), "{options}");
        assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 43), "32 random bytes");
    }

    #[test]
    fn a_public_url_on_an_ip_address_gives_no_relying_party() {
        for url in ["http://127.0.0.1:8080", "http://[::1]:8080", "not a url"] {
            assert!(WebauthnRelyingParty::new(url, "Maple Law").is_err(), "{url}");
        }
        assert!(WebauthnRelyingParty::new("http://localhost:8080", "Maple Law").is_ok());
    }

    #[test]
    fn answers_that_are_not_webauthn_are_refused() {
        let Ok(party) = party() else { return };
        let holder = PasskeyHolder {
            handle: Uuid::from_u128(7),
            name: "olivia@maple.example".to_owned(),
            display_name: "Olivia".to_owned(),
        };
        let Ok(challenge) = party.start_registration(&holder, &[]) else { return };
        for answer in ["", "{}", "null", r#"{"id":"x","rawId":"eA","type":"public-key","response":{}}"#] {
            assert!(
                matches!(party.finish_registration(&challenge.state, answer), Err(PasskeyError::Refused(_))),
                "{answer}"
            );
        }
        assert!(matches!(
            party.finish_registration(&CeremonyState::new("{}".to_owned()), "{}"),
            Err(PasskeyError::Refused(_))
        ));
        assert!(matches!(
            party.start_sign_in(&[StoredPasskey::new("{}".to_owned())]),
            Err(PasskeyError::Refused(_))
        ));
    }
}
