using ZtStream.Ingest.Sources.Auth0;
using ZtStream.Ingest.Sources.Aws;
using ZtStream.Ingest.Sources.Azure;
using ZtStream.Ingest.Sources.Falco;
using ZtStream.Ingest.Sources.GoogleWorkspace;
using ZtStream.Ingest.Sources.Keycloak;
using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Ingest.Sources;

/// <summary>Maps one source's payload to canonical events, as every adapter's <c>Map</c> does.</summary>
internal delegate MapResult SourceMap(ReadOnlySpan<byte> json, SourceMapOptions options);

/// <summary>
/// One source adapter: <paramref name="Name"/> is its endpoint (<c>POST /v1/sources/{name}</c>), its metric and log label
/// and its <c>ztstream replay --format</c>; <paramref name="Idp"/> names the identity provider whose subjects may be named
/// by user id (<c>Ingest:IdentitySubjects</c>), null for a source that is no identity provider.
/// </summary>
internal sealed record SourceAdapter(string Name, string? Idp, SourceMap Map)
{
    /// <summary>The path its payloads are POSTed to.</summary>
    public string Path => $"/v1/sources/{Name}";
}

/// <summary>
/// Every source adapter, once: Ingest's endpoints and the offline file readers both come from this list, so a new
/// adapter is one line here.
/// </summary>
internal static class SourceAdapters
{
    public static IReadOnlyList<SourceAdapter> All { get; } =
    [
        new(K8sAuditMapper.SourceName, null, static (b, o) => K8sAuditMapper.Map(b, o)),
        new("falco", null, static (b, o) => FalcoMapper.Map(b, o)),
        new(OktaMapper.Idp, OktaMapper.Idp, static (b, o) => OktaMapper.Map(b, o)),
        new(EntraMapper.Idp, EntraMapper.Idp, static (b, o) => EntraMapper.Map(b, o)),
        new(KeycloakMapper.Idp, KeycloakMapper.Idp, static (b, o) => KeycloakMapper.Map(b, o)),
        new(Auth0Mapper.Idp, Auth0Mapper.Idp, static (b, o) => Auth0Mapper.Map(b, o)),
        new(CloudTrailMapper.SourceName, null, static (b, o) => CloudTrailMapper.Map(b, o)),
        new(GoogleWorkspaceMapper.Idp, GoogleWorkspaceMapper.Idp, static (b, o) => GoogleWorkspaceMapper.Map(b, o)),
        new(AzureActivityMapper.SourceName, null, static (b, o) => AzureActivityMapper.Map(b, o)),
        new(TetragonMapper.SourceName, null, static (b, o) => TetragonMapper.Map(b, o)),
    ];

    /// <summary>The identity providers among <see cref="All"/>.</summary>
    public static IReadOnlyList<string> IdentityProviders { get; } = [.. All.Select(a => a.Idp).OfType<string>()];
}
