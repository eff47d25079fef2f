namespace ZtStream.Responder.Console.SignIn;

/// <summary>
/// Section <c>Responder:Sso</c>: single sign-on to the console through an OpenID Connect provider (authorization code
/// flow with PKCE). Off while <see cref="Authority"/> is unset; API tokens work either way.
/// </summary>
internal sealed record ConsoleSsoOptions
{
    public const string Section = "Responder:Sso";

    /// <summary>The issuer URL; its <c>/.well-known/openid-configuration</c> is read at the first sign-in.</summary>
    public string? Authority { get; init; }

    public string? ClientId { get; init; }

    /// <summary>For a confidential client; a public client (PKCE only) leaves it unset.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Scopes asked for besides <c>openid</c>, space-separated.</summary>
    public string Scopes { get; init; } = "profile email";

    /// <summary>The claim (in the ID token or from the user-info endpoint) that carries the user's roles or groups.</summary>
    public string RoleClaim { get; init; } = "roles";

    /// <summary>
    /// Claim value → ZtStream role (viewer, analyst, responder, admin). Values that are role names map to themselves
    /// unless mapped otherwise; a user with no mapped value cannot sign in; with several, the highest role counts.
    /// </summary>
    public Dictionary<string, string> RoleMap { get; init; } = [];

    /// <summary>The claim shown as the user's name and recorded in the audit trail.</summary>
    public string NameClaim { get; init; } = "preferred_username";

    /// <summary>How long a console session lasts without activity.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How long a console session lasts from sign-in, however active: then the user signs in again, and the provider's
    /// answer at that time (a role taken away, an account disabled) is what counts.
    /// </summary>
    public TimeSpan MaxSessionLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>False only for a provider on loopback in tests: the discovery document is then read over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    /// <summary>
    /// When the session, correlation and nonce cookies are marked Secure: <c>SameAsRequest</c> (default) whenever the
    /// request is https, as a trusted proxy reports it (section <c>ForwardedHeaders</c>); <c>Always</c> even over plain
    /// http, for a deployment that is only ever reached through https whatever the proxy says.
    /// </summary>
    public CookieSecurePolicy CookieSecure { get; init; } = CookieSecurePolicy.SameAsRequest;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}
