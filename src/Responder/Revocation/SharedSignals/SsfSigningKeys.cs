namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>The keys SETs are signed with: <see cref="SharedSignalsOptions.SigningKeyPath"/>, else kept in <c>responder_ssf_keys</c>.</summary>
internal sealed class SsfSigningKeys(IStore store, SharedSignalsOptions options, TimeProvider time, ILogger<SsfSigningKeys> logger)
    : SigningKeyRing(store, Settings(options), time, logger)
{
    private static SigningKeySettings Settings(SharedSignalsOptions options) => new(
        "Shared Signals SETs",
        SsfMigrations.KeysTable,
        options.SigningAlgorithm,
        string.IsNullOrEmpty(options.SigningKeyPath) ? [] : [options.SigningKeyPath],
        options.KeyId,
        options.KeyRotationInterval,
        options.KeyOverlap);
}
