namespace ZtStream.Verifier.Scoring;

/// <summary>
/// The stages of one Kubernetes request, and the records of one Azure Resource Manager operation (its <c>Started</c> or
/// <c>Accepted</c> record and the <c>Succeeded</c> or <c>Failed</c> one, under one event id: docs/sources.md "One
/// operation, several records"), read alike. Every stage its audit policy records — <c>RequestReceived</c> (no response yet),
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
    private static readonly ulong AzureStartedMarker = StableHash.Of("stage:azure-started");

    private const string AzureOperationAttribute = "azure.operation_name";
    private const string AzureStatusAttribute = "azure.status";
    private const string AzureStarted = "Started";

    /// <summary>The marker a first stage without an outcome leaves for the request's later stages, else 0.</summary>
    public static ulong AwaitingOutcome(AccessEvent e, ulong idHash) =>
        e.Outcome is not null ? 0
            : string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal)
                ? Stage(e) switch
                {
                    RequestReceived => StableHash.Combine(idHash, ReceivedMarker),
                    ResponseStarted => StableHash.Combine(idHash, StartedMarker),
                    _ => 0,
                }
                : AzureStatus(e) is { } status && AzureAwaiting(status) ? StableHash.Combine(idHash, AzureStartedMarker) : 0;

    /// <summary>
    /// For a repeated id: the stage the request was first scored at, when that stage awaited the outcome this later stage
    /// brings; else null (a redelivery, or a stage that adds nothing).
    /// </summary>
    public static string? FirstStageAwaiting(AccessEvent e, ulong idHash, HashSet<ulong> recentIds)
    {
        if (e.Outcome is null)
        {
            return null;
        }

        if (!string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal))
        {
            return AzureStatus(e) is { } status && AzureEnded(status) && recentIds.Contains(StableHash.Combine(idHash, AzureStartedMarker)) ? AzureStarted : null;
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
        if (!string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal))
        {
            return AzureAs(e, firstStage, subStatus: null, status: null, outcome: null);
        }

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
        if (!string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal))
        {
            return allowed
                ? AzureAs(e, "Succeeded", "OK", 200, Outcomes.Success)
                : AzureAs(e, "Failed", "Forbidden", 403, Outcomes.Denied);
        }

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

    /// <summary>
    /// An Azure operation's record as another record of it would write it: its status (<c>azure.status</c>), sub-status
    /// and outcome; the raw record stays as it came (the rules read the attributes).
    /// </summary>
    private static AccessEvent AzureAs(AccessEvent e, string azureStatus, string? subStatus, int? status, string? outcome)
    {
        var attributes = e.Attributes is { } a ? new Dictionary<string, JsonElement>(a, StringComparer.Ordinal) : new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        attributes[AzureStatusAttribute] = Element(JsonValue.Create(azureStatus));
        attributes.Remove("azure.status_code");
        if (subStatus is null)
        {
            attributes.Remove("azure.sub_status");
        }
        else
        {
            attributes["azure.sub_status"] = Element(JsonValue.Create(subStatus));
        }

        return e with { Status = status, Outcome = outcome, Attributes = attributes };
    }

    /// <summary>An Azure Activity Log record's status (docs/sources.md, "Azure Activity Log"): what tells its operation's stages apart.</summary>
    private static string? AzureStatus(AccessEvent e) =>
        string.Equals(e.Kind, EventKinds.AccessRequest, StringComparison.Ordinal) && e.Attributes is { } a
            && a.ContainsKey(AzureOperationAttribute) && a.TryGetValue(AzureStatusAttribute, out var status) && status.ValueKind == JsonValueKind.String
            ? status.GetString()
            : null;

    /// <summary>
    /// Whether the status awaits the operation's end (<c>Start</c>/<c>Started</c>, <c>Accept</c>/<c>Accepted</c>,
    /// <c>In Progress</c>), and whether it is that end (<c>Success</c>/<c>Succeeded</c>, <c>Failure</c>/<c>Failed</c>).
    /// Other statuses (a Service Health event's <c>Active</c>) are neither: such a record is an event alone.
    /// </summary>
    private static bool AzureAwaiting(string status) =>
        status.StartsWith("Start", StringComparison.OrdinalIgnoreCase) || status.StartsWith("Accept", StringComparison.OrdinalIgnoreCase)
        || status.Equals("In Progress", StringComparison.OrdinalIgnoreCase) || status.Equals("InProgress", StringComparison.OrdinalIgnoreCase);

    private static bool AzureEnded(string status) =>
        status.StartsWith("Succe", StringComparison.OrdinalIgnoreCase) || status.StartsWith("Fail", StringComparison.OrdinalIgnoreCase);

    private static JsonElement Element(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    private static string? Stage(AccessEvent e) =>
        e.Attributes is { } a && a.TryGetValue(StageAttribute, out var stage) && stage.ValueKind == JsonValueKind.String ? stage.GetString() : null;
}
