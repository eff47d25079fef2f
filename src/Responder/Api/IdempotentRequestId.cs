namespace ZtStream.Responder.Api;

/// <summary>
/// The id of the request an <c>Idempotency-Key</c> names (<see cref="IdempotencyKeys.RequestIdOf"/>), set by
/// <see cref="IdempotentRequests"/> as a feature of the request for the endpoint it runs. An endpoint derives the id of
/// what it makes from it, so a run of the same request again after a crash meets what the first run made, in the same
/// table and on any replica, and answers that instead of making a second.
/// </summary>
internal sealed record IdempotentRequestId(Guid Value)
{
    /// <summary>The request's id, or null for a request sent without a key (it makes something new, as always).</summary>
    public static Guid? Of(HttpContext http) => http.Features.Get<IdempotentRequestId>()?.Value;
}
