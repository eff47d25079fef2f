namespace ZtStream.Responder.Outbox;

/// <summary>Where an outbox item stands: pending until its target takes it, or until it is refused or given up.</summary>
internal static class OutboxStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}
