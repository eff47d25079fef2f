using System.Globalization;
using ZtStream.Ingest.Sources.Gcp;

namespace ZtStream.Ingest.Sources.K8sAudit;

/// <summary>
/// Maps the Kubernetes API server's audit webhook payload (an <c>audit.k8s.io/v1</c> <c>EventList</c>, a single
/// <c>Event</c>, an array of events, or one event per line as in audit log files) onto canonical events of kind
/// <c>k8s.audit</c>, and the same events as managed clusters' log pipelines deliver them (AKS, EKS, GKE:
/// <see cref="ManagedClusterEnvelopes"/>). Pure: bytes in, events and per-item errors out.
/// </summary>
internal static class K8sAuditMapper
{
    /// <summary>The adapter's name: its endpoint, metric label and replay format.</summary>
    public const string SourceName = "k8s-audit";

    public const string ServiceAccountPrefix = "system:serviceaccount:";

    // Kubernetes 1.29+ puts the pod a service-account token was bound to into user.extra.
    private const string ExtraPodName = "authentication.kubernetes.io/pod-name";
    private const string ExtraNodeName = "authentication.kubernetes.io/node-name";

    // Kubernetes 1.30+ names the credential a request was authenticated with in user.extra: JTI=<the token's jti> for a
    // service-account token (k8s.io/apiserver serviceaccount.CredentialIDForJTI), X509SHA256=<digest> for a client certificate.
    private const string ExtraCredentialId = "authentication.kubernetes.io/credential-id";
    private const string JtiCredential = "JTI=";

    // OpenShift's OAuth server audits a login as the anonymous request it is (nobody is signed in yet) and names the
    // account tried, and whether the identity provider took the password, in these annotations.
    private const string LoginUsername = "authentication.openshift.io/username";
    private const string LoginDecision = "authentication.openshift.io/decision";

    /// <summary>
    /// Trimming an audit event above the bound: field-ownership bookkeeping goes first; then whatever is big, at any depth
    /// (a padded annotation, a ConfigMap's data, a long env value), never the request's identity (who, what, where,
    /// outcome, when), so a padded object keeps its small, security-relevant fields.
    /// </summary>
    internal static readonly RawTrimPlan RawPlan = new(
        Drop: ["requestObject.metadata.managedFields", "responseObject.metadata.managedFields"],
        Keep: new HashSet<string>(StringComparer.Ordinal)
        {
            "kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "impersonatedUser", "sourceIPs",
            "userAgent", "objectRef", "responseStatus", "requestReceivedTimestamp", "stageTimestamp",
        });

    /// <summary>The request and response objects kept as attributes: the same trimming, without the audit event's identity.</summary>
    private static readonly RawTrimPlan BodyPlan = new(Drop: ["metadata.managedFields"], Keep: new HashSet<string>(StringComparer.Ordinal));

    /// <summary>The stage an audit event was recorded at, when it is mapped as another (an upgraded stream's end as its start).</summary>
    public const string RecordedStageAttribute = "k8s.recorded_stage";

    private const string ResponseStarted = "ResponseStarted";
    private const string ResponseComplete = "ResponseComplete";
    private const int SwitchingProtocols = 101;

    /// <summary>The cluster a managed cluster's envelope names (AKS resource id, EKS log group, GKE resource label).</summary>
    public const string ClusterAttribute = "k8s.cluster";

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null)
    {
        options ??= SourceMapOptions.Default;
        return LatestStages(ManagedClusterEnvelopes.Read(
            json,
            options,
            (e, index, carrier, items, errors) => MapOne(e, index, options, carrier, items, errors),
            (entry, index, carrier, items, errors) => MapGke(entry, index, options, carrier, items, errors)));
    }

    /// <summary>
    /// Every stage of one request shares its event id (<see cref="EventId"/>), and the pipeline keeps the first event of
    /// an id it sees (the Verifier takes a repeated id for a redelivery). A policy that does not omit <c>RequestReceived</c>
    /// puts that stage first — without the response code, the outcome, or the name a create got — so the stage that says
    /// how the request ended would be the one discarded: a refused request would look unanswered, and rules that match the
    /// completed request (Falco's <c>kevt</c>) would never see it. Within one payload (the webhook batches stages of a
    /// request together), every stage of a request is therefore mapped as the latest of its stages there
    /// (<c>RequestReceived</c> &lt; <c>ResponseStarted</c> &lt; <c>ResponseComplete</c>, <c>Panic</c>): each item is still
    /// accepted at its index, and whichever copy comes first carries how the request ended. An upgraded stream's end is
    /// already mapped as its start (<see cref="MapOne"/>), so an exec's copies are all its <c>ResponseStarted</c>, the
    /// first of equal stages.
    /// </summary>
    private static MapResult LatestStages(MapResult result)
    {
        var items = result.Items;
        var early = false;
        for (var i = 0; i < items.Count - 1 && !early; i++)
        {
            early = StageRank(items[i].Event) is 0 or 1;
        }

        if (!early)
        {
            return result;
        }

        // The position of each request's latest stage; the first of equals, so a stage repeated is not reordered.
        var latest = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (!latest.TryGetValue(items[i].Id, out var at) || StageRank(items[i].Event) > StageRank(items[at].Event))
            {
                latest[items[i].Id] = i;
            }
        }

        MappedEvent[]? folded = null;
        for (var i = 0; i < items.Count; i++)
        {
            var at = latest[items[i].Id];
            if (at != i && StageRank(items[at].Event) > StageRank(items[i].Event))
            {
                folded ??= [.. items];
                folded[i] = new MappedEvent(items[i].Index, items[at].Event);
            }
        }

        return folded is null ? result : result with { Items = folded };
    }

    /// <summary>The raw audit event with another <c>stage</c>; one per exec session, so it may allocate.</summary>
    private static JsonElement WithStage(JsonElement raw, string stage)
    {
        if (JsonNode.Parse(raw.GetRawText()) is not JsonObject o)
        {
            return raw;
        }

        o["stage"] = stage;
        using var document = JsonDocument.Parse(o.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>How far a request had got at an audit event's stage; -1 for a stage Kubernetes does not define.</summary>
    private static int StageRank(AccessEvent e) =>
        e.Attributes is { } a && a.TryGetValue("k8s.stage", out var stage) && stage.ValueKind == JsonValueKind.String ? StageRank(stage.GetString()) : -1;

    private static int StageRank(string? stage) => stage switch
    {
        "RequestReceived" => 0,
        "ResponseStarted" => 1,
        "ResponseComplete" or "Panic" => 2,
        _ => -1,
    };

    /// <summary>A GKE Cloud Audit Logs entry, as the native event it stands for (<see cref="GkeAuditLog"/>).</summary>
    private static void MapGke(JsonElement entry, int index, SourceMapOptions options, AuditCarrier carrier, List<MappedEvent> items, List<ItemError> errors)
    {
        if (CloudAuditEntry.IsOtherService(entry))
        {
            // Another Google Cloud service's entry (IAM, KMS, Storage, Logging …): the caller's access, not a cluster's request.
            CloudAuditEntry.Map(entry, index, options, carrier, items, errors);
            return;
        }

        using var native = GkeAuditLog.ToAuditEvent(entry, out var field, out var error);
        if (native is null)
        {
            errors.Add(new ItemError(index, carrier.Field(field), error));
            return;
        }

        var gke = carrier.Within(string.Empty, GkeAuditLog.Attributes(entry)) with { SourceField = GkeAuditLog.SourceField };
        MapOne(native.RootElement, index, options, gke, items, errors);
    }

    private static void MapOne(JsonElement e, int index, SourceMapOptions options, AuditCarrier carrier, List<MappedEvent> items, List<ItemError> errors)
    {
        if (!IsAuditEvent(e, out var kindElement))
        {
            errors.Add(new ItemError(index, carrier.Field("kind"),
                $"data not recognized as a Kubernetes audit event: \"kind\" must be \"Event\" (audit.k8s.io), got {(kindElement.ValueKind == JsonValueKind.Undefined ? "nothing" : JsonFields.Describe(kindElement))}"));
            return;
        }

        if (e.Child("auditID") is { ValueKind: not JsonValueKind.String } notText)
        {
            errors.Add(new ItemError(index, carrier.Field("auditID"), $"expected a string, got {JsonFields.Describe(notText)}"));
            return;
        }

        // A token a TokenRequest minted, a token a TokenReview checked, a Secret's values: never kept, wherever the event goes.
        e = AuditCredentials.Without(e, out var redacted);
        var givenId = e.String("auditID") is { Length: > 0 } written ? written : null;
        var auditId = EventId(e, givenId);

        // The access happened when the request arrived; every stage of one request shares it. Without it the stage's
        // time is the nearest; without either (hand-made or exported events often carry neither), the arrival time live
        // or the previous event's time in replay, recorded in ingest.time_source — never a silent drop.
        if (!TryRecordTime(e, TimeFields, index, options, carrier, errors, out var time, out var timeSource))
        {
            return;
        }

        var user = e.Child("user");
        var realUser = user.String("username");
        var impersonated = e.Child("impersonatedUser");
        var annotations = e.Child("annotations");
        var loginDecision = annotations.String(LoginDecision);
        var (subjectId, subjectType) = Principal(realUser, impersonated.String("username"), annotations.String(LoginUsername));
        string? anonymousName = null;
        if (impersonated is null && (subjectType == "anonymous" || (subjectId is null && user is { ValueKind: JsonValueKind.Object } nobody && !nobody.EnumerateObject().Any()))
            && e.LastString("sourceIPs") is { Length: > 0 } address)
        {
            // system:anonymous is one name for every caller without a credential, and "user": {} is how the API server
            // records a request it could not authenticate (a 401: a bad or expired token): such requests belong to the
            // address they came from, so one scanner's baseline is its own. The last source IP is the address the server's
            // connection came from; those before it are X-Forwarded-For, which the caller writes itself.
            (anonymousName, subjectId, subjectType) = (subjectId, "ip:" + address, "anonymous");
        }

        if (subjectId is null)
        {
            errors.Add(new ItemError(index, carrier.Field("user.username"), "required: the audit event names no user"));
            return;
        }

        var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        AddString(attributes, "k8s.audit_id", givenId);

        // The authenticated user's cloud identity (with impersonation, the impersonator's). It names the principal only when
        // the request acted as that user: not an impersonated one, not an OpenShift login, not the cluster's own identities.
        var cloud = CloudIdentity.Of(user?.Child("extra"), realUser);
        cloud?.AddTo(attributes);
        if (cloud?.Principal(options.EntraSubjectIsUserId, realUser) is { } cloudPrincipal && impersonated is null && subjectType == "user"
            && realUser is not null && subjectId == realUser && CloudIdentity.Replaceable(realUser) && cloudPrincipal != realUser)
        {
            attributes[CloudIdentity.UsernameAttribute] = JsonFields.Of(realUser);
            subjectId = cloudPrincipal;
        }
        AddString(attributes, CloudIdentity.UsernameAttribute, anonymousName);
        if (redacted is not null)
        {
            attributes[AuditCredentials.Attribute] = JsonFields.Of(redacted);
        }

        AddString(attributes, TimeSources.Attribute, timeSource);
        foreach (var (key, value) in carrier.Attributes)
        {
            attributes[key] = JsonFields.Of(value);
        }

        var raw = RawObject.Bounded(e, options.MaxRawBytes, RawPlan, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }
        AddString(attributes, "k8s.stage", e.String("stage"));
        AddString(attributes, "k8s.level", e.String("level"));
        AddString(attributes, "k8s.request_uri", e.String("requestURI") is { } uri ? Clip(uri, options.MaxObjectBytes) : null);
        AddString(attributes, ExecCommand.Attribute, ExecCommand.Of(e, options.MaxObjectBytes));
        AddString(attributes, "k8s.stage_timestamp", e.String("stageTimestamp"));
        AddString(attributes, "k8s.api_version", e.String("apiVersion"));

        var actingIdentity = impersonated ?? user;
        AddString(attributes, "k8s.uid", actingIdentity.String("uid"));
        if (actingIdentity?.Child("groups") is { ValueKind: JsonValueKind.Array } groups)
        {
            attributes["k8s.groups"] = groups.Clone();
        }

        if (impersonated is not null)
        {
            // The subject is whom the request acted as; who really sent it stays visible for detectors.
            AddString(attributes, "k8s.impersonated_by", realUser);
            if (user?.Child("groups") is { ValueKind: JsonValueKind.Array } realGroups)
            {
                attributes["k8s.impersonated_by_groups"] = realGroups.Clone();
            }
        }

        if (annotations is { ValueKind: JsonValueKind.Object } annotationObject)
        {
            attributes["k8s.annotations"] = JsonFields.Bounded(annotationObject, options.MaxObjectBytes);
        }

        if (e.Child("sourceIPs") is { ValueKind: JsonValueKind.Array } ips && ips.GetArrayLength() > 1)
        {
            attributes["k8s.source_ips"] = ips.Clone();
        }

        if (e.Child("requestObject") is { } requestObject)
        {
            attributes["k8s.request_object"] = RawObject.Bounded(requestObject, options.MaxObjectBytes, BodyPlan, out _);
        }

        if (e.Child("responseObject") is { } responseObject)
        {
            attributes["k8s.response_object"] = RawObject.Bounded(responseObject, options.MaxObjectBytes, BodyPlan, out _);
        }

        var objectRef = e.Child("objectRef");
        AddString(attributes, "k8s.api_group", objectRef.String("apiGroup"));

        var responseStatus = e.Child("responseStatus");
        var status = responseStatus?.Int("code") ?? HttpStatusOf(responseStatus.String("reason"));
        var outcome = LoginOutcome(loginDecision) ?? Outcome(status, annotations.String("authorization.k8s.io/decision"), responseStatus.String("status"));
        if (status == SwitchingProtocols && e.String("stage") == ResponseComplete)
        {
            // An upgraded stream (exec, attach, port-forward) is audited when it starts and again, with the same 101, when it
            // ends; rules that match an exec match its start (Falco's Attach/Exec Pod: kevt_started). A policy that omits
            // ResponseStarted, or a batch that holds both, leaves the end as the copy that counts: it is mapped as the start
            // it implies, the stage recorded kept beside it.
            attributes["k8s.stage"] = JsonFields.Of(ResponseStarted);
            attributes[RecordedStageAttribute] = JsonFields.Of(ResponseComplete);
            raw = WithStage(raw, ResponseStarted);
        }

        // The pod a service-account token is bound to is the authenticator's word only for the authenticated user: an
        // impersonated user's extra is whatever the caller sent as Impersonate-Extra-* headers, so naming a pod there must
        // not put the request (and the response to it) on that pod.
        var userExtra = impersonated is null ? user?.Child("extra") : null;
        var credential = userExtra.FirstStringOf(ExtraCredentialId);
        AddString(attributes, "k8s.credential_id", credential is null ? null : Clip(credential, options.MaxFieldLength));
        items.Add(new MappedEvent(index, new AccessEvent
        {
            Id = auditId,
            Time = time,
            Kind = EventKinds.K8sAudit,
            Subject = new Subject { Id = subjectId, Type = subjectType, Tenant = impersonated is null ? cloud?.AccountId : null },
            Workload = ServiceAccountWorkload(subjectId, userExtra),
            // The token's jti, as the TokenRequest that minted it announced it (annotation authentication.kubernetes.io/
            // issued-credential-id): one token's requests are one token, and a token used where it was not issued can be told.
            Token = credential is { Length: > 4 } c && c.StartsWith(JtiCredential, StringComparison.Ordinal) && c.Length - JtiCredential.Length <= options.MaxFieldLength
                ? new TokenInfo { Jti = c[JtiCredential.Length..] }
                : null,
            Network = ForwardedChain.Connection(e.Child("sourceIPs")) is { } ip ? new NetworkInfo { SrcIp = ip } : null,
            Resource = Resource(objectRef, e.String("requestURI"), CreatedName(e), options.MaxFieldLength),
            Action = e.String("verb"),
            Status = status,
            Outcome = outcome,
            UserAgent = e.String("userAgent") is { } agent ? Clip(agent, options.MaxFieldLength) : null,
            Attributes = attributes,
            Raw = raw,
        }));
        if (timeSource is null or TimeSources.StageTimestamp or "timestamp")
        {
            options.Dated(time);
        }
    }

    private static readonly string[] TimeFields = ["requestReceivedTimestamp", "stageTimestamp", "timestamp"];

    /// <summary>What an audit event's id starts with: a digest (<see cref="EventId"/>), never the <c>auditID</c> a caller may choose.</summary>
    public const string DerivedIdPrefix = "k8s-";

    /// <summary>
    /// The event id: a digest of what every stage of one request shares — when it arrived, who sent it from where with
    /// which agent, the verb, the URI and the kind of object — together with the <c>auditID</c> the event gave, so the stages
    /// of one request are one id (<see cref="LatestStages"/>, the Verifier's redelivery) and a record posted twice one event.
    /// The <c>auditID</c> alone cannot be the id: the API server takes it from the caller's <c>Audit-ID</c> header when
    /// there is one, so any caller can send two requests, or a request and someone else's earlier one, under one id, and
    /// every request after the first would be dropped as a redelivery, never scored. The id given is kept in
    /// <c>k8s.audit_id</c>. The object's name, namespace and uid are left out: the API server completes them from the body
    /// after the first stage (a create's name), and the URI holds those it was called with.
    /// Without <c>requestReceivedTimestamp</c> (an API server always writes it; hand-made and exported events may not): with
    /// an <c>auditID</c>, the digest is of the id and the other members, so the stages of a hand-made request still tie;
    /// without one, nothing says which request a stage belongs to, so the digest is of the whole record and each stage is
    /// an event of its own.
    /// </summary>
    private static string EventId(JsonElement e, string? givenId)
    {
        // The instant, not its spelling: a shipper that rewrites the offset or the fraction digits moves no request.
        var received = e.String("requestReceivedTimestamp") is { Length: > 0 } r
            ? JsonFields.TryParseTime(r, out var at) ? at.UtcTicks.ToString(CultureInfo.InvariantCulture) : r
            : null;
        if (received is null && givenId is null)
        {
            return DerivedIds.Of(DerivedIdPrefix, e.GetRawText());
        }

        var user = e.Child("user");
        var objectRef = e.Child("objectRef");
        var sourceIps = e.Child("sourceIPs") is { ValueKind: JsonValueKind.Array } ips
            ? string.Join(',', ips.EnumerateArray().Select(ip => ip.ValueKind == JsonValueKind.String ? ip.GetString() : ip.GetRawText()))
            : null;
        string?[] shared =
        [
            received, e.String("verb"), e.String("requestURI"), user.String("username"), user.String("uid"),
            e.Child("impersonatedUser").String("username"), sourceIps, e.String("userAgent"),
            objectRef.String("apiGroup"), objectRef.String("apiVersion"), objectRef.String("resource"), objectRef.String("subresource"),
        ];

        // An event without auditID keeps the id it had before the given id was part of the digest.
        return givenId is null ? DerivedIds.Of(DerivedIdPrefix, shared) : DerivedIds.Of(DerivedIdPrefix, [givenId, .. shared]);
    }

    /// <summary>
    /// A record's time: the first of <paramref name="fields"/> it has, and <paramref name="timeSource"/> naming that field
    /// when it is not the first; without any, the arrival time live or the previous event's in replay, named likewise. False,
    /// with the item's error, when none can be had or the time is not RFC 3339.
    /// </summary>
    internal static bool TryRecordTime(JsonElement e, string[] fields, int index, SourceMapOptions options, AuditCarrier carrier, List<ItemError> errors, out DateTimeOffset time, out string? timeSource)
    {
        timeSource = null;
        foreach (var field in fields)
        {
            if (e.String(field) is not { } text)
            {
                continue;
            }

            if (!JsonFields.TryParseTime(text, out time))
            {
                errors.Add(new ItemError(index, carrier.Field(field), $"not an RFC 3339 timestamp: \"{ItemError.Clip(text)}\""));
                return false;
            }

            timeSource = field == fields[0] ? null : field;
            return true;
        }

        if (!options.TryFallbackTime(out time, out var source))
        {
            var names = fields.Length switch
            {
                1 => fields[0],
                2 => $"neither {fields[0]} nor {fields[1]}",
                _ => $"none of {string.Join(", ", fields[..^1])} or {fields[^1]}",
            };
            errors.Add(new ItemError(index, carrier.Field(fields[0]), $"required: {names} is present"));
            return false;
        }

        timeSource = source;
        return true;
    }

    /// <summary><c>system:serviceaccount:NS:NAME</c> → (NS, NAME).</summary>
    public static bool TryParseServiceAccount(string username, out string ns, out string name)
    {
        ns = name = string.Empty;
        if (!username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = username.AsSpan(ServiceAccountPrefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0 || colon == rest.Length - 1)
        {
            return false;
        }

        ns = rest[..colon].ToString();
        name = rest[(colon + 1)..].ToString();
        return true;
    }

    /// <summary>An audit event: <c>"kind": "Event"</c>, or one written without it (<see cref="IsKindlessEvent"/>).</summary>
    private static bool IsAuditEvent(JsonElement e, out JsonElement kind) =>
        e.TryGetProperty("kind", out kind)
            ? kind.ValueKind == JsonValueKind.String && kind.GetString() == "Event"
            : IsKindlessEvent(e);

    /// <summary>
    /// An audit event without <c>kind</c> and <c>apiVersion</c>, as API servers built on k8s.io/apiserver without the audit
    /// scheme registered (aggregated servers, extension API servers) write theirs: it has a <c>stage</c> and an
    /// <c>auditID</c>; without the id (an export that dropped it), a stage Kubernetes defines, a <c>verb</c> and a
    /// <c>requestURI</c>, which every audit event has from its first stage — so an object of another source sent here is
    /// still told it is not one, rather than accepted under a derived id.
    /// </summary>
    internal static bool IsKindlessEvent(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.Child("kind") is null && e.Child("apiVersion") is null && e.String("stage") is { Length: > 0 } stage
        && (e.String("auditID") is { Length: > 0 } || (StageRank(stage) >= 0 && e.String("verb") is { Length: > 0 } && e.String("requestURI") is { Length: > 0 }));

    /// <summary>
    /// Whom the request acted as: the impersonated user, else the authenticated one — unless it is an OpenShift login,
    /// which the OAuth server audits as <c>system:anonymous</c>: then the account tried. Null when the event names nobody.
    /// </summary>
    private static (string? Id, string? Type) Principal(string? username, string? impersonated, string? loginUsername)
    {
        if (!string.IsNullOrEmpty(impersonated))
        {
            return (impersonated, SubjectType(impersonated));
        }

        if (!string.IsNullOrEmpty(loginUsername) && username is null or "system:anonymous")
        {
            return (loginUsername, "user");
        }

        return string.IsNullOrEmpty(username) ? (null, null) : (username, SubjectType(username));
    }

    private static string SubjectType(string username) => username switch
    {
        "system:anonymous" => "anonymous",
        _ when username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) => "service_account",
        _ when username.StartsWith("system:node:", StringComparison.Ordinal) => "node",
        _ => "user",
    };

    private static Workload? ServiceAccountWorkload(string username, JsonElement? extra)
    {
        if (!TryParseServiceAccount(username, out var ns, out var name))
        {
            return null;
        }

        var pod = extra.FirstStringOf(ExtraPodName);
        return new Workload
        {
            // Without the bound pod the service account itself is the finest workload identity the audit event gives.
            Id = pod is null ? $"{ns}/serviceaccount:{name}" : $"{ns}/{pod}",
            Name = pod,
            Namespace = ns,
            Node = extra.FirstStringOf(ExtraNodeName),
            ServiceAccount = name,
        };
    }

    private static string? FirstStringOf(this JsonElement? extra, string key) =>
        extra is { } e ? e.FirstString(key) : null;

    /// <summary>A create names its object only in the body: the response's name, else the request's.</summary>
    private static string? CreatedName(JsonElement e) =>
        e.Child("responseObject")?.Child("metadata").String("name") ?? e.Child("requestObject")?.Child("metadata").String("name");

    /// <summary>
    /// What the request was for. A path, a name or a resource the caller wrote can be of any length (a probe of a name
    /// of 5,000 characters is audited as such, with its 404), so each is kept within the field limit, distinct ones
    /// distinct (<see cref="DerivedIds.Bounded"/>): an over-long value must not get the request refused and unseen.
    /// </summary>
    private static ResourceRef? Resource(JsonElement? objectRef, string? requestUri, string? createdName, int maxLength)
    {
        if (objectRef is not { } o)
        {
            // Non-resource requests (/healthz, /version, /apis) carry only the URI.
            return requestUri is null ? null : new ResourceRef { Type = "non_resource_url", Id = DerivedIds.Bounded(PathOf(requestUri), maxLength) };
        }

        var resource = o.String("resource");
        var subresource = o.String("subresource");
        var ns = o.String("namespace");
        var name = o.String("name") ?? createdName;
        var type = subresource is null ? resource : $"{resource}/{subresource}";
        var id = (ns, name) switch
        {
            (not null, not null) => $"{ns}/{name}",
            (null, not null) => name,
            (not null, null) => $"{ns}/",
            _ => null,
        };
        return new ResourceRef
        {
            Type = type is null ? null : DerivedIds.Bounded(type, maxLength),
            Id = id is null ? null : DerivedIds.Bounded(id, maxLength),
        };
    }

    /// <summary>Text the caller wrote (a user agent, a request URI) within <paramref name="maxLength"/> characters.</summary>
    private static string Clip(string text, int maxLength) => ItemError.Clip(text, maxLength - 1);

    private static string PathOf(string uri)
    {
        var q = uri.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? uri : uri[..q];
    }

    /// <summary>
    /// The HTTP code a Kubernetes <c>Status</c> reason stands for (metav1.StatusReason documents one for each), for a
    /// <c>responseStatus</c> written without its code: converted exports, a GKE entry whose answer was a failed Status.
    /// </summary>
    private static int? HttpStatusOf(string? reason) => reason switch
    {
        "BadRequest" => 400,
        "Unauthorized" => 401,
        "Forbidden" => 403,
        "NotFound" => 404,
        "MethodNotAllowed" => 405,
        "NotAcceptable" => 406,
        "AlreadyExists" or "Conflict" => 409,
        "Gone" or "Expired" => 410,
        "RequestEntityTooLarge" => 413,
        "UnsupportedMediaType" => 415,
        "Invalid" => 422,
        "TooManyRequests" => 429,
        "InternalError" or "ServerTimeout" => 500,
        "ServiceUnavailable" => 503,
        "Timeout" => 504,
        _ => null,
    };

    /// <summary>
    /// The outcome of the request: the HTTP code, else (a <c>responseStatus</c> with neither code nor a known reason)
    /// its <c>status</c>; a refusal by the authorizer is denied whatever the code.
    /// </summary>
    private static string? Outcome(int? code, string? decision, string? status)
    {
        if (code is 401 or 403 || decision == "forbid")
        {
            return Outcomes.Denied;
        }

        return code switch
        {
            < 400 => Outcomes.Success,
            not null => Outcomes.Error,
            null => status switch
            {
                "Success" => Outcomes.Success,
                "Failure" => Outcomes.Error,
                _ => null,
            },
        };
    }

    /// <summary>
    /// An OpenShift login's own verdict: the OAuth server answers a refused password with a redirect (302) back to
    /// the login page, so the HTTP code alone would call it a success.
    /// </summary>
    private static string? LoginOutcome(string? decision) => decision switch
    {
        "allow" => Outcomes.Success,
        "deny" => Outcomes.Denied,
        "error" => Outcomes.Error,
        _ => null,
    };

    private static void AddString(Dictionary<string, JsonElement> attributes, string key, string? value)
    {
        if (value is not null)
        {
            attributes[key] = JsonFields.Of(value);
        }
    }
}
