namespace ZtStream.Responder.Api;

/// <summary>
/// Who called: the name and role of an API token, or of a console session signed in through the identity provider
/// (<paramref name="CsrfToken"/> is then the token its state-changing requests must echo).
/// </summary>
internal sealed record Caller(string Name, string Role, string? CsrfToken = null)
{
    public bool IsResponder => ApiRoles.Allows(Role, ApiRoles.Responder);

    public bool Can(string role) => ApiRoles.Allows(Role, role);
}

/// <summary>
/// Bearer API tokens from options. Only SHA-256 hashes are kept in memory and compared in constant time,
/// so a timing probe learns nothing and a config holding <c>TokenSha256</c> holds no secret. Token files are read
/// (or made, at first start) when this is built, which the Responder does as it maps its endpoints.
/// </summary>
internal sealed class ApiTokenAuthenticator
{
    /// <summary>The feed credential of readers without one, where the feed allows them.</summary>
    public const string AnonymousCredential = "anonymous";

    /// <summary>The feed credential of whoever presents <see cref="RevocationFeedOptions.Token"/>.</summary>
    public const string FeedTokenCredential = "feed-token";

    private readonly List<(byte[] Hash, Caller Caller)> _tokens;
    private readonly byte[]? _feedHash;
    private readonly bool _anonymousFeed;

    public ApiTokenAuthenticator(IOptions<ResponderOptions> options, IOptions<RevocationFeedOptions> feed, ILogger<ApiTokenAuthenticator> logger)
    {
        _tokens = [.. options.Value.ApiTokens.Select(t => (
            t.TokenSha256 is { Length: > 0 } h ? Convert.FromHexString(h) : BearerTokens.Hash(t.Token ?? FromFile(t.TokenFile!, $"API token '{t.Name}' ({t.Role})", logger)),
            new Caller(t.Name, t.Role)))];
        var feedToken = feed.Value.TokenFile is { Length: > 0 } file ? FromFile(file, "revocation feed token", logger) : feed.Value.Token;
        _feedHash = feedToken is { Length: > 0 } f ? BearerTokens.Hash(f) : null;
        _anonymousFeed = feed.Value.Anonymous;
        if (!_anonymousFeed && _feedHash is null && _tokens.Count == 0)
        {
            ResponderLog.FeedUnreadable(logger);
        }
    }

    public static string HashHex(string token) => Convert.ToHexStringLower(BearerTokens.Hash(token));

    public Caller? Authenticate(HttpContext http) =>
        BearerTokens.Presented(http) is { } presented ? BearerTokens.Find(_tokens, presented) : null;

    /// <summary>
    /// Who reads the feed: <see cref="FeedTokenCredential"/>, an API token's name, or <see cref="AnonymousCredential"/>
    /// where the feed is open and no credential was sent; null when the request may not read it (no credential on a
    /// private feed, or one that is not valid, even on an open feed).
    /// </summary>
    public string? FeedCredential(HttpContext http)
    {
        var presented = BearerTokens.Presented(http);
        if (presented is null)
        {
            return _anonymousFeed && !http.Request.Headers.ContainsKey("Authorization") ? AnonymousCredential : null;
        }

        if (_feedHash is not null && CryptographicOperations.FixedTimeEquals(BearerTokens.Hash(presented), _feedHash))
        {
            return FeedTokenCredential;
        }

        return Authenticate(http) is { } caller ? "api:" + caller.Name : null;
    }

    private static string FromFile(string path, string what, ILogger logger)
    {
        var token = TokenFiles.ReadOrCreate(path, out var created);
        if (created)
        {
            ResponderLog.TokenFileCreated(logger, what, Path.GetFullPath(path));
        }

        return token;
    }
}
