namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// Attribute keys every identity adapter (Okta, Entra ID, Keycloak, Auth0, Shared Signals) writes with the same meaning,
/// so a detector written once works for every identity provider. Documented in docs/events.md.
/// </summary>
internal static class IdentityAttributes
{
    /// <summary>Which identity provider reported it: <c>okta</c>, <c>entra</c>, <c>keycloak</c>, <c>auth0</c>, <c>google-workspace</c>, <c>ssf:NAME</c>.</summary>
    public const string IdpName = "idp.name";

    /// <summary>The vendor's own event type (Okta <c>eventType</c>, Entra category/activity, Keycloak <c>type</c>, Auth0 type code, SET event URI).</summary>
    public const string IdpEventType = "idp.event_type";

    /// <summary>The vendor's human-readable description of the event.</summary>
    public const string IdpMessage = "idp.message";

    /// <summary>The identity provider's internal user id, when <c>subject.id</c> is the login name.</summary>
    public const string IdpUserId = "idp.user_id";

    /// <summary>The login name, when <c>subject.id</c> is the provider's internal id (<c>Ingest:IdentitySubjects</c> = <c>user_id</c>).</summary>
    public const string IdpLogin = "idp.login";

    /// <summary>The vendor's id tying the steps of one sign-in or request together.</summary>
    public const string IdpCorrelationId = "idp.correlation_id";

    /// <summary>Risk the identity provider assessed: <c>none</c>, <c>low</c>, <c>medium</c>, <c>high</c>.</summary>
    public const string IdpRiskLevel = "idp.risk_level";

    /// <summary>What the identity provider found (array): <c>credential_compromise</c>, <c>breached_password</c>, <c>brute_force</c>, vendor detections.</summary>
    public const string IdpRiskEvents = "idp.risk_events";

    /// <summary>The authentication factor, normalised: <c>password</c>, <c>push</c>, <c>otp</c>, <c>sms</c>, <c>voice</c>, <c>email</c>, <c>webauthn</c>, <c>certificate</c>, <c>federated</c>, <c>recovery_code</c>, else the vendor's name in lower case.</summary>
    public const string Factor = "auth.factor";

    /// <summary>The result of a second-factor step: <c>challenge</c>, <c>success</c>, <c>denied</c> (the user refused), <c>failure</c>, <c>timeout</c>, <c>error</c>.</summary>
    public const string MfaResult = "auth.mfa_result";

    /// <summary>Why a sign-in or step failed, in the vendor's words.</summary>
    public const string FailureReason = "auth.failure_reason";

    /// <summary>The vendor's result or error code (Entra <c>errorCode</c>, Keycloak <c>error</c>).</summary>
    public const string ResultCode = "auth.result_code";

    /// <summary>The sign-in was interrupted for another step (MFA, consent, "stay signed in") rather than failed.</summary>
    public const string Interrupted = "auth.interrupted";

    /// <summary>True for sign-ins a user made; false for background token use (Entra non-interactive, silent authentication).</summary>
    public const string Interactive = "auth.interactive";

    /// <summary>The application signed in to.</summary>
    public const string App = "auth.app";

    /// <summary>The client software used (Entra <c>clientAppUsed</c>: Browser, Exchange ActiveSync …).</summary>
    public const string ClientApp = "auth.client_app";

    /// <summary>
    /// The protocol or grant the sign-in used (Entra <c>authenticationProtocol</c>: <c>deviceCode</c>, <c>ropc</c>,
    /// <c>oAuth2</c>, <c>saml20</c> …); absent when the provider names none.
    /// </summary>
    public const string Protocol = "auth.protocol";

    /// <summary>
    /// The tokens the client presented to authenticate (array; Entra <c>incomingTokenType</c>: <c>primaryRefreshToken</c>,
    /// <c>refreshToken</c>, <c>saml20</c> …).
    /// </summary>
    public const string IncomingToken = "auth.incoming_token";

    /// <summary>How the session was first handed to this client (Entra <c>originalTransferMethod</c>: <c>deviceCodeFlow</c>, <c>authenticationTransfer</c>).</summary>
    public const string TransferMethod = "auth.transfer_method";

    /// <summary>The connection or upstream identity provider the user authenticated through.</summary>
    public const string Connection = "auth.connection";

    /// <summary>Conditional access result (Entra): <c>success</c>, <c>failure</c>, <c>notApplied</c>.</summary>
    public const string ConditionalAccess = "auth.conditional_access";

    /// <summary>What changed, for change kinds: <c>update</c>, <c>reset</c>, <c>enroll</c>, <c>remove</c>, <c>locked</c>, <c>disabled</c>, <c>role_grant</c>, <c>policy_change</c> …</summary>
    public const string Change = "auth.change";

    /// <summary>Who made the change when it is not the subject (an administrator).</summary>
    public const string Actor = "auth.actor";

    /// <summary>
    /// The name a record shows for the user who acted, beside their login (Entra <c>initiatedBy.user.displayName</c>). An
    /// actor token names the Microsoft service that used it here and the user it impersonated as the login.
    /// </summary>
    public const string ActorDisplayName = "auth.actor_display_name";

    /// <summary>The user an administrative change affected.</summary>
    public const string TargetUser = "auth.target_user";

    /// <summary>The role or group granted or revoked.</summary>
    public const string TargetRole = "auth.target_role";

    /// <summary>
    /// <c>true</c> when the user an administrative change made, invited or affected is a guest of the directory: an Entra
    /// ID B2B account, whose directory name holds <c>#EXT#</c> (the name itself is read back to the guest's own address).
    /// </summary>
    public const string TargetGuest = "auth.target_guest";

    /// <summary>
    /// A setting's value after an administrator's change, as the provider writes it (Google Workspace's
    /// <c>NEW_VALUE</c> parameter: <c>false</c> for 2-Step Verification enforcement turned off).
    /// </summary>
    public const string NewValue = "auth.new_value";

    /// <summary>The setting's value before the change (Google Workspace's <c>OLD_VALUE</c> parameter).</summary>
    public const string OldValue = "auth.old_value";

    /// <summary>The sign-in's token identifier (Entra <c>uniqueTokenIdentifier</c>; on a Graph request, <c>SignInActivityId</c>: the sign-in its token came from).</summary>
    public const string TokenId = "auth.token_id";

    /// <summary>Delegated scopes granted in or presented with a token (array): Entra <c>scp</c>, Okta <c>grantedScopes</c>.</summary>
    public const string Scopes = "auth.scopes";

    /// <summary>
    /// For an application consent (<c>auth.change</c> <c>app_consent</c>), whom it was granted for: <c>all_users</c> (an
    /// administrator's consent on behalf of the whole tenant, or application permissions, which are tenant-wide),
    /// <c>user</c> (the consenting user's own data) or <c>application</c> (one application permission assigned to the
    /// application directly, Entra's "Add app role assignment to service principal": its <c>auth.scopes</c> name it).
    /// Absent when the record does not say.
    /// </summary>
    public const string Consent = "auth.consent";

    /// <summary>Application permissions in the token (array): Entra <c>roles</c>, what an application may do on its own.</summary>
    public const string AppRoles = "auth.app_roles";

    /// <summary>Directory roles the token's user holds (array of role template ids, Entra <c>wids</c>).</summary>
    public const string DirectoryRoles = "auth.directory_roles";

    /// <summary>How the client proved itself for the token: <c>public_client</c>, <c>client_secret</c>, <c>client_certificate</c>.</summary>
    public const string ClientAuth = "auth.client_auth";

    /// <summary>Country of the client (ISO code or name, as the vendor gives it).</summary>
    public const string GeoCountry = "geo.country";

    /// <summary>City of the client.</summary>
    public const string GeoCity = "geo.city";

    /// <summary>State or region of the client.</summary>
    public const string GeoRegion = "geo.region";

    /// <summary>The device's id at the identity provider.</summary>
    public const string DeviceId = "device.id";

    /// <summary>The device's display name.</summary>
    public const string DeviceName = "device.name";

    /// <summary>The device's operating system.</summary>
    public const string DeviceOs = "device.os";

    /// <summary>The browser or client of the device.</summary>
    public const string DeviceBrowser = "device.browser";

    /// <summary>
    /// The browser's device token as the provider logs it (Okta's <c>debugData.dtHash</c>, a hash of its device-token
    /// cookie): one browser keeps one, so a session used with two was carried to another browser.
    /// </summary>
    public const string DeviceToken = "device.token_hash";

    /// <summary>The device is managed (MDM, domain joined).</summary>
    public const string DeviceManaged = "device.managed";

    /// <summary>The device meets the compliance policy.</summary>
    public const string DeviceCompliant = "device.compliant";

    /// <summary>The client connected through an anonymising proxy, VPN or Tor.</summary>
    public const string NetProxy = "net.proxy";

    /// <summary>The autonomous system of the client address.</summary>
    public const string NetAsn = "net.asn";

    /// <summary>The client's internet service provider or AS organisation.</summary>
    public const string NetIsp = "net.isp";

    /// <summary>
    /// The chain of addresses a provider logged as the client's (an <c>X-Forwarded-For</c> value) when it held more than
    /// one; <c>network.src_ip</c> is the client taken from it (<see cref="ForwardedChain"/>).
    /// </summary>
    public const string NetForwardedFor = "net.forwarded_for";
}

/// <summary>Normalised values of <see cref="IdentityAttributes.MfaResult"/>.</summary>
internal static class MfaResults
{
    public const string Challenge = "challenge";
    public const string Success = "success";
    public const string Denied = "denied";
    public const string Failure = "failure";
    public const string Timeout = "timeout";
    public const string Error = "error";
}

/// <summary>Subject types identity events use besides the canonical ones.</summary>
internal static class IdentitySubjectTypes
{
    public const string User = "user";
    public const string ServiceAccount = "service_account";
    public const string Anonymous = "anonymous";
    public const string System = "system";
}
