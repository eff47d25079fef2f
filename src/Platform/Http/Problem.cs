namespace ZtStream.Platform.Http;

/// <summary>
/// An RFC 9457 problem document, the body of every error ZtStream's HTTP endpoints answer
/// (<c>application/problem+json</c>). Beyond the standard members it may carry the rejected items
/// (<see cref="Errors"/>: index, field, reason), the accepted ones of a partly accepted batch (207), the seconds to
/// wait before retrying (also sent as <c>Retry-After</c>), and, for a change refused because what it was decided on
/// changed meanwhile, the version that is current now (<see cref="CurrentVersion"/>). Made and written by
/// <see cref="Problems"/>.
/// </summary>
internal sealed record Problem
{
    public const string MediaType = "application/problem+json";

    /// <summary>Every ZtStream problem type is this followed by a kebab-case name (<c>…/invalid-events</c>).</summary>
    public const string TypeBase = "https://ztstream.io/problems/";

    public required string Type { get; init; }

    public required string Title { get; init; }

    public required int Status { get; init; }

    public string? Detail { get; init; }

    /// <summary>The request path; filled in when the problem is written.</summary>
    public string? Instance { get; init; }

    public int? Accepted { get; init; }

    public IReadOnlyList<string>? AcceptedIds { get; init; }

    public IReadOnlyList<ItemError>? Errors { get; init; }

    public int? RetryAfterSeconds { get; init; }

    /// <summary>
    /// <c>current_version</c> (an RFC 9457 §3.2 extension member): the version the thing changed is at now, when a change
    /// decided on an older one was refused (409), so a client reads it as a number rather than out of the detail text.
    /// </summary>
    public long? CurrentVersion { get; init; }
}
