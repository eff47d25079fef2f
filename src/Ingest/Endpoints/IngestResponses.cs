using ZtStream.Ingest.Sources;

namespace ZtStream.Ingest.Endpoints;

/// <summary>The answer to Okta's event hook verification request.</summary>
internal sealed record OktaVerification(string Verification);

/// <summary>The answer to a fully accepted batch (202).</summary>
internal sealed record AcceptedBatch(int Accepted, IReadOnlyList<string> Ids);

/// <summary>
/// An RFC 7807 problem document. For batches it carries <see cref="Errors"/> (index, field, reason per rejected
/// item) and, when some items were accepted (207), their <see cref="AcceptedIds"/>.
/// </summary>
internal sealed record IngestProblem
{
    public const string MediaType = "application/problem+json";
    public const string TypeBase = "https://ztstream.io/problems/";

    public required string Type { get; init; }

    public required string Title { get; init; }

    public required int Status { get; init; }

    public string? Detail { get; init; }

    public string? Instance { get; init; }

    public int? Accepted { get; init; }

    public IReadOnlyList<string>? AcceptedIds { get; init; }

    public IReadOnlyList<ItemError>? Errors { get; init; }

    public int? RetryAfterSeconds { get; init; }
}
