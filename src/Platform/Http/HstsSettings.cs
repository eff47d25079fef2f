namespace ZtStream.Platform.Http;

/// <summary>
/// Section <c>Hsts</c>: the <c>Strict-Transport-Security</c> header (RFC 6797) on every answer over https — served by
/// ZtStream's own TLS or, from a trusted proxy, forwarded as https (section <c>ForwardedHeaders</c>) — so a browser
/// that has once reached the console over https never again sends its session cookie or its sign-in in the clear to
/// that host name, whatever link or network tries to make it. Answers to a loopback host (<c>localhost</c>,
/// <c>127.0.0.1</c>, <c>[::1]</c>) never carry it: a developer's browser would keep it for every other local service.
/// </summary>
internal sealed record HstsSettings
{
    public const string Section = "Hsts";

    /// <summary>How long a browser keeps to https for this host (one year, as OWASP advises); zero sends no header.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Also every subdomain of the host: only where every one of them serves https.</summary>
    public bool IncludeSubDomains { get; init; }

    /// <summary>The longest <see cref="MaxAge"/> taken: two years, the preload list's own bound is one.</summary>
    public static readonly TimeSpan MaxMaxAge = TimeSpan.FromDays(730);
}
