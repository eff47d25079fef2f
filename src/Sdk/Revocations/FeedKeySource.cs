namespace ZtStream.Sdk.Revocations;

/// <summary>
/// Where the pinned feed keys come from (<c>Revocations:SigningKeys</c>): a JWKS file, or an <c>https</c> address (plain
/// <c>http</c> only to loopback: whoever could change the keys could sign the feed). Read again before every snapshot,
/// so a JWKS updated for a key rotation is taken without a restart.
/// </summary>
internal static class FeedKeySource
{
    /// <summary>Most bytes of a JWKS read.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>What is wrong with <paramref name="source"/> (to follow the setting's name), or null.</summary>
    public static string? Problem(string source)
    {
        if (AsUri(source) is { } uri)
        {
            return ServiceAddresses.InClear(uri, allowHttp: false)
                ? $"must be a file or an https address: whoever can change the keys on the way can sign the feed (got '{uri}'; http only to a loopback address or localhost)"
                : null;
        }

        try
        {
            var file = new FileInfo(source);
            if (!file.Exists)
            {
                return $"'{source}' is not a file (a JWKS file, or an https address of one)";
            }

            if (file.Length > MaxBytes)
            {
                return $"'{source}' is larger than {MaxBytes} bytes";
            }

            FeedSignatures.Parse(File.ReadAllText(source)).Dispose();
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException)
        {
            return $"'{source}' cannot be used: {ex.Message}";
        }
    }

    /// <summary>Reads the keys; throws <see cref="FeedMessageRefusedException"/> when they cannot be had, so the feed counts as unhealthy.</summary>
    public static async Task<FeedSignatures> LoadAsync(string source, HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            string jwks;
            if (AsUri(source) is { } uri)
            {
                using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                response.EnsureSuccessStatusCode();
                await using var body = new SnapshotCap(await response.Content.ReadAsStreamAsync(cancellationToken), MaxBytes);
                using var reader = new StreamReader(body);
                jwks = await reader.ReadToEndAsync(cancellationToken);
            }
            else
            {
                jwks = new FileInfo(source).Length > MaxBytes
                    ? throw new FormatException($"it is larger than {MaxBytes} bytes")
                    : await File.ReadAllTextAsync(source, cancellationToken);
            }

            return FeedSignatures.Parse(jwks);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or FeedLimitExceededException)
        {
            throw new FeedMessageRefusedException($"the pinned keys ({ZtStreamOptions.SectionName}:Revocations:SigningKeys '{source}') cannot be used: {(ex is FeedLimitExceededException ? $"it is larger than {MaxBytes} bytes" : ex.Message)}");
        }
    }

    private static Uri? AsUri(string source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var uri) && ServiceAddresses.IsHttpUri(uri) ? uri : null;
}
