using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace ZtStream.Host.Configuration;

/// <summary>
/// The typed values ASP.NET Core's Kestrel configuration loader reads from the <c>Kestrel</c> section, described for
/// <see cref="ConfigurationSchema.ValueProblems"/> only: the loader skips a <c>Protocols</c>, <c>SslProtocols</c> or
/// <c>ClientCertificateMode</c> it cannot parse without a word, takes a number as any enum value, and throws past the
/// host on a certificate's <c>AllowInvalid</c> or <c>Location</c> it cannot convert. Never bound: Kestrel reads the
/// section itself, and the section stays open (its other keys are Kestrel's to judge).
/// </summary>
internal sealed record KestrelSectionValues
{
    public KestrelEndpointValues? EndpointDefaults { get; init; }

    public Dictionary<string, KestrelEndpointValues>? Endpoints { get; init; }

    public Dictionary<string, KestrelCertificateValues>? Certificates { get; init; }

    /// <summary>
    /// What is wrong with <paramref name="key"/> set to <paramref name="value"/> that its type does not say, in a line
    /// naming the key; null for any other key. ASP.NET Core reads only <c>Protocols</c>, <c>SslProtocols</c> and
    /// <c>ClientCertificateMode</c> under <c>EndpointDefaults</c>: a <c>Certificate</c> or an <c>Sni</c> entry there is
    /// never read, and HTTPS would be served with another certificate, or fail for want of one. <c>Protocols</c>
    /// <c>None</c> is a member of the type but serves nothing: Kestrel closes every connection to such an endpoint ("An
    /// endpoint must be configured to serve at least one protocol"), and in the defaults it is dropped unsaid. A certificate's value (a password) is not repeated.
    /// </summary>
    public static string? Problem(string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var parts = key.Split(':');
        if (parts.Length < 3 || !Is(parts[0], StandardEnvironment.KestrelSection))
        {
            return null;
        }

        if (Is(parts[1], nameof(EndpointDefaults)) && parts.Length > 3 && Is(parts[2], nameof(KestrelSniValues.Certificate)))
        {
            var rest = string.Join(':', parts[3..]);
            return $"{key} is not read: ASP.NET Core takes no certificate under Kestrel:EndpointDefaults; set Kestrel:Certificates:Default:{rest} "
                + $"(every HTTPS endpoint without a certificate of its own) or Kestrel:Endpoints:NAME:Certificate:{rest}";
        }

        if (Is(parts[1], nameof(EndpointDefaults)) && parts.Length > 3 && Is(parts[2], nameof(KestrelEndpointValues.Sni)))
        {
            return $"{key} is not read: ASP.NET Core takes SNI entries per endpoint only, as Kestrel:Endpoints:NAME:Sni:{string.Join(':', parts[3..])}";
        }

        var protocols = Is(parts[^1], nameof(KestrelSniValues.Protocols))
            && (parts.Length == 3 ? Is(parts[1], nameof(EndpointDefaults))
                : Is(parts[1], nameof(Endpoints)) && (parts.Length == 4 || (parts.Length == 6 && Is(parts[3], nameof(KestrelEndpointValues.Sni)))));
        // A number is refused as a number, with every other key's.
        return protocols && value.Trim() is [var first, ..] && !char.IsAsciiDigit(first)
            && Enum.TryParse<HttpProtocols>(value, ignoreCase: true, out var parsed) && parsed == HttpProtocols.None
            ? $"{key}: '{value}' serves no protocol: an endpoint needs one or more of Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3"
            : null;

        static bool Is(string part, string name) => part.Equals(name, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// An SNI entry's values, <c>Kestrel:Endpoints:NAME:Sni:HOST</c>, which an endpoint takes too. Not sealed: the
/// endpoint's record adds its SNI entries, so the values both take are described once.
/// </summary>
internal record KestrelSniValues
{
    public HttpProtocols? Protocols { get; init; }

    public SslProtocols[]? SslProtocols { get; init; }

    public ClientCertificateMode? ClientCertificateMode { get; init; }

    public KestrelCertificateValues? Certificate { get; init; }
}

/// <summary>An endpoint's values, as <c>Kestrel:EndpointDefaults</c> and <c>Kestrel:Endpoints:NAME</c> take them.</summary>
internal sealed record KestrelEndpointValues : KestrelSniValues
{
    public Dictionary<string, KestrelSniValues>? Sni { get; init; }
}

/// <summary>A certificate's typed values; its paths, password and subject are Kestrel's to judge when it loads them.</summary>
internal sealed record KestrelCertificateValues
{
    public bool? AllowInvalid { get; init; }

    public StoreLocation? Location { get; init; }
}
