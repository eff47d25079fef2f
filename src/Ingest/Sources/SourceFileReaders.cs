using ZtStream.Contracts.Events;
using ZtStream.Ingest.Sources.Auth0;
using ZtStream.Ingest.Sources.Entra;
using ZtStream.Ingest.Sources.Falco;
using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.Ingest.Sources.Keycloak;
using ZtStream.Ingest.Sources.Okta;

namespace ZtStream.Ingest.Sources;

/// <summary>
/// Reads recorded source output from a file through the same adapters Ingest's endpoints use, so offline
/// replay scores exactly what live ingestion would have produced. A file is either one payload (a k8s
/// EventList, one Event, a Falco alert, an Okta event hook delivery, an Entra <c>records</c> export, an Auth0 log-stream
/// array) or one payload per line (bare identity-provider records, one per line).
/// </summary>
internal static class SourceFileReaders
{
    public const string K8sAudit = "k8s-audit";
    public const string Falco = "falco";
    public const string Okta = "okta";
    public const string Entra = "entra";
    public const string Keycloak = "keycloak";
    public const string Auth0 = "auth0";

    /// <summary>Format name → reader, as <c>ztstream replay --format</c> takes them.</summary>
    public static IReadOnlyDictionary<string, Func<Stream, IEnumerable<AccessEvent>>> All { get; } =
        new Dictionary<string, Func<Stream, IEnumerable<AccessEvent>>>(StringComparer.Ordinal)
        {
            [K8sAudit] = s => Read(s, static b => K8sAuditMapper.Map(b)),
            [Falco] = s => Read(s, static b => FalcoMapper.Map(b)),
            [Okta] = s => Read(s, static b => OktaMapper.Map(b)),
            [Entra] = s => Read(s, static b => EntraMapper.Map(b)),
            [Keycloak] = s => Read(s, static b => KeycloakMapper.Map(b)),
            [Auth0] = s => Read(s, static b => Auth0Mapper.Map(b)),
        };

    private delegate MapResult Mapper(ReadOnlySpan<byte> json);

    private static List<AccessEvent> Read(Stream stream, Mapper map)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var whole = map(bytes);
        if (whole.Errors.Count == 0 || whole.Items.Count > 0)
        {
            return [.. whole.Events];
        }

        // Not one payload: try one per line (JSON Lines), keeping what maps.
        var events = new List<AccessEvent>();
        var span = bytes.AsSpan();
        while (!span.IsEmpty)
        {
            var newline = span.IndexOf((byte)'\n');
            var line = newline < 0 ? span : span[..newline];
            span = newline < 0 ? [] : span[(newline + 1)..];
            if (!line.Trim((byte)' ').Trim((byte)'\r').IsEmpty)
            {
                events.AddRange(map(line).Events);
            }
        }

        return events;
    }
}
