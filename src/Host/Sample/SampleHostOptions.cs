namespace ZtStream.Host.Sample;

/// <summary>Section <c>Sample</c> as the binary reads it: where the sample service sends events and reads revocations.</summary>
internal sealed record SampleHostOptions
{
    public const string Section = "Sample";

    /// <summary>Ingest's base URL.</summary>
    public Uri? IngestUrl { get; init; }

    /// <summary>
    /// Lets <see cref="IngestUrl"/> be plain <c>http</c> to a host other than loopback (the SDK's <c>ZtStream:AllowHttp</c>):
    /// only where the network between the two is private, as in the compose file.
    /// </summary>
    public bool IngestAllowHttp { get; init; }

    /// <summary>A file holding the sample's Ingest source key (written by <c>sources add sample --key-file</c>).</summary>
    public string? SourceKeyFile { get; init; }

    /// <summary>The Responder's base URL, for the revocation feed.</summary>
    public Uri? RevocationFeedUrl { get; init; }

    /// <summary>
    /// Lets <see cref="RevocationFeedUrl"/> be plain <c>http</c> to a host other than loopback (the SDK's
    /// <c>Revocations:AllowHttp</c>): only where the network between the two is private, as in the compose file.
    /// </summary>
    public bool RevocationFeedAllowHttp { get; init; }

    /// <summary>A file holding the feed credential (the Responder's <c>Responder:Feed:TokenFile</c>); none for an anonymous feed.</summary>
    public string? RevocationFeedKeyFile { get; init; }
}
