using ZtStream.Responder.Actions;

namespace ZtStream.Responder.Api;

/// <summary>Limits on what the API accepts, so a value it takes can never break what runs on it later.</summary>
internal static class Bounds
{
    public const int MaxIdLength = 512;
    public const int MaxReasonLength = 2000;
    public const int MaxRules = 64;

    public static IEnumerable<ItemError> Ttl(long? seconds)
    {
        var max = (long)ActionService.MaxTtl.TotalSeconds;
        if (seconds is { } s && (s < 1 || s > max))
        {
            yield return new ItemError(0, "ttl_seconds", $"must be from 1 to {max} (30 days); was {s}");
        }
    }

    /// <summary>
    /// The reason a revocation is lifted with, whether one entry (<c>POST /v1/revocations/{version}/lift</c>) or every
    /// entry of an action (<c>POST /v1/actions/{id}/lift</c>): required, and bounded like every reason.
    /// </summary>
    public static IEnumerable<ItemError> LiftReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? [new ItemError(0, "reason", "required: say why the revocation is lifted (it goes into the audit trail)")]
            : Text("reason", reason, MaxReasonLength);

    public static IEnumerable<ItemError> Text(string field, string? value, int max)
    {
        if (value is { Length: var length } && length > max)
        {
            yield return new ItemError(0, field, $"must be at most {max} characters; was {length}");
        }
    }
}
