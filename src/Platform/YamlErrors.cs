using YamlDotNet.Core;

namespace ZtStream.Platform;

/// <summary>
/// YamlDotNet's deserialization errors in the words of the file an operator wrote: the key and the kind of value it
/// takes, never a .NET type name. Shared by the policy readers, which bind YAML to classes.
/// </summary>
internal static class YamlErrors
{
    /// <summary>
    /// The 1-based line of the node <paramref name="ex"/> is about: the innermost YamlDotNet error's, since an outer one
    /// (a map read into a dictionary) carries the start of the map that holds it.
    /// </summary>
    public static long Line(YamlException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var line = ex.Start.Line;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is YamlException yaml)
            {
                line = yaml.Start.Line;
            }
        }

        return line;
    }

    /// <summary>Why <paramref name="ex"/> refused the node it names (its position is the caller's to say).</summary>
    public static string Reason(YamlException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var innermost = ex;
        for (var inner = ex.InnerException; inner is YamlException yaml; inner = inner.InnerException)
        {
            innermost = yaml;
        }

        var message = (innermost.InnerException ?? innermost).Message;
        const string NotFound = "' not found on type '";
        if (message.StartsWith("Property '", StringComparison.Ordinal) && message.IndexOf(NotFound, StringComparison.Ordinal) is > 10 and var end)
        {
            return $"unknown key '{message[10..end]}'";
        }

        const string NoDeserializer = "No node deserializer was able to deserialize the node into type ";
        if (message.StartsWith(NoDeserializer, StringComparison.Ordinal))
        {
            return $"{Kind(message[NoDeserializer.Length..])} is needed here";
        }

        const string NoInstance = "Failed to create an instance of type '";
        if (message.StartsWith(NoInstance, StringComparison.Ordinal))
        {
            return $"{Kind(message[NoInstance.Length..])} is needed here";
        }

        if (innermost.InnerException is InvalidCastException && message.IndexOf("' to '", StringComparison.Ordinal) is > 0 and var to)
        {
            return $"{Kind(message[(to + 6)..])} is needed here, not a single value";
        }

        const string Duplicate = "Encountered duplicate key ";
        return message.StartsWith(Duplicate, StringComparison.Ordinal)
            ? $"the key '{message[Duplicate.Length..].TrimEnd('.')}' is given twice in the map there (YAML keys are unique; the second would silently win)"
            : message;
    }

    /// <summary>The kind of YAML value a bound .NET type takes.</summary>
    private static string Kind(string typeName) => KindOf(typeName.StartsWith("System.Nullable`1[[", StringComparison.Ordinal) ? typeName[19..] : typeName);

    private static string KindOf(string typeName) =>
        typeName.StartsWith("System.Collections.Generic.List`1", StringComparison.Ordinal) || typeName.Contains("[]", StringComparison.Ordinal) ? "a list"
        : typeName.StartsWith("System.Int", StringComparison.Ordinal) || typeName.StartsWith("System.Double", StringComparison.Ordinal) ? "a number"
        : typeName.StartsWith("System.Boolean", StringComparison.Ordinal) ? "true or false"
        : typeName.StartsWith("System.String", StringComparison.Ordinal) ? "a single value"
        : "a map of keys";
}
