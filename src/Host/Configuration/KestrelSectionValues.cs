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
