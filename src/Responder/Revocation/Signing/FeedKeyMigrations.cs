namespace ZtStream.Responder.Revocation.Signing;

/// <summary>The table of the feed's generated signing key, a component of its own so it never competes for the Responder's migration numbers.</summary>
internal sealed class FeedKeyMigrations : IMigrationSource
{
    public const string Component = "responder-feed-keys";
    public const string Table = "responder_feed_keys";

    public IEnumerable<Migration> Migrations { get; } =
    [
        Migration.Portable(Component, 1, "revocation feed signing keys", SigningKeyRing.CreateTable(Table)),
    ];
}
