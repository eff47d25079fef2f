namespace ZtStream.Responder.Api;

/// <summary>Query-string arguments of the API, each bad one reported as an <see cref="ItemError"/> naming it.</summary>
internal static class QueryArgs
{
    /// <summary>A time, read as a body's is (<see cref="Rfc3339TimeConverter.TryParse"/>); absent or empty, null.</summary>
    public static DateTimeOffset? Time(StringValues value, string name, List<ItemError> errors)
    {
        var text = value.FirstOrDefault();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // The one reader of a time string, as a body's: a culture's forms (12/01/2026, "Dec 1") and a bare time of day
        // (today's, on the server's clock) would each be an instant other than the one meant, without a word.
        if (Rfc3339TimeConverter.TryParse(text, out var t))
        {
            return t;
        }

        errors.Add(new ItemError(0, name, "must be an RFC 3339 time, e.g. 2026-12-20T10:00:00Z"));
        return null;
    }

    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/>: digits beyond the range (<c>limit=99999999999</c>)
    /// are an error naming the range, not a claim that they are no number.
    /// </summary>
    public static int Int(StringValues value, int fallback, string name, List<ItemError> errors, int min = 0, int max = int.MaxValue)
    {
        var text = value.FirstOrDefault();
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (text.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            errors.Add(new ItemError(0, name, "must be a non-negative integer"));
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors.Add(new ItemError(0, name, $"is out of range: must be between {min} and {max}"));
        return fallback;
    }

    /// <summary>
    /// <c>limit</c>: a whole number (past int's range an error, as <see cref="Int"/> says), <paramref name="fallback"/> when
    /// absent, from 1 to the endpoint's <paramref name="cap"/>: a larger one is capped (docs/response.md), and the answer
    /// says the limit it applied (<see cref="Applied"/>), so a client that asked for more can tell a short page from the end.
    /// </summary>
    public static int Limit(StringValues value, int fallback, int cap, List<ItemError> errors) =>
        Math.Clamp(Int(value, fallback, "limit", errors), 1, cap);

    /// <summary>The response header naming the <c>limit</c> a list applied.</summary>
    public const string LimitHeader = "X-ZtStream-Limit";

    /// <summary>Says in <see cref="LimitHeader"/> which limit a list answered with.</summary>
    public static void Applied(HttpResponse response, int limit) =>
        response.Headers[LimitHeader] = limit.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A list endpoint's answer: every bad argument in <paramref name="errors"/> as one problem, else what
    /// <paramref name="read"/> finds, with the limit it was read with <see cref="Applied"/>.
    /// </summary>
    public static async Task<IResult> ListAsync<T>(
        HttpResponse response, List<ItemError> errors, int limit, Func<Task<IReadOnlyList<T>>> read, JsonTypeInfo<List<T>> json)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (errors.Count > 0)
        {
            return Problems.Result(Problems.Invalid(errors));
        }

        var items = await read();
        Applied(response, limit);
        return Results.Json(items.ToList(), json);
    }

    /// <summary>
    /// A filter value that must be one of <paramref name="allowed"/>: anything else is an error naming them, since a filter
    /// that matches nothing because of a typo (<c>severity=High</c>) reads as "there are none".
    /// </summary>
    public static string? OneOf(StringValues value, string name, IReadOnlyList<string> allowed, List<ItemError> errors)
    {
        var text = value.FirstOrDefault();
        if (string.IsNullOrEmpty(text) || allowed.Contains(text, StringComparer.Ordinal))
        {
            return string.IsNullOrEmpty(text) ? null : text;
        }

        errors.Add(new ItemError(0, name, $"must be one of {string.Join(", ", allowed)}"));
        return null;
    }

    /// <summary>
    /// A cluster's name as events give it (<c>attributes["k8s.cluster"]</c>), exactly (case matters, as everywhere clusters
    /// are compared); one no event could name — white space at an end, a control character, over 253 characters — is an
    /// error naming <c>cluster</c>, not a list that is empty because nothing can match.
    /// </summary>
    public static string? Cluster(StringValues value, List<ItemError> errors)
    {
        var text = value.FirstOrDefault();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (Isolation.IsolatorClusters.NameProblem(text) is { } problem)
        {
            errors.Add(new ItemError(0, "cluster", problem));
            return null;
        }

        return text;
    }

    /// <summary>An ATT&amp;CK technique id (<c>T1611</c>, <c>t1552.007</c>), upper-cased; anything else is an error.</summary>
    public static string? Technique(StringValues value, List<ItemError> errors)
    {
        var text = value.FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var id = text.ToUpperInvariant();
        if (id.Length is 5 or 9 && id[0] == 'T' && id.AsSpan(1, 4).IndexOfAnyExceptInRange('0', '9') < 0
            && (id.Length == 5 || (id[5] == '.' && id.AsSpan(6).IndexOfAnyExceptInRange('0', '9') < 0)))
        {
            return id;
        }

        errors.Add(new ItemError(0, "technique", "must be an ATT&CK technique id such as T1611 or T1552.007"));
        return null;
    }

    /// <summary>The queue's filters, as <see cref="Alerts"/> reads them.</summary>
    public static readonly string[] AlertFilters = ["status", "severity", "principal", "detector", "assignee", "namespace", "cluster", "technique", "staged", "since", "until", "limit", "offset", "cursor"];

    /// <summary>The queue's filters without its paging (<c>limit</c>, <c>offset</c>, <c>cursor</c>): what its stream takes, which pages nothing.</summary>
    public static readonly string[] AlertStreamFilters = [.. AlertFilters.Except(["limit", "offset", "cursor"]), "since_version"];

    /// <summary>
    /// A query parameter that is none of <paramref name="known"/> is an error naming it and those the endpoint takes: a
    /// misspelt filter (<c>principle=</c>) would otherwise be dropped, and the whole list read as the filtered one. Names
    /// match in any case, as the values are read. So is one given more than once: each takes one value, and the others
    /// would be dropped (<c>severity=high&amp;severity=critical</c> read as high alone).
    /// </summary>
    public static void OnlyKnown(IQueryCollection query, IReadOnlyCollection<string> known, List<ItemError> errors)
    {
        foreach (var (name, values) in query)
        {
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new ItemError(0, name, $"is not a parameter of this endpoint; it takes {string.Join(", ", known)}"));
            }
            else if (values.Count > 1)
            {
                errors.Add(new ItemError(0, name, $"is given {values.Count} times: it takes one value, so send it once"));
            }
        }
    }

    /// <summary>The queue's filters: status, severity, principal, detector, assignee, namespace, technique, staged, since, until, limit, offset, cursor.</summary>
    public static AlertQuery Alerts(IQueryCollection q, List<ItemError> errors)
    {
        var status = q["status"].FirstOrDefault();
        if (!string.IsNullOrEmpty(status) && status != AlertStatuses.Closed && !AlertStatuses.IsKnown(status))
        {
            errors.Add(new ItemError(0, "status", $"must be one of {string.Join(", ", AlertStatuses.All)} or {AlertStatuses.Closed}"));
        }

        AlertCursor? after = null;
        if (q["cursor"].FirstOrDefault() is { Length: > 0 } cursor)
        {
            if (AlertCursor.TryDecode(cursor, out var c))
            {
                after = c;
            }
            else
            {
                errors.Add(new ItemError(0, "cursor", "is not a cursor this API returned (next_cursor)"));
            }
        }

        return new AlertQuery(
            Status: status,
            Severity: OneOf(q["severity"], "severity", [Severities.Low, Severities.Medium, Severities.High, Severities.Critical], errors),
            Principal: q["principal"].FirstOrDefault(),
            Detector: q["detector"].FirstOrDefault(),
            Assignee: q["assignee"].FirstOrDefault(),
            Namespace: q["namespace"].FirstOrDefault(),
            Cluster: Cluster(q["cluster"], errors),
            Technique: Technique(q["technique"], errors),
            Staged: OneOf(q["staged"], "staged", ["true", "false"], errors) is { } staged ? staged == "true" : null,
            Since: Time(q["since"], "since", errors),
            Until: Time(q["until"], "until", errors),
            Limit: Limit(q["limit"], 50, AlertStore.MaxPage, errors),
            Offset: Int(q["offset"], 0, "offset", errors),
            After: after);
    }
}
