namespace ZtStream.Verifier.Scoring;

/// <summary>
/// The stages of one Kubernetes request. Every stage its audit policy records — <c>RequestReceived</c> (no response yet),
/// <c>ResponseStarted</c>, <c>ResponseComplete</c>, <c>Panic</c> — has the request's event id (a digest of its
/// <c>auditID</c> and what its stages share: docs/sources.md "The event id"), and the API server's webhook often sends
/// the first stage in one batch and the stage with the response in a later one. The request is scored once, at the first stage the engine sees; a stage without an outcome leaves a marker among
/// the recent ids, and the first later stage that brings the outcome is scored once more as that outcome alone
/// (<see cref="ScoringEngine"/>): by the rules its outcome decides — those that did not match the request as its first
/// stage recorded it (<see cref="AsItArrived"/>) — and by the denial count, never as a request of its own. The markers
/// are recent ids like any other, so they are in the checkpoint and survive a restart.
/// </summary>
internal static class RequestStages
{
    private const string StageAttribute = "k8s.stage";
    private const string RequestReceived = "RequestReceived";
    private const string ResponseStarted = "ResponseStarted";

    // A marker is the id's hash combined with one of these: no event id hashes to it but by chance (64 bits).
    private static readonly ulong ReceivedMarker = StableHash.Of("stage:" + RequestReceived);
    private static readonly ulong StartedMarker = StableHash.Of("stage:" + ResponseStarted);
    private static readonly ulong OutcomeMarker = StableHash.Of("stage:outcome");

    /// <summary>The marker a first stage without an outcome leaves for the request's later stages, else 0.</summary>
    public static ulong AwaitingOutcome(AccessEvent e, ulong idHash) =>
        e.Outcome is null && string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal)
            ? Stage(e) switch
            {
                RequestReceived => StableHash.Combine(idHash, ReceivedMarker),
                ResponseStarted => StableHash.Combine(idHash, StartedMarker),
                _ => 0,
            }
            : 0;

    /// <summary>
    /// For a repeated id: the stage the request was first scored at, when that stage awaited the outcome this later stage
    /// brings; else null (a redelivery, or a stage that adds nothing).
    /// </summary>
    public static string? FirstStageAwaiting(AccessEvent e, ulong idHash, HashSet<ulong> recentIds)
    {
        if (e.Outcome is null || !string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal))
        {
            return null;
        }

        var stage = Stage(e);
        if (stage is "ResponseStarted" or "ResponseComplete" or "Panic" && recentIds.Contains(StableHash.Combine(idHash, ReceivedMarker)))
        {
            return RequestReceived;
        }

        return stage is "ResponseComplete" or "Panic" && recentIds.Contains(StableHash.Combine(idHash, StartedMarker)) ? ResponseStarted : null;
    }

    /// <summary>The marker that the request's outcome was scored: a later stage after it is a duplicate.</summary>
    public static ulong Outcome(ulong idHash) => StableHash.Combine(idHash, OutcomeMarker);

    /// <summary>
    /// The request as its first stage recorded it: the later stage without its response (<c>status</c>, <c>outcome</c>,
    /// <c>responseStatus</c>, <c>responseObject</c>) and without annotations, which authorization and admission write
    /// after <c>RequestReceived</c>. Rare (one per request whose stages came apart), so it may allocate.
    /// </summary>
    public static AccessEvent AsItArrived(AccessEvent e, string firstStage)
    {
        Dictionary<string, JsonElement>? attributes = null;
        if (e.Attributes is { } a)
        {
            attributes = new Dictionary<string, JsonElement>(a, StringComparer.Ordinal);
            attributes.Remove("k8s.response_object");
            attributes.Remove("k8s.annotations");
            attributes[StageAttribute] = Element(JsonValue.Create(firstStage));
        }

        JsonElement? raw = null;
        if (e.Raw is { ValueKind: JsonValueKind.Object } r && JsonNode.Parse(r.GetRawText()) is JsonObject o)
        {
            o.Remove("responseStatus");
            o.Remove("responseObject");
            o.Remove("annotations");
            o["stage"] = firstStage;
            raw = Element(o);
        }

        return e with { Status = null, Outcome = null, Attributes = attributes, Raw = raw ?? e.Raw };
    }

    /// <summary>
    /// A first stage as its later stage could complete it: <paramref name="allowed"/> (200, an authorizer's allow) or
    /// refused (403, forbid) — what a rule matching the first stage is asked of to know whether the outcome can decide it.
    /// </summary>
    public static AccessEvent Answered(AccessEvent e, bool allowed)
    {
        var code = allowed ? 200 : 403;
        var decision = allowed ? "allow" : "forbid";
        Dictionary<string, JsonElement>? attributes = null;
        if (e.Attributes is { } a)
        {
            attributes = new Dictionary<string, JsonElement>(a, StringComparer.Ordinal)
            {
                ["k8s.annotations"] = Element(new JsonObject { ["authorization.k8s.io/decision"] = decision }),
            };
        }

        JsonElement? raw = null;
        if (e.Raw is { ValueKind: JsonValueKind.Object } r && JsonNode.Parse(r.GetRawText()) is JsonObject o)
        {
            o["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = code };
            o["annotations"] = new JsonObject { ["authorization.k8s.io/decision"] = decision };
            raw = Element(o);
        }

        return e with { Status = code, Outcome = allowed ? Outcomes.Success : Outcomes.Denied, Attributes = attributes, Raw = raw ?? e.Raw };
    }

    private static JsonElement Element(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    private static string? Stage(AccessEvent e) =>
        e.Attributes is { } a && a.TryGetValue(StageAttribute, out var stage) && stage.ValueKind == JsonValueKind.String ? stage.GetString() : null;
}
