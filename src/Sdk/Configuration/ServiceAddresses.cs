using System.Diagnostics.CodeAnalysis;

namespace ZtStream.Sdk.Configuration;

/// <summary>
/// The one rule for the addresses the SDK sends a credential to and takes its decisions from (Ingest's
/// <c>Endpoint</c>, the revocation <c>Feed</c>): <c>https</c>; plain <c>http</c> only to a loopback address or
/// <c>localhost</c>, or where its own opt-out says the network path is trusted.
/// </summary>
internal static class ServiceAddresses
{
    /// <summary>What plain http to Ingest exposes.</summary>
    public const string EndpointRisk = "the source key and every event would cross the network in clear, for anyone on the path to read, replay or change";

    /// <summary>What plain http from the feed exposes.</summary>
    public const string FeedRisk = "the feed is not signed (no Revocations:SigningKeys), so anyone on the path could lift revocations";

    /// <summary>An absolute http or https address.</summary>
    public static bool IsHttpUri([NotNullWhen(true)] Uri? uri) =>
        uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Plain http to a host other than a loopback address or <c>localhost</c>, without the opt-out.</summary>
    public static bool InClear(Uri uri, bool allowHttp) => uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !allowHttp;

    /// <summary>
    /// The problem of a base address (set at <paramref name="key"/>) the SDK appends <paramref name="path"/> to, or null:
    /// a query or fragment would swallow the path, and an address ending in it already would get it twice.
    /// </summary>
    public static string? BaseProblem(string key, Uri uri, string path) =>
        uri.Query.Length > 0 || uri.Fragment.Length > 0
            ? $"{key} must be a base address without query or fragment, the SDK appends {path} to it (got '{uri}')"
            : uri.AbsolutePath.TrimEnd('/').EndsWith(path, StringComparison.OrdinalIgnoreCase)
                ? $"{key} is the base address, the SDK appends {path} to it itself (got '{uri}')"
                : null;

    /// <summary>
    /// The problem of <paramref name="uri"/> (set at <paramref name="key"/>, its opt-out at <paramref name="allowKey"/>)
    /// if it is plain http the rule does not allow; null otherwise. <paramref name="risk"/> says what would be exposed.
    /// </summary>
    public static string? ClearTextProblem(string key, Uri uri, bool allowHttp, string allowKey, string risk) =>
        InClear(uri, allowHttp)
            ? $"{key} must be https: {risk} (got '{uri}'; http only to a loopback address or localhost, or with {allowKey}=true)"
            : null;
}
