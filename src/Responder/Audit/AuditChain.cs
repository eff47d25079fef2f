using System.Buffers;

namespace ZtStream.Responder.Audit;

/// <summary>
/// The audit trail's hash chain. Row <c>n</c> stores <c>hash = SHA-256(prev_hash, seq, at, kind, actor, action_id,
/// alert_id, principal, summary, before_json, after_json)</c> (the fields as one JSON array, so no two rows can serialise
/// alike), with <c>prev_hash</c> the hash of row <c>n - 1</c> and <see cref="Genesis"/> before row 1. Sequence numbers
/// have no gaps, unlike identity columns, so a missing row shows as a gap; the chain head (the last sequence number and
/// hash) is kept in a table of its own, so an emptied or cut-short trail is told from a short one.
/// </summary>
internal static class AuditChain
{
    /// <summary>The previous hash of row 1.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Lower-case hex SHA-256 of the row's fields and the hash before it.</summary>
    public static string Hash(string prevHash, long seq, long at, string kind, string actor, string? actionId, string? alertId, string? principal, string summary, string? beforeJson, string? afterJson)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + summary.Length + (beforeJson?.Length ?? 0) + (afterJson?.Length ?? 0));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStringValue(prevHash);
            json.WriteNumberValue(seq);
            json.WriteNumberValue(at);
            json.WriteStringValue(kind);
            json.WriteStringValue(actor);
            WriteNullable(json, actionId);
            WriteNullable(json, alertId);
            WriteNullable(json, principal);
            json.WriteStringValue(summary);
            WriteNullable(json, beforeJson);
            WriteNullable(json, afterJson);
            json.WriteEndArray();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void WriteNullable(Utf8JsonWriter json, string? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value);
        }
    }
}
