using System.Buffers;

namespace ZtStream.Sdk.Revocations;

/// <summary>
/// Reads a snapshot (<c>{"version": …, "revocations": [ … ]}</c>) as its bytes arrive, each entry into the list being
/// loaded as soon as it is whole: what is held while reading is the entries in force (bounded by <c>MaxEntries</c>) and
/// one buffer the size of the largest entry, never the body nor a list of every entry beside the index built from them.
/// </summary>
internal static class SnapshotReader
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>Reads the snapshot from <paramref name="body"/> into <paramref name="into"/> and returns its version; throws <see cref="JsonException"/> when it is not one.</summary>
    public static async Task<long> ReadAsync(Stream body, RevocationList.Loading into, CancellationToken cancellationToken)
    {
        var pooled = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var buffer = pooled;
        var state = new State();
        var length = 0;
        var final = false;
        var untilFull = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    // One token or entry longer than the buffer: grown, bounded by MaxSnapshotBytes as the body is. Not
                    // from the shared pool, which would keep it after the snapshot, for as long as the process runs.
                    var larger = new byte[buffer.Length * 2];
                    buffer.AsSpan(0, length).CopyTo(larger);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                final = read == 0;
                length += read;
                if (untilFull && !final && length < buffer.Length)
                {
                    // The part under way did not fit what was read: reading it again after every small read would scan
                    // a long part once per read. Read again only with the buffer full, which doubles each time.
                    continue;
                }

                var consumed = Step(buffer.AsSpan(0, length), final, ref state, into);
                untilFull = consumed == 0;
                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
                if (state.Where == Part.Done)
                {
                    return state.Version;
                }

                if (final)
                {
                    throw new JsonException("the revocation snapshot ends before it is complete");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }

    /// <summary>Reads a snapshot already in memory (the signed snapshot's verified content).</summary>
    public static long Read(ReadOnlySpan<byte> json, RevocationList.Loading into)
    {
        var state = new State();
        Step(json, isFinalBlock: true, ref state, into);
        return state.Where == Part.Done ? state.Version : throw new JsonException("the revocation snapshot ends before it is complete");
    }

    private enum Part
    {
        Start,
        Members,
        Entries,
        Done,
    }

    private struct State
    {
        public JsonReaderState Reader;
        public Part Where;
        public long Version;
        public bool HasVersion;
        public bool HasEntries;
    }

    /// <summary>
    /// Reads as many whole parts (a member, an entry) as <paramref name="data"/> holds and returns the bytes they took;
    /// the rest is read again with more data.
    /// </summary>
    private static int Step(ReadOnlySpan<byte> data, bool isFinalBlock, ref State state, RevocationList.Loading into)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock, state.Reader);
        var done = 0;
        while (state.Where != Part.Done && ReadPart(ref reader, ref state, into))
        {
            done = (int)reader.BytesConsumed;
            state.Reader = reader.CurrentState;
        }

        return done;
    }

    /// <summary>One part, or false (the reader left where it was) when it is not all there yet.</summary>
    private static bool ReadPart(ref Utf8JsonReader reader, ref State state, RevocationList.Loading into)
    {
        var ahead = reader;
        switch (state.Where)
        {
            case Part.Start:
                if (!ahead.Read())
                {
                    return false;
                }

                state.Where = ahead.TokenType == JsonTokenType.StartObject ? Part.Members : throw new JsonException("the revocation snapshot is not a JSON object");
                break;
            case Part.Members:
                if (!ahead.Read())
                {
                    return false;
                }

                if (ahead.TokenType == JsonTokenType.EndObject)
                {
                    state.Where = state.HasVersion && state.HasEntries ? Part.Done : throw new JsonException("the revocation snapshot lacks its version or revocations");
                    break;
                }

                var entries = ahead.ValueTextEquals("revocations"u8);
                var version = ahead.ValueTextEquals("version"u8);
                if (entries || version)
                {
                    if (!ahead.Read())
                    {
                        return false;
                    }

                    if (entries)
                    {
                        state.Where = ahead.TokenType == JsonTokenType.StartArray ? Part.Entries : throw new JsonException("the snapshot's revocations are not an array");
                    }
                    else
                    {
                        state.Version = ahead.TokenType == JsonTokenType.Number && ahead.TryGetInt64(out var v) ? v : throw new JsonException("the snapshot's version is not a whole number");
                        state.HasVersion = true;
                    }
                }
                else if (!ahead.TrySkip())
                {
                    return false;
                }

                break;
            default:
                if (!ahead.Read())
                {
                    return false;
                }

                if (ahead.TokenType == JsonTokenType.EndArray)
                {
                    state.HasEntries = true;
                    state.Where = Part.Members;
                    break;
                }

                var whole = ahead;
                if (ahead.TokenType != JsonTokenType.StartObject)
                {
                    throw new JsonException("a snapshot entry is not a JSON object");
                }

                if (!whole.TrySkip())
                {
                    return false;
                }

                into.Add(JsonSerializer.Deserialize(ref ahead, ContractJson.Input.Revocation)!);
                break;
        }

        reader = ahead;
        return true;
    }
}
