namespace ZtStream.EndToEnd;

/// <summary>Response policies a test's <c>ztstream run</c> reads from its folder (<c>Responder:PolicyPath</c>).</summary>
internal static class ResponsePolicies
{
    /// <summary>
    /// Writes <c>response.yaml</c> into <paramref name="folder"/>: every alert from <paramref name="severity"/> up revokes
    /// its token automatically, with a budget no test reaches (<paramref name="budget"/> automatic actions in 5 minutes);
    /// its path.
    /// </summary>
    public static Task<string> RevokeTokensAsync(DirectoryInfo folder, string severity, int budget = 100) => WriteAsync(folder, $"""
          - name: revoke-stolen-tokens
            severity: {severity}
            action: revoke_token
            mode: automatic
        """, budget);

    /// <summary>
    /// Writes <c>response.yaml</c> into <paramref name="folder"/> with <paramref name="rules"/> (the items of its
    /// <c>rules</c> list, each line indented as in the file) and a budget no test reaches (<paramref name="budget"/>
    /// automatic actions in 5 minutes, globally and per namespace); its path.
    /// </summary>
    public static async Task<string> WriteAsync(DirectoryInfo folder, string rules, int budget = 100)
    {
        var path = Path.Combine(folder.FullName, "response.yaml");
        await File.WriteAllTextAsync(path, $"""
            rules:
            {rules}
            budget:
              max_automatic: {budget}
              max_automatic_per_namespace: {budget}
              window: 5m
            """, Ct);
        return path;
    }

    /// <summary>
    /// The <c>--set</c> switches that make a <c>ztstream run</c> Responder act on <paramref name="policy"/>, its rules
    /// looked at every second, and take <paramref name="apiToken"/> from an API caller of role responder.
    /// </summary>
    public static string[] ResponderSettings(string policy, string apiToken) =>
        ["--set", $"Responder:PolicyPath={policy}", "--set", "Responder:SchedulerInterval=00:00:01",
         .. ZtStreamApi.ApiToken("responder", apiToken)];
}
