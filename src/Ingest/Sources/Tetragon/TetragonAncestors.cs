using ZtStream.Ingest.Sources.Falco;

namespace ZtStream.Ingest.Sources.Tetragon;

/// <summary>
/// The process's ancestors above its parent, as Tetragon exports them when its agent runs with <c>--enable-ancestors</c>
/// (<c>base</c> for <c>process_exec</c> and <c>process_exit</c>; <c>kprobe</c>, <c>tracepoint</c>, <c>lsm</c>,
/// <c>uprobe</c> for a policy's events, each needing <c>base</c>): the event's <c>ancestors</c>, Process messages "beyond
/// the immediate parent", nearest first — Tetragon walks <c>parent_exec_id</c> up from the parent (pkg/process,
/// <c>GetAncestorProcessesInternal</c>), so the first is the parent's parent and the last init's child or init. Without
/// the option, or for a process whose parent is init, there is no list.
/// </summary>
/// <remarks>
/// Written once, for every rule format, as <c>tetragon.ancestors</c>: an array whose element <c>i</c> is ancestor
/// <c>i + 2</c> in Falco's numbering (<c>proc.aname[2]</c> is element 0), each an object with <c>exepath</c> (its
/// <c>binary</c>), <c>args</c> (its <c>arguments</c>, Tetragon's quoting taken off: <see cref="TetragonArguments"/>; absent
/// when it ran with none) and <c>pid</c>. An ancestor Tetragon wrote without a binary stays in its place as an object
/// without <c>exepath</c>, so the ones above keep their depth. Bounded so a hostile list cannot balloon the event: at most
/// <see cref="MaxAncestors"/> ancestors, and at most <c>Ingest:MaxSourceObjectBytes</c> of them in all, the nearest kept;
/// how many were left out is <c>tetragon.ancestors_dropped</c>.
/// </remarks>
internal static class TetragonAncestors
{
    public const string Attribute = "tetragon.ancestors";

    public const string DroppedAttribute = "tetragon.ancestors_dropped";

    /// <summary>
    /// Ancestors kept above the parent. Falco's stock rules read up to <c>proc.aname[7]</c>, and the nearest are the ones
    /// rules name; beyond this an ancestor reads as missing, as one libsinsp lost.
    /// </summary>
    public const int MaxAncestors = 64;

    /// <summary>
    /// Writes the ancestors of <paramref name="body"/> (an event of <paramref name="type"/>) into
    /// <paramref name="attributes"/>; the error (its field and why) when the list is not one Tetragon writes.
    /// </summary>
    public static (string Field, string Message)? Add(Dictionary<string, JsonElement> attributes, JsonElement body, string type, SourceMapOptions options)
    {
        if (body.Child("ancestors") is not { ValueKind: not JsonValueKind.Null } list)
        {
            return null;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            return (type + ".ancestors", $"expected an array of processes, got {JsonFields.Describe(list)}");
        }

        var count = list.GetArrayLength();
        if (count == 0)
        {
            return null;
        }

        var max = options.MaxFieldLength - 1;
        var output = new ArrayBufferWriter<byte>();
        var one = new ArrayBufferWriter<byte>();
        var kept = 0;
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartArray();
            foreach (var ancestor in list.EnumerateArray())
            {
                if (kept == MaxAncestors)
                {
                    break;
                }

                if (ancestor.ValueKind != JsonValueKind.Object)
                {
                    return ($"{type}.ancestors[{kept}]", $"expected a process object, got {JsonFields.Describe(ancestor)}");
                }

                one.ResetWrittenCount();
                using (var item = new Utf8JsonWriter(one))
                {
                    Write(item, ancestor, max);
                }

                // The item, its comma and the closing bracket.
                if (output.WrittenCount + writer.BytesPending + one.WrittenCount + 2 > options.MaxObjectBytes)
                {
                    break;
                }

                writer.WriteRawValue(one.WrittenSpan, skipInputValidation: true);
                kept++;
            }

            writer.WriteEndArray();
        }

        if (kept > 0)
        {
            using var document = JsonDocument.Parse(output.WrittenMemory);
            attributes[Attribute] = document.RootElement.Clone();
        }

        if (kept < count)
        {
            attributes[DroppedAttribute] = JsonFields.Of((long)(count - kept));
        }

        return null;
    }

    private static void Write(Utf8JsonWriter writer, JsonElement ancestor, int max)
    {
        writer.WriteStartObject();
        if (FalcoMapper.NonEmpty(ancestor.String("binary")) is { } binary)
        {
            writer.WriteString("exepath", FalcoMapper.Clip(binary, max));
        }

        if (FalcoMapper.NonEmpty(ancestor.String("arguments")) is { } quoted && FalcoMapper.NonEmpty(TetragonArguments.Decode(quoted)) is { } arguments)
        {
            writer.WriteString("args", FalcoMapper.Clip(arguments, max));
        }

        if (ancestor.Child("pid") is { ValueKind: JsonValueKind.Number } pid && pid.TryGetInt64(out var number))
        {
            writer.WriteNumber("pid", number);
        }

        writer.WriteEndObject();
    }
}
