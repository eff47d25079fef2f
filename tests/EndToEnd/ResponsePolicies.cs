namespace ZtStream.EndToEnd;

/// <summary>Response policies a test's <c>ztstream run</c> reads from its folder (<c>Responder:PolicyPath</c>).</summary>
internal static class ResponsePolicies
{
    /// <summary>
    /// Writes <c>response.yaml</c> into <paramref name="folder"/>: every alert from <paramref name="severity"/> up revokes
    /// its token automatically, with a budget no test reaches; its path.
    /// </summary>
    public static async Task<string> RevokeTokensAsync(DirectoryInfo folder, string severity)
    {
        var path = Path.Combine(folder.FullName, "response.yaml");
        await File.WriteAllTextAsync(path, $"""
            rules:
              - name: revoke-stolen-tokens
                severity: {severity}
                action: revoke_token
                mode: automatic
            budget:
              max_automatic: 100
              max_automatic_per_namespace: 100
              window: 5m
            """, Ct);
        return path;
    }
}
