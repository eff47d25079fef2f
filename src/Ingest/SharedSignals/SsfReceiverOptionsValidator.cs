namespace ZtStream.Ingest.SharedSignals;

/// <summary>Checks section <c>Ingest:Ssf</c>, listing every problem at once.</summary>
internal sealed class SsfReceiverOptionsValidator : OptionsValidator<SsfReceiverOptions, SsfReceiverOptionsValidator>, IOptionsRules<SsfReceiverOptions>
{
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(SsfReceiverOptions options, List<string> problems)
    {
        const string s = SsfReceiverOptions.Section;
        problems.Positive($"{s}:ReplayWindow", options.ReplayWindow);
        problems.NotNegative($"{s}:MaxClockSkew", options.MaxClockSkew);

        if (options.JwksCacheTime <= TimeSpan.Zero || options.JwksRefetchInterval < TimeSpan.Zero)
        {
            problems.Add($"{s}:JwksCacheTime must be positive and JwksRefetchInterval not negative");
        }

        if (options.PollInterval <= TimeSpan.Zero || options.HttpTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{s}:PollInterval and HttpTimeout must be positive");
        }

        problems.AtLeast($"{s}:MaxSetBytes", options.MaxSetBytes, 1024);

        var issuers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, t) in options.Transmitters)
        {
            var p = $"{s}:Transmitters:{name}";
            if (string.IsNullOrWhiteSpace(t.Issuer))
            {
                problems.Add($"{p}:Issuer is required: the iss the transmitter signs its SETs with");
            }
            else if (!issuers.TryAdd(t.Issuer, name))
            {
                problems.Add($"{p}:Issuer '{t.Issuer}' is also the issuer of transmitter '{issuers[t.Issuer]}'; each issuer belongs to one transmitter");
            }

            JwksUrls.Check(problems, p, t.JwksUri, t.AllowHttp, "the transmitter's", "SETs");

            if (string.IsNullOrWhiteSpace(t.Audience))
            {
                problems.Add($"{p}:Audience is required: the aud the transmitter addresses ZtStream with");
            }

            problems.HttpUrl($"{p}:PollEndpoint", t.PollEndpoint);
            if (HttpUrls.IsHttp(t.PollEndpoint) && HttpUrls.InClear(t.PollEndpoint, t.AllowHttp))
            {
                problems.Add($"{p}:PollEndpoint must be https: the poll carries PollAuthorization (http only to a loopback address, or with {p}:AllowHttp)");
            }

            problems.Between($"{p}:PollMaxEvents", t.PollMaxEvents, 1, 1000);

            foreach (var algorithm in t.Algorithms)
            {
                if (!SetValidator.AsymmetricAlgorithms.Contains(algorithm))
                {
                    problems.Add($"{p}:Algorithms: '{algorithm}' is not an asymmetric JWS algorithm ({string.Join(", ", SetValidator.AsymmetricAlgorithms)})");
                }
            }
        }
    }
}
