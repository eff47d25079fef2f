namespace ZtStream.Ingest.Sources.Entra;

/// <summary>
/// Microsoft Graph activity logs (<c>MicrosoftGraphActivityLogs</c>): every request made to Graph with a token, after the
/// sign-in that issued it. Each is an access (<c>access.request</c>) by the token's user or service principal, keyed by
/// its sign-in activity so one token's requests form one session wherever they come from.
/// </summary>
internal static partial class EntraMapper
{
    public const string GraphActivityCategory = "MicrosoftGraphActivityLogs";

    // Log Analytics rows and hand-made exports may lack the category; a request URI and method are Graph's alone among
    // the Entra records.
    private static bool IsGraphActivity(JsonElement details, string category) =>
        category.Equals(GraphActivityCategory, StringComparison.OrdinalIgnoreCase)
        || (category.Length == 0 && details.Find("requestUri") is not null && details.Find("requestMethod") is not null);

    private static void MapGraphActivity(JsonElement record, JsonElement details, string category, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        if (!TryIdAndTime(record, details, "requestId", ["timeGenerated", "time"], index, options, errors, out var id, out var time, out var timeSource))
        {
            return;
        }

        var uri = details.Text("requestUri");
        if (uri is null)
        {
            errors.Add(new ItemError(index, "properties.requestUri", "required: the Graph request's URI"));
            return;
        }

        var status = details.Number("responseStatusCode");
        if (status is null && details.Find("responseStatusCode") is { } notStatus)
        {
            errors.Add(new ItemError(index, "properties.responseStatusCode", $"not an HTTP status: {JsonFields.Describe(notStatus)}"));
            return;
        }

        if (status is < 100 or > 599)
        {
            errors.Add(new ItemError(index, "properties.responseStatusCode", $"not an HTTP status: {status}"));
            return;
        }

        var (resourceType, path) = GraphResource(uri, details.Text("apiVersion"));
        var e = new IdentityEvent(Idp)
        {
            Id = id,
            DerivedIdPrefix = DerivedIdPrefix,
            Time = time,
            TimeSource = timeSource,
            Kind = EventKinds.AccessRequest,
            Action = details.Text("requestMethod")?.ToUpperInvariant(),
            EventType = category.Length > 0 ? category : GraphActivityCategory,
            ResourceType = resourceType,
            ResourceId = path,
            Status = (int?)status,
            Outcome = HttpOutcome(status),
            Bytes = details.Number("responseSizeBytes") is long bytes and >= 0 ? bytes : null,
        };

        // A delegated token names its user; an application's own token only its service principal. Both by object id: the
        // log holds no login name (docs/sources.md, "One user, one principal").
        if (details.Text("userId") is { } user)
        {
            e.SubjectId = user;
            e.Set(IdentityAttributes.IdpUserId, user);
        }
        else if (details.FirstText("servicePrincipalId", "appId") is { } servicePrincipal)
        {
            e.SubjectId = servicePrincipal;
            e.SubjectType = IdentitySubjectTypes.ServiceAccount;
            e.Set(IdentityAttributes.IdpUserId, details.Text("servicePrincipalId"));
        }

        e.Tenant = TenantOf(record, details);
        e.ClientId = details.Text("appId");
        e.SourceIp = details.Text("ipAddress") ?? record.Text("callerIpAddress");
        e.UserAgent = details.Text("userAgent");

        // The sign-in the token came from (its uniqueTokenIdentifier): every request made with one token shares it, so the
        // token used from another network or client is the session detectors' "one session, two places".
        var signIn = details.Text("signInActivityId");
        e.SessionId = signIn ?? details.FirstText("sessionId", "c_Sid");
        if (details.Find("tokenIssuedAt") is { } issued)
        {
            if (!IdentityJson.TryTime(issued, out var issuedAt))
            {
                errors.Add(new ItemError(index, "properties.tokenIssuedAt", $"not an ISO 8601 timestamp: {JsonFields.Describe(issued)}"));
                return;
            }

            e.TokenIssuedAt = issuedAt;
        }

        e.Set(IdentityAttributes.TokenId, signIn)
            .Set(IdentityAttributes.IdpCorrelationId, details.Text("operationId"))
            .Set(IdentityAttributes.DeviceId, details.FirstText("deviceId", "c_DeviceId"))
            .Set(IdentityAttributes.ClientAuth, details.Number("clientAuthMethod") switch
            {
                0 => "public_client",
                1 => "client_secret",
                2 => "client_certificate",
                _ => null,
            })
            .Add(IdentityAttributes.Scopes, details.Words("scopes"))
            .Add(IdentityAttributes.AppRoles, details.Words("roles"))
            .Add(IdentityAttributes.DirectoryRoles, details.Words("wids"));
        IdentityEvent.Emit(e, record, index, options, items, errors);
    }

    /// <summary>The outcome of an HTTP status: refused (401, 403), succeeded (below 400) or failed.</summary>
    internal static string? HttpOutcome(long? status) => status switch
    {
        401 or 403 => Outcomes.Denied,
        < 400 => Outcomes.Success,
        not null => Outcomes.Error,
        null => null,
    };

    /// <summary>
    /// The Graph resource a request URI names: its top-level segment (<c>users</c>, <c>groups</c>, <c>me</c>,
    /// <c>servicePrincipals</c> …) and its path after the API version without the query, whose values (<c>$filter</c>,
    /// <c>$skiptoken</c>, <c>$select</c>) are no resource: <c>https://graph.microsoft.com/v1.0/users/ID/memberOf?$top=5</c>
    /// is <c>/users/ID/memberOf</c>. The full URI stays in <c>raw</c>.
    /// </summary>
    internal static (string? Type, string? Path) GraphResource(string uri, string? apiVersion)
    {
        var end = uri.AsSpan().IndexOfAny('?', '#');
        var text = end < 0 ? uri : uri[..end];
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var host = text.IndexOf('/', scheme + 3);
            text = host < 0 ? string.Empty : text[host..];
        }

        var segments = text.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var first = segments.Length > 0 && (segments[0].Equals(apiVersion, StringComparison.OrdinalIgnoreCase)
            || segments[0].Equals("v1.0", StringComparison.OrdinalIgnoreCase) || segments[0].Equals("beta", StringComparison.OrdinalIgnoreCase))
            ? 1
            : 0;
        if (segments.Length <= first)
        {
            return (null, "/");
        }

        // users('ID') and users(id='ID') are the same collection as users/ID.
        var top = segments[first];
        var paren = top.IndexOf('(', StringComparison.Ordinal);
        return (paren > 0 ? top[..paren] : top, "/" + string.Join('/', segments, first, segments.Length - first));
    }
}
