namespace ZtStream.Responder.Revocation.Signing;

/// <summary>The keys the revocation feed is signed with (ES256): <see cref="RevocationFeedOptions.SigningKeyPaths"/>, else kept in <c>responder_feed_keys</c>.</summary>
internal sealed class FeedSigningKeys(IStore store, IOptions<RevocationFeedOptions> options, TimeProvider time, ILogger<FeedSigningKeys> logger)
    : SigningKeyRing(store, Settings(options.Value), time, logger)
{
    public const string Algorithm = Es256;

    public static string? KeyProblem(string path, string setting) => KeyProblem(path, setting, Algorithm);

    // Stored keys are never rotated, and every one stays published: replicas that started together on an empty store
    // may each have generated one before settling on the newest, and an application may have pinned either.
    private static readonly TimeSpan KeepPublished = TimeSpan.FromDays(3650);

    private static SigningKeySettings Settings(RevocationFeedOptions options) =>
        new("the revocation feed", FeedKeyMigrations.Table, Algorithm, options.SigningKeyPaths, null, null, KeepPublished);
}
