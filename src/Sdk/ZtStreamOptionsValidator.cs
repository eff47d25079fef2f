namespace ZtStream.Sdk;

/// <summary>Reports every problem of <see cref="ZtStreamOptions"/> at once.</summary>
internal sealed class ZtStreamOptionsValidator : IValidateOptions<ZtStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, ZtStreamOptions options)
    {
        var problems = Validate(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>One line per problem; empty when the options are usable.</summary>
    public static List<string> Validate(ZtStreamOptions o)
    {
        var p = new List<string>();
        const string S = ZtStreamOptions.SectionName;
        p.AddRange(o.BindingProblems);
        if (!ServiceAddresses.IsHttpUri(o.Endpoint))
        {
            p.Add($"{S}:Endpoint must be an absolute http or https address of Ingest (got '{o.Endpoint}').");
        }
        else if (ServiceAddresses.ClearTextProblem($"{S}:Endpoint", o.Endpoint!, o.AllowHttp, $"{S}:AllowHttp", ServiceAddresses.EndpointRisk) is { } endpointInClear)
        {
            p.Add(endpointInClear + ".");
        }

        if (ServiceAddresses.IsHttpUri(o.Endpoint) && ServiceAddresses.BaseProblem($"{S}:Endpoint", o.Endpoint, ZtStreamClient.EventsPath) is { } endpointNotBase)
        {
            p.Add(endpointNotBase + ".");
        }

        if (string.IsNullOrWhiteSpace(o.SourceKey))
        {
            p.Add($"{S}:SourceKey is required (create one with 'ztstream sources add NAME').");
        }
        else
        {
            Credential(p, $"{S}:SourceKey", o.SourceKey);
        }

        if (o.BatchSize is < 1 or > 10_000)
        {
            p.Add($"{S}:BatchSize must be between 1 and 10000 (got {o.BatchSize}).");
        }

        if (o.QueueCapacity < Math.Max(1, o.BatchSize) || o.QueueCapacity > 10_000_000)
        {
            p.Add($"{S}:QueueCapacity must be at least BatchSize ({o.BatchSize}) and at most 10000000 (got {o.QueueCapacity}).");
        }

        Positive(p, $"{S}:FlushInterval", o.FlushInterval);
        Positive(p, $"{S}:MinBackoff", o.MinBackoff);
        Positive(p, $"{S}:RequestTimeout", o.RequestTimeout);
        LongestWait(p, $"{S}:MaxBackoff", o.MaxBackoff, nameof(o.MinBackoff), o.MinBackoff);

        if (o.MaxAttempts < 1)
        {
            p.Add($"{S}:MaxAttempts must be at least 1 (got {o.MaxAttempts}).");
        }

        if (o.ShutdownTimeout < TimeSpan.Zero)
        {
            p.Add($"{S}:ShutdownTimeout must not be negative (got {o.ShutdownTimeout}).");
        }

        AtMostADay(p, $"{S}:ShutdownTimeout", o.ShutdownTimeout);

        if (string.IsNullOrWhiteSpace(o.SubjectClaim))
        {
            p.Add($"{S}:SubjectClaim must name a claim (default 'sub').");
        }

        if (o.Workload is null)
        {
            p.Add($"{S}:Workload must not be null.");
        }

        var r = o.Revocations;
        if (r is null)
        {
            p.Add($"{S}:Revocations must not be null.");
            return p;
        }

        if (r.Feed is not null && !ServiceAddresses.IsHttpUri(r.Feed))
        {
            p.Add($"{S}:Revocations:Feed must be an absolute http or https address of the Responder (got '{r.Feed}').");
        }
        else if (r.Feed is not null
            && ServiceAddresses.ClearTextProblem(
                $"{S}:Revocations:Feed", r.Feed, r.AllowHttp || !string.IsNullOrEmpty(r.SigningKeys), $"{S}:Revocations:AllowHttp", ServiceAddresses.FeedRisk) is { } feedInClear)
        {
            p.Add(feedInClear + ".");
        }

        if (ServiceAddresses.IsHttpUri(r.Feed) && ServiceAddresses.BaseProblem($"{S}:Revocations:Feed", r.Feed, RevocationFeed.SnapshotPath) is { } feedNotBase)
        {
            p.Add(feedNotBase + ".");
        }

        if (!string.IsNullOrEmpty(r.SigningKeys) && FeedKeySource.Problem(r.SigningKeys) is { } keysProblem)
        {
            p.Add($"{S}:Revocations:SigningKeys {keysProblem}.");
        }

        if (!string.IsNullOrEmpty(r.Key))
        {
            Credential(p, $"{S}:Revocations:Key", r.Key);
        }

        if (string.IsNullOrWhiteSpace(r.Issuer) || string.IsNullOrWhiteSpace(r.Audience))
        {
            p.Add($"{S}:Revocations:Issuer and Audience must not be empty (the iss and aud of the signed feed).");
        }

        if (r.MaxSnapshotBytes < 1024)
        {
            p.Add($"{S}:Revocations:MaxSnapshotBytes must be at least 1024 (got {r.MaxSnapshotBytes}).");
        }

        if (r.MaxEventBytes < 1024)
        {
            p.Add($"{S}:Revocations:MaxEventBytes must be at least 1024 (got {r.MaxEventBytes}).");
        }

        if (r.MaxEntries is < 100 or > 10_000_000)
        {
            p.Add($"{S}:Revocations:MaxEntries must be between 100 and 10000000 (got {r.MaxEntries}).");
        }

        Positive(p, $"{S}:Revocations:StaleAfter", r.StaleAfter);
        Positive(p, $"{S}:Revocations:MinReconnectDelay", r.MinReconnectDelay);
        Positive(p, $"{S}:Revocations:RequestTimeout", r.RequestTimeout);
        Positive(p, $"{S}:Revocations:IdleTimeout", r.IdleTimeout);
        LongestWait(p, $"{S}:Revocations:MaxReconnectDelay", r.MaxReconnectDelay, nameof(r.MinReconnectDelay), r.MinReconnectDelay);

        return p;
    }

    /// <summary>
    /// The longest any of the SDK's durations may be. Timers take no more than some weeks, and a bare number is read as
    /// days ("30" is 30 days), so a duration beyond a day is a unit mistake, not a wish.
    /// </summary>
    private static readonly TimeSpan LongestDuration = TimeSpan.FromDays(1);

    private static void Positive(List<string> problems, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{key} must be positive (got {value}).");
        }
        else
        {
            AtMostADay(problems, key, value);
        }
    }

    /// <summary>
    /// The longest wait of a retry (<paramref name="key"/>): at least its first (<paramref name="firstName"/>, a key beside
    /// it), and at most a day. The SDK ships without the platform, so this is its own copy of <c>OptionsChecks.BackoffRange</c>.
    /// </summary>
    private static void LongestWait(List<string> problems, string key, TimeSpan value, string firstName, TimeSpan first)
    {
        if (value < first)
        {
            problems.Add($"{key} must be at least {firstName} (got {value} < {first}).");
        }

        AtMostADay(problems, key, value);
    }

    private static void AtMostADay(List<string> problems, string key, TimeSpan value)
    {
        if (value > LongestDuration)
        {
            problems.Add($"{key} must be at most one day (got {value}; a bare number is days: write 00:00:30 for 30 seconds).");
        }
    }

    /// <summary>
    /// A credential goes out in the Authorization header: a line break (the one a secret file often ends with) fails
    /// every request as it is built, and no key ZtStream issues holds another control or a non-ASCII character.
    /// </summary>
    private static void Credential(List<string> problems, string key, string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                var found = c is '\r' or '\n' ? "a line break" : $"the character U+{(int)c:X4}";
                problems.Add($"{key} must be printable ASCII (it has {found}: a trailing newline from a secret file?).");
                return;
            }
        }
    }
}
