using System.Diagnostics.CodeAnalysis;

namespace ZtStream.Platform.Http;

/// <summary>
/// What ZtStream takes as an address to call over HTTP (a webhook, a JWKS, a revocation endpoint, a receiver, an OpenID
/// authority): an absolute <c>http</c> or <c>https</c> URL. The SDK, shipped without the platform, keeps its own
/// (<c>Sdk/Configuration/ServiceAddresses</c>).
/// </summary>
internal static class HttpUrls
{
    /// <summary>An absolute http or https URL.</summary>
    public static bool IsHttp([NotNullWhen(true)] Uri? uri) =>
        uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    /// <summary><paramref name="text"/> read as an absolute http or https URL.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(text, UriKind.Absolute, out uri) && IsHttp(uri);

    /// <summary>Plain http to a host other than loopback, without the setting that allows it.</summary>
    public static bool InClear(Uri uri, bool allowHttp) => uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !allowHttp;
}
